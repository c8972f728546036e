"""The model summary dock: Keras's `model.summary()` table, live.

Columns Layer (type), Output Shape, Param #, Connected to, one row per layer
in topological order, and the totals underneath. It reads the graph and the
controller's analysis and rebuilds (coalesced to once per burst of edits)
whenever either changes; it keeps no document state of its own.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import analysis_info as info
from app.theme import ERROR

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
HEADERS = ("Layer (type)", "Output Shape", "Param #", "Connected to")


def summary_rows(graph: Any, analysis: Any) -> list[tuple[str, str, str, str, str]]:
    """(node id, layer, shape, params, connected-to) per layer, as the analysis reports them.

    Before the first analysis (or while it lags behind an edit) the rows come
    from the graph alone, with unknown shapes and counts.
    """
    if analysis is not None and set(analysis.order) == set(graph.nodes):
        return [
            (
                nid,
                f"{r.layer} ({r.type})",
                r.output_shape,
                info.group_digits(r.params),
                r.connected_to or "–",
            )
            for nid, r in zip(analysis.order, analysis.summary_rows(), strict=True)
        ]
    rows = []
    for nid in graph.nodes:
        node = graph.node(nid)
        ins = ", ".join(graph.node(s).name for s in graph.inputs_of(nid))
        rows.append((nid, f"{node.name} ({node.type})", "?", "–", ins or "–"))
    return rows


class SummaryWidget(QWidget):
    """The summary table and totals. Emits `nodeActivated(id)` when a row is double-clicked."""

    nodeActivated = Signal(str)

    def __init__(self, controller: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setObjectName("summaryTable")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        hh = self.table.horizontalHeader()
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        hh.setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.totals = QLabel(self)
        self.totals.setObjectName("summaryTotals")
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(4)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.totals)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        controller.graphEvent.connect(lambda _e: self._timer.start())
        controller.documentReset.connect(self._timer.start)
        controller.analysisChanged.connect(lambda _a: self.refresh())
        self.table.cellDoubleClicked.connect(self._on_double_click)
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the table and totals from the graph and the current analysis."""
        self._timer.stop()
        graph = self.controller.graph
        analysis = getattr(self.controller, "analysis", None)
        rows = summary_rows(graph, analysis)
        all_problems = info.problems(analysis) if rows else []
        bad = {p.node_id for p in all_problems}
        self.table.setRowCount(len(rows))
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        for r, (nid, *cells) in enumerate(rows):
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, nid)
                if c in (1, 2):
                    item.setFont(mono)
                if c == 2:
                    item.setTextAlignment(_RIGHT)
                if nid in bad:
                    item.setForeground(QColor(ERROR))
                    item.setToolTip("; ".join(p.message for p in info.problems(analysis, nid)))
                self.table.setItem(r, c, item)
        parts = [
            f"<b>Total params:</b> {info.group_digits(info.total_params(analysis))}",
            f"<b>Layers:</b> {len(rows)}",
        ]
        if all_problems:
            n = len(all_problems)
            parts.append(f"<span style='color:{ERROR}'>{n} problem{'s' if n != 1 else ''}</span>")
        self.totals.setText(" &nbsp;·&nbsp; ".join(parts))

    def row_texts(self) -> list[list[str]]:
        """The table's cell texts, row by row (for tests and copy)."""
        return [
            [self.table.item(r, c).text() for c in range(self.table.columnCount())]
            for r in range(self.table.rowCount())
        ]

    def _on_double_click(self, row: int, _col: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.nodeActivated.emit(item.data(Qt.ItemDataRole.UserRole))
