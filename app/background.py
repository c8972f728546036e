"""Run a function in a Qt thread pool and hand its result back to the GUI thread.

`BackgroundJobs.run(key, compute, done)` starts `compute()` in a pool thread
and later calls `done(result, error)` in the GUI thread (`error` is "" or a
plain line, `app.session.describe`). A newer job under the same key makes an
older one's result stale: it is dropped, never delivered. `call` does the same
at once, on the GUI thread, for work too small to hand off. `compute` must work
on copies only (it runs while the GUI goes on); `cancel(key)` drops whatever is
in flight.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.session import describe
from core.errors import LayerForgeError

__all__ = ["BackgroundJobs"]

Done = Callable[[Any, str], None]


def _attempt(compute: Callable[[], Any]) -> tuple[Any, str]:
    """(result, "") or (None, the reason in plain words); unexpected errors are printed too."""
    try:
        return compute(), ""
    except Exception as exc:  # noqa: BLE001 - reported to the view, never lost in a thread
        if not isinstance(exc, (LayerForgeError, ValueError, FloatingPointError)):
            traceback.print_exc()
        return None, describe(exc)


class _Delivery(QObject):
    """Lives in the GUI thread; its signal carries a pool thread's result there (queued)."""

    done = Signal(str, int, object, str)


class _Job(QRunnable):
    def __init__(self, key: str, generation: int, compute: Callable[[], Any], out: _Delivery):
        super().__init__()
        self.key, self.generation, self.compute, self.out = key, generation, compute, out

    def run(self) -> None:
        result, error = _attempt(self.compute)
        self.out.done.emit(self.key, self.generation, result, error)


class BackgroundJobs(QObject):
    """Jobs by key; only the newest job of a key delivers (see the module docstring)."""

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._delivery = _Delivery(self)
        self._delivery.done.connect(self._deliver)
        self._current: dict[str, tuple[int, Done]] = {}
        self._generation = 0

    def run(self, key: str, compute: Callable[[], Any], done: Done) -> None:
        self._generation += 1
        self._current[key] = (self._generation, done)
        self._pool.start(_Job(key, self._generation, compute, self._delivery))

    def call(self, key: str, compute: Callable[[], Any], done: Done) -> None:
        """Compute now, on this thread (a job of `key` in flight is dropped), then `done`."""
        self.cancel(key)
        done(*_attempt(compute))

    def cancel(self, key: str) -> None:
        self._current.pop(key, None)

    def busy(self, key: str) -> bool:
        return key in self._current

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the pool's jobs are done (tests, shutdown); queued results follow."""
        return bool(self._pool.waitForDone(msecs))

    def _deliver(self, key: str, generation: int, result: Any, error: str) -> None:
        current = self._current.get(key)
        if current is None or current[0] != generation:
            return  # a newer job (or a cancel) made this one stale
        del self._current[key]
        current[1](result, error)
