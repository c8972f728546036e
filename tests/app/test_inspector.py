"""Inspector: a form from PARAMS; edits reach the document and the summary; one undo per typing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QSpinBox

from app.inspector import ParseError, format_value, parse_value
from tests.app._gui_helpers import add_chain, make_window


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


def _select(qtbot, window, node_id):
    window.select_ids([node_id])
    qtbot.waitUntil(lambda: window.inspector.node_id == node_id, timeout=1000)


def test_form_is_generated_from_params(qtbot, window):
    ids = add_chain(window.controller)
    _select(qtbot, window, ids[1])
    insp = window.inspector
    assert insp.title.text() == "Dense"
    assert insp.name_edit.text() == "dense"
    assert isinstance(insp.field("units").editor, QSpinBox)
    assert insp.field("units").editor.value() == 16
    assert isinstance(insp.field("activation").editor, QComboBox)
    assert insp.field("activation").editor.currentText() == "relu"
    assert isinstance(insp.field("use_bias").editor, QCheckBox)
    assert insp.output_label.text() == "(None, 16)"
    assert insp.params_label.text() == "144"


def test_typing_in_a_spin_box_changes_document_and_summary_and_undoes_in_one_step(qtbot, window):
    ids = add_chain(window.controller)
    _select(qtbot, window, ids[1])
    spin = window.inspector.field("units").editor
    steps = window.controller.undo_stack.count()
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "128")
    assert window.controller.graph.node(ids[1]).params["units"] == 128
    assert window.controller.undo_stack.count() == steps + 1  # the whole typing merged
    qtbot.waitUntil(
        lambda: any("(None, 128)" in r[1] for r in window.summary.row_texts()), timeout=2000
    )
    assert window.inspector.output_label.text() == "(None, 128)"
    window.actions_by_key["undo"].trigger()
    assert window.controller.graph.node(ids[1]).params["units"] == 16
    assert spin.value() == 16  # the form follows the document
    qtbot.waitUntil(
        lambda: any("(None, 16)" in r[1] for r in window.summary.row_texts()), timeout=2000
    )


def test_choosing_a_combo_entry_changes_the_document(qtbot, window):
    ids = add_chain(window.controller)
    _select(qtbot, window, ids[2])
    combo = window.inspector.field("activation").editor
    combo.setFocus()
    qtbot.keyClicks(combo, "tanh")
    assert window.controller.graph.node(ids[2]).params["activation"] == "tanh"
    window.actions_by_key["undo"].trigger()
    assert window.controller.graph.node(ids[2]).params["activation"] == "sigmoid"
    assert combo.currentText() == "sigmoid"


def test_check_box_toggles_a_bool(qtbot, window):
    ids = add_chain(window.controller)
    _select(qtbot, window, ids[1])
    box = window.inspector.field("use_bias").editor
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert window.controller.graph.node(ids[1]).params["use_bias"] is False


def test_invalid_text_is_shown_in_red_and_not_applied(qtbot, window):
    ids = add_chain(window.controller)
    _select(qtbot, window, ids[0])
    field = window.inspector.field("shape")
    edit = field.editor
    assert isinstance(edit, QLineEdit) and edit.text() == "8"
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "x")
    assert field.has_error() and "'x'" in field.error.text()
    assert edit.property("invalid") is True
    assert window.controller.graph.node(ids[0]).params["shape"] == (8,)
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    steps = window.controller.undo_stack.count()
    qtbot.keyClicks(edit, "4, 3")
    assert window.controller.undo_stack.count() == steps + 1
    assert not field.has_error()
    assert tuple(window.controller.graph.node(ids[0]).params["shape"]) == (4, 3)


def test_out_of_range_value_is_refused_with_the_reason(qtbot, window):
    nid = window.controller.add_node("Dropout", 0, 0)
    _select(qtbot, window, nid)
    field = window.inspector.field("rate")
    field._submit(1.5)  # what the spin box would send if its range allowed it
    assert field.has_error()
    # the error's parts, without the place: the field already says which layer and argument
    text = field.error.text()
    assert text.startswith("Expected ") and "Received: rate=1.5" in text
    assert "Dropout" not in text and "argument" not in text
    assert window.controller.graph.node(nid).params["rate"] == 0.5


def test_rename_through_the_name_field(qtbot, window):
    ids = add_chain(window.controller)
    _select(qtbot, window, ids[1])
    name = window.inspector.name_edit
    name.setFocus()
    name.selectAll()
    qtbot.keyClicks(name, "dense_1")  # taken by the output layer
    assert window.inspector.name_error.isVisibleTo(window.inspector)
    name.selectAll()
    qtbot.keyClicks(name, "hidden")
    assert not window.inspector.name_error.isVisibleTo(window.inspector)
    qtbot.keyClick(name, Qt.Key.Key_Return)
    assert window.controller.graph.node(ids[1]).name == "hidden"
    qtbot.waitUntil(lambda: window.summary.row_texts()[1][0] == "hidden (Dense)", timeout=2000)


def test_problems_are_shown_with_their_fix(qtbot, window):
    from core.data.profile import TaskInfo

    c = window.controller
    # ten classes to predict: an output of (28, 28, 10) per image cannot be it
    c.set_analysis_context(task=TaskInfo.classification(tuple("0123456789")))
    a = c.add_node("Input", 0, 0, {"shape": (28, 28, 1)})
    b = c.add_node("Dense", 250, 0, {"units": 10, "activation": "softmax"})
    c.connect(a, b)
    c.analyze_now()
    _select(qtbot, window, b)
    labels = window.inspector.problems_host.findChildren(type(window.inspector.title), "problem")
    assert labels and labels[0].isVisibleTo(window.inspector)
    from PySide6.QtWidgets import QPushButton

    assert "insert a Flatten before 'dense'" in labels[0].text()
    buttons = window.inspector.problems_host.findChildren(QPushButton, "fixButton")
    assert [b.text() for b in buttons] == ["Insert Flatten"]  # one click, mechanical
    qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)
    assert sorted(n.type for n in c.graph.nodes.values()) == ["Dense", "Flatten", "Input"]
    qtbot.waitUntil(
        lambda: not window.inspector.problems_host.findChildren(QPushButton, "fixButton"),
        timeout=2000,
    )


def test_selection_of_none_or_several_shows_the_empty_state(qtbot, window):
    ids = add_chain(window.controller)
    window.inspector.set_selection(ids[:2])
    assert "2 layers selected" in window.inspector.placeholder.text()
    window.inspector.set_selection([])
    assert window.inspector.node_id is None
    _select(qtbot, window, ids[1])
    window.controller.remove_nodes([ids[1]])
    assert window.inspector.node_id is None


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("shape", "28, 28, 1", (28, 28, 1)),
        ("shape", "(8,)", (8,)),
        ("shape", "-1", (-1,)),
        ("axes", "-1", -1),
        ("axes", "1, 2", (1, 2)),
        ("optional_float", "", None),
        ("optional_float", "1e-3", 0.001),
        ("str", "zeros", "zeros"),
    ],
)
def test_parse_and_format_round_trip(kind, text, value):
    assert parse_value(kind, text) == value
    if value is not None:
        assert parse_value(kind, format_value(kind, value)) == value


def test_parse_rejects_nonsense():
    with pytest.raises(ParseError):
        parse_value("shape", "a, b")
    with pytest.raises(ParseError):
        parse_value("optional_float", "lots")


def test_float_spin_and_optional_int(qtbot, window):
    nid = window.controller.add_node("Dropout", 0, 0)
    _select(qtbot, window, nid)
    steps = window.controller.undo_stack.count()
    spin = window.inspector.field("rate").editor
    assert spin.text() == "0.5"  # no padding zeros
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "0.25")
    assert window.controller.graph.node(nid).params["rate"] == 0.25
    assert window.controller.undo_stack.count() == steps + 1
    seed = window.inspector.field("seed").editor
    assert isinstance(seed, QLineEdit) and seed.text() == ""
    seed.setFocus()
    qtbot.keyClicks(seed, "42")
    assert window.controller.graph.node(nid).params["seed"] == 42
    seed.selectAll()
    qtbot.keyClick(seed, Qt.Key.Key_Delete)
    assert window.controller.graph.node(nid).params["seed"] is None


def test_nullable_choice_offers_none(qtbot, window):
    ids = add_chain(window.controller)
    _select(qtbot, window, ids[1])
    combo = window.inspector.field("kernel_regularizer").editor
    assert combo.currentText() == "None"
    combo.setFocus()
    qtbot.keyClicks(combo, "l2")
    assert window.controller.graph.node(ids[1]).params["kernel_regularizer"] == "l2"


def test_a_layer_too_big_for_memory_is_named_as_you_type(qtbot, window):
    """Typing a huge Dense width shows, at once, which layer would need how much memory."""
    ids = add_chain(window.controller)
    _select(qtbot, window, ids[1])
    spin = window.inspector.field("units").editor
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "2000000000")
    window.controller.analyze_now()

    def shown() -> str:
        labels = window.inspector.findChildren(QLabel, "memoryProblem")
        return " ".join(lb.text() for lb in labels if lb.isVisibleTo(window.inspector))

    qtbot.waitUntil(lambda: "would need" in shown(), timeout=3000)
    text = shown()
    assert "dense" in text and ("GiB" in text or "TiB" in text) and "this computer has" in text
    window.actions_by_key["undo"].trigger()
    window.controller.analyze_now()
    qtbot.waitUntil(lambda: shown() == "", timeout=3000)


def test_the_form_follows_renames_undo_and_a_new_document(qtbot, window):
    ids = add_chain(window.controller)
    _select(qtbot, window, ids[1])
    window.controller.rename(ids[1], "hidden")  # an edit from another view
    assert window.inspector.name_edit.text() == "hidden"
    window.controller.set_params(ids[1], {"units": 24})
    assert window.inspector.field("units").editor.value() == 24
    window.actions_by_key["undo"].trigger()
    assert window.inspector.field("units").editor.value() == 16
    window.actions_by_key["undo"].trigger()
    assert window.inspector.name_edit.text() == "dense"
    window.controller.new()  # the graph is reset: nothing is selected any more
    assert window.inspector.node_id is None
