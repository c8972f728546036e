"""Per-class precision, recall, F1 and support, one row per class and their mean ("macro avg").

Shows a `core.evaluation.ClassificationReport` as it is: a class none of the
evaluated rows belongs to is listed with support 0 (greyed, with a tooltip
saying why its recall is 0), never dropped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
)

from app.results.text import score
from app.theme import MUTED

COLUMNS = ("Precision", "Recall", "F1", "Support")


class ClassTable(QTableWidget):
    """The per-class metrics of one report; see the module docstring."""

    def __init__(self) -> None:
        super().__init__(0, len(COLUMNS))
        self.setObjectName("classTable")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setDefaultSectionSize(22)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(56)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)

    def set_report(self, report: Any) -> None:
        labels = list(report.labels)
        p, r, f, s = report.precision, report.recall, report.f1, report.support
        self.setRowCount(len(labels) + 1)
        self.setVerticalHeaderLabels([*labels, "macro avg"])
        for i, label in enumerate(labels):
            cells = (score(p[i]), score(r[i]), score(f[i]), str(int(s[i])))
            absent = int(s[i]) == 0
            tip = f"No evaluated row is '{label}', so its recall is 0." if absent else ""
            self._row(i, cells, muted=absent, tip=tip)
        macro = (score(np.mean(p)), score(np.mean(r)), score(report.macro_f1), str(int(s.sum())))
        self._row(len(labels), macro, muted=False, tip="Unweighted mean over the classes")
        height = self.horizontalHeader().height() + 22 * (len(labels) + 1) + 4
        self.setMinimumHeight(min(height, 22 * 6 + 30))
        self.setMaximumHeight(height)
        self.setMinimumWidth(self.sizeHint().width())

    def _row(self, row: int, cells: tuple[str, ...], *, muted: bool, tip: str) -> None:
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if muted:
                item.setForeground(QColor(MUTED))
            if tip:
                item.setToolTip(tip)
            self.setItem(row, col, item)

    def text(self, label: str, column: str) -> str:
        """The cell of class `label` (or "macro avg") in `column` (for tests)."""
        rows = [self.verticalHeaderItem(i).text() for i in range(self.rowCount())]
        return self.item(rows.index(label), COLUMNS.index(column)).text()
