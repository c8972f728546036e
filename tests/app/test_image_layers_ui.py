"""Image layers on the canvas: the inspector edits a Conv2D's kernel like any field, the
card and the summary show 4-D shapes, and a kernel larger than its input is explained at
the layer."""

from __future__ import annotations

import pytest

from tests.app._gui_helpers import make_window


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


def test_conv_kernel_typed_in_the_inspector_reshapes_and_a_too_large_one_is_explained(
    qtbot, window
):
    c = window.controller
    a = c.add_node("Input", 0, 0, {"shape": (8, 8, 1)})
    b = c.add_node("Conv2D", 250, 0, {"filters": 8, "activation": "relu"})
    p = c.add_node("MaxPooling2D", 500, 0)
    assert c.connect(a, b) and c.connect(b, p)
    c.analyze_now()
    window.select_ids([b])
    qtbot.waitUntil(lambda: window.inspector.node_id == b, timeout=1000)
    insp = window.inspector
    assert insp.title.text() == "Conv2D"
    assert insp.output_label.text() == "(None, 6, 6, 8)"
    assert insp.params_label.text() == "80"
    edit = insp.field("kernel_size").editor
    assert edit.text() == "3, 3"
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "5")  # one number: a 5x5 kernel
    assert tuple(c.graph.node(b).params["kernel_size"]) == (5,)
    qtbot.waitUntil(lambda: insp.output_label.text() == "(None, 4, 4, 8)", timeout=2000)
    assert insp.params_label.text() == "208"
    qtbot.waitUntil(
        lambda: any("(None, 2, 2, 8)" in r[1] for r in window.summary.row_texts()), timeout=2000
    )
    edit.selectAll()
    qtbot.keyClicks(edit, "9")
    c.analyze_now()
    labels = insp.problems_host.findChildren(type(insp.title), "problem")
    assert labels and "9x9 kernel is larger than its 8x8 input" in labels[0].text()
    assert "padding='same'" in labels[0].text()
    padding = insp.field("padding").editor
    padding.setFocus()
    qtbot.keyClicks(padding, "same")
    assert c.graph.node(b).params["padding"] == "same"
    c.analyze_now()
    qtbot.waitUntil(lambda: insp.output_label.text() == "(None, 8, 8, 8)", timeout=2000)
    window.actions_by_key["undo"].trigger()
    assert c.graph.node(b).params["padding"] == "valid"
