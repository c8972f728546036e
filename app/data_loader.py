"""Open a large CSV in a pool thread: `core.data.load_csv` with progress and Cancel.

`CsvLoader.load(path, config_for, done)` runs the read, the profile and the
preparing of `path` in a Qt pool thread (`app.background.BackgroundJobs`) and
later calls `done(loaded, error)` in the GUI thread with the
`core.data.LoadedCsv`, or None and the reason in plain words. Meanwhile
`progress(share, text)` reports it; `cancel()` makes the load stop at its next
check (at most a megabyte of parsing or one step later) and drops its result,
so whatever the caller showed before stays. `prepare(table, config, done)`
does the same for preparing an open table again with other settings. One job
at a time: a new one cancels the previous. `started(text)` and `ended()` frame
each job for views (a progress bar with a Cancel button). The loader holds no
data of its own.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.background import BackgroundJobs
from core.errors import LoadCancelled

if TYPE_CHECKING:
    from core.data import ColumnProfile, DataConfig, Dataset, LoadedCsv, Table

__all__ = ["CsvLoader"]

Done = Callable[["LoadedCsv | None", str], None]
_KEY = "load"


class CsvLoader(QObject):
    """One background CSV load (or re-preparing) at a time; see the module docstring."""

    started = Signal(str)  # what it is doing ("Opening data.csv")
    progress = Signal(float, str)
    ended = Signal()

    def __init__(self, parent: QObject | None = None, jobs: BackgroundJobs | None = None) -> None:
        super().__init__(parent)
        self._jobs = jobs or BackgroundJobs(self)
        self._cancel: threading.Event | None = None
        self.path: str | None = None
        self.text = ""

    def is_loading(self) -> bool:
        return self._cancel is not None

    def load(
        self,
        path: str,
        config_for: Callable[[Sequence[ColumnProfile]], DataConfig],
        done: Done,
    ) -> None:
        """Start loading `path` (cancelling a load in progress); `done` follows."""
        from core.data import load_csv

        def compute(cancel: threading.Event) -> LoadedCsv | None:
            def report(share: float, text: str) -> None:  # in the pool thread
                if not cancel.is_set():
                    self.progress.emit(share, text)

            return load_csv(path, config_for, progress=report, cancel=cancel.is_set)

        self._start(path, f"Opening {os.path.basename(path)}", compute, done)

    def prepare(
        self, table: Table, config: DataConfig, done: Callable[[Dataset | None, str], None]
    ) -> None:
        """Prepare `table` with `config` again (other settings) in the pool thread."""
        from core.data import prepare

        def compute(cancel: threading.Event) -> Dataset | None:
            return None if cancel.is_set() else prepare(table, config)

        text = f"Preparing {table.n_rows:,} rows of {os.path.basename(table.path)}"
        self._start(table.path, text, compute, done)

    def _start(
        self,
        path: str,
        text: str,
        compute: Callable[[threading.Event], Any],
        done: Callable[[Any, str], None],
    ) -> None:
        self.cancel()
        cancel = threading.Event()
        self._cancel, self.path, self.text = cancel, path, text

        def run() -> Any:  # in the pool thread
            try:
                return compute(cancel)
            except LoadCancelled:
                return None

        def finish(result: Any, error: str) -> None:
            self._end()
            done(result, error)

        self.started.emit(text)
        self.progress.emit(0.0, text)
        self._jobs.run(_KEY, run, finish)

    def cancel(self) -> bool:
        """Stop the job in progress and drop its result; False when there was none."""
        if self._cancel is None:
            return False
        self._cancel.set()
        self._jobs.cancel(_KEY)
        self._end()
        return True

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the pool thread has let go of the file (tests, shutdown)."""
        return self._jobs.wait(msecs)

    def _end(self) -> None:
        if self._cancel is not None:
            self._cancel, self.path, self.text = None, None, ""
            self.ended.emit()
