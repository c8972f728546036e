"""The predictions table: every evaluated row with its actual value, prediction and error.

Classification rows carry the predicted label, the probability the model gave
it, the probability it gave the actual class and `error` = 1 - that
probability (0 for a confident right answer, near 1 for a confident wrong
one). Regression rows carry the predicted value and `error` = predicted -
actual. `worst_first()` orders rows by how wrong they are; `write_csv`
exports the table, escaping text cells that a spreadsheet would run as a
formula.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from core.document.fileio import atomic_write_text

__all__ = ["PredictionsTable", "spreadsheet_safe"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """`text` with a leading apostrophe when a spreadsheet would read it as a formula.

    Text starting with = + - @, a tab or a carriage return is escaped, except a
    plain number such as "-1.5", which a spreadsheet reads as that number.
    """
    if not text.startswith(_FORMULA_START):
        return text
    try:
        float(text)
    except ValueError:
        return "'" + text
    return text


@dataclass(frozen=True)
class PredictionsTable:
    """One entry per evaluated row; `row` is its 1-based number in the evaluated data."""

    kind: str
    row: np.ndarray
    actual: np.ndarray
    predicted: np.ndarray
    error: np.ndarray
    probability: np.ndarray | None = None
    probability_actual: np.ndarray | None = None

    def __len__(self) -> int:
        return int(len(self.row))

    @property
    def columns(self) -> list[str]:
        if self.kind == "regression":
            return ["row", "actual", "predicted", "error"]
        return ["row", "actual", "predicted", "probability", "probability_actual", "error"]

    @property
    def correct(self) -> np.ndarray | None:
        """Whether each classification row was predicted right (None for regression)."""
        if self.kind == "regression":
            return None
        return self.actual == self.predicted

    def worst_first(self) -> np.ndarray:
        """Row positions ordered from the most wrong to the least (stable on ties)."""
        badness = np.abs(self.error) if self.kind == "regression" else self.error
        return np.argsort(-badness, kind="stable")

    def sort_order(self, column: str, descending: bool = False) -> np.ndarray:
        """Row positions ordered by `column` (one of `columns`)."""
        if column not in self.columns:
            raise KeyError(f"Expected one of {self.columns}. Received {column!r}.")
        values = getattr(self, column)
        if values.dtype == object:
            keys = np.array([str(v) for v in values])
            order = np.argsort(keys, kind="stable")
        else:
            order = np.argsort(values, kind="stable")
        return order[::-1] if descending else order

    def column(self, name: str) -> np.ndarray:
        return getattr(self, name)

    def records(self, order: Sequence[int] | np.ndarray | None = None) -> list[dict[str, Any]]:
        """The rows as dicts (JSON types), in `order` (default: as evaluated)."""
        idx = np.arange(len(self)) if order is None else np.asarray(order, dtype=np.int64)
        cols = self.columns
        data = [self.column(c) for c in cols]
        return [{c: _plain(d[i]) for c, d in zip(cols, data, strict=True)} for i in idx]

    def write_csv(
        self,
        target: str | os.PathLike[str] | TextIO,
        order: Sequence[int] | np.ndarray | None = None,
    ) -> None:
        """Write the table as CSV to a path (atomically) or an open text stream."""
        if isinstance(target, (str, os.PathLike)):
            buf = io.StringIO()
            self._write(buf, order)
            atomic_write_text(target, buf.getvalue(), action="written")
        else:
            self._write(target, order)

    def _write(self, fh: TextIO, order: Sequence[int] | np.ndarray | None) -> None:
        writer = csv.writer(
            fh, lineterminator="\r\n"
        )  # RFC 4180: cells holding CR or LF get quoted
        writer.writerow(self.columns)
        for rec in self.records(order):
            writer.writerow([_cell(v) for v in rec.values()])


def _plain(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return f if np.isfinite(f) else None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    return value if isinstance(value, (int, str)) or value is None else str(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return spreadsheet_safe(str(value))
