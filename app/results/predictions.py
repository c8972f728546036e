"""The predictions table: every evaluated row with its actual value, prediction and error.

`PredictionsModel` is a Qt table model over a `core.evaluation.PredictionsTable`:
rows are shown worst first by default (`worst_first`), a header click sorts by
that column (`sort_order`; the error column sorts by how wrong a row is), and
`set_filter(positions)` restricts it to some rows (one confusion-matrix cell).
`PredictionsPanel` adds the filter line, "Show all rows" and "Export CSV…",
which writes the rows as shown with `PredictionsTable.write_csv`; the file
chooser is `ask_path`, which tests replace (no modal dialog).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)

from app.results.parts import heading, titled
from app.results.text import value
from app.theme import ERROR_SOFT
from core.errors import LayerForgeError

Index = QModelIndex | QPersistentModelIndex

_TITLES = {
    "row": ("Row", "Row number among the evaluated rows"),
    "actual": ("Actual", "The row's real value"),
    "predicted": ("Predicted", "What the model predicted"),
    "probability": ("Confidence", "The probability the model gave its prediction"),
    "probability_actual": ("p(actual)", "The probability the model gave the real class"),
}
_ERROR_TIPS = {
    "classification": "1 − p(actual): near 0 for a confident right answer, near 1 for a "
    "confident wrong one. Sorted by it, worst first.",
    "regression": "Predicted − actual, in the target's units. Sorted by its size, worst first.",
}


class PredictionsModel(QAbstractTableModel):
    """A sortable, filterable view of a `PredictionsTable`; see the module docstring."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.table: Any = None
        self.columns: list[str] = []
        self._order = np.zeros(0, dtype=np.int64)  # all positions, sorted
        self._filter: np.ndarray | None = None
        self._correct: np.ndarray | None = None
        self.shown = np.zeros(0, dtype=np.int64)  # the positions on screen, in order

    def set_table(self, table: Any) -> None:
        """Show `table` worst first; the filter is kept (the caller re-sets it)."""
        self.beginResetModel()
        self.table = table
        self.columns = list(table.columns) if table is not None else []
        self._correct = table.correct if table is not None else None  # computed once
        self._order = table.worst_first() if table is not None else np.zeros(0, dtype=np.int64)
        self._update_shown()
        self.endResetModel()

    def set_filter(self, positions: np.ndarray | None) -> None:
        """Show only these row positions (None: all)."""
        self.beginResetModel()
        self._filter = None if positions is None else np.asarray(positions, dtype=np.int64)
        self._update_shown()
        self.endResetModel()

    @property
    def filtered(self) -> bool:
        return self._filter is not None

    def _update_shown(self) -> None:
        if self._filter is None:
            self.shown = self._order
        else:
            self.shown = self._order[np.isin(self._order, self._filter)]

    # ------------------------------------------------------------------ Qt model
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.shown)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(  # noqa: N802 (Qt override)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        name = self.columns[section]
        kind = "regression" if self.table.kind == "regression" else "classification"
        title, tip = _TITLES.get(name, ("Error", _ERROR_TIPS[kind]))
        if role == Qt.ItemDataRole.DisplayRole:
            return title
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.table is None:
            return None
        pos = int(self.shown[index.row()])
        name = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(pos, name)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            numeric = not isinstance(self.table.column(name)[pos], str)
            align = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
            return int(align | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole:
            correct = self._correct
            if correct is not None and not correct[pos]:
                return QColor(ERROR_SOFT)
        return None

    def cell(self, pos: int, name: str) -> str:
        v = self.table.column(name)[pos]
        if name == "row":
            return str(int(v))
        if isinstance(v, str):
            return v
        if name.startswith("probability") or (name == "error" and self.table.kind != "regression"):
            return f"{float(v):.3f}"
        return value(float(v))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self.table is None or not 0 <= column < len(self.columns):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        name = self.columns[column]
        self.layoutAboutToBeChanged.emit()
        if name == "error":
            worst = self.table.worst_first()
            self._order = worst if descending else worst[::-1]
        else:
            self._order = self.table.sort_order(name, descending)
        self._update_shown()
        self.layoutChanged.emit()


def _ask_csv_path(parent: QWidget, suggested: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(
        parent, "Export predictions as CSV", suggested, "CSV file (*.csv)"
    )
    return path or None


class PredictionsPanel(QWidget):
    """The table with its filter line, "Show all rows" and "Export CSV…"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("predictionsPanel")
        self.model = PredictionsModel(self)
        self.view = QTableView()
        self.view.setObjectName("predictionsTable")
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.setAlternatingRowColors(False)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.title = heading("Predictions")
        self.filter_label = QLabel()
        self.filter_label.setProperty("role", "muted")
        self.filter_label.setWordWrap(True)
        self.show_all = QPushButton("Show all rows")
        self.show_all.setVisible(False)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Write the rows shown here, in this order, to a CSV file")
        #: Asks where to write the CSV (parent, suggested name) -> path or None; tests replace it.
        self.ask_path: Callable[[QWidget, str], str | None] = _ask_csv_path
        #: The folder "Export CSV…" suggests (next to the project); set by `install`.
        self.suggest_folder: Callable[[], str | None] = lambda: None
        self.last_export: str = ""
        titled(
            self, self.title, [self.show_all, self.export_button], [self.filter_label, self.view]
        )
        self.setMinimumWidth(300)
        self.show_all.clicked.connect(lambda: self.set_filter(None))
        self.export_button.clicked.connect(self.export_dialog)
        self._what = ""

    def set_table(self, table: Any) -> None:
        self.model.set_table(table)
        columns = self.model.columns
        error = columns.index("error") if table is not None else -1
        header = self.view.horizontalHeader()
        header.setSortIndicator(error, Qt.SortOrder.DescendingOrder)
        for col, name in enumerate(columns):
            # p(actual) is 1 - error: shown by the error column, kept in the CSV
            self.view.setColumnHidden(col, name == "probability_actual")
            header.resizeSection(col, self._width(col, name))
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self._show_count()

    def _width(self, col: int, name: str) -> int:
        """A column wide enough for its title (and the sort arrow) and its widest text."""
        fm = self.view.fontMetrics()
        title = str(self.model.headerData(col, Qt.Orientation.Horizontal))
        table = self.model.table
        if name == "row":
            sample = [str(int(table.row.max())) if len(table) else "0"]
        elif name in ("actual", "predicted") and table.kind != "regression":
            sample = sorted({str(v) for v in table.actual[:1000]}, key=len)[-1:]
        else:
            sample = ["-0000.0"]
        widest = max(fm.horizontalAdvance(t) for t in [*sample, ""])
        return min(max(fm.horizontalAdvance(title) + 28, widest + 16), 180)

    def set_filter(self, positions: np.ndarray | None, what: str = "") -> None:
        """Show only `positions` (described by `what`), or every row."""
        self._what = what if positions is not None else ""
        self.model.set_filter(positions)
        self.show_all.setVisible(positions is not None)
        self._show_count()

    def _show_count(self) -> None:
        n, total = self.model.rowCount(), len(self.model.table) if self.model.table else 0
        if self._what:
            self.filter_label.setText(f"{n} of {total} rows: {self._what}")
        else:
            self.filter_label.setText(f"all {total} rows, worst first" if total else "")

    def export_csv(self, path: str | os.PathLike[str]) -> int:
        """Write the rows as shown (filter and order) to `path`; returns how many."""
        self.model.table.write_csv(path, order=self.model.shown)
        self.last_export = str(path)
        return len(self.model.shown)

    def export_dialog(self) -> None:
        if self.model.table is None:
            return
        suggested = os.path.join(self.suggest_folder() or "", "predictions.csv")
        path = self.ask_path(self, suggested)
        if not path:
            return
        if not path.lower().endswith(".csv"):
            path += ".csv"
        try:
            n = self.export_csv(path)
        except (OSError, LayerForgeError) as exc:
            why = " ".join(str(getattr(exc, "strerror", None) or exc).split())
            self.filter_label.setText(f"Export failed: {why}. Choose another file or folder.")
            return
        self.filter_label.setText(f"Wrote {n} rows to {path}.")
