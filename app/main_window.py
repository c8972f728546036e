"""The main window: composes the canvas, the docks, the menus and the status bar.

Composition only. The central widget is the `Workspace` (`app.workspace`), one
tab per step of the work; its first page, Network, is the canvas
(`app.canvas.view.CanvasView`). The docks are Layers (left), Inspector (right), Summary and History
(bottom, tabbed). Other panels (Data, Training, Plots) join through
`add_dock`. Menus come from `app.actions`, file commands from `app.files`. The
window title shows the document name and the unsaved-changes mark; closing a
modified document asks first; geometry and dock state persist in QSettings;
files dropped on the window are opened by the handler registered for their
suffix (`.lfproj` opens the project).
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
    QWidget,
)

from app import analysis_info as info
from app.actions import WindowCommands, build_menus
from app.canvas.style import NODE_HEIGHT, NODE_WIDTH
from app.canvas.view import CanvasView
from app.files import FileOps
from app.inspector import InspectorWidget
from app.palette import PaletteWidget
from app.summary import SummaryWidget
from app.theme import ERROR, OK
from app.widgets.start_page import StartPage
from app.workspace import Workspace

Area = Qt.DockWidgetArea
#: Bumped whenever the default dock layout changes, so an older saved layout is ignored.
_STATE_VERSION = 2
#: Default dock sizes at 1400x900: left (Layers/Data), right (Inspector/Training), bottom.
LEFT_DOCK_WIDTH, RIGHT_DOCK_WIDTH, BOTTOM_DOCK_HEIGHT = 300, 340, 280


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
        self.docks: dict[str, QDockWidget] = {}
        self.submenus: dict[str, Any] = {}
        self._selection: list[str] = []
        #: lower-case suffix -> handler(path) -> bool, for files dropped on the window.
        self.drop_handlers: dict[str, Callable[[str], bool]] = {}
        self.setObjectName("MainWindow")
        self.setAcceptDrops(True)
        self.setDockOptions(
            QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AnimatedDocks
        )
        icon = Path(__file__).resolve().parent.parent / "resources" / "icons" / "layerforge.png"
        if icon.is_file():
            self.setWindowIcon(QIcon(str(icon)))

        self.view = CanvasView(controller)
        self.workspace = Workspace(self)
        self.workspace.add_page("network", "Network", self.view, tip="Build the network")
        self.setCentralWidget(self.workspace)
        self.start_page = StartPage(self.view)
        self.palette = PaletteWidget(controller, add_layer=self.add_layer_from_palette)
        self.inspector = InspectorWidget(controller)
        self.summary = SummaryWidget(controller)
        self.history = QUndoView(controller.undo_stack)
        self.history.setEmptyLabel("Opened document")
        self.history.setObjectName("undoHistory")

        self.add_dock("palette", "Layers", self.palette, Area.LeftDockWidgetArea)
        self.add_dock("inspector", "Inspector", self.inspector, Area.RightDockWidgetArea)
        self.add_dock("summary", "Summary", self.summary, Area.BottomDockWidgetArea)
        self.add_dock(
            "history", "History", self.history, Area.BottomDockWidgetArea, tabify_with="summary"
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
        from app.results.learned_view import install as install_learned

        self.learned = install_learned(self)
        self.recovery: Any = None
        if recovery:  # autosave and crash recovery (off for --screenshot)
            from app.recovery import install as install_recovery

            self.recovery = install_recovery(self)
        self.apply_default_dock_sizes()
        if persist_settings:
            self.restore_settings()

    # ------------------------------------------------------------------ composition

    def add_dock(
        self,
        key: str,
        title: str,
        widget: QWidget,
        area: Qt.DockWidgetArea,
        tabify_with: str | None = None,
    ) -> QDockWidget:
        """Add a panel as a dock (listed in View ▸ Panels); tabbed with another if asked."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        if tabify_with is not None and tabify_with in self.docks:
            self.tabifyDockWidget(self.docks[tabify_with], dock)
            self.docks[tabify_with].raise_()
        self.docks[key] = dock
        return dock

    def apply_default_dock_sizes(self) -> None:
        """Side docks wide enough for their forms; a bottom area tall enough for plots."""
        self.resizeDocks(
            [self.docks["palette"], self.docks["inspector"]],
            [LEFT_DOCK_WIDTH, RIGHT_DOCK_WIDTH],
            Qt.Orientation.Horizontal,
        )
        self.resizeDocks([self.docks["summary"]], [BOTTOM_DOCK_HEIGHT], Qt.Orientation.Vertical)

    def hide_stale_tab_bars(self) -> int:
        """Hide dock tab bars Qt created while tabifying but no longer uses.

        Tabifying docks into more than one area before the window is first laid out
        leaves extra QTabBars behind (visible, but placed under the docks and the
        canvas, where their base line shows as a stray stroke). A tab bar in use sits
        beside its docks; a stale one overlaps a dock or the central widget.
        Returns how many were hidden.
        """
        from PySide6.QtWidgets import QTabBar

        covers = [d.geometry() for d in self.docks.values() if d.isVisible() and not d.isFloating()]
        central = self.centralWidget()
        if central is not None:
            covers.append(central.geometry())
        hidden = 0
        for bar in self.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if bar.isVisible() and any(r.intersects(bar.geometry()) for r in covers):
                bar.hide()
                hidden += 1
        return hidden

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        QTimer.singleShot(0, self.hide_stale_tab_bars)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self.isVisible():
            QTimer.singleShot(0, self.hide_stale_tab_bars)

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
        s = QSettings()
        geometry = s.value("mainWindow/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        state = s.value("mainWindow/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state, _STATE_VERSION)

    def save_settings(self) -> None:
        s = QSettings()
        s.setValue("mainWindow/geometry", self.saveGeometry())
        s.setValue("mainWindow/state", self.saveState(_STATE_VERSION))

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
