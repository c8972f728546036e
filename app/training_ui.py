"""Compose the training UI into a main window: the Data and Training pages, the run bar, menus.

`install(window, controller)` is the one call the main window makes: it
creates the `TrainingSession` for the controller's project, adds the Data
page (`DataPanel`) and the Training page (`TrainingPage`: `FitChecks` and
`TrainingPanel` beside the run's read-out and the `PlotsPanel`) to the
window's `Workspace` (a bare QMainWindow gets one as its central widget),
puts the `RunBar` (Train / Pause / Stop, progress, status) on the window,
wires the session's progress to the plots, adds Data ▸ Open CSV… and
Training ▸ Train/Pause/Stop/Step/… menu actions, accepts CSV files dropped on
the window, and stops a run cleanly (thread joined) when the window closes or
the application quits. Starting a run never changes the page a person is on.
For a fast start, the plots (pyqtgraph) are built on first show or first data
(`LazyPlots`), and a project opened before the window is shown reads its CSV
(pandas) only once it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QMenu,
    QWidget,
)

from app.data_panel import DataPanel, csv_paths_from_mime
from app.document import DocumentController
from app.fit_checks import FitChecks
from app.run_bar import RunBar
from app.session import PAUSED, RUNNING, TrainingSession
from app.training_page import TrainingPage
from app.training_panel import TrainingPanel
from app.widgets.lazy import LazyWidget
from app.workspace import Workspace
from core.run import Trainer, training_events

if TYPE_CHECKING:
    from app.plots import PlotsPanel

#: After the window is first shown, wait this long (first frame) before reading the CSV.
DATA_DELAY_MS = 30


@dataclass
class TrainingUI:
    """What `install` created, for the main window and tests."""

    session: TrainingSession
    data_panel: DataPanel
    training_panel: TrainingPanel
    fit_checks: FitChecks
    plots: LazyPlots
    workspace: Workspace
    training_page: TrainingPage
    run_bar: RunBar
    actions: dict[str, QAction]
    guard: QObject

    def show_page(self, key: str) -> None:
        """Bring a page of the workspace forward ("data", "training", ...)."""
        self.workspace.show_page(key)


def _plots_panel(parent: QWidget) -> PlotsPanel:
    from app.plots import PlotsPanel

    return PlotsPanel(parent)


class LazyPlots(LazyWidget):
    """Stands in for the `PlotsPanel` until it is first shown or given data.

    Importing pyqtgraph costs a noticeable part of the start-up time, so the panel is
    built on demand; attribute access is forwarded to it (building it if needed).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_plots_panel, parent)
        self.setObjectName("LazyPlots")

    @property
    def panel(self) -> PlotsPanel:
        return self.widget  # type: ignore[return-value]

    def __getattr__(self, name: str) -> Any:
        # Only called for names LazyPlots itself lacks: the panel's API (plots, clear, …).
        if name.startswith("__") or name in ("_widget", "_layout", "_factory"):
            raise AttributeError(name)
        return getattr(self.panel, name)


class _WindowGuard(QObject):
    """Event filter on the window: CSV drops open the file; Close stops the run first."""

    def __init__(self, window: QMainWindow, session: TrainingSession, data_panel: DataPanel):
        super().__init__(window)
        self.session = session
        self.data_panel = data_panel

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if csv_paths_from_mime(event.mimeData()):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop:
            paths = csv_paths_from_mime(event.mimeData())
            if paths:
                event.acceptProposedAction()
                self.data_panel.open_path(paths[0])
                return True
        elif kind == QEvent.Type.Close and not hasattr(obj, "files"):
            self.session.shutdown()  # a bare window; a MainWindow stops the run when it closes
        return False


def _menu(window: QMainWindow, title: str) -> QMenu:
    """The window's menu called `title`, created just before Help if it is missing."""
    plain = title.replace("&", "")
    bar = window.menuBar()
    help_action = None
    for action in bar.actions():
        menu = action.menu()
        text = action.text().replace("&", "")
        if menu is not None and text == plain:
            return menu
        if text == "Help":
            help_action = action
    menu = QMenu(title, bar)
    if help_action is not None:
        bar.insertMenu(help_action, menu)
    else:
        bar.addMenu(menu)
    return menu


def _workspace(window: QMainWindow) -> Workspace:
    """The window's workspace; a bare QMainWindow gets one as its central widget."""
    workspace = getattr(window, "workspace", None)
    if isinstance(workspace, Workspace):
        return workspace
    workspace = Workspace(window)
    window.setCentralWidget(workspace)
    window.workspace = workspace  # type: ignore[attr-defined]
    return workspace


def _defer_data_until_shown(
    window: QMainWindow, controller: DocumentController, session: TrainingSession
) -> None:
    """Read the project's CSV after the window is first shown, not while it is built.

    The session re-reads the data on every `documentReset`; before the window has been
    shown that would put pandas and the CSV parse in front of the first frame, so until
    then the read waits for the window's first Show (plus `DATA_DELAY_MS`, time for the
    first frame to reach the screen).
    """
    state = {"pending": False, "shown": False}

    def load_later() -> None:
        if state["pending"]:
            state["pending"] = False
            session.load_from_project()

    def on_reset() -> None:
        if state["shown"]:
            session.load_from_project()
        else:
            state["pending"] = True

    class _FirstShow(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Show and obj is window:
                state["shown"] = True
                window.removeEventFilter(self)
                QTimer.singleShot(DATA_DELAY_MS, load_later)
            return False

    if window.isVisible():
        return
    controller.documentReset.disconnect(session.load_from_project)
    controller.documentReset.connect(on_reset)
    window.installEventFilter(_FirstShow(window))


def install(
    window: QMainWindow, controller: DocumentController, *, trainer: Trainer = training_events
) -> TrainingUI:
    """Add the Data and Training pages, the run bar and their menu actions to `window`.

    `trainer` runs the trainings (`core.run.training_events`; tests inject their own).
    """
    session = TrainingSession(controller, window, trainer=trainer)
    data_panel = DataPanel(session)
    files = getattr(window, "files", None)
    if files is not None:  # another CSV drops the trained model: ask first when it is unsaved
        data_panel.before_replace = files.maybe_save_model
    fit_checks = FitChecks(session)
    training_panel = TrainingPanel(session)
    plots = LazyPlots()

    workspace = _workspace(window)
    workspace.add_page(
        "data",
        "Data",
        data_panel,
        after="network",
        tip="Your CSV: its rows, the role of each column, the splits",
    )
    training_page = TrainingPage([fit_checks, training_panel], training_panel.readout, plots)
    workspace.add_page(
        "training",
        "Training",
        training_page,
        after="data",
        tip="Settings, the run and its live curves",
    )

    def start_plots(fresh: bool) -> None:
        # A run logs its metrics under the names its settings give them ("mae",
        # "accuracy"): their plots are there before its first delivery.
        settings = session.model_settings
        if fresh and settings is not None:
            plots.reset(settings.metrics)

    session.runStarted.connect(start_plots)

    def plan_axis(*_args: Any) -> None:
        settings = session.model_settings
        plots.set_run_end(settings.epochs if settings is not None else None)

    session.runStarted.connect(plan_axis)

    def label_loss(*_args: Any) -> None:
        # the loss of a standardized regression target is not in the target's units
        pipeline = getattr(session.dataset, "pipeline", None)
        scaled = getattr(pipeline, "target_scaling", None) is not None
        plots.set_note("loss", "on the standardized target" if scaled else "")

    session.runStarted.connect(label_loss)

    def show_model_curves() -> None:
        """The plots follow the model: empty when it is dropped, its curves when restored."""
        if session.is_running() or session.replacing_model:  # `start_plots` follows
            return
        if session.model is not None:
            plots.show_curves(session.batch_curves.arrays(), session.history)
            label_loss()
        elif plots.built:
            plots.reset()

    session.modelChanged.connect(show_model_curves)
    session.batches.connect(lambda chunk: plots.add_chunk(chunk))
    session.epochsEnded.connect(lambda events: plots.add_epoch_events(events))
    if hasattr(window, "statusBar"):
        session.message.connect(lambda text: window.statusBar().showMessage(text, 8000))

    actions: dict[str, QAction] = {}

    def add(menu: QMenu, key: str, text: str, slot: Any, shortcut: str | None = None) -> QAction:
        action = QAction(text, window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        actions[key] = action
        return action

    data_menu = _menu(window, "&Data")
    add(data_menu, "open_csv", "Open CSV…", data_panel.open_dialog, "Ctrl+Shift+O")
    add(data_menu, "open_images", "Open image folder…", data_panel.open_folder_dialog)
    train_menu = _menu(window, "&Training")
    add(train_menu, "start", "Train", training_panel._start, "F5")
    add(train_menu, "pause", "Pause / Resume", training_panel._pause_resume, "F6")
    add(train_menu, "stop", "Stop", session.stop, "Shift+F5")
    add(train_menu, "step", "Step one batch", training_panel._step, "F10")
    add(train_menu, "more", "Train more epochs", training_panel._more)
    train_menu.addSeparator()
    add(train_menu, "reset", "Reset weights", session.reset_weights)
    add(train_menu, "save_model", "Save trained model…", training_panel._save_dialog)
    add(train_menu, "export_png", "Export curves as PNG…", lambda: plots._export_png_dialog())
    add(train_menu, "export_csv", "Export curves as CSV…", lambda: plots._export_csv_dialog())

    run_bar = RunBar(actions, training_panel.status_box, window)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, run_bar)

    def sync_actions(*_args: Any) -> None:
        state = session.state
        ok, reason = session.readiness()
        actions["start"].setEnabled(ok)
        actions["start"].setStatusTip(reason)
        actions["start"].setToolTip(reason or "Train the network (F5)")
        actions["pause"].setEnabled(state in (RUNNING, PAUSED))
        actions["pause"].setIconText("Resume" if state == PAUSED else "Pause")
        run_bar.set_hint("" if ok or session.is_running() else reason)
        actions["stop"].setEnabled(state in (RUNNING, PAUSED))
        actions["more"].setEnabled(ok and session.has_model())
        actions["reset"].setEnabled(not session.is_running() and session.has_model())
        actions["save_model"].setEnabled(session.can_save_model()[0])

    session.stateChanged.connect(sync_actions)
    session.readinessChanged.connect(sync_actions)
    session.runFinished.connect(sync_actions)
    session.modelChanged.connect(sync_actions)
    sync_actions()

    _defer_data_until_shown(window, controller, session)
    guard = _WindowGuard(window, session, data_panel)
    window.installEventFilter(guard)
    window.setAcceptDrops(True)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(session.shutdown)
    closing = getattr(window, "closing", None)
    if closing is not None:
        closing.connect(session.shutdown)
    window.destroyed.connect(lambda *_: None)
    return TrainingUI(
        session,
        data_panel,
        training_panel,
        fit_checks,
        plots,
        workspace,
        training_page,
        run_bar,
        actions,
        guard,
    )
