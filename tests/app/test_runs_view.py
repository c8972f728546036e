"""The Runs page, driven as a person would: train twice with the Start button, compare the
runs' curves, restore the first run's network and settings, delete a run, undo both, and
check that the command line and the app see the same runs in the project file.

Also the recording itself: every run that trained an epoch is recorded (stopped, failed,
"Train more" included), it marks the project modified without an undo step, and the
recovery copy holds it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from app.document import DocumentController
from app.results.text import metric
from app.session import IDLE, TrainingSession
from core.cli import main as cli
from core.document.graph_io import graph_to_dict
from core.evaluation.runs import network_fingerprint
from tests.app._gui_helpers import make_window
from tests.app._training_fixtures import add_seed_graph, fake_trainer, seed_csv
from tests.app.test_keep_work import copy_example, open_and_wait

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(work_window: Any) -> Any:
    return work_window


def _train(qtbot: Any, window: Any, button: str = "start_button") -> None:
    panel, session = window.training.training_panel, window.training.session
    qtbot.waitUntil(getattr(panel, button).isEnabled, timeout=10_000)
    with qtbot.waitSignal(session.runFinished, timeout=120_000):
        qtbot.mouseClick(getattr(panel, button), LEFT)


def _click_row(qtbot: Any, view: Any, run_id: str, modifier: Any = None) -> None:
    """Click the run's row in the table (with Ctrl to add it to the selection)."""
    row = view.model.row_of(run_id)
    assert row >= 0, f"run {run_id} is not in the table"
    rect = view.table.visualRect(view.model.index(row, 0))
    qtbot.mouseClick(
        view.table.viewport(), LEFT, modifier or Qt.KeyboardModifier.NoModifier, rect.center()
    )


def _set_units(qtbot: Any, window: Any, node_id: str, units: int) -> None:
    """Select the layer on the canvas and type its units in the inspector."""
    window.select_ids([node_id])
    qtbot.waitUntil(lambda: window.inspector.node_id == node_id, timeout=2000)
    spin = window.inspector.field("units").editor
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, str(units))
    assert window.controller.graph.node(node_id).params["units"] == units


def _undo(qtbot: Any, window: Any) -> None:
    """Ctrl+Z, as a person presses it (the window's Undo shortcut)."""
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)


def test_two_runs_are_listed_compared_restored_deleted_and_listed_by_the_cli(
    qtbot: Any, window: Any, tmp_path: Path, capsys: Any
) -> None:
    path = copy_example(tmp_path, "iris")
    open_and_wait(qtbot, window, path)
    controller, view = window.controller, window.runs
    assert window.workspace.has_page("runs") and view.model.rowCount() == 0
    assert not controller.is_modified()

    _train(qtbot, window)  # run 1: hidden layer of 16 units
    assert controller.is_modified()  # a recorded run is an unsaved change
    assert "*" in window.windowTitle()
    (first,) = controller.runs()
    assert first.source == "app" and first.epochs == 4 and first.reason == "completed"
    assert first.seed == controller.project.train_config["seed"]
    assert first.graph["nodes"][1]["params"]["units"] == 16
    assert first.fingerprint == network_fingerprint(controller.graph)
    assert len(first.history["loss"]) == 4 and len(first.history["val_accuracy"]) == 4
    assert first.metrics["test"]["accuracy"] == window.training.session.test_metrics["accuracy"]
    assert first.duration_s > 0 and first.started.endswith("+00:00")

    _set_units(qtbot, window, "n2", 5)
    steps = controller.undo_stack.count()
    _train(qtbot, window)  # run 2: 5 units
    assert controller.undo_stack.count() == steps  # recording is not an undo step
    first, second = controller.runs()
    assert second.graph["nodes"][1]["params"]["units"] == 5
    assert first.fingerprint != second.fingerprint

    window.workspace.show_page("runs")
    assert view.model.rowCount() == 2
    assert [view.model.rows[r]["id"] for r in (0, 1)] == [second.id, first.id]  # newest first
    header = view.model.titles
    for title in ("Run", "Started", "Epochs", "Settings", "loss", "accuracy", "val_loss"):
        assert title in header
    assert "test accuracy" in header and "Duration" in header and "Seed" in header
    assert view.model.text(1, "epochs") == "4"
    assert view.model.text(1, "seed") == str(first.seed)
    assert view.model.text(1, "test:accuracy") == metric(first.metrics["test"]["accuracy"])
    assert view.model.text(0, "final:loss") == metric(second.history["loss"][-1])

    _click_row(qtbot, view, first.id)
    _click_row(qtbot, view, second.id, CTRL)
    assert set(view.selected_ids()) == {first.id, second.id}
    charts = view.charts
    assert sorted(charts.names(charts.loss)) == sorted([first.id, second.id])
    assert charts.metric_name == "accuracy"
    assert sorted(charts.names(charts.metric)) == sorted([first.id, second.id])
    loss_items = charts.loss.getPlotItem().listDataItems()
    assert len(loss_items) == 4  # training and validation of each run
    ys = {tuple(i.getData()[1]) for i in loss_items}
    assert tuple(first.history["loss"]) in ys and tuple(second.history["val_loss"]) in ys

    # Edit the network (another layer, other units), then restore run 1 from the table.
    qtbot.keyClicks(window.palette.search, "Dropout")
    qtbot.keyClick(window.palette.search, Qt.Key.Key_Return)
    _set_units(qtbot, window, "n2", 7)
    controller.update_train_config({"batch_size": 8})
    scene = window.view.canvas
    assert len(scene.nodes) == 4
    edited = graph_to_dict(controller.graph)
    _click_row(qtbot, view, first.id)
    assert view.restore_button.isEnabled()
    steps = controller.undo_stack.count()
    qtbot.mouseClick(view.restore_button, LEFT)
    assert controller.undo_stack.count() == steps + 1  # one undo step
    assert len(scene.nodes) == 3  # the canvas shows run 1's network
    assert controller.graph.node("n2").params["units"] == 16
    assert controller.project.train_config["batch_size"] == first.settings["batch_size"]
    assert window.training.training_panel.batch_size.value() == first.settings["batch_size"]
    assert network_fingerprint(controller.graph) == first.fingerprint

    _undo(qtbot, window)
    assert len(scene.nodes) == 4  # the edit is back
    assert controller.graph.node("n2").params["units"] == 7
    assert controller.project.train_config["batch_size"] == 8
    assert graph_to_dict(controller.graph) == edited

    # Delete run 2, then bring it back.
    window.workspace.show_page("runs")
    _click_row(qtbot, view, second.id)
    qtbot.mouseClick(view.delete_button, LEFT)
    assert [r["id"] for r in view.model.rows] == [first.id]
    assert [r.id for r in controller.runs()] == [first.id]
    _undo(qtbot, window)
    assert [r["id"] for r in view.model.rows] == [second.id, first.id]
    assert [r.id for r in controller.runs()] == [first.id, second.id]  # its old place

    # Save; the command line lists the app's runs.
    window.actions_by_key["save"].trigger()
    assert not controller.is_modified()
    capsys.readouterr()
    assert cli(["runs", str(path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["runs"]
    assert [r["id"] for r in listed] == [first.id, second.id]
    assert [r["epochs"] for r in listed] == [4, 4]
    assert listed[1]["final"]["loss"] == pytest.approx(second.history["loss"][-1])
    assert listed[0]["test"]["accuracy"] == pytest.approx(first.metrics["test"]["accuracy"])


def test_runs_of_the_command_line_show_in_the_app_and_train_more_continues_them(
    qtbot: Any, window: Any, tmp_path: Path, capsys: Any
) -> None:
    path = copy_example(tmp_path, "iris")
    assert cli(["train", str(path), "--epochs", "3"]) == 0
    capsys.readouterr()
    open_and_wait(qtbot, window, path)
    view, controller = window.runs, window.controller
    (cli_run,) = controller.runs()
    assert cli_run.source == "cli"
    assert [r["id"] for r in view.model.rows] == [cli_run.id]
    assert view.selected_ids() == [cli_run.id]  # the newest run is selected: its curves show
    window.workspace.show_page("runs")
    assert view.charts.names(view.charts.loss) == [cli_run.id]

    session = window.training.session
    qtbot.waitUntil(lambda: session.model is not None, timeout=10_000)
    assert session.model_run_id == cli_run.id  # the reopened model is that run's
    window.training.training_panel.more_epochs.setValue(2)
    _train(qtbot, window, "more_button")
    cli_run, more = controller.runs()
    assert more.first_epoch == 3 and more.epochs == 5 and more.continued_from == cli_run.id
    assert len(more.history["loss"]) == 5
    assert more.history["loss"][:3] == pytest.approx(cli_run.history["loss"])
    assert view.model.text(view.model.row_of(more.id), "epochs") == "3+2"


def test_stopped_and_failed_runs_are_recorded_and_the_recovery_copy_holds_them(
    qtbot: Any, tmp_path: Path
) -> None:
    session = TrainingSession(DocumentController(), trainer=fake_trainer(batches=4, fail_at=9))
    try:
        session.open_csv(seed_csv(tmp_path))
        add_seed_graph(session.controller)
        session.controller.analyze_now()
        session.controller.update_train_config({"epochs": 5})
        with qtbot.waitSignal(session.errored, timeout=10_000):
            assert session.start()
        qtbot.waitUntil(lambda: session.state == IDLE, timeout=10_000)
        (failed,) = session.controller.runs()
        assert failed.reason == "error" and failed.epochs == 2  # steps 0..7 made two epochs
    finally:
        session.shutdown()

    stopped_session = TrainingSession(
        DocumentController(), trainer=fake_trainer(batches=50, delay=0.01)
    )
    try:
        stopped_session.open_csv(seed_csv(tmp_path))
        add_seed_graph(stopped_session.controller)
        stopped_session.controller.analyze_now()
        stopped_session.controller.update_train_config({"epochs": 50})
        assert stopped_session.start()
        qtbot.waitUntil(lambda: stopped_session.epochs_done >= 1, timeout=20_000)
        with qtbot.waitSignal(stopped_session.runFinished, timeout=10_000):
            stopped_session.stop()
        (stopped,) = stopped_session.controller.runs()
        assert stopped.reason == "stopped" and stopped.epochs == stopped_session.epochs_done
    finally:
        stopped_session.shutdown()

    no_epoch = TrainingSession(DocumentController(), trainer=fake_trainer(batches=4, fail_at=1))
    try:
        no_epoch.open_csv(seed_csv(tmp_path))
        add_seed_graph(no_epoch.controller)
        no_epoch.controller.analyze_now()
        with qtbot.waitSignal(no_epoch.errored, timeout=10_000):
            assert no_epoch.start()
        assert no_epoch.controller.runs() == []  # nothing trained: nothing to record
    finally:
        no_epoch.shutdown()


def test_the_recovery_copy_holds_the_recorded_runs(qtbot: Any, tmp_path: Path) -> None:
    path = copy_example(tmp_path, "iris")
    w = make_window(qtbot)
    try:
        open_and_wait(qtbot, w, path)
        _train(qtbot, w)
        root = Path(os.environ["LAYERFORGE_RECOVERY_DIR"])
        (index,) = [json.loads(p.read_text()) for p in root.glob("*/recovery.json")]
        assert index["reason"] == "end of run"
        (folder,) = [p.parent for p in root.glob("*/recovery.json")]
        saved = json.loads((folder / index["copy"]).read_text())
        assert [r["id"] for r in saved["runs"]] == [r.id for r in w.controller.runs()]
    finally:
        w.training.session.shutdown()


def test_restore_and_delete_buttons_follow_the_selection(qtbot: Any, window: Any) -> None:
    view = window.runs
    assert not view.restore_button.isEnabled() and not view.delete_button.isEnabled()
    assert "No runs yet" in view.status.text()
    window.workspace.show_page("runs")
    assert view.charts.loss.getPlotItem().listDataItems() == []
    qtbot.mouseClick(view.table.viewport(), LEFT, pos=QPoint(5, 5))  # an empty table
    assert view.selected_ids() == []


def test_a_header_click_sorts_and_a_restore_is_one_step_only_when_it_changes_something(
    qtbot: Any, window: Any, tmp_path: Path, capsys: Any
) -> None:
    path = copy_example(tmp_path, "iris")
    for epochs in ("5", "2", "3"):
        assert cli(["train", str(path), "--epochs", epochs]) == 0
    capsys.readouterr()
    open_and_wait(qtbot, window, path)
    window.workspace.show_page("runs")
    view = window.runs
    model, header = view.model, view.table.horizontalHeader()
    recorded = [r.id for r in window.controller.runs()]
    assert [r["id"] for r in model.rows] == recorded[::-1]  # newest first

    column = model.columns.index("epochs")
    rect = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), LEFT, pos=QPoint(rect, header.height() // 2))
    first_order = [r["epochs"] for r in model.rows]
    qtbot.mouseClick(header.viewport(), LEFT, pos=QPoint(rect, header.height() // 2))
    second_order = [r["epochs"] for r in model.rows]
    assert {tuple(first_order), tuple(second_order)} == {(2, 3, 5), (5, 3, 2)}
    assert [model.text(i, "epochs") for i in range(3)] == [str(e) for e in second_order]

    # The newest run trained 3 epochs (a flag of that run): restoring it sets 3, once.
    newest = recorded[-1]
    controller, epochs = window.controller, window.training.training_panel.epochs
    assert controller.project.train_config["epochs"] == 4
    _click_row(qtbot, view, newest)
    steps = controller.undo_stack.count()
    qtbot.mouseClick(view.restore_button, LEFT)
    assert controller.project.train_config["epochs"] == 3 and epochs.value() == 3
    assert controller.undo_stack.count() == steps + 1
    with qtbot.waitSignal(controller.message) as said:
        qtbot.mouseClick(view.restore_button, LEFT)  # already there: no second step
    assert said.args == [f"The network and settings are already those of run {newest}."]
    assert controller.undo_stack.count() == steps + 1
    _undo(qtbot, window)
    assert controller.project.train_config["epochs"] == 4 and epochs.value() == 4
