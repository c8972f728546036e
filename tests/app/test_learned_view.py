"""The "What it learned" page and the health badges, driven as a person would: train with
the Start button, move the epoch slider, pick a row, edit the network."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from app.results import learned_hub
from core.evaluation.health import activation_health
from core.evaluation.learned import (
    explain_evaluated_row,
    health_by_node,
    validation_importance,
    worst_position,
)
from core.evaluation.results import choose_split, evaluate_dataset, model_predictor
from tests.app._gui_helpers import make_window
from tests.app.test_canvas import _drag
from tests.app.test_keep_work import DATASETS, copy_example, open_and_wait, train


def _open_page(qtbot, window):
    """Click the page's tab; the charts are built when it is first shown."""
    bar = window.workspace.tabBar()
    index = window.workspace.indexOf(window.workspace.page("weights"))
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    view = window.learned.view
    qtbot.waitUntil(
        lambda: view.built and view.isVisible() and not view.redraw_pending, timeout=5000
    )
    return view


@pytest.fixture
def iris(qtbot, tmp_path):
    """A window with the iris example trained for 8 epochs."""
    w = make_window(qtbot)
    path = copy_example(tmp_path, "iris")
    open_and_wait(qtbot, w, path)
    w.controller.update_train_config({"epochs": 8})
    train(qtbot, w)
    return w


def test_the_page_is_a_workspace_tab(qtbot, iris) -> None:
    assert "weights" in iris.workspace.keys()
    view = _open_page(qtbot, iris)
    assert iris.workspace.current_key() == "weights"
    assert iris.workspace.tabText(iris.workspace.indexOf(view)) == "What it learned"
    assert "after 8 epoch(s)" in view.status.text()


def test_the_slider_moves_the_histograms_through_the_epochs(qtbot, iris) -> None:
    view = _open_page(qtbot, iris)
    recorder = iris.training.session.histograms
    assert recorder.epochs == list(range(8)) and recorder.layers == ["hidden", "species"]
    qtbot.waitUntil(lambda: view.shown_epoch() == 7, timeout=3000)  # the newest epoch first
    cell = view.grid.cells[("hidden", "weights")]
    grad_cell = view.grid.cells[("hidden", "gradients")]
    np.testing.assert_array_equal(cell.counts, recorder.at(7)["hidden"].weights.counts)
    last_weights, last_grads = cell.counts.copy(), grad_cell.counts.copy()
    view.slider.setFocus()
    qtbot.keyClick(view.slider, Qt.Key.Key_Home)
    assert view.shown_epoch() == 0 and view.epoch_label.text() == "epoch 1 of 8"
    first = recorder.at(0)["hidden"]
    np.testing.assert_array_equal(cell.counts, first.weights.counts)
    np.testing.assert_array_equal(grad_cell.counts, first.gradients.counts)
    assert not np.array_equal(cell.counts, last_weights)
    assert not np.array_equal(grad_cell.counts, last_grads)
    qtbot.keyClick(view.slider, Qt.Key.Key_Right)
    assert view.shown_epoch() == 1
    np.testing.assert_array_equal(cell.counts, recorder.at(1)["hidden"].weights.counts)
    assert "sd" in cell.plot.titleLabel.text


def test_the_histograms_come_back_with_the_saved_project(qtbot, iris) -> None:
    view = _open_page(qtbot, iris)
    iris.actions_by_key["save"].trigger()
    path = iris.controller.path
    counts = view.grid.cells[("species", "gradients")].counts.copy()
    other = make_window(qtbot)
    open_and_wait(qtbot, other, path)
    again = _open_page(qtbot, other)
    qtbot.waitUntil(lambda: again.shown_epoch() == 7, timeout=5000)
    np.testing.assert_array_equal(again.grid.cells[("species", "gradients")].counts, counts)
    assert other.learned.hub.ready  # importance and explanations for the restored model


def test_the_histograms_follow_a_run_while_it_trains(qtbot, iris) -> None:
    view = _open_page(qtbot, iris)
    session = iris.training.session
    iris.controller.update_train_config({"epochs": 400})
    panel = iris.training.training_panel
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    try:
        assert session.is_running()
        assert view.shown_epoch() is None  # a fresh run starts from nothing
        qtbot.waitUntil(lambda: (view.shown_epoch() or 0) >= 3, timeout=20_000)
        assert session.is_running() and "Training" in view.status.text()
        assert not iris.learned.hub.ready  # nothing is computed on the model being trained
    except AssertionError:
        session.finish_run_now()  # never leave a run going into the window's close
        raise
    with qtbot.waitSignal(session.runFinished, timeout=20_000):
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    assert iris.workspace.current_key() == "results"  # the Results page comes forward
    _open_page(qtbot, iris)  # and this one catches up when it is shown again
    assert view.shown_epoch() == session.histograms.epochs[-1]
    assert iris.learned.hub.ready


def test_without_validation_rows_the_page_says_how_to_get_importance(qtbot, tmp_path) -> None:
    w = make_window(qtbot)
    open_and_wait(qtbot, w, copy_example(tmp_path, "iris"))
    assert w.training.session.change_data_config("No validation", validation_split=0.0)
    qtbot.waitUntil(lambda: w.training.session.dataset is not None, timeout=10_000)
    train(qtbot, w)
    view = _open_page(qtbot, w)
    assert w.learned.hub.importance is None and view.importance_chart.shown() == []
    assert "Set a validation share in the Data settings" in view.importance_caption.text()
    assert view.explain_row(0)  # explanations use the test rows, which are there


@pytest.mark.parametrize("name", ["iris", "regression"])
def test_importance_lists_the_features_as_core_ranks_them(qtbot, tmp_path, name) -> None:
    w = make_window(qtbot)
    w.resize(1400, 900)  # the size the layout is made for: every input gets a bar
    open_and_wait(qtbot, w, copy_example(tmp_path, name))
    train(qtbot, w)
    view = _open_page(qtbot, w)
    session = w.training.session
    qtbot.waitUntil(lambda: w.learned.hub.importance is not None, timeout=20_000)
    want = validation_importance(model_predictor(session.model), session.dataset)
    shown = view.importance_chart.shown()
    assert [n for n, _ in shown] == [f.name for f in want.features]
    np.testing.assert_allclose([v for _, v in shown], [f.mean for f in want.features])
    metric = "accuracy lost" if name == "iris" else "rise in RMSE"
    assert metric in view.importance_caption.text()


def test_importance_of_a_big_job_is_measured_in_the_background(qtbot, iris, monkeypatch):
    monkeypatch.setattr(learned_hub, "SYNC_IMPORTANCE_WORK", 0)
    hub = iris.learned.hub
    view = _open_page(qtbot, iris)
    seen: list[tuple[bool, bool, str]] = []
    hub.importanceChanged.connect(
        lambda: seen.append(
            (hub.importance is None, hub.importance_busy, view.importance_caption.text())
        )
    )
    panel = iris.training.training_panel
    with qtbot.waitSignal(iris.training.session.runFinished, timeout=60_000):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: hub.importance is not None, timeout=20_000)
    busy = [s for s in seen if s[1]]
    assert busy and busy[0][0] and "Measuring feature importance" in busy[0][2]
    assert not seen[-1][1] and not seen[-1][0]  # the result arrived from the pool thread
    session = iris.training.session
    want = validation_importance(model_predictor(session.model), session.dataset)
    assert [n for n, _ in view.importance_chart.shown()] == [f.name for f in want.features]


def test_the_explanation_of_a_row_is_cores(qtbot, iris) -> None:
    view = _open_page(qtbot, iris)
    session = iris.training.session
    model, dataset = session.model, session.dataset
    ev = evaluate_dataset(model, dataset)
    x = choose_split(dataset).x

    def core_bars(pos: int, method: str = "integrated_gradients") -> list[tuple[str, float]]:
        r = explain_evaluated_row(model, x, ev, pos, dataset.pipeline, method=method)
        return list(r.contributions)

    spin = view.row_spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "5")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert spin.value() == 5
    shown = view.explain_chart.shown()
    assert [n for n, _ in shown] == [n for n, _ in core_bars(4)]
    np.testing.assert_allclose([v for _, v in shown], [v for _, v in core_bars(4)])
    assert view.sentence.text().startswith("Row 5: actual")

    qtbot.mouseClick(view.worst_button, Qt.MouseButton.LeftButton)
    worst = worst_position(ev)
    assert spin.value() == worst + 1
    np.testing.assert_allclose(
        [v for _, v in view.explain_chart.shown()], [v for _, v in core_bars(worst)]
    )

    view.method.setCurrentIndex(view.method.findData("gradient_x_input"))
    np.testing.assert_allclose(
        [v for _, v in view.explain_chart.shown()],
        [v for _, v in core_bars(worst, "gradient_x_input")],
    )


def test_explain_row_brings_the_page_forward_on_that_row(qtbot, iris) -> None:
    iris.workspace.show_page("network")
    view = iris.learned.view
    assert view.explain_row(2)
    assert iris.workspace.current_key() == "weights" and view.row_spin.value() == 3
    assert not view.explain_row(10_000)
    assert "the evaluated rows are 1 to" in view.sentence.text()


def test_a_double_click_in_the_predictions_table_explains_that_row(qtbot, iris) -> None:
    iris.workspace.show_page("results")
    panel = iris.results.view.predictions
    qtbot.waitUntil(lambda: panel.model.rowCount() > 3, timeout=10_000)
    table = panel.view
    rect = table.visualRect(panel.model.index(3, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    view = iris.learned.view
    pos = int(panel.model.shown[3])  # the fourth row shown (worst first)
    assert iris.workspace.current_key() == "weights" and view.row_spin.value() == pos + 1
    session = iris.training.session
    ev = evaluate_dataset(session.model, session.dataset)
    want = explain_evaluated_row(
        session.model, choose_split(session.dataset).x, ev, pos, session.dataset.pipeline
    )
    shown = view.explain_chart.shown()  # (name, value) pairs: pytest.approx takes no pairs
    assert [n for n, _ in shown] == [n for n, _ in want.contributions]
    assert [v for _, v in shown] == pytest.approx([v for _, v in want.contributions])
    assert view.sentence.text().startswith(f"Row {panel.model.cell(pos, 'row')}:")


def _dead_relu_window(qtbot):
    """Iris with Input -> Dense(8, relu) -> Dense(6, relu, bias -50: dead) -> Dense(3, softmax)."""
    w = make_window(qtbot)
    assert w.training.data_panel.open_path(str(DATASETS / "iris.csv"))
    qtbot.waitUntil(lambda: w.training.session.dataset is not None, timeout=20_000)
    c = w.controller
    dead_bias = {"class_name": "Constant", "config": {"value": -50.0}}
    ids = [
        c.add_node("Input", 0, 0, {"shape": [4]}),
        c.add_node("Dense", 240, 0, {"units": 8, "activation": "relu"}),
        c.add_node(
            "Dense", 480, 0, {"units": 6, "activation": "relu", "bias_initializer": dead_bias}
        ),
        c.add_node("Dense", 720, 0, {"units": 3, "activation": "softmax"}),
    ]
    for a, b in zip(ids, ids[1:], strict=False):
        assert c.connect(a, b)
    c.update_train_config({"epochs": 5})
    c.analyze_now()
    return w, ids


def test_a_dead_relu_layer_gets_a_warning_badge_that_an_edit_clears(qtbot) -> None:
    w, (_inp, alive, dead, out) = _dead_relu_window(qtbot)
    scene = w.view.canvas
    assert not scene.nodes[dead].health_badge.isVisible()  # nothing before a run
    train(qtbot, w)
    session = w.training.session
    want = health_by_node(
        activation_health(session.model, session.dataset.x_train), session.model_network
    )
    badge = scene.nodes[dead].health_badge
    assert badge.isVisible() and badge.level == "warning" and badge.text == "100 % dead"
    assert badge.toolTip() == want[dead].hint and "6 of 6 ReLU units" in badge.toolTip()
    alive_badge = scene.nodes[alive].health_badge
    assert alive_badge.isVisible() and alive_badge.level == want[alive].level
    assert not scene.nodes[out].health_badge.isVisible()  # the output layer is not judged

    w.select_ids([alive])
    qtbot.waitUntil(lambda: w.inspector.node_id == alive, timeout=1000)
    spin = w.inspector.field("units").editor
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "9")
    assert w.controller.graph.node(alive).params["units"] == 9
    assert not badge.isVisible() and not alive_badge.isVisible()
    w.actions_by_key["undo"].trigger()  # the trained network again: the badges come back
    assert badge.isVisible() and badge.text == "100 % dead"


def test_badges_go_when_the_model_is_dropped_and_stay_when_a_card_moves(qtbot) -> None:
    w, ids = _dead_relu_window(qtbot)
    train(qtbot, w)
    badge = w.view.canvas.nodes[ids[2]].health_badge
    assert badge.isVisible()
    w.workspace.show_page("network")
    w.view.fit_all()
    item = w.view.canvas.nodes[ids[2]]
    start = w.view.mapFromScene(item.sceneBoundingRect().center() + QPointF(0, -8))
    before = (item.x(), item.y())
    _drag(w.view, start, start + QPoint(60, 70))
    assert (item.x(), item.y()) != before
    assert w.controller.graph.node(ids[2]).y == item.y()  # one move, through the document
    assert badge.isVisible()
    w.training.actions["reset"].trigger()
    assert not badge.isVisible()
    assert w.learned.hub.health == {} and not w.learned.hub.ready


def test_the_dividers_are_part_of_the_saved_layout(qtbot) -> None:
    from tests.app.test_pages import _persisting_window

    w = _persisting_window(qtbot)
    view = _open_page(qtbot, w)
    split, side = view.splitters
    split.setSizes([900, split.width() - 900])
    side.setSizes([150, side.height() - 150])
    wanted = (split.sizes(), side.sizes())
    w.close()
    again = _persisting_window(qtbot)
    restored = again.learned.view
    assert not restored.built  # kept until the page is first shown
    _open_page(qtbot, again)
    assert (restored.splitters[0].sizes(), restored.splitters[1].sizes()) == wanted
    assert not restored.restore_layout_state(again.training.training_page.layout_state())
