"""The Runs page: every training run recorded in the project, to compare, restore or delete.

`RunsModel` is a sortable Qt table model over `core.evaluation.runs.summary_row`s
(newest first until a header is clicked): id, start time (local), epochs,
duration, seed, the settings in words, the final epoch's metrics and the test
metrics. `RunsView` shows it with the curves of the selected runs overlaid
(`app.results.runs_charts`: loss and the main metric, one colour per run,
built when the page is first shown and redrawn only while it is on screen)
and two buttons that go through the `DocumentController`: "Restore
network and settings" (one undo step) and "Delete" (one undo step; Undo is
the way back, so nothing asks first). `install(window)` adds the page
"runs" to the window's workspace. The view reads the runs from the project
whenever the controller says they changed; it keeps no runs of its own.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.results.parts import heading
from app.results.text import duration, metric
from core.errors import FormatError
from core.evaluation.runs import RunRecord, epochs_text, summary_columns, summary_row

if TYPE_CHECKING:
    from app.results.runs_charts import RunCharts

Index = QModelIndex | QPersistentModelIndex

#: The columns before the metrics: key, title, tooltip.
_LEAD = (
    ("id", "Run", "The run's id: its start time (UTC) and four random characters"),
    ("started", "Started", "When the run started (local time)"),
    ("epochs", "Epochs", "Epochs the model was trained; 20+5: five more after 20"),
    ("duration", "Duration", "How long the run took (wall clock, pauses included)"),
    ("seed", "Seed", "The seed of the split, the initial weights and the shuffling"),
    ("settings", "Settings", "Optimizer, learning rate, batch size, loss, early stopping"),
)
#: The column of the start time (the default sort, newest first).
STARTED = 1
#: The table's first height (the curves below get twice as much) and the widest the
#: Settings column starts (its full text is the cell's tooltip).
TABLE_HEIGHT, SETTINGS_WIDTH = 240, 170


def local_time(iso: str) -> str:
    """ "2026-12-02T06:50:12+00:00" in this computer's time zone, to the second."""
    try:
        when = _dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


class RunsModel(QAbstractTableModel):
    """The runs as table rows; see the module docstring."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []
        self.columns: list[str] = []
        self.titles: list[str] = []
        self.tips: list[str] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None

    def set_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        """Show these `summary_row`s, given oldest first (the project's order)."""
        self.beginResetModel()
        finals, tests = summary_columns(rows)
        lead = {k: (t, tip) for k, t, tip in _LEAD}
        self.columns = (
            [k for k, _, _ in _LEAD] + [f"final:{n}" for n in finals] + [f"test:{n}" for n in tests]
        )
        self.titles, self.tips = [], []
        for key in self.columns:
            if key in lead:
                title, tip = lead[key]
            else:
                where, name = key.split(":", 1)
                title = name if where == "final" else f"test {name}"
                tip = (
                    f"{name} at the last epoch"
                    if where == "final"
                    else f"{name} of the trained model on the test rows"
                )
            self.titles.append(title)
            self.tips.append(tip)
        self.rows = [{**r, "order": i} for i, r in enumerate(rows)]  # order: as recorded
        self._apply_sort()
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def raw(self, row: Mapping[str, Any], key: str) -> Any:
        """The value a column sorts by (None: no value)."""
        if key.startswith(("final:", "test:")):
            where, name = key.split(":", 1)
            v = row[where].get(name)
            return None if v is None or not math.isfinite(float(v)) else float(v)
        if key == "settings":
            return row["settings_text"]
        if key == "duration":
            return row["duration_s"]
        return row.get(key)

    def text(self, row: int, key: str) -> str:
        """The cell's text, by column key."""
        r = self.rows[row]
        if key == "started":
            return local_time(r["started"])
        if key == "epochs":
            return epochs_text(r)
        if key == "duration":
            return duration(r["duration_s"])
        v = self.raw(r, key)
        if v is None:
            return "—"
        return metric(v) if isinstance(v, float) else str(v)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        key = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), key)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            left = key in ("id", "started", "settings")
            horizontal = Qt.AlignmentFlag.AlignLeft if left else Qt.AlignmentFlag.AlignRight
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            r = self.rows[index.row()]
            if key == "settings":
                return r["settings_text"]
            tip = f"Run {r['id']} ({r['reason'].replace('_', ' ')}), network {r['fingerprint']}"
            if r.get("continued_from"):
                tip += f", continued from run {r['continued_from']}"
            return tip
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.titles):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.titles[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tips[section]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._apply_sort()
        self.layoutChanged.emit()

    def _apply_sort(self) -> None:
        """Sort by the chosen column, else by start (newest first); ties in recorded order,
        rows without a value last."""
        column, order = self._sort or (STARTED, Qt.SortOrder.DescendingOrder)
        key = self.columns[column] if 0 <= column < len(self.columns) else "started"
        have = [r for r in self.rows if self.raw(r, key) is not None]
        have.sort(
            key=lambda r: (self.raw(r, key), r["order"]),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        self.rows = have + [r for r in self.rows if self.raw(r, key) is None]

    def row_of(self, run_id: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r["id"] == run_id), -1)


class RunsView(QWidget):
    """The Runs page; see the module docstring."""

    def __init__(self, controller: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.records: dict[str, RunRecord] = {}
        self._order: list[str] = []  # run ids oldest first: a run keeps its colour
        self._charts: RunCharts | None = None
        self._dirty = True  # the charts wait for the page to be shown

        self.model = RunsModel(self)
        self.table = QTableView()
        self.table.setObjectName("runsTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.sortByColumn(STARTED, Qt.SortOrder.DescendingOrder)  # newest first
        self.table.selectionModel().selectionChanged.connect(self._on_selection)

        self.restore_button = QPushButton("Restore network and settings")
        self.restore_button.setToolTip(
            "Put this run's network and training settings back (one Undo step)"
        )
        self.restore_button.clicked.connect(self.restore_selected)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip(
            "Delete the selected runs from the project (Undo brings them back)"
        )
        self.delete_button.clicked.connect(self.delete_selected)
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)

        plots = QWidget()
        self._charts_layout = QVBoxLayout(plots)
        self._charts_layout.setContentsMargins(0, 0, 0, 0)

        top = QHBoxLayout()
        top.addWidget(heading("Runs"))
        top.addWidget(self.status, 1)
        top.addWidget(self.restore_button)
        top.addWidget(self.delete_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.table)
        split.addWidget(plots)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        split.setSizes([TABLE_HEIGHT, 2 * TABLE_HEIGHT])  # the curves get the most room
        self.splitter = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        controller.runsChanged.connect(self.refresh)
        self.refresh()

    # ------------------------------------------------------------------ reading
    def refresh(self) -> None:
        """Read the project's runs again; keep the selection where the runs still exist
        (select the newest run when none of the selected ones does)."""
        keep = self.selected_ids()
        try:
            records = self.controller.runs()
            problem = ""
        except FormatError as exc:
            records, problem = [], f"The project's runs cannot be read: {exc}"
        self.records = {r.id: r for r in records}
        self._order = [r.id for r in records]
        self.model.set_rows([summary_row(r) for r in records])
        self.table.resizeColumnsToContents()
        column = self.model.columns.index("settings")
        if self.table.columnWidth(column) > SETTINGS_WIDTH:  # the full text is its tooltip
            self.table.setColumnWidth(column, SETTINGS_WIDTH)
        self.select_ids([i for i in keep if i in self.records] or self._order[-1:])
        n = len(records)
        if problem:
            self.status.setText(problem)
        elif n == 0:
            self.status.setText(
                "No runs yet. Every training run of this project is recorded here when it "
                "ends (from the app or `layerforge train`)."
            )
        else:
            self.status.setText(
                f"{n} run{'s' if n != 1 else ''}. Select several to compare their curves."
            )
        self._on_selection()

    def selected_ids(self) -> list[str]:
        """The selected runs' ids, in table order."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[r]["id"] for r in rows if r < len(self.model.rows)]

    def select_ids(self, run_ids: Sequence[str]) -> None:
        """Select these runs (rows) in the table."""
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for run_id in run_ids:
            row = self.model.row_of(run_id)
            if row >= 0 and last >= 0:
                selection.select(self.model.index(row, 0), self.model.index(row, last))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.table.selectionModel().select(selection, flags)

    def selected_records(self) -> list[RunRecord]:
        return [self.records[i] for i in self.selected_ids() if i in self.records]

    # ------------------------------------------------------------------ curves
    @property
    def charts(self) -> RunCharts:
        """The curves of the selected runs (built on first use)."""
        if self._charts is None:
            from app.results.runs_charts import RunCharts

            self._charts = RunCharts()
            self._charts_layout.addWidget(self._charts)
        return self._charts

    def _on_selection(self, *_args: Any) -> None:
        chosen = self.selected_records()
        self.restore_button.setEnabled(len(chosen) == 1)
        self.delete_button.setEnabled(bool(chosen))
        self._dirty = True
        if self.isVisible():
            self.draw()

    def draw(self) -> None:
        """Draw the selected runs' curves now."""
        self._dirty = False
        self.charts.show_runs(self.selected_records(), self._order.index)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._dirty:
            self.draw()

    # ------------------------------------------------------------------ actions
    def restore_selected(self) -> bool:
        chosen = self.selected_ids()
        return len(chosen) == 1 and self.controller.restore_run(chosen[0])

    def delete_selected(self) -> bool:
        chosen = self.selected_ids()
        return bool(chosen) and self.controller.delete_runs(chosen)


def install(window: Any) -> RunsView:
    """Add the Runs page to `window` (a `MainWindow`): the workspace page "runs"."""
    view = RunsView(window.controller)
    window.workspace.add_page(
        "runs", "Runs", view, tip="Every training run of this project: compare, restore, delete"
    )
    return view
