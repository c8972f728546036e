"""Palette: built from the registry, search filters as you type, drag payload, double-click adds."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.palette import LAYER_MIME, layer_entries
from tests.app._gui_helpers import make_window


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


def test_palette_lists_every_registered_layer_grouped_by_category(window):
    import core.engine.layers  # noqa: F401
    from core.engine.layers.spec import layer_classes, type_name

    pal = window.palette
    names = pal.type_names()
    assert sorted(names) == sorted(type_name(c) for c in layer_classes())
    groups = [pal.tree.topLevelItem(i).text(0) for i in range(pal.tree.topLevelItemCount())]
    assert groups[0] == "Core"
    assert len(groups) == len(set(groups))
    for i in range(pal.tree.topLevelItemCount()):
        group = pal.tree.topLevelItem(i)
        for j in range(group.childCount()):
            cls = next(c for c in layer_classes() if type_name(c) == group.child(j).text(0))
            assert cls.CATEGORY == group.text(0)
            assert cls.DESCRIPTION.split()[0] in group.child(j).toolTip(0)


def test_search_filters_as_you_type_by_name_and_description(qtbot, window):
    pal = window.palette
    everything = pal.type_names()
    qtbot.keyClicks(pal.search, "dro")
    assert pal.type_names() == ["Dropout", "SpatialDropout1D", "SpatialDropout2D"]
    # groups without a match are hidden
    visible_groups = [
        pal.tree.topLevelItem(i).text(0)
        for i in range(pal.tree.topLevelItemCount())
        if not pal.tree.topLevelItem(i).isHidden()
    ]
    assert visible_groups == ["Normalization & Regularization"]
    pal.search.clear()
    assert pal.type_names() == everything
    qtbot.keyClicks(pal.search, "fully connected")  # Dense's description, not its name
    assert pal.type_names() == ["Dense"]
    pal.search.clear()
    qtbot.keyClicks(pal.search, "zzzz")
    assert pal.type_names() == []
    assert pal.empty.isVisible() and "zzzz" in pal.empty.text()


def test_drag_payload_is_the_type_name(window):
    pal = window.palette
    item = pal.item_for("Dense")
    mime = pal.tree.mimeData([item])
    assert mime.hasFormat(LAYER_MIME)
    assert bytes(mime.data(LAYER_MIME)) == b"Dense"
    assert pal.tree.dragEnabled()


def test_double_click_adds_the_layer_at_the_view_centre(qtbot, window):
    pal = window.palette
    item = pal.item_for("Dense")
    pal.tree.scrollToItem(item)
    rect = pal.tree.visualItemRect(item)
    centre = window.view.center_scene_pos()
    # a person's double-click: press/release, then the double-click event
    qtbot.mouseClick(pal.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(pal.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    nodes = list(window.controller.graph.nodes.values())
    assert [n.type for n in nodes] == ["Dense"]
    assert abs(nodes[0].x - centre.x()) < 200 and abs(nodes[0].y - centre.y()) < 200
    assert window.controller.undo_stack.count() == 1


def test_enter_in_search_adds_the_first_match(qtbot, window):
    qtbot.keyClicks(window.palette.search, "flat")
    qtbot.keyClick(window.palette.search, Qt.Key.Key_Return)
    assert [n.type for n in window.controller.graph.nodes.values()] == ["Flatten"]


def test_layer_entries_order_categories_sensibly():
    cats = list(dict.fromkeys(c for _, c, _ in layer_entries()))
    assert cats[0] == "Core"


def test_repeated_double_clicks_do_not_stack_layers(window):
    window.palette.add_layer("Dense")
    window.palette.add_layer("Dense")
    nodes = list(window.controller.graph.nodes.values())
    assert len(nodes) == 2
    assert (nodes[0].x, nodes[0].y) != (nodes[1].x, nodes[1].y)
