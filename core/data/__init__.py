"""CSV to training data: read a user's file, profile its columns, detect the
task, and build split, preprocessed float32 arrays with a fitted, JSON-able
pipeline. This package re-exports the public API of its modules."""

from __future__ import annotations

from core.data.dataset import DataConfig, Dataset, load_dataset, prepare
from core.data.generators import circles, spiral, two_moons, xor
from core.data.loading import LoadedCsv, load_csv
from core.data.preprocess import ColumnSpec, Pipeline
from core.data.profile import (
    ColumnProfile,
    TaskInfo,
    detect_task,
    format_label,
    profile_table,
    suggest_target,
)
from core.data.reader import MISSING_VALUES, Table, read_csv
from core.data.split import split_indices
from core.errors import DataError

__all__ = [
    "MISSING_VALUES",
    "ColumnProfile",
    "ColumnSpec",
    "DataConfig",
    "DataError",
    "Dataset",
    "LoadedCsv",
    "Pipeline",
    "Table",
    "TaskInfo",
    "circles",
    "detect_task",
    "format_label",
    "load_csv",
    "load_dataset",
    "prepare",
    "profile_table",
    "read_csv",
    "spiral",
    "split_indices",
    "suggest_target",
    "two_moons",
    "xor",
]
