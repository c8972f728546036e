"""A regression CSV in the app: the Data panel offers "Standardize the target" (on for a
new CSV), training shows the loss labelled as on the standardized target and the
metrics in the target's own units."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt

from tests.app.test_training_panel import make_ui, ui  # noqa: F401 - the training UI window

DIABETES = Path(__file__).resolve().parents[2] / "resources" / "datasets" / "diabetes.csv"


def _network(controller, n_features: int) -> None:  # noqa: ANN001
    ids = [controller.add_node("Input", 0, 0, {"shape": [n_features]})]
    for units, act, x in ((8, "relu", 250), (1, "linear", 500)):
        ids.append(controller.add_node("Dense", x, 0, {"units": units, "activation": act}))
    for a, b in zip(ids, ids[1:], strict=False):
        assert controller.connect(a, b)
    controller.analyze_now()


def test_standardize_target_checkbox_follows_the_task_and_toggles(ui, qtbot) -> None:  # noqa: ANN001, F811
    _w, _c, t = ui
    t.show_page("data")
    box = t.data_panel.scale_target
    assert t.data_panel.open_path(str(DIABETES))
    qtbot.waitUntil(lambda: box.isVisible(), timeout=2000)
    assert box.isChecked() and t.session.dataset.pipeline.target_scaling is not None
    on_box = QPoint(8, box.height() // 2)  # the tick box itself, left of its text
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=on_box)
    assert not box.isChecked()
    assert t.session.data_config.scale_target is False
    assert t.session.dataset.pipeline.target_scaling is None
    assert t.session.project.data_config["scale_target"] is False
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=on_box)
    assert t.session.dataset.pipeline.target_scaling is not None
    seed = DIABETES.parent / "seed_binary.csv"
    assert t.data_panel.open_path(str(seed))  # a classification target: nothing to offer
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=2000)


def test_training_labels_the_loss_and_reports_metrics_in_target_units(ui, qtbot) -> None:  # noqa: ANN001, F811
    _w, controller, t = ui
    assert t.data_panel.open_path(str(DIABETES))
    _network(controller, t.session.dataset.n_features)
    panel = t.training_panel
    panel.epochs.setValue(3)
    with qtbot.waitSignal(t.session.runFinished, timeout=60_000):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    plots = t.plots
    plots.redraw()  # the last epoch may still wait for the redraw timer
    assert plots.plots["loss"].plot.titleLabel.text == "loss (on the standardized target)"
    _x, mae = plots.plots["mae"].curves["train"].getData()
    assert len(mae) == 3 and min(mae) > 10  # the target's units (mean about 152)
    _x, loss = plots.plots["loss"].curves["train"].getData()
    assert max(loss) < 10  # standardized: about 1 at the start
