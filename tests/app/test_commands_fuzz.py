"""Property test: random edit sequences through the controller undo and redo exactly.

Each example runs >= 50 random edits (add, remove, connect, disconnect, move,
set_params, rename, paste, delete, apply a fix, auto-layout) through
`DocumentController`, checking after every step that the canvas scene has one
item per node and per edge at the node's position; then undoes everything
(back to the initial `graph_to_dict`) and redoes everything (to the final one).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.canvas.scene import CanvasScene
from app.document import DocumentController
from core.document.graph_io import graph_to_dict, subgraph_dict

TYPES = ["Input", "Dense", "Dropout", "Flatten", "Add", "Concatenate", "Activation"]
EDITS = [
    "add",
    "add",
    "remove",
    "connect",
    "connect",
    "connect",
    "disconnect",
    "move",
    "set_params",
    "set_params",
    "rename",
    "paste",
    "delete",
    "fix",
    "layout",
]


def check_scene(doc: DocumentController, scene: CanvasScene) -> None:
    g = doc.graph
    assert set(scene.nodes) == set(g.nodes)
    assert set(scene.edges) == {(e.src, e.dst) for e in g.edges}
    for nid, item in scene.nodes.items():
        node = g.node(nid)
        assert (item.x(), item.y()) == (node.x, node.y)
    assert len([i for i in scene.items() if i.parentItem() is None]) == len(g) + len(g.edges)


def _edit(doc: DocumentController, data: st.DataObject, kind: str) -> None:
    g = doc.graph
    ids = list(g.nodes)
    coord = st.integers(-600, 600)
    if kind == "add" or not ids:
        doc.add_node(data.draw(st.sampled_from(TYPES)), data.draw(coord), data.draw(coord))
    elif kind == "remove":
        doc.remove_nodes(data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3)))
    elif kind == "connect":
        src, dst = data.draw(st.sampled_from(ids)), data.draw(st.sampled_from(ids))
        reason = g.can_connect(src, dst)
        count = doc.undo_stack.count()
        assert doc.connect(src, dst) is (reason is None)
        assert doc.undo_stack.count() == count + (reason is None)
    elif kind == "disconnect":
        if g.edges:
            e = data.draw(st.sampled_from(list(g.edges)))
            doc.disconnect(e.src, e.dst)
    elif kind == "move":
        chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True))
        doc.move_nodes({n: (data.draw(coord), data.draw(coord)) for n in chosen})
    elif kind == "set_params":
        nid = data.draw(st.sampled_from(ids))
        key = data.draw(st.sampled_from(["units", "rate", "activation", "extra"]))
        value = data.draw(st.one_of(st.integers(1, 64), st.sampled_from(["relu", "tanh"])))
        doc.set_params(nid, {key: value}, merge=data.draw(st.booleans()))
    elif kind == "rename":
        nid = data.draw(st.sampled_from(ids))
        doc.rename(nid, data.draw(st.sampled_from(["a", "b", "dense", "x y", "", "in/out"])))
    elif kind == "paste":
        chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True))
        doc.paste(subgraph_dict(g, chosen), data.draw(coord), data.draw(coord))
    elif kind == "delete":
        edges = [(e.src, e.dst) for e in g.edges]
        links = data.draw(st.lists(st.sampled_from(edges), max_size=2)) if edges else []
        doc.delete(data.draw(st.lists(st.sampled_from(ids), max_size=2)), links)
    elif kind == "fix":
        analysis = doc.analyze_now()
        fixes = [p.fix for p in analysis.problems if p.fix is not None]
        if fixes:
            doc.apply_fix(data.draw(st.sampled_from(fixes)))
    elif kind == "layout":
        doc.auto_layout()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_edits_undo_all_and_redo_all(qtbot, data):
    doc = DocumentController()
    scene = CanvasScene(doc)
    messages: list[str] = []
    doc.message.connect(messages.append)
    # A small start so that removes and connects have material.
    i = doc.add_node("Input", 0, 0, {"shape": [6, 4]})
    d = doc.add_node("Dense", 260, 0)
    doc.connect(i, d)
    doc.undo_stack.clear()
    initial = graph_to_dict(doc.graph)
    n_steps = data.draw(st.integers(50, 70), label="steps")
    for _ in range(n_steps):
        _edit(doc, data, data.draw(st.sampled_from(EDITS)))
        check_scene(doc, scene)
    final = graph_to_dict(doc.graph)
    while doc.undo_stack.canUndo():
        doc.undo_stack.undo()
        check_scene(doc, scene)
    assert graph_to_dict(doc.graph) == initial
    while doc.undo_stack.canRedo():
        doc.undo_stack.redo()
    check_scene(doc, scene)
    assert graph_to_dict(doc.graph) == final
    scene.clear()
