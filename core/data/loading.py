"""Open a CSV as training data in steps that report progress and can be cancelled.

`load_csv(path, config_for, progress=..., cancel=...)` reads the file (the
progress follows the bytes the parser has taken), profiles its columns, asks
`config_for(profiles)` for the data settings and prepares the `Dataset`.
`progress(fraction, text)` is called as it goes (only when the share moved by a
per cent or the step changed, so a million rows make ~100 calls); `cancel()`
is asked between steps and with every megabyte read, and a true answer stops
the load with `LoadCancelled`. A file that cannot be read raises its
`DataError`; data that cannot be prepared (no usable target, ...) comes back
as `problem` with the table and its profiles, since a view shows both. Qt-free:
the app runs it in a pool thread and keeps its current data until it returns.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.data.dataset import DataConfig, Dataset, prepare
from core.data.profile import ColumnProfile, profile_table
from core.data.reader import Table, read_csv
from core.errors import LayerForgeError, LoadCancelled

__all__ = ["LoadedCsv", "load_csv"]

Progress = Callable[[float, str], None]
#: Where each step ends on the progress bar (1M rows x 20 columns on the 2-core machine:
#: reading ~0.9 s, profiling ~0.07 s, preparing ~0.5 s).
READ_END, PROFILE_END = 0.6, 0.65


@dataclass(frozen=True)
class LoadedCsv:
    """A CSV opened as data: the table and its profiles, and the dataset prepared with
    `config`, or the `problem` that stopped the preparing (then `dataset` is None)."""

    table: Table
    profiles: tuple[ColumnProfile, ...]
    config: DataConfig | None
    dataset: Dataset | None
    problem: LayerForgeError | ValueError | None = None


class _Reporter:
    """Calls `progress` when the share moved by a per cent or the text changed, and
    raises `LoadCancelled` once `cancel()` says so."""

    def __init__(self, progress: Progress | None, cancel: Callable[[], bool] | None) -> None:
        self._progress = progress
        self._cancel = cancel
        self._shown = (-1.0, "")

    def check(self) -> None:
        if self._cancel is not None and self._cancel():
            raise LoadCancelled("Opening the file was cancelled.")

    def __call__(self, fraction: float, text: str) -> None:
        self.check()
        if self._progress is None:
            return
        fraction = min(max(float(fraction), 0.0), 1.0)
        if text != self._shown[1] or fraction - self._shown[0] >= 0.01 or fraction >= 1.0:
            self._shown = (fraction, text)
            self._progress(fraction, text)


def load_csv(
    path: str | os.PathLike[str],
    config_for: Callable[[Sequence[ColumnProfile]], DataConfig],
    *,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> LoadedCsv:
    """Read, profile and prepare the CSV at `path` (see the module docstring)."""
    report = _Reporter(progress, cancel)
    name = os.path.basename(os.fspath(path))
    reading = f"Reading {name}"
    report(0.0, reading)
    table = read_csv(path, progress=lambda share: report(share * READ_END, reading), cancel=cancel)
    report(READ_END, f"Profiling {table.n_rows:,} rows")
    profiles = tuple(profile_table(table))
    report(PROFILE_END, f"Preparing {table.n_rows:,} rows for training")
    config: DataConfig | None = None
    try:
        config = config_for(profiles)
        dataset: Dataset | None = prepare(table, config)
        problem: LayerForgeError | ValueError | None = None
    except (LayerForgeError, ValueError) as exc:
        dataset, problem = None, exc
    report(1.0, f"Opened {name}")
    return LoadedCsv(table, profiles, config, dataset, problem)
