"""The canvas driven the way a person works: drops, port drags, node drags, keys, menus."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.canvas.port_item import PortState
from app.canvas.view import LAYER_MIME, CanvasView
from app.document import DocumentController
from core.document.graph_io import graph_from_dict, graph_to_dict

LEFT = Qt.MouseButton.LeftButton
NOMOD = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def view(qtbot) -> CanvasView:
    doc = DocumentController()
    v = CanvasView(doc)
    qtbot.addWidget(v)
    v.resize(900, 600)
    v.show()
    qtbot.waitExposed(v)
    v.resetTransform()
    v.centerOn(300, 100)
    return v


def _vp(view: CanvasView, scene_pos: QPointF) -> QPoint:
    return view.mapFromScene(scene_pos)


def _drag(view: CanvasView, start: QPoint, end: QPoint, steps: int = 6) -> None:
    vp = view.viewport()
    QTest.mousePress(vp, LEFT, NOMOD, start)
    for k in range(1, steps + 1):
        p = start + (end - start) * (k / steps)
        QTest.mouseMove(vp, p)
    QTest.mouseRelease(vp, LEFT, NOMOD, end)


def _drop(view: CanvasView, mime: QMimeData, pos: QPoint) -> QDropEvent:
    """The event sequence a real drag delivers: enter, move, drop."""
    copy = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(pos, copy, mime, Qt.MouseButton.LeftButton, NOMOD)
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(pos, copy, mime, Qt.MouseButton.LeftButton, NOMOD)
    QApplication.sendEvent(view.viewport(), move)
    assert move.isAccepted()
    ev = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, NOMOD)
    QApplication.sendEvent(view.viewport(), ev)
    return ev


def _chain(view: CanvasView) -> tuple[str, str]:
    doc = view.controller
    a = doc.add_node("Input", 0, 0, {"shape": [4]})
    b = doc.add_node("Dense", 320, 120, {"units": 3})
    return a, b


def assert_scene_matches(view: CanvasView) -> None:
    g = view.controller.graph
    scene = view.canvas
    assert set(scene.nodes) == set(g.nodes)
    assert set(scene.edges) == {(e.src, e.dst) for e in g.edges}
    for nid, item in scene.nodes.items():
        assert (item.x(), item.y()) == (g.node(nid).x, g.node(nid).y)


def test_drop_palette_layer_creates_node_at_drop_point(view, qtbot):
    mime = QMimeData()
    mime.setData(LAYER_MIME, b"Dense")
    pos = QPoint(400, 260)
    ev = _drop(view, mime, pos)
    assert ev.isAccepted()
    g = view.controller.graph
    assert len(g) == 1
    node = next(iter(g.nodes.values()))
    assert node.type == "Dense"
    item = view.canvas.nodes[node.id]
    assert item.sceneBoundingRect().contains(view.mapToScene(pos))
    centre = item.sceneBoundingRect().center()
    assert abs(centre.x() - view.mapToScene(pos).x()) < 6
    assert view.canvas.selected_ids() == [node.id]
    view.controller.undo_stack.undo()
    assert len(g) == 0 and not view.canvas.nodes


def test_drop_unknown_layer_is_refused_with_message(view, qtbot):
    mime = QMimeData()
    mime.setData(LAYER_MIME, b"Dense3D")
    with qtbot.waitSignal(view.controller.message):
        _drop(view, mime, QPoint(100, 100))
    assert len(view.controller.graph) == 0


def test_drop_project_file_emits_project_dropped(view, qtbot, tmp_path):
    mime = QMimeData()
    path = tmp_path / "net.lfproj"
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    with qtbot.waitSignal(view.projectDropped) as blocker:
        _drop(view, mime, QPoint(100, 100))
    assert Path(blocker.args[0]) == path


def test_connect_by_dragging_output_port_to_input_port(view, qtbot):
    a, b = _chain(view)
    scene = view.canvas
    start = _vp(view, scene.nodes[a].output_port.scenePos())
    end = _vp(view, scene.nodes[b].input_port.scenePos())
    vp = view.viewport()
    QTest.mousePress(vp, LEFT, NOMOD, start)
    QTest.mouseMove(vp, (start + end) / 2)
    assert scene.connecting
    assert scene.nodes[b].input_port.state is PortState.VALID
    QTest.mouseMove(vp, end)
    assert scene.nodes[b].input_port.state is PortState.TARGET
    QTest.mouseRelease(vp, LEFT, NOMOD, end)
    assert [(e.src, e.dst) for e in view.controller.graph.edges] == [(a, b)]
    assert (a, b) in scene.edges
    assert not scene.connecting
    assert scene.nodes[b].input_port.state is PortState.NORMAL
    assert (view.controller.graph.node(a).x, view.controller.graph.node(a).y) == (0, 0)


def test_invalid_targets_dimmed_and_cycle_refused_with_reason(view, qtbot):
    a, b = _chain(view)
    view.controller.connect(a, b)
    scene = view.canvas
    start = _vp(view, scene.nodes[b].output_port.scenePos())
    vp = view.viewport()
    QTest.mousePress(vp, LEFT, NOMOD, start)
    QTest.mouseMove(vp, start + QPoint(-30, -30))
    # An Input takes no inputs at all: it has no input port; the source itself is dimmed.
    assert scene.nodes[a].input_port is None
    assert scene.nodes[b].input_port.state is PortState.INVALID
    assert scene.nodes[b].opacity() < 1.0 and scene.nodes[a].opacity() < 1.0
    target = _vp(view, scene.nodes[a].sceneBoundingRect().center())
    QTest.mouseMove(vp, target)
    with qtbot.waitSignal(view.message) as blocker:
        QTest.mouseRelease(vp, LEFT, NOMOD, target)
    assert "Input" in blocker.args[0] or "loop" in blocker.args[0]
    assert len(view.controller.graph.edges) == 1
    assert scene.nodes[b].opacity() == 1.0 and scene.nodes[a].opacity() == 1.0


def test_cycle_refused_with_reason(view, qtbot):
    doc = view.controller
    a = doc.add_node("Dense", 0, 0)
    b = doc.add_node("Dense", 320, 0)
    doc.connect(a, b)
    scene = view.canvas
    start = _vp(view, scene.nodes[b].output_port.scenePos())
    end = _vp(view, scene.nodes[a].input_port.scenePos())
    with qtbot.waitSignal(view.message) as blocker:
        _drag(view, start, end)
    assert "loop" in blocker.args[0]
    assert [(e.src, e.dst) for e in doc.graph.edges] == [(a, b)]


def test_drag_node_is_one_undo_step(view, qtbot):
    a, b = _chain(view)
    view.controller.connect(a, b)
    scene = view.canvas
    count = view.controller.undo_stack.count()
    start = _vp(view, scene.nodes[b].sceneBoundingRect().center() + QPointF(0, -8))
    end = start + QPoint(90, 50)
    edge = scene.edges[(a, b)]
    before_edge = edge.boundingRect()
    _drag(view, start, end, steps=10)
    g = view.controller.graph
    assert view.controller.undo_stack.count() == count + 1
    assert (g.node(b).x, g.node(b).y) == (410.0, 170.0)
    assert edge.boundingRect() != before_edge  # the edge followed the node
    assert_scene_matches(view)
    view.controller.undo_stack.undo()
    assert (g.node(b).x, g.node(b).y) == (320.0, 120.0)
    assert_scene_matches(view)


def test_rubber_band_then_delete_and_undo_restores_exact_document(view, qtbot):
    doc = view.controller
    a, b = _chain(view)
    c = doc.add_node("Dense", 640, 0, {"units": 2})
    doc.connect(a, b)
    doc.connect(b, c)
    before = graph_to_dict(doc.graph)
    # Rubber band from empty space around b and c.
    tl = _vp(view, QPointF(300, -40))
    br = _vp(view, QPointF(880, 230))
    _drag(view, tl, br)
    assert view.canvas.selected_ids() == [b, c]
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert list(doc.graph.nodes) == [a]
    assert_scene_matches(view)
    doc.undo_stack.undo()
    assert graph_to_dict(doc.graph) == before
    assert_scene_matches(view)
    view.canvas.select_ids([a])
    QTest.keyClick(view, Qt.Key.Key_Backspace)
    assert a not in doc.graph


def test_copy_paste_and_duplicate_keys(view, qtbot):
    doc = view.controller
    a, b = _chain(view)
    doc.connect(a, b)
    view.canvas.select_ids([a, b])
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert len(doc.graph) == 4 and len(doc.graph.edges) == 2
    new = view.canvas.selected_ids()
    assert len(new) == 2 and not set(new) & {a, b}
    assert doc.graph.node(new[0]).x == 30.0
    QTest.keyClick(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert len(doc.graph) == 6 and len(doc.graph.edges) == 3
    assert_scene_matches(view)
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert set(doc.graph.nodes) == {a, b}


def test_zoom_keys_wheel_and_fit(view, qtbot):
    _chain(view)
    z = view.zoom()
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom() > z
    QTest.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom() < z
    for _ in range(60):
        view.zoom_out()
    assert view.zoom() >= 0.15 - 1e-9
    view.fit_all()
    for item in view.canvas.nodes.values():
        assert view.viewport().rect().contains(view.mapFromScene(item.sceneBoundingRect().center()))


def test_wheel_zoom_keeps_point_under_cursor(view, qtbot):
    from PySide6.QtGui import QWheelEvent

    pos = QPointF(200, 150)
    before = view.mapToScene(pos.toPoint())
    ev = QWheelEvent(
        pos,
        view.viewport().mapToGlobal(pos),
        QPoint(),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        NOMOD,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), ev)
    assert view.zoom() > 1.2
    after = view.mapToScene(pos.toPoint())
    assert abs(after.x() - before.x()) < 3 and abs(after.y() - before.y()) < 3


def test_middle_button_pans(view, qtbot):
    vp = view.viewport()
    before = view.center_scene_pos()
    QTest.mousePress(vp, Qt.MouseButton.MiddleButton, NOMOD, QPoint(300, 300))
    QTest.mouseMove(vp, QPoint(200, 250))
    QTest.mouseRelease(vp, Qt.MouseButton.MiddleButton, NOMOD, QPoint(200, 250))
    after = view.center_scene_pos()
    assert after.x() - before.x() == pytest.approx(100, abs=2)
    assert after.y() - before.y() == pytest.approx(50, abs=2)


def test_problem_badge_tooltip_context_fix_and_badge_click(view, qtbot):
    doc = view.controller
    i = doc.add_node("Input", 0, 0, {"shape": [28, 28]})
    d = doc.add_node("Dense", 320, 0, {"units": 10})
    doc.connect(i, d)
    doc.analyze_now()
    item = view.canvas.nodes[d]
    assert item.badge.isVisible()
    assert "Flatten" in item.toolTip()
    assert not view.canvas.nodes[i].badge.isVisible()
    menu = view.build_context_menu(_vp(view, item.sceneBoundingRect().center()))
    labels = [a.text() for a in menu.actions()]
    assert any(t.startswith("Fix: ") and "Flatten" in t for t in labels)
    before = graph_to_dict(doc.graph)
    badge = _vp(view, item.badge.scenePos())
    QTest.mouseClick(view.viewport(), LEFT, NOMOD, badge)
    flat = doc.graph.node_by_name("flatten").id
    assert doc.graph.inputs_of(d) == [flat]
    qtbot.waitUntil(lambda: not view.canvas.nodes[d].badge.isVisible())
    assert_scene_matches(view)
    doc.undo_stack.undo()
    assert graph_to_dict(doc.graph) == before
    assert_scene_matches(view)


def test_canvas_context_menu_adds_layer_and_lays_out(view, qtbot):
    menu = view.build_context_menu(QPoint(300, 200))
    texts = [a.text() for a in menu.actions()]
    assert "Auto-layout" in texts and "Fit to view" in texts
    add = menu.actions()[0].menu()
    cats = {a.text(): a.menu() for a in add.actions()}
    assert "Core" in cats
    dense = next(a for a in cats["Core"].actions() if a.text() == "Dense")
    dense.trigger()
    g = view.controller.graph
    assert [n.type for n in g.nodes.values()] == ["Dense"]
    item = next(iter(view.canvas.nodes.values()))
    assert item.sceneBoundingRect().contains(view.mapToScene(QPoint(300, 200)))


def test_scene_follows_reset_and_renders_non_blank(view, qtbot, tmp_path):
    doc = view.controller
    a, b = _chain(view)
    doc.connect(a, b)
    g = graph_from_dict(graph_to_dict(doc.graph), catalog=doc.catalog)
    doc.new()
    assert not view.canvas.nodes
    doc.graph.load(g)
    assert_scene_matches(view)
    doc.analyze_now()
    out = tmp_path / "canvas.png"
    assert view.export_image(str(out))
    from PySide6.QtGui import QImage

    img = QImage(str(out))
    assert img.width() > 300
    colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    assert len(colours) > 20
    svg = tmp_path / "canvas.svg"
    assert view.export_image(str(svg))
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and "Dense" in text


def test_space_drag_pans_instead_of_moving(view, qtbot):
    a, _ = _chain(view)
    view.setFocus()
    QTest.keyPress(view, Qt.Key.Key_Space)
    before = view.center_scene_pos()
    start = _vp(view, view.canvas.nodes[a].sceneBoundingRect().center())
    _drag(view, start, start + QPoint(-80, 0))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    assert view.center_scene_pos().x() - before.x() == pytest.approx(80, abs=2)
    assert view.controller.graph.node(a).x == 0.0
