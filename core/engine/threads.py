"""How a training thread shares the machine with a window: BLAS threads and scheduling.

A window stays smooth only if its thread gets a CPU the moment it wakes. Two things
take that away while a network trains beside it. NumPy's BLAS (OpenBLAS) starts one
thread per core, and its threads spin while they wait for each other: on a 2-core
machine a matrix product then occupies both cores, the window waits for a CPU, and
when any other program takes a core the product stalls for everyone (W2 trained at
~70 batches/s with two BLAS threads on a loaded 2-core machine and at ~400 with one).
And a training thread that never sleeps competes with the window on equal terms
when the window wakes. `blas_thread_limit(n)` caps the BLAS threads while a block
runs (through threadpoolctl; the cap is process-wide and undone at the end);
`threads_beside_window()` is the cap that leaves one core free, where a run beside a
window starts; `set_blas_threads(n)` changes the count inside such a block, between two
steps. A fixed cap leaves speed unused on a quiet machine (W2 beside the plots: 345-350
batches/s with one BLAS thread, 380-404 with the count chosen below), so the app's worker
lets `core.engine.blas_tuner` choose by measurement: every core while trial windows
measure that faster, the cap again 0.4 s after another program took a core, and
the cap for good when steps are too short for OpenBLAS to split their products (the
seed network). `yield_to_interactive()`
marks the calling thread as a batch job (Linux `SCHED_BATCH`: the same share of the
CPU, but a waking interactive thread goes first). And Python's collector: a full
collection walks every object of the process (~100,000 in the app, 40-55 ms on the
2-core machine) holding the GIL, so the window froze whenever one ran in either
thread; `frozen_heap()` sets the objects alive at a run's start aside for its
duration (`gc.freeze`), so collections during the run walk only what it made. Qt-free:
the app's worker thread and any other long computation beside a window use them.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from core.engine.blas import blas_controller

__all__ = [
    "available_cores",
    "blas_thread_limit",
    "blas_threads",
    "frozen_heap",
    "set_blas_threads",
    "threads_beside_window",
    "yield_to_interactive",
]


def available_cores() -> int:
    """The CPUs this process may run on (its affinity where the system reports it)."""
    getter = getattr(os, "sched_getaffinity", None)
    if getter is not None:
        try:
            return max(len(getter(0)), 1)
        except OSError:
            pass
    return max(os.cpu_count() or 1, 1)


def threads_beside_window(cores: int | None = None) -> int:
    """BLAS threads for training beside a window: every core but one, at least one."""
    return max((available_cores() if cores is None else int(cores)) - 1, 1)


def blas_threads() -> int | None:
    """The BLAS threads NumPy uses now (the largest pool), or None when not known."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    pools = [int(p.get("num_threads") or 0) for p in threadpool_info() if p["user_api"] == "blas"]
    return max(pools) if pools else None


@contextmanager
def blas_thread_limit(threads: int | None) -> Iterator[int | None]:
    """Cap NumPy's BLAS at `threads` while the block runs (None: leave it as it is).

    Yields the cap in force (None when none was set: no cap asked for, or threadpoolctl
    is not installed). The cap is process-wide, like BLAS's own setting.
    """
    if threads is None:
        yield None
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an optional speed-up: without it BLAS keeps its own count
        yield None
        return
    with threadpool_limits(limits=max(int(threads), 1), user_api="blas"):
        yield max(int(threads), 1)


def set_blas_threads(threads: int) -> int | None:
    """Set NumPy's BLAS to `threads` threads now; the count set, or None when not controllable.

    Process-wide and not undone: call it between two steps inside a `blas_thread_limit`
    block, which puts the count in force at its start back at its end. Cheap (the BLAS
    libraries are looked up once per process), so a run may change its count often.
    """
    controller = blas_controller()
    if controller is None:
        return None
    count = max(int(threads), 1)
    for library in controller.select(user_api="blas").lib_controllers:
        library.set_num_threads(count)
    return count


def yield_to_interactive() -> str:
    """Make the calling thread a batch job for the scheduler; returns what was done.

    On Linux the thread moves to `SCHED_BATCH` (allowed without privileges: its share
    of the CPU stays the same, it only stops pre-empting threads that wake up, such as
    a window's). Elsewhere nothing changes here (the app lowers its worker's QThread
    priority instead).
    """
    setter = getattr(os, "sched_setscheduler", None)
    policy = getattr(os, "SCHED_BATCH", None)
    if not sys.platform.startswith("linux") or setter is None or policy is None:
        return "unchanged"
    try:
        setter(0, policy, os.sched_param(0))  # 0: the calling thread
    except OSError as exc:
        return f"unchanged ({exc.strerror or exc})"
    return "SCHED_BATCH"


@contextmanager
def frozen_heap() -> Iterator[int]:
    """Keep the collector off the objects alive now while the block runs; yields how many.

    They move to the collector's permanent generation (`gc.freeze`) and back at the end
    (`gc.unfreeze`), so a full collection inside the block takes time in proportion to
    what the block allocates, not to the whole heap. Garbage among the frozen objects
    waits for the first full collection after the block.
    """
    gc.freeze()
    try:
        yield gc.get_freeze_count()
    finally:
        gc.unfreeze()
