"""The Boundary page, driven as a person would: Train button, axis pickers, tab clicks.

The map redraws while a run trains (from the twin, never the training model),
the twin ends the run with the trained weights, the pickers move the axes
(PCA included), a saved trained project opens with its map drawn on the two
most important inputs, and data that cannot give a map says why instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from core.evaluation.boundary_map import rank_features
from tests.app._gui_helpers import make_window
from tests.core.evaluation_data import text_only_csv

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def _open_example(qtbot, name: str):
    window = make_window(qtbot)
    assert window.files.open_example(str(EXAMPLES / f"{name}.lfproj"), ask=False)
    session = window.training.session
    qtbot.waitUntil(lambda: session.dataset is not None and session.readiness()[0], timeout=10_000)
    return window, session


def _click_tab(qtbot, window, key: str) -> None:
    ws = window.workspace
    bar = ws.tabBar()
    index = ws.indexOf(ws.page(key))
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert ws.current_key() == key


def _train(qtbot, window, epochs: int) -> None:
    panel = window.training.training_panel
    panel.epochs.setValue(epochs)
    with qtbot.waitSignal(window.training.session.runFinished, timeout=120_000):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)


def _choose(qtbot, picker, label: str) -> None:
    """Open the picker's list and click `label` in it."""
    target = picker.findText(label)
    assert target >= 0, [picker.itemText(i) for i in range(picker.count())]
    picker.showPopup()
    view = picker.view()
    qtbot.waitUntil(view.isVisible, timeout=3000)
    rect = view.visualRect(view.model().index(target, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=3000)


def _axis_labels(m) -> tuple[str, str]:
    return m.plot.getAxis("bottom").labelText, m.plot.getAxis("left").labelText


def test_map_moves_during_a_run_and_the_twin_ends_with_the_trained_weights(qtbot) -> None:
    window, session = _open_example(qtbot, "moons")
    _click_tab(qtbot, window, "training")
    compact = window.boundary.compact
    assert compact is not None and compact.isVisible()  # beside the plots, from the start
    panel = window.training.training_panel
    panel.epochs.setValue(5000)
    beside: list[bool] = []
    page: list[bool] = []
    compact.map.redrawn.connect(lambda: beside.append(session.is_running()))
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sum(beside) >= 3, timeout=60_000)
    assert window.workspace.current_key() == "training"  # a run never moves the page
    # The Boundary page, opened mid-run, catches up and moves too.
    _click_tab(qtbot, window, "boundary")
    m = window.boundary.view.map
    m.redrawn.connect(lambda: page.append(session.is_running()))
    qtbot.waitUntil(lambda: sum(page) >= 3, timeout=60_000)
    with qtbot.waitSignal(session.runFinished, timeout=30_000):
        qtbot.mouseClick(window.training.run_bar.button("stop"), Qt.MouseButton.LeftButton)
    assert session.weight_tap.copies >= 4  # copied in the training thread
    assert m.image.image is not None and m.image.image.shape == (200, 200, 4)
    assert _axis_labels(m) == ("x1", "x2")
    _click_tab(qtbot, window, "boundary")  # the Results page came forward when it ended
    qtbot.waitUntil(lambda: not page[-1], timeout=5000)  # redrawn after the run
    trained = session.model.get_weights()
    twin = window.boundary.live.get_weights()
    assert len(twin) == len(trained)
    for a, b in zip(twin, trained, strict=True):
        np.testing.assert_array_equal(a, b)
    # The map shows the trained model: the twin's predictions are the model's.
    x = session.dataset.x_val
    np.testing.assert_allclose(window.boundary.live.predict(x), session.model.predict(x, verbose=0))


def test_train_again_keeps_the_map_without_a_no_model_flash(qtbot) -> None:
    """Train drops the trained model and loads the new run's first weights in one click;
    the compact map never shows its "no model" text in between (it came and went within
    ~0.3 s, the map shrinking and growing back: two relayouts of the page)."""
    from PySide6.QtCore import QEvent, QObject

    window, session = _open_example(qtbot, "moons")
    _click_tab(qtbot, window, "training")
    _train(qtbot, window, 2)
    compact = window.boundary.compact.map
    qtbot.waitUntil(lambda: not compact.explanation.isVisible(), timeout=5000)
    _click_tab(qtbot, window, "training")  # the Results page came forward at the end

    class Shows(QObject):
        seen = 0

        def eventFilter(self, obj, event):  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Show:
                self.seen += 1
            return False

    shows = Shows()
    compact.explanation.installEventFilter(shows)
    drawn: list[bool] = []
    compact.redrawn.connect(lambda: drawn.append(session.is_running()))
    panel = window.training.training_panel
    panel.epochs.setValue(5000)
    qtbot.wait(400)  # a person looks at the map first: its last redraw is long past
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sum(drawn) >= 2, timeout=60_000)  # the new run's map, twice
    with qtbot.waitSignal(session.runFinished, timeout=30_000):
        qtbot.mouseClick(window.training.run_bar.button("stop"), Qt.MouseButton.LeftButton)
    assert shows.seen == 0


def test_pickers_move_the_axes_and_pca_maps_all_features(qtbot) -> None:
    window, session = _open_example(qtbot, "iris")
    _train(qtbot, window, 3)
    _click_tab(qtbot, window, "boundary")
    m = window.boundary.view.map
    # Four inputs and no ranking yet when the run started: the PCA plane, kept after it.
    assert m.x_picker.currentText() == m.y_picker.currentText() == "PCA (all features)"
    assert _axis_labels(m)[0].startswith("component 1 (")
    assert _axis_labels(m)[1].startswith("component 2 (")
    assert "principal components of all 4 inputs" in m.note.text()
    names = session.dataset.feature_names
    ranked = rank_features(lambda x: session.model.predict(x, verbose=0), session.dataset)

    _choose(qtbot, m.x_picker, "petal_length")
    qtbot.waitUntil(lambda: _axis_labels(m)[0] == "petal_length", timeout=3000)
    x_other = m.y_picker.currentText()  # the most important other input
    assert x_other == next(names[i] for i in ranked if names[i] != "petal_length")
    assert _axis_labels(m)[1] == x_other
    # Axes in the column's own units (centimetres), not the standardized inputs.
    lo, hi = m.plot.getViewBox().viewRange()[0]
    assert 0.0 < lo < 1.0 and 6.9 < hi < 8.0
    assert "Other inputs held at their median:" in m.note.text()
    assert "petal_length" not in m.note.text() and x_other not in m.note.text()
    drawn = m.redraws
    _choose(qtbot, m.y_picker, "sepal_width")
    qtbot.waitUntil(lambda: _axis_labels(m) == ("petal_length", "sepal_width"), timeout=3000)
    qtbot.waitUntil(lambda: m.redraws > drawn, timeout=3000)
    # The same feature on both axes swaps them.
    _choose(qtbot, m.x_picker, "sepal_width")
    qtbot.waitUntil(lambda: _axis_labels(m) == ("sepal_width", "petal_length"), timeout=3000)

    _choose(qtbot, m.y_picker, "PCA (all features)")
    qtbot.waitUntil(lambda: _axis_labels(m)[1].startswith("component 2 ("), timeout=3000)
    assert m.x_picker.currentText() == "PCA (all features)"
    assert m.image.image is not None and m.image.image.shape == (200, 200, 4)
    # Three classes: all three colours are on the trained map.
    colours = {tuple(c) for c in m.image.image[::10, ::10, :3].reshape(-1, 3)}
    assert len(colours) > 3


def test_a_restored_project_opens_with_its_map_on_the_two_most_important_inputs(
    qtbot, tmp_path
) -> None:
    window, session = _open_example(qtbot, "seed")
    _train(qtbot, window, 5)
    path = tmp_path / "seed_trained.lfproj"
    assert window.files._save_to(str(path))
    other = make_window(qtbot)
    other.workspace.show_page("boundary")
    assert other.files.open_path(str(path))
    s2 = other.training.session
    qtbot.waitUntil(lambda: s2.model is not None, timeout=10_000)
    m = other.boundary.view.map
    qtbot.waitUntil(lambda: m.redraws > 0 and m.image.image is not None, timeout=5000)
    names = s2.dataset.feature_names
    top = rank_features(lambda x: s2.model.predict(x, verbose=0), s2.dataset)[:2]
    assert _axis_labels(m) == (names[top[0]], names[top[1]])
    assert m.x_picker.currentText() == names[top[0]]


def _csv(tmp_path: Path, name: str, header: str, rows: list[str]) -> str:
    path = tmp_path / name
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def _chain(controller, n_inputs: int) -> None:
    a = controller.add_node("Input", 0, 0, {"shape": [n_inputs]})
    b = controller.add_node("Dense", 250, 0, {"units": 4, "activation": "relu"})
    c = controller.add_node("Dense", 500, 0, {"units": 1, "activation": "sigmoid"})
    assert controller.connect(a, b) and controller.connect(b, c)
    controller.analyze_now()


def test_one_input_network_explains_instead_of_a_map(qtbot, tmp_path) -> None:
    window = make_window(qtbot)
    rng = np.random.default_rng(0)
    rows = [f"{v:.3f},{int(v > 0)}" for v in rng.normal(size=80)]
    assert window.training.data_panel.open_path(_csv(tmp_path, "one.csv", "x,y", rows))
    _chain(window.controller, 1)
    _click_tab(qtbot, window, "boundary")
    m = window.boundary.view.map
    assert m.explanation.isVisible()
    assert "single input ('x')" in m.explanation.text()
    assert not m.shows_map()
    assert not m.x_picker.isEnabled() and not m.y_picker.isEnabled()
    assert m.x_picker.currentText() == "x" and m.y_picker.count() == 0
    _click_tab(qtbot, window, "training")
    assert not window.boundary.compact.isVisible()  # no map beside the plots
    _train(qtbot, window, 2)
    _click_tab(qtbot, window, "boundary")
    qtbot.waitUntil(lambda: bool(m.curves) and len(m.curves[0].getData()[0]) == 200)
    assert m.image.image is None


def test_text_only_inputs_say_why_there_is_no_map(qtbot, tmp_path) -> None:
    window = make_window(qtbot)
    assert window.training.data_panel.open_path(str(text_only_csv(tmp_path / "cats.csv")))
    _click_tab(qtbot, window, "boundary")
    m = window.boundary.view.map
    assert m.explanation.isVisible()
    assert "Every input is a category ('colour', 'size')" in m.explanation.text()
    assert not m.graphics.isVisible()


def test_regression_draws_a_heat_map_of_the_predicted_value(qtbot) -> None:
    window, _session = _open_example(qtbot, "regression")
    _train(qtbot, window, 40)
    _click_tab(qtbot, window, "boundary")
    m = window.boundary.view.map
    qtbot.waitUntil(lambda: m.image.image is not None, timeout=5000)
    assert "the predicted value, from" in m.legend.text()
    assert len({tuple(c) for c in m.image.image[::20, ::20, :3].reshape(-1, 3)}) > 5


def test_a_large_tables_plane_is_planned_in_a_pool_thread(qtbot, tmp_path, monkeypatch) -> None:
    """Over `sync_rows` training rows the plane is planned off the GUI thread (a 1M-row
    file's plan held the window ~75 ms); the map says so meanwhile, then draws it."""
    import threading

    import core.evaluation.boundary as boundary

    planned_in: list[int] = []
    plan_for_dataset = boundary.plan_for_dataset

    def spy(dataset, **kwargs):
        planned_in.append(threading.get_ident())
        return plan_for_dataset(dataset, **kwargs)

    monkeypatch.setattr(boundary, "plan_for_dataset", spy)
    window = make_window(qtbot)
    state = window.boundary.state
    state.sync_rows = 100  # the table below has 300 rows, 210 of them for training
    _click_tab(qtbot, window, "boundary")
    m = window.boundary.view.map
    rng = np.random.default_rng(1)
    rows = [f"{a:.3f},{b:.3f},{int(a + b > 0)}" for a, b in rng.normal(size=(300, 2))]
    assert window.training.data_panel.open_path(_csv(tmp_path, "ab.csv", "a,b,y", rows))
    assert state.plan is None and state.planning()
    assert len(window.training.session.dataset.x_train) == 210
    assert "Finding the map's plane through 210 training rows" in m.explanation.text()
    qtbot.waitUntil(lambda: state.plan is not None, timeout=10_000)
    assert planned_in and all(t != threading.get_ident() for t in planned_in)
    assert _axis_labels(m) == ("a", "b")
    assert not state.planning()
    state.sync_rows = 10_000  # small tables are planned at once, on the GUI thread
    _choose(qtbot, m.x_picker, "b")
    assert planned_in[-1] == threading.get_ident()
    assert _axis_labels(m) == ("b", "a")
