"""The digits CNN, the text classifier and the forecaster open from File ▸ Examples'
files ready to train (the network fits the data's samples), and one trains from the
run bar like any table example."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.app._gui_helpers import make_window

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def _open(qtbot, name: str):
    w = make_window(qtbot)
    assert w.files.open_path(str(EXAMPLES / f"{name}.lfproj"))
    qtbot.waitUntil(lambda: w.training.session.dataset is not None, timeout=20_000)
    w.controller.analyze_now()
    return w


@pytest.mark.parametrize(
    ("name", "kind", "shape"),
    [("digits", "pixels", (8, 8, 1)), ("reviews", "text", (20,)), ("forecast", "series", (24, 1))],
)
def test_example_opens_ready_to_train(qtbot, name: str, kind: str, shape: tuple) -> None:
    w = _open(qtbot, name)
    s = w.training.session
    assert s.dataset.input_shape == shape
    assert w.training.data_panel.samples.current_kind() == kind
    ok, reason = s.readiness()
    assert ok, reason
    assert w.training.run_bar.button("start").isEnabled()
    w.controller.mark_clean()


def test_text_example_trains_from_the_run_bar(qtbot) -> None:
    w = _open(qtbot, "reviews")
    t = w.training
    w.controller.update_train_config({"epochs": 3})
    with qtbot.waitSignal(t.session.runFinished, timeout=120_000):
        qtbot.mouseClick(t.run_bar.button("start"), Qt.MouseButton.LeftButton)
    assert t.session.epochs_done == 3
    assert t.session.history["val_accuracy"][-1] > 0.6
    assert "accuracy" in t.session.test_metrics
    w.controller.mark_clean()


def test_embedding_too_small_for_the_vocabulary_is_fixed_in_one_click(qtbot) -> None:
    from PySide6.QtWidgets import QPushButton

    w = _open(qtbot, "reviews")
    c, s = w.controller, w.training.session
    vocab = s.dataset.vocabulary_size
    embedding = next(n.id for n in c.graph.nodes.values() if n.type == "Embedding")
    assert c.set_params(embedding, {"input_dim": 20})
    c.analyze_now()
    ok, reason = s.readiness()
    assert not ok and f"set input_dim to {vocab}" in reason
    w.select_ids([embedding])
    qtbot.waitUntil(lambda: w.inspector.node_id == embedding, timeout=2000)
    buttons = w.inspector.problems_host.findChildren(QPushButton, "fixButton")
    assert [b.text() for b in buttons] == [f"Set input_dim to {vocab}"]
    qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)
    assert c.graph.node(embedding).params["input_dim"] == vocab
    c.analyze_now()
    assert s.readiness()[0]
    w.controller.mark_clean()
