"""The main window: composes the workspace pages, the run bar, the menus and the status bar.

Composition only. The central widget is the `Workspace` (`app.workspace`), one
tab per step of the work. Its first page, Network, is an `app.network_page.NetworkPage`:
the canvas (`app.canvas.view.CanvasView`) with its docks, Layers (left),
Inspector (right), Summary and History (bottom, tabbed), which stay on that
page. The training UI (`app.training_ui`) adds the Data and Training pages and
the run bar; other parts add their pages after those. Menus come from
`app.actions`, file commands from `app.files`. The window title shows the
document name and the unsaved-changes mark; closing a modified document asks
first; the window's geometry and toolbars, the Network page's docks and each
page's own layout (`layout_state()`) persist in QSettings; files dropped on
the window are opened by the handler registered for their suffix (`.lfproj`
opens the project).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QPointF, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QIcon
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QUndoView,
)

from app import analysis_info as info
from app.actions import WindowCommands, build_menus
from app.canvas.style import NODE_HEIGHT, NODE_WIDTH
from app.canvas.view import CanvasView
from app.files import FileOps
from app.inspector import InspectorWidget
from app.network_page import NetworkPage
from app.palette import PaletteWidget
from app.summary import SummaryWidget
from app.theme import ERROR, OK
from app.widgets.start_page import StartPage
from app.workspace import Workspace

Area = Qt.DockWidgetArea
#: Bumped whenever the default layout changes, so an older saved layout is ignored.
#: 3: pages (Network with its docks, Data, Training, ...) and the run bar.
_STATE_VERSION = 3


class MainWindow(QMainWindow):
    """LayerForge's main window over one `DocumentController`."""

    closing = Signal()

    def __init__(
        self, controller: Any, persist_settings: bool = True, recovery: bool = True
    ) -> None:
        super().__init__()
        self.controller = controller
        self.persist_settings = persist_settings
        self.untitled_name = "Untitled.lfproj"
        self.submenus: dict[str, Any] = {}
        self._selection: list[str] = []
        #: lower-case suffix -> handler(path) -> bool, for files dropped on the window.
        self.drop_handlers: dict[str, Callable[[str], bool]] = {}
        self.setObjectName("MainWindow")
        self.setAcceptDrops(True)
        icon = Path(__file__).resolve().parent.parent / "resources" / "icons" / "layerforge.png"
        if icon.is_file():
            self.setWindowIcon(QIcon(str(icon)))

        self.view = CanvasView(controller)
        self.workspace = Workspace(self)
        self.network_page = NetworkPage(self.view)
        #: The Network page's docks by key (the page owns them).
        self.docks: dict[str, QDockWidget] = self.network_page.docks
        self.workspace.add_page(
            "network", "Network", self.network_page, tip="Build the network: layers and wires"
        )
        self.setCentralWidget(self.workspace)
        self.start_page = StartPage(self.view)
        self.palette = PaletteWidget(controller, add_layer=self.add_layer_from_palette)
        self.inspector = InspectorWidget(controller)
        self.summary = SummaryWidget(controller)
        self.history = QUndoView(controller.undo_stack)
        self.history.setEmptyLabel("Opened document")
        self.history.setObjectName("undoHistory")

        add_dock = self.network_page.add_dock
        add_dock("palette", "Layers", self.palette, Area.LeftDockWidgetArea)
        add_dock("inspector", "Inspector", self.inspector, Area.RightDockWidgetArea)
        add_dock("summary", "Summary", self.summary, Area.BottomDockWidgetArea)
        add_dock(
            "history", "History", self.history, Area.BottomDockWidgetArea, tabify_with="summary"
        )

        for dock in self.docks.values():  # View ▸ Panels ▸ Layers shows it where it lives
            dock.toggleViewAction().triggered.connect(
                lambda on: self.workspace.show_page("network") if on else None
            )

        self.files = FileOps(self)
        self.commands = WindowCommands(self)
        self.actions_by_key = build_menus(self, self.commands)
        self.drop_handlers[".lfproj"] = self._open_dropped

        self.status_label = QLabel()
        self.status_label.setObjectName("validationState")
        self.statusBar().addPermanentWidget(self.status_label)

        self.view.selectionChanged.connect(self._on_selection)
        self.view.message.connect(self.show_message)
        self.view.projectDropped.connect(
            lambda p: QTimer.singleShot(0, lambda: self._open_dropped(p))
        )
        self.summary.nodeActivated.connect(lambda nid: self.select_ids([nid]))
        self.palette.layerActivated.connect(lambda _t: self.view.setFocus())
        controller.message.connect(self.show_message)
        controller.modifiedChanged.connect(lambda _m: self._update_title())
        controller.pathChanged.connect(lambda _p: self._update_title())
        controller.documentReset.connect(self._on_reset)
        controller.analysisChanged.connect(lambda _a: self._update_status())
        controller.graphEvent.connect(lambda _e: self._update_empty_state())
        self.start_page.openExample.connect(lambda p: self.files.open_example(p))
        self._update_title()
        self._update_status()
        self._update_empty_state()
        from app.training_ui import install as install_training

        self.training = install_training(self, controller)
        from app.export_dialog import add_export_action

        add_export_action(self, self.training.session.trained_bundle, self._export_context)
        from app.results import install as install_results

        self.results = install_results(self)
        from app.results.boundary_view import install as install_boundary

        self.boundary = install_boundary(self)
        from app.results.learned_view import install as install_learned

        self.learned = install_learned(self)
        from app.results.runs_view import install as install_runs

        self.runs = install_runs(self)
        self.recovery: Any = None
        if recovery:  # autosave and crash recovery (off for --screenshot)
            from app.recovery import install as install_recovery

            self.recovery = install_recovery(self)
        self.apply_default_dock_sizes()
        if persist_settings:
            self.restore_settings()

    # ------------------------------------------------------------------ composition

    def apply_default_dock_sizes(self) -> None:
        """The Network page's docks at their default sizes."""
        self.network_page.apply_default_dock_sizes()

    def hide_stale_tab_bars(self) -> int:
        """Hide the stale dock tab bars of the Network page (see `NetworkPage`)."""
        return self.network_page.hide_stale_tab_bars()

    # ------------------------------------------------------------------ state

    def document_name(self) -> str:
        """File name of the document ("Untitled.lfproj" before the first save)."""
        path = self.controller.path
        return Path(path).name if path else self.untitled_name

    def selected_ids(self) -> list[str]:
        return list(self._selection)

    def select_ids(self, ids: list[str]) -> None:
        """Select these layers on the canvas (and so in the inspector)."""
        self.view.canvas.select_ids(list(ids))

    def add_layer_from_palette(self, type_name: str) -> str | None:
        """Add a layer at the view centre, stepping aside from a layer already there."""
        centre = self.view.center_scene_pos()
        x, y = centre.x(), centre.y()
        taken = {(round(n.x), round(n.y)) for n in self.controller.graph.nodes.values()}
        for _ in range(50):
            if (round(x - NODE_WIDTH / 2), round(y - NODE_HEIGHT / 2)) not in taken:
                break
            x, y = x + 30, y + 30
        return self.view.add_layer_at(type_name, QPointF(x, y))

    def show_message(self, text: str, timeout_ms: int = 6000) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def fit_view(self) -> None:
        """Fit the canvas to the network once the scene has caught up."""
        QTimer.singleShot(0, self.view.fit_all)

    def _export_context(self) -> dict[str, str | None]:
        """Where File ▸ Export Model… suggests to write: next to the project, named after it."""
        path = self.controller.path
        return {
            "folder": str(Path(path).parent) if path else None,
            "name": Path(self.document_name()).stem,
            "data_path": self.controller.project.data_path,
        }

    def _open_dropped(self, path: str) -> bool:
        return self.files.open_path(path, ask=True)

    def _on_selection(self, ids: list[str]) -> None:
        self._selection = list(ids)
        self.inspector.set_selection(self._selection)

    def _on_reset(self) -> None:
        self._selection = []
        self.inspector.set_selection([])
        self._update_title()
        self._update_empty_state()

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document_name()}[*] — LayerForge")
        self.setWindowModified(self.controller.is_modified())

    def _update_empty_state(self) -> None:
        self.start_page.setVisible(len(self.controller.graph) == 0)

    def _update_status(self) -> None:
        analysis = getattr(self.controller, "analysis", None)
        n = len(self.controller.graph)
        if analysis is None:
            self.status_label.setText(f"{n} layer{'s' if n != 1 else ''}")
            return
        if n == 0:
            self.status_label.setText("Empty network")
            self.status_label.setToolTip("")
            return
        problems = info.problems(analysis)
        total = info.total_params(analysis)
        if problems:
            k = len(problems)
            self.status_label.setText(
                f"<span style='color:{ERROR}'>⚠ {k} problem{'s' if k != 1 else ''}</span>"
                f" · {n} layers"
            )
            self.status_label.setToolTip("\n".join(p.message for p in problems[:10]))
        else:
            self.status_label.setText(
                f"<span style='color:{OK}'>✓ Network OK</span> · {n} layers · "
                f"{info.group_digits(total)} params"
            )
            self.status_label.setToolTip("")

    # ------------------------------------------------------------------ settings

    def restore_settings(self) -> None:
        """The person's layout: window geometry and toolbars, the Network page's docks and
        each page's own layout (a layout saved under another `_STATE_VERSION` is ignored)."""
        s = QSettings()
        geometry = s.value("mainWindow/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        if s.value("mainWindow/layoutVersion") != str(_STATE_VERSION):
            return
        state = s.value("mainWindow/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state, _STATE_VERSION)
        state = s.value("mainWindow/networkPage")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.network_page.restoreState(state, _STATE_VERSION)
        for key in self.workspace.keys():
            restore = getattr(self.workspace.page(key), "restore_layout_state", None)
            saved = s.value(f"mainWindow/pages/{key}")
            if callable(restore) and isinstance(saved, QByteArray) and not saved.isEmpty():
                restore(saved)

    def save_settings(self) -> None:
        s = QSettings()
        s.setValue("mainWindow/layoutVersion", str(_STATE_VERSION))
        s.setValue("mainWindow/geometry", self.saveGeometry())
        s.setValue("mainWindow/state", self.saveState(_STATE_VERSION))
        s.setValue("mainWindow/networkPage", self.network_page.saveState(_STATE_VERSION))
        for key in self.workspace.keys():
            layout_state = getattr(self.workspace.page(key), "layout_state", None)
            if callable(layout_state):
                s.setValue(f"mainWindow/pages/{key}", layout_state())

    # ------------------------------------------------------------------ events

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if not self.files.maybe_save():
            event.ignore()
            return
        if self.persist_settings:
            self.save_settings()
        self.closing.emit()
        event.accept()

    def _dropped_paths(self, event: QDragEnterEvent | QDropEvent) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [
            u.toLocalFile()
            for u in mime.urls()
            if u.isLocalFile() and Path(u.toLocalFile()).suffix.lower() in self.drop_handlers
        ]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if self._dropped_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        if self._dropped_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        paths = self._dropped_paths(event)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        path = paths[0]
        handler = self.drop_handlers[Path(path).suffix.lower()]
        # Let the drag finish before a dialog (save changes?) can open.
        QTimer.singleShot(0, lambda: handler(path))
