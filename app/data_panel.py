"""The Data page: open a CSV, preview it, choose column roles, preprocessing and splits.

`DataPanel` is a view of a `TrainingSession`'s data: a CSV is opened by a
dialog, by dropping a file on the panel (or the window, see
`app.training_ui`) or from the recent-files menu; the preview is a virtual
`DataFrameModel` (rows are formatted only when the view asks, so a million
rows open instantly); the column profile from `core.data` lists each column
with a role selector (feature / target / ignore) and the reason for the
suggested role; the detected task, the preprocessing options (impute, scale)
and the split shares (the project's one home of the validation share) are
edited through the session, each change one undo step of the project.
Problems from `core.data` appear in the panel in plain words. A large file
opens in the background (`TrainingSession.loader`): a progress bar with a
Cancel button shows under the buttons, and the current data stays on the page
until the new file is ready (or for good, after Cancel).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QStyle,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.data_samples import SamplesBox
from app.image_gallery import ImageGallery
from app.session import TrainingSession
from app.widgets.labels import ERROR_STYLE, make_label, share_spin_box
from app.widgets.splitters import make_splitter, pack_splitters, unpack_splitters

if TYPE_CHECKING:  # pandas loads with the first CSV, not at start-up
    import pandas as pd

    from core.data import ColumnProfile

ROLES = ("feature", "target", "ignore")
#: Rows of the file the preview shows at least, when the page is tall enough (1400x900 is).
PREVIEW_ROWS = 10.5
#: Rows read to fit the preview's column widths to their contents.
PREVIEW_FIT_ROWS = 100
IMPUTE = ("mean", "median", "drop")
SCALE = ("standardize", "minmax", "none")
RECENT_KEY = "recentDataFiles"
MAX_RECENT = 8

_Index = QModelIndex | QPersistentModelIndex


def recent_data_files() -> list[str]:
    value = QSettings().value(RECENT_KEY, [])
    if isinstance(value, str):
        value = [value]
    return [str(p) for p in (value or []) if p and os.path.isfile(str(p))][:MAX_RECENT]


def add_recent_data_file(path: str) -> None:
    path = os.path.abspath(path)
    items = [p for p in recent_data_files() if os.path.abspath(p) != path]
    QSettings().setValue(RECENT_KEY, [path, *items][:MAX_RECENT])


#: File suffixes the data panel opens when dropped (delimited text tables).
DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".dat")


def csv_paths_from_mime(mime: Any) -> list[str]:
    """Local data-table files (by suffix) among the URLs of a drag."""
    if mime is None or not mime.hasUrls():
        return []
    return [
        u.toLocalFile()
        for u in mime.urls()
        if u.isLocalFile() and u.toLocalFile().lower().endswith(DATA_SUFFIXES)
    ]


class DataFrameModel(QAbstractTableModel):
    """A read-only virtual table over a DataFrame: cells are formatted on request.

    A view asks for thousands of cells while it lays out and paints (a column's width
    alone reads `PREVIEW_FIT_ROWS` of them), so each column is read through its own
    array (categories through their codes), not through the frame's indexers.
    """

    def __init__(self, df: pd.DataFrame | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._set(df)

    def _set(self, df: pd.DataFrame | None) -> None:
        self._df = df
        self._columns = [str(c) for c in df.columns] if df is not None else []
        self._rows = int(len(df)) if df is not None else 0
        self._cells: dict[int, Callable[[int], Any]] = {}

    @property
    def frame(self) -> pd.DataFrame | None:
        return self._df

    def set_frame(self, df: pd.DataFrame | None) -> None:
        self.beginResetModel()
        self._set(df)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def _cell(self, row: int, column: int) -> Any:
        cell = self._cells.get(column)
        if cell is None:
            assert self._df is not None
            cell = self._cells[column] = _cell_reader(self._df.iloc[:, column])
        return cell(row)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            self._df is None
            or not index.isValid()
            or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
        ):
            return None
        text = self.text(index.row(), index.column())
        if text == "" and role == Qt.ItemDataRole.ToolTipRole:
            return "missing" if self._missing(index.row(), index.column()) else ""
        return text

    def text(self, row: int, column: int) -> str:
        """The cell as the preview shows it ("" for a missing value)."""
        value = self._cell(row, column)
        if isinstance(value, str):  # the common cases first: text, then numbers
            return value
        if isinstance(value, (float, np.floating)):
            if value != value:  # NaN
                return ""
            return f"{value:.6g}" if isinstance(value, float) else str(value)
        if isinstance(value, (int, np.integer)):
            return str(value)
        return "" if self._is_missing(value) else str(value)

    def _missing(self, row: int, column: int) -> bool:
        return self._is_missing(self._cell(row, column))

    @staticmethod
    def _is_missing(value: Any) -> bool:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return True
        import pandas as pd  # already loaded: there is a frame

        try:
            return bool(pd.isna(value))
        except (TypeError, ValueError):
            return False

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section] if 0 <= section < len(self._columns) else None
        return str(section + 1)


def _cell_reader(series: pd.Series) -> Callable[[int], Any]:
    """A function from a row number to the column's value there (what `iat` gives)."""
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        labels = series.cat.categories.to_numpy()
        return lambda row: labels[codes[row]] if codes[row] >= 0 else None
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "biufcmMO":
        return series.to_numpy().__getitem__  # the column's own array: no copy
    return series.iat.__getitem__


def _titled(title: str, table: QWidget) -> QGroupBox:
    """`table` in a group box named `title`, with no extra margins."""
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.addWidget(table)
    return box


def _table_chrome(table: QTableView) -> int:
    """Height of a table's header and frame: what it needs besides its rows."""
    header = table.horizontalHeader()
    return (header.height() if header.height() > 0 else header.sizeHint().height()) + 2 * (
        table.frameWidth()
    )


class DataPanel(QWidget):
    """The Data page; see the module docstring."""

    csvOpened = Signal(str)

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DataPanel")
        self.session = session
        #: Asked before another file replaces the data (and the trained model); False = keep.
        self.before_replace: Callable[[], bool] = lambda: True
        self._loading = False
        self.setAcceptDrops(True)

        self.open_button = QPushButton("Open CSV…")
        self.folder_button = QPushButton("Open image folder…")
        self.folder_button.setToolTip(
            "A folder with one sub-folder of PNG or JPEG images per class"
        )
        self.recent_button = QToolButton()
        self.recent_button.setText("Recent")
        self.recent_menu = QMenu(self)
        self.recent_button.setMenu(self.recent_menu)
        self.recent_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.file_label = make_label(
            "No data yet. Open a CSV file or drop one here.", name="fileLabel"
        )
        top = QHBoxLayout()
        top.addWidget(self.open_button)
        top.addWidget(self.folder_button)
        top.addWidget(self.recent_button)

        self.error_label = make_label(
            name="dataError", style=ERROR_STYLE, selectable=True, hidden=True
        )
        # A large file opens in the background: how far it got, and Cancel (data stays).
        # The bar says what is happening itself (a label beside it would re-lay out the
        # page at each change) and follows the load at 10 Hz (each setValue repaints).
        self.load_bar = QProgressBar()
        self.load_bar.setObjectName("loadProgress")
        self.load_bar.setRange(0, 1000)
        self._load_shown: tuple[float, str] = (0.0, "")
        self._load_timer = QTimer(self)
        self._load_timer.setInterval(100)
        self._load_timer.timeout.connect(self._show_load_progress)
        self.cancel_load_button = QPushButton("Cancel")
        self.cancel_load_button.setObjectName("cancelLoad")
        self.cancel_load_button.setToolTip("Stop opening the file; the current data stays")
        self.load_row = QWidget()
        self.load_row.setObjectName("loadRow")
        load_layout = QHBoxLayout(self.load_row)
        load_layout.setContentsMargins(0, 0, 0, 0)
        load_layout.addWidget(self.load_bar, 1)
        load_layout.addWidget(self.cancel_load_button)
        self.load_row.hide()
        self.notices_label = make_label(name="dataNotices", hidden=True)

        self.model = DataFrameModel(parent=self)
        self.preview = QTableView()
        self.preview.setModel(self.model)
        self.preview.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.preview.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.preview.verticalHeader().setDefaultSectionSize(22)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # Columns as wide as their names and first rows (not all rows: a million would be slow).
        self.preview.horizontalHeader().setResizeContentsPrecision(PREVIEW_FIT_ROWS)
        self.preview.horizontalHeader().setMaximumSectionSize(240)

        self.columns = QTableWidget(0, 5)
        self.columns.setObjectName("columnProfile")
        self.columns.setHorizontalHeaderLabels(["Column", "Kind", "Missing", "Role", "Why"])
        self.columns.verticalHeader().hide()
        self.columns.horizontalHeader().setStretchLastSection(True)
        self.columns.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # The role selector is what a person changes: show it right after the name.
        self.columns.horizontalHeader().moveSection(3, 1)
        self.columns.horizontalHeaderItem(2).setToolTip("Missing values in the column")
        self.role_boxes: dict[str, QComboBox] = {}
        self._role_names: list[str] = []  # the column of each row's role picker

        self.task_label = make_label("Task: –", name="taskLabel")
        self.impute = QComboBox()
        self.impute.addItems(IMPUTE)
        self.impute.setToolTip("How missing feature values are filled (fitted on training rows)")
        self.scale = QComboBox()
        self.scale.addItems(SCALE)
        self.scale.setToolTip("How numeric features are scaled (fitted on training rows)")
        self.scale_target = QCheckBox("Standardize the target")
        self.scale_target.setObjectName("scaleTarget")
        self.scale_target.setToolTip(
            "Train on (target - mean) / standard deviation of the training rows; predictions, "
            "metrics and exports are turned back into the target's own units"
        )
        self.validation_split = share_spin_box()
        self.test_split = share_spin_box()
        self.split_label = make_label(name="splitLabel")
        options = QFormLayout()
        options.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        options.addRow("Missing values", self.impute)
        options.addRow("Scaling", self.scale)
        options.addRow(self.scale_target)  # regression targets only: hidden otherwise
        # Both shares on one row: the dock is short once the tables have their room.
        self.validation_split.setToolTip("Share of the rows kept for validation")
        self.test_split.setToolTip("Share of the rows kept for the final test")
        shares = QHBoxLayout()
        shares.setSpacing(6)
        shares.addWidget(self.validation_split, 1)
        shares.addWidget(self.test_split, 1)
        for box in (self.validation_split, self.test_split):
            box.setMinimumWidth(60)
            box.setKeyboardTracking(False)  # a typed share counts once, on Enter or leaving
        options.addRow("Validation / test", shares)
        options.addRow(self.split_label)
        options_box = QGroupBox("Preprocessing and splits")
        options_box.setLayout(options)

        # The page: the rows of the file on top (they get the height the columns leave);
        # below, the column table with the role selectors and, beside it, the task and
        # the options. Splitters let the person move the borders; until they do, each
        # resize gives the column table the room for all its rows (`fit_splitter`).
        options_pane = QWidget()
        options_layout = QVBoxLayout(options_pane)
        options_layout.setContentsMargins(0, 0, 0, 0)
        options_layout.addWidget(self.task_label)
        self.samples = SamplesBox(session)
        options_layout.addWidget(self.samples)
        options_layout.addWidget(options_box)
        options_layout.addStretch(1)
        self.options_scroll = QScrollArea()
        self.options_scroll.setObjectName("dataOptions")
        self.options_scroll.setWidgetResizable(True)
        self.options_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.options_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.options_scroll.setWidget(options_pane)
        self.options_scroll.setMinimumWidth(280)
        for table in (self.preview, self.columns):
            table.setMinimumHeight(70)
        self.rows_box = _titled("Rows", self.preview)
        self.gallery = ImageGallery()
        self.gallery_box = _titled("Images by class", self.gallery)
        # the top of the page: the rows of a CSV, or the classes of an image folder
        self.top = QStackedWidget()
        self.top.addWidget(self.rows_box)
        self.top.addWidget(self.gallery_box)
        self.columns_box = _titled("Columns and their roles", self.columns)
        self.lower_splitter = make_splitter(
            Qt.Orientation.Horizontal,
            "dataLowerSplitter",
            [(self.columns_box, 1), (self.options_scroll, 0)],
        )
        self.splitter = make_splitter(
            Qt.Orientation.Vertical,
            "dataSplitter",
            [(self.top, 1), (self.lower_splitter, 0)],
        )
        self._user_sized = False  # set by a drag of a splitter: then its sizes are kept
        self.splitter.splitterMoved.connect(self._on_splitter_moved)
        self.lower_splitter.splitterMoved.connect(self._on_splitter_moved)

        top.addWidget(self.file_label, 1)  # the file facts beside the buttons
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.load_row)
        layout.addWidget(self.error_label)
        layout.addWidget(self.notices_label)
        layout.addWidget(self.splitter, 1)

        self.open_button.clicked.connect(self.open_dialog)
        self.folder_button.clicked.connect(self.open_folder_dialog)
        self.impute.currentTextChanged.connect(lambda v: self._change(impute=v))
        self.scale.currentTextChanged.connect(lambda v: self._change(scale=v))
        self.scale_target.toggled.connect(lambda on: self._change(scale_target=bool(on)))
        self.validation_split.valueChanged.connect(
            lambda v: self._change(validation_split=round(float(v), 4))
        )
        self.test_split.valueChanged.connect(lambda v: self._change(test_split=round(float(v), 4)))
        session.dataChanged.connect(self.refresh)
        session.dataError.connect(self.show_error)
        session.dataOpened.connect(self._opened)
        session.loader.started.connect(self._load_started)
        session.loader.progress.connect(self._load_progress)
        session.loader.ended.connect(self._load_ended)
        self.cancel_load_button.clicked.connect(session.cancel_open)
        self.refresh()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.fit_splitter()

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.fit_splitter()

    def _on_splitter_moved(self, *_args: Any) -> None:
        self._user_sized = True

    def fit_splitter(self, force: bool = False) -> bool:
        """Size the page's parts; done at each resize until the person drags a splitter
        (their sizes are kept after that). The column table gets the height of all its
        rows (at most what leaves the preview `PREVIEW_ROWS` rows), the options pane the
        width of its form, the preview the rest. True when the sizes were set."""
        total = self.splitter.height()
        if (self._user_sized and not force) or total < 200:
            return False
        rows_chrome = max(self.rows_box.sizeHint().height() - self.preview.sizeHint().height(), 0)
        preview_min = (
            rows_chrome
            + _table_chrome(self.preview)
            + round(PREVIEW_ROWS * self.preview.verticalHeader().defaultSectionSize())
        )
        columns_chrome = max(
            self.columns_box.sizeHint().height() - self.columns.sizeHint().height(), 0
        )
        rows = self.columns.rowCount()
        table = _table_chrome(self.columns) + sum(self.columns.rowHeight(r) for r in range(rows))
        options = self.options_scroll.widget().sizeHint().height() + 2
        lower = max(columns_chrome + table, options, 160)
        lower = min(lower, total - preview_min - self.splitter.handleWidth())
        lower = max(lower, min(160, total // 2))
        self.splitter.setSizes([total - lower - self.splitter.handleWidth(), lower])
        width = self.lower_splitter.width()
        pane = min(max(self.options_scroll.widget().sizeHint().width() + 24, 320), width // 2)
        self.lower_splitter.setSizes([width - pane - self.lower_splitter.handleWidth(), pane])
        return True

    def layout_state(self) -> QByteArray:
        """The splitters' sizes, for the person's saved layout."""
        return pack_splitters(self.splitter, self.lower_splitter)

    def restore_layout_state(self, state: QByteArray) -> bool:
        """Sizes saved by `layout_state`; kept from then on, like a drag of the splitter."""
        if unpack_splitters(state, self.splitter, self.lower_splitter):
            self._user_sized = True
            return True
        return False

    # ------------------------------------------------------------------ opening
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open a CSV file",
            os.path.dirname(recent_data_files()[0]) if recent_data_files() else "",
            "CSV files (*.csv *.tsv *.txt);;All files (*)",
        )
        if path:
            self.open_path(path)

    def open_folder_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, "Open an image folder (one sub-folder per class)", ""
        )
        if path:
            self.open_folder(path)

    def open_folder(self, path: str) -> bool:
        """Open the image folder `path` as the data (after `before_replace` agreed)."""
        if not self.before_replace():
            return False
        ok = self.session.open_image_folder(path)
        if not ok and self.session.images is None:
            self.file_label.setText(f"Could not open {os.path.basename(path)}")
        return ok

    def open_path(self, path: str) -> bool:
        """Open `path` as the data (after `before_replace` agreed to drop the model)."""
        if not self.before_replace():
            return False
        ok = self.session.open_csv(path)  # a large file: True once it started opening
        if not ok:
            self.file_label.setText(f"Could not open {os.path.basename(path)}")
        return ok

    def _opened(self, path: str) -> None:
        add_recent_data_file(path)
        self.csvOpened.emit(path)

    def _load_started(self, text: str) -> None:
        self._load_shown = (0.0, text)
        self._show_load_progress()
        self.load_row.show()
        self._load_timer.start()

    def _load_progress(self, share: float, text: str) -> None:
        self._load_shown = (share, text)  # shown by the next tick of `_load_timer`

    def _show_load_progress(self) -> None:
        share, text = self._load_shown
        self.load_bar.setFormat(f"{text}… %p%")
        self.load_bar.setValue(round(share * 1000))

    def _load_ended(self) -> None:
        self._load_timer.stop()
        self.load_row.hide()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = recent_data_files()
        if not files:
            action = self.recent_menu.addAction("No recent files")
            action.setEnabled(False)
        for path in files:
            action = self.recent_menu.addAction(os.path.basename(path))
            action.setToolTip(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_path(p))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if csv_paths_from_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = csv_paths_from_mime(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.open_path(paths[0])

    # ------------------------------------------------------------------ showing
    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def refresh(self) -> None:
        s = self.session
        self._loading = True
        try:
            table = s.table
            frame = table.df if table is not None else None
            if frame is not self.model.frame:
                self.model.set_frame(frame)
                # in this turn, before the first paint: fitted a few columns a turn, the
                # table was laid out and painted again after each step (~25 ms each)
                self._fit_preview_columns()
            images = s.images
            self.top.setCurrentWidget(self.rows_box if images is None else self.gallery_box)
            self.columns_box.setVisible(images is None)  # an image folder has no columns
            self.gallery.show_folder(images)
            if images is not None:
                self.file_label.setText(
                    f"{os.path.basename(images.root)} · {images.n_images:,} images in "
                    f"{len(images.per_class)} class folders"
                )
                self.file_label.setToolTip(images.root)
            elif table is None:
                self.file_label.setText("No data yet. Open a CSV file or drop one here.")
            else:
                cols = len(table.df.columns)
                self.file_label.setText(
                    f"{os.path.basename(table.path)} · {table.n_rows:,} rows · {cols} columns · "
                    f"{table.delimiter_name}-separated · {table.encoding}"
                )
                self.file_label.setToolTip(table.path)
            notices = (
                list(s.dataset.notices)
                if s.dataset is not None
                else (list(table.notices) if table is not None else [])
            )
            self.notices_label.setText("\n".join(f"• {n}" for n in notices))
            self.notices_label.setVisible(bool(notices))
            self._fill_columns()
            self.samples.refresh()
            cfg = s.data_config
            if cfg is not None:
                self.impute.setCurrentText(cfg.impute)
                self.scale.setCurrentText(cfg.scale)
                self.scale_target.setChecked(bool(cfg.scale_target))
                self.validation_split.setValue(float(cfg.validation_split))
                self.test_split.setValue(float(cfg.test_split))
            ds = s.dataset
            self.scale_target.setVisible(ds is not None and ds.task.kind == "regression")
            if ds is not None:
                task = ds.task
                classes = (
                    f", {task.n_classes} classes ({', '.join(task.class_labels[:6])}"
                    f"{'…' if len(task.class_labels) > 6 else ''})"
                    if task.n_classes
                    else ""
                )
                shape = (
                    f"{ds.n_features} input features after encoding"
                    if ds.pipeline.input_spec is None
                    else f"samples of shape ({', '.join(str(d) for d in ds.input_shape)})"
                )
                self.task_label.setText(f"Task: {task.kind} on '{ds.target}'{classes} · {shape}")
                self.task_label.setToolTip(
                    f"Suggested output: Dense({task.output_units}, {task.output_activation}) "
                    f"with {task.loss}"
                )
                what = "Rows" if ds.pipeline.input_spec is None else "Samples"
                self.split_label.setText(
                    f"{what}: {len(ds.x_train):,} train · {len(ds.x_val):,} validation · "
                    f"{len(ds.x_test):,} test" + (" (split by time)" if ds.time_ordered else "")
                )
            else:
                self.task_label.setText("Task: –")
                self.task_label.setToolTip("")
                self.split_label.setText("")
            if not s.data_error:
                self.show_error("")
        finally:
            self._loading = False
        self.fit_splitter()  # the task and split texts may need another line now

    def _fit_preview_columns(self) -> None:
        """Each preview column as wide as its name and its first `PREVIEW_FIT_ROWS` cells.

        Measured here from the cells' text: Qt's own fit (`resizeColumnsToContents`) asks
        the model about a dozen questions a cell, ~70 ms for 20 columns on the GUI thread.
        """
        model, header = self.model, self.preview.horizontalHeader()
        metrics = self.preview.fontMetrics()
        style = self.preview.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.preview)
        pad = 2 * (margin + 1) + 2
        rows = min(model.rowCount(), PREVIEW_FIT_ROWS)
        for column in range(model.columnCount()):
            texts = {model.text(row, column) for row in range(rows)}
            cells = max((metrics.horizontalAdvance(t) for t in texts if t), default=0) + pad
            width = max(cells, header.sectionSizeHint(column))
            header.resizeSection(column, min(width, header.maximumSectionSize()))

    def role_of(self, profile: ColumnProfile) -> str:
        cfg = self.session.data_config
        target = cfg.target if cfg is not None else None
        if target == profile.name:
            return "target"
        if cfg is not None and profile.name in cfg.roles:
            return cfg.roles[profile.name]
        role = profile.suggested_role
        return "feature" if role == "target" else role

    def _fill_columns(self) -> None:
        """One row per column: name, kind, missing cells, role picker, why that role.

        Another file's columns reuse the rows (and role pickers) already there and make
        only the missing ones: a picker costs ~0.5 ms to make and place, 20 of them were
        a good part of the GUI thread's turn when a large file's data arrived.
        """
        profiles = self.session.profiles
        names = [p.name for p in profiles]
        if names == list(self.role_boxes):
            for row, p in enumerate(profiles):  # same file: only roles and reasons change
                self.role_boxes[p.name].setCurrentText(self.role_of(p))
                self._set_why(row, p)
            return
        boxes = list(self.role_boxes.values())
        self.columns.setRowCount(len(profiles))  # drops the pickers of rows past the end
        self._role_names = names
        self.role_boxes = {}
        for row, p in enumerate(profiles):
            self.columns.setItem(row, 0, QTableWidgetItem(p.name))
            self.columns.setItem(row, 1, QTableWidgetItem(p.kind))
            self.columns.setItem(row, 2, QTableWidgetItem(str(p.missing)))
            if row < len(boxes):
                box = boxes[row]
                box.blockSignals(True)
                box.setCurrentText(self.role_of(p))
                box.blockSignals(False)
            else:
                box = QComboBox()
                box.addItems(ROLES)
                box.setCurrentText(self.role_of(p))
                box.currentTextChanged.connect(lambda r, at=row: self._set_role_at(at, r))
                self.columns.setCellWidget(row, 3, box)
            self.role_boxes[p.name] = box
            self._set_why(row, p)
        self.columns.resizeColumnsToContents()

    def _set_why(self, row: int, profile: ColumnProfile) -> None:
        """The reason for the column's role; the text column of text samples says what
        it is used for (its role stays 'ignore': it is no table feature)."""
        reason = profile.reason or ""
        dataset = self.session.dataset
        spec = dataset.pipeline.input_spec if dataset is not None else None
        if spec is not None and _is_text_column(spec, profile.name):
            reason = "the text input: each row becomes word ids (see Samples), not a feature"
        item = self.columns.item(row, 4)
        if item is None:
            item = QTableWidgetItem()
            self.columns.setItem(row, 4, item)
        item.setText(reason)
        item.setToolTip(reason)

    def _set_role_at(self, row: int, role: str) -> None:
        if row < len(self._role_names):
            self._set_role(self._role_names[row], role)

    # ------------------------------------------------------------------ editing
    def _set_role(self, column: str, role: str) -> None:
        if self._loading:
            return
        self.session.set_role(column, role)

    def _change(self, **changes: Any) -> None:
        if self._loading or not self.session.has_data_source():
            return
        self.session.change_data_config(**changes)


def _is_text_column(spec: object, name: str) -> bool:
    """Whether the fitted input `spec` is a tokenizer of column `name` (imported here:
    core.data brings pandas, which loads with the first CSV, not at start-up)."""
    from core.data.tokenizer import Tokenizer

    return isinstance(spec, Tokenizer) and spec.column == name
