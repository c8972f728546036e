"""The training UI installed in a window: open CSV -> train -> plots and read-outs; controls."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMainWindow

from app.document import DocumentController
from app.session import IDLE, PAUSED
from app.training_ui import install
from core.run import training_events
from tests.app._gui_helpers import click_page
from tests.app._training_fixtures import add_seed_graph, fake_trainer, seed_csv


@pytest.fixture
def make_ui(qtbot):
    """`make_ui(**fake_trainer options)`: a window with the training UI; no options: the
    real trainer."""
    sessions = []

    def make(**trainer_options):
        window = QMainWindow()
        controller = DocumentController(parent=window)
        qtbot.addWidget(window)
        trainer = fake_trainer(**trainer_options) if trainer_options else training_events
        result = install(window, controller, trainer=trainer)
        window.resize(1200, 800)
        window.show()
        sessions.append(result.session)
        return window, controller, result

    yield make
    for session in sessions:
        session.shutdown()


@pytest.fixture
def ui(make_ui):
    return make_ui()


def ready(ui, tmp_path) -> None:
    window, controller, t = ui
    assert t.data_panel.open_path(str(seed_csv(tmp_path)))
    add_seed_graph(controller)
    controller.analyze_now()


def test_pages_run_bar_and_menus_installed(ui) -> None:
    window, _c, t = ui
    # a bare window gets a workspace with the two pages, and the run bar
    assert window.centralWidget() is t.workspace
    assert t.workspace.keys() == ["data", "training"]
    assert t.workspace.page("data") is t.data_panel
    assert t.workspace.page("training") is t.training_page
    assert t.run_bar.isVisible() and t.run_bar.actions()[:3] == [
        t.actions["start"],
        t.actions["pause"],
        t.actions["stop"],
    ]
    assert [a.iconText() for a in t.run_bar.actions()[:3]] == ["Train", "Pause", "Stop"]
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert "Data" in titles and "Training" in titles
    assert not t.actions["start"].isEnabled()
    assert not t.training_panel.start_button.isEnabled()
    assert "CSV" in t.training_panel.reason.text()


def test_start_disabled_with_reason_until_graph_fits(ui, tmp_path) -> None:
    window, controller, t = ui
    t.data_panel.open_path(str(seed_csv(tmp_path)))
    controller.analyze_now()
    assert not t.training_panel.start_button.isEnabled()
    assert "network" in t.training_panel.reason.text().lower()
    add_seed_graph(controller)
    controller.analyze_now()
    assert t.training_panel.start_button.isEnabled()
    assert not t.training_panel.reason.isVisible()


def test_fit_check_offers_undoable_fix(ui, tmp_path, qtbot) -> None:
    window, controller, t = ui
    click_page(qtbot, window, "training")
    t.data_panel.open_path(str(seed_csv(tmp_path)))
    add_seed_graph(controller, n_features=5)  # wrong input size
    controller.analyze_now()
    assert t.fit_checks.isVisible()
    assert t.fit_checks.fix_buttons, [m for m, _ in t.fit_checks.problems()]
    before = controller.undo_stack.count()
    t.fit_checks.fix_buttons[0].click()
    controller.analyze_now()
    assert controller.undo_stack.count() == before + 1
    assert t.training_panel.start_button.isEnabled(), t.training_panel.reason.text()
    controller.undo_stack.undo()
    controller.analyze_now()
    assert not t.training_panel.start_button.isEnabled()


def test_open_bundled_csv_train_seed_plots_and_readouts(ui, tmp_path, qtbot) -> None:
    window, controller, t = ui
    ready(ui, tmp_path)
    panel = t.training_panel
    panel.epochs.setValue(4)
    with qtbot.waitSignal(t.session.runFinished, timeout=60_000):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not t.plots.plots["loss"].dirty, timeout=2000)
    loss = t.plots.plots["loss"]
    assert loss.points("batch") > 10 and loss.points("train") == 4 and loss.points("val") == 4
    assert "accuracy" in t.plots.plots
    x, _y = loss.curves["train"].getData()
    assert len(x) == 4
    # the epoch axis ends where the run did (it grew no further than the planned 4 epochs)
    (x0, x1), _ = loss.plot.vb.viewRange()
    assert x0 <= 0.0 and x1 == 4.0
    assert panel.progress.value() == 1000 and panel.progress.format().endswith("100 %")
    assert panel.progress.format().startswith("Epoch 4/4")
    assert panel.epoch_metrics.text().startswith("Epoch 4:") and "val_loss" in (
        panel.epoch_metrics.text()
    )
    assert "loss" in panel.latest.text()
    assert panel.test_label.text().startswith("Test split:")
    assert "samples/s" in panel.timing.text()
    assert panel.save_button.isEnabled() == t.session.can_save_model()[0]


def test_the_plots_keep_their_size_while_runs_fill_the_read_out(ui, tmp_path, qtbot) -> None:
    """The read-out lines a run fills (its numbers, then the test score and the outcome)
    appear in room kept at the run's start: the plots below them are laid out once, not
    pushed down line by line (each time a relayout and a repaint of every axis)."""
    window, controller, t = ui
    ready(ui, tmp_path)
    panel = t.training_panel
    panel.epochs.setValue(40)
    click_page(qtbot, window, "training")
    plots = t.plots.panel
    assert plots.isVisible() and plots.height() > 200
    sizes: list[tuple[str, int]] = []
    t.session.batches.connect(lambda _c: sizes.append(("batch", plots.height())))
    t.session.runFinished.connect(lambda *_a: sizes.append(("end", plots.height())))
    for _ in range(2):
        with qtbot.waitSignal(t.session.runFinished, timeout=60_000):
            qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
        QApplication.processEvents()  # the end's labels laid out
        sizes.append(("after", plots.height()))
    assert panel.test_label.text() and panel.notice.text() and panel.latest.text()
    assert [kind for kind, _h in sizes].count("batch") >= 2
    heights = {h for _kind, h in sizes}
    assert len(heights) == 1, sizes


def test_a_runs_metric_plots_are_made_at_its_start_and_kept_by_the_next(ui, tmp_path, qtbot):
    """The plots of the run's metrics exist when it starts (made before its thread runs,
    not at its first delivery, where making one stalled the window ~20-30 ms), and the
    next run empties them instead of making them again; a metric no longer asked for
    loses its plot."""
    window, controller, t = ui
    ready(ui, tmp_path)
    panel = t.training_panel
    panel.epochs.setValue(3)
    at_start: list[dict[str, object]] = []
    t.session.runStarted.connect(
        lambda _fresh: at_start.append({n: p.plot for n, p in t.plots.plots.items()})
    )
    for _ in range(2):
        with qtbot.waitSignal(t.session.runFinished, timeout=60_000):
            qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert [sorted(names) for names in at_start] == [["accuracy", "loss"]] * 2
    assert at_start[1]["accuracy"] is at_start[0]["accuracy"]  # emptied, not made again
    assert t.plots.plots["accuracy"].points("train") == 3  # only the second run's epochs
    # The person takes accuracy out of the metrics: the next run has no plot for it.
    panel.metrics.selectAll()
    qtbot.keyClicks(panel.metrics, "mse")
    qtbot.keyClick(panel.metrics, Qt.Key.Key_Return)
    assert controller.train_settings().metrics == ("mse",)
    with qtbot.waitSignal(t.session.runFinished, timeout=60_000):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert sorted(at_start[2]) == ["loss", "mse"] and sorted(t.plots.plots) == ["loss", "mse"]


def test_pause_resume_step_buttons(make_ui, tmp_path, qtbot) -> None:
    ui = make_ui(batches=200, delay=0.002)
    ready(ui, tmp_path)
    _w, _c, t = ui
    panel = t.training_panel
    panel.epochs.setValue(1)
    chunks = []
    t.session.batches.connect(chunks.append)
    panel.step_button.click()
    qtbot.waitUntil(
        lambda: t.session.state == PAUSED and sum(c.count for c in chunks) == 1, timeout=3000
    )
    assert panel.pause_button.text() == "Resume"
    panel.pause_button.click()  # resume
    qtbot.waitUntil(lambda: sum(c.count for c in chunks) > 5, timeout=3000)
    panel.pause_button.click()  # pause
    qtbot.waitUntil(lambda: t.session.state == PAUSED, timeout=3000)
    held = sum(c.count for c in chunks)
    qtbot.wait(150)
    assert sum(c.count for c in chunks) == held
    assert "(paused)" in panel.position.text()
    with qtbot.waitSignal(t.session.runFinished, timeout=10_000):
        panel.stop_button.click()
    assert t.session.state == IDLE


def test_stop_button_mid_epoch(make_ui, tmp_path, qtbot) -> None:
    ui = make_ui(batches=1_000_000, delay=0.001)
    ready(ui, tmp_path)
    _w, _c, t = ui
    t.training_panel.start_button.click()
    qtbot.waitUntil(lambda: t.session.samples_seen > 0, timeout=3000)
    with qtbot.waitSignal(t.session.runFinished, timeout=5000):
        t.training_panel.stop_button.click()
    assert "Stopped at epoch 1" in t.training_panel.notice.text()


def test_divergence_message_with_details(make_ui, tmp_path, qtbot) -> None:
    ui = make_ui(diverge_at=(0, 2))
    ready(ui, tmp_path)
    _w, controller, t = ui
    t.training_panel.learning_rate.setText("1e3")
    with qtbot.waitSignal(t.session.runFinished, timeout=10_000):
        t.training_panel.start_button.click()
    assert controller.train_settings().learning_rate == 1000.0
    text = t.training_panel.notice.text()
    assert "diverged at epoch 1, batch 3" in text and "learning rate" in text
    # the message says it all: no "Details…" repeating it
    assert not hasattr(t.training_panel, "details_button")
    assert t.training_panel.details_text() == "" and t.training_panel.notice.toolTip() == ""
    assert t.training_panel.summary.text() == "Training diverged at epoch 1, batch 3"


def test_error_in_training_shows_message_and_app_lives(make_ui, tmp_path, qtbot):
    ui = make_ui(fail_at=3)
    ready(ui, tmp_path)
    _w, _c, t = ui
    with qtbot.waitSignal(t.session.errored, timeout=10_000):
        t.training_panel.start_button.click()
    assert "Training failed: ValueError: boom at step 3" in t.training_panel.notice.text()
    # the traceback adds to the message: it is the message's tooltip, for a bug report
    assert "Traceback" in t.training_panel.details_text()
    assert t.training_panel.notice.toolTip() == t.training_panel.details_text()
    assert "boom at step 3" in t.training_panel.summary.text()
    assert t.training_panel.start_button.isEnabled()


def test_bad_setting_shows_plain_message(ui) -> None:
    _w, controller, t = ui
    t.training_panel.learning_rate.setText("fast")
    t.training_panel.learning_rate.editingFinished.emit()
    assert "Learning rate" in t.training_panel.settings_error.text()
    t.training_panel.learning_rate.setText("0.01")
    t.training_panel.learning_rate.editingFinished.emit()
    assert t.training_panel.settings_error.isHidden()
    assert controller.train_settings().learning_rate == 0.01


def test_close_window_during_training_stops_cleanly(make_ui, tmp_path, qtbot):
    ui = make_ui(batches=1_000_000, delay=0.001)
    ready(ui, tmp_path)
    window, _c, t = ui
    t.training_panel.start_button.click()
    qtbot.waitUntil(lambda: t.session.samples_seen > 0, timeout=3000)
    worker = t.session.worker
    window.close()
    assert worker is not None and worker.isFinished()
    assert t.session.worker is None


def test_csv_dropped_on_window_opens(ui, tmp_path, qtbot) -> None:
    window, _c, t = ui
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(seed_csv(tmp_path)))])
    enter = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, drop)
    assert t.session.dataset is not None and drop.isAccepted()


def test_settings_changed_through_the_controller_show_at_once(ui) -> None:
    _w, controller, t = ui
    panel = t.training_panel
    controller.update_train_config({"epochs": 9, "optimizer": "sgd"})
    assert panel.epochs.value() == 9 and panel.optimizer.currentText() == "sgd"
    controller.undo_stack.undo()
    assert panel.epochs.value() != 9


def test_readouts_follow_the_tick_not_each_delivery(ui, qtbot, monkeypatch) -> None:
    import numpy as np

    from app.worker import BatchChunk

    _w, _c, t = ui
    panel = t.training_panel
    writes: list[str] = []
    monkeypatch.setattr(panel.timing, "setText", writes.append)
    panel._on_run_started(True)
    writes.clear()
    for i in range(10):  # ten deliveries in quick succession: no label is rewritten yet
        step = np.arange(i * 5 + 1, i * 5 + 6)
        t.session.batches.emit(
            BatchChunk(
                0, i, 10, i * 80, {"loss": 1.0 / (i + 1)}, step, step / 50.0, {"loss": 1.0 / step}
            )
        )
    assert writes == [] and panel.summary.text() == "Starting…"
    qtbot.waitUntil(lambda: len(writes) == 1, timeout=2000)  # the read-out tick
    assert "loss 0.1" in panel.summary.text() and "batch 10/10" in panel.progress.format()
    qtbot.wait(450)
    assert len(writes) == 1  # nothing new delivered: nothing rewritten


def test_progress_and_latest_metrics_show_in_the_run_bar_on_every_page(qtbot, tmp_path):
    from tests.app._gui_helpers import make_window

    w = make_window(qtbot, show=False)
    w.training.session.trainer = fake_trainer(batches=30)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    t = w.training
    panel = t.training_panel
    assert not panel.status_box.isVisible()  # before the first run there is nothing to show
    assert t.data_panel.open_path(str(seed_csv(tmp_path)))
    add_seed_graph(w.controller)
    w.controller.analyze_now()
    w.controller.update_train_config({"epochs": 2})
    click_page(qtbot, w, "data")
    pages: list[str] = []
    t.session.epochEnded.connect(lambda _e: pages.append(w.workspace.current_key()))
    with qtbot.waitSignal(t.session.runFinished, timeout=10_000):
        qtbot.mouseClick(t.run_bar.button("start"), Qt.MouseButton.LeftButton)
    qtbot.wait(50)
    assert pages == ["data", "data"]  # a run does not change the page while it runs
    assert panel.status_box.isVisible()
    assert "loss" in panel.summary.text() and "Epoch 2/2" in panel.progress.format()
    for key in w.workspace.keys():
        click_page(qtbot, w, key)
        for widget in (panel.progress, panel.summary):
            assert widget.isVisible() and not widget.visibleRegion().isEmpty(), key
    w.controller.mark_clean()
