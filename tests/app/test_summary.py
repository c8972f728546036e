"""Summary dock: the Keras-style table follows the document live."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.app._gui_helpers import add_chain, make_window


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


def test_table_matches_keras_summary(qtbot, window):
    add_chain(window.controller)
    qtbot.waitUntil(lambda: len(window.summary.row_texts()) == 3, timeout=2000)
    assert window.summary.row_texts() == [
        ["input (Input)", "(None, 8)", "0", "–"],
        ["dense (Dense)", "(None, 16)", "144", "input"],
        ["dense_1 (Dense)", "(None, 1)", "17", "dense"],
    ]
    assert "161" in window.summary.totals.text()
    headers = [window.summary.table.horizontalHeaderItem(i).text() for i in range(4)]
    assert headers == ["Layer (type)", "Output Shape", "Param #", "Connected to"]


def test_table_updates_on_edits_and_undo(qtbot, window):
    c = window.controller
    ids = add_chain(c)
    c.set_params(ids[1], {"units": 32})
    qtbot.waitUntil(lambda: window.summary.row_texts()[1][1] == "(None, 32)", timeout=2000)
    assert window.summary.row_texts()[1][2] == "288"
    c.remove_nodes([ids[2]])
    qtbot.waitUntil(lambda: len(window.summary.row_texts()) == 2, timeout=2000)
    c.undo_stack.undo()
    c.undo_stack.undo()
    qtbot.waitUntil(
        lambda: window.summary.row_texts()[1][1:3] == ["(None, 16)", "144"], timeout=2000
    )
    assert len(window.summary.row_texts()) == 3


def test_problems_are_marked_in_the_totals(qtbot, window):
    c = window.controller
    a = c.add_node("Input", 0, 0, {"shape": (64,)})
    b = c.add_node("Conv2D", 250, 0)  # needs an image: a problem with its fix
    c.connect(a, b)
    c.analyze_now()
    assert "problem" in window.summary.totals.text()
    assert "problem" in window.status_label.text()


def test_double_click_on_a_row_selects_the_layer(qtbot, window):
    ids = add_chain(window.controller)
    qtbot.waitUntil(lambda: len(window.summary.row_texts()) == 3, timeout=2000)
    table = window.summary.table
    pos = table.visualItemRect(table.item(1, 0)).center()
    with qtbot.waitSignal(window.summary.nodeActivated) as sig:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert sig.args == [ids[1]]
    qtbot.waitUntil(lambda: window.inspector.node_id == ids[1], timeout=1000)


def test_new_document_empties_the_table(qtbot, window):
    add_chain(window.controller)
    window.controller.mark_clean()
    window.files.new_document()
    qtbot.waitUntil(lambda: window.summary.row_texts() == [], timeout=2000)
