"""Ctrl+C while the command line starts up: held until its imports are done.

A SIGINT that arrives while a compiled extension module initialises (pandas'
Cython modules, for instance) raises `KeyboardInterrupt` inside that module's
init. Python then reports it as a `SystemError` chained to an `ImportError`,
with a traceback, instead of as an interrupt. `held_interrupts()` records a
Ctrl+C during the imports and raises an ordinary `KeyboardInterrupt` once they
are done, which the command line turns into a quiet exit with code 130.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def held_interrupts() -> Iterator[None]:
    """Hold SIGINT for the duration of the block; raise it as KeyboardInterrupt after.

    Only the main thread can install signal handlers; elsewhere (and where SIGINT is
    not Python's default handler, for example when it is ignored) it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.default_int_handler:
        yield
        return
    received: list[int] = []

    def record(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    signal.signal(signal.SIGINT, record)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt
