"""DocumentController: one undo step per edit, refusals as messages, debounced analysis."""

from __future__ import annotations

import pytest

from app.document import DocumentController
from core.document.graph_io import graph_to_dict, subgraph_dict
from core.errors import FormatError


@pytest.fixture
def doc(qtbot) -> DocumentController:
    return DocumentController()


def _chain(doc: DocumentController) -> tuple[str, str, str]:
    i = doc.add_node("Input", 0, 0, {"shape": [4]})
    d = doc.add_node("Dense", 260, 0, {"units": 8})
    o = doc.add_node("Dense", 520, 0, {"units": 2})
    assert doc.connect(i, d) and doc.connect(d, o)
    return i, d, o


def test_each_edit_is_one_undo_step_and_undo_restores(doc):
    start = graph_to_dict(doc.graph)
    i, d, o = _chain(doc)
    assert doc.undo_stack.count() == 5
    after = graph_to_dict(doc.graph)
    doc.remove_nodes([d])
    assert d not in doc.graph and doc.graph.edges == ()
    removed = graph_to_dict(doc.graph)
    doc.undo_stack.undo()
    assert graph_to_dict(doc.graph) == after
    while doc.undo_stack.canUndo():
        doc.undo_stack.undo()
    assert graph_to_dict(doc.graph) == start
    while doc.undo_stack.canRedo():
        doc.undo_stack.redo()
    assert graph_to_dict(doc.graph) == removed


def test_refused_connection_sends_reason_and_pushes_nothing(doc, qtbot):
    i, d, o = _chain(doc)
    count = doc.undo_stack.count()
    with qtbot.waitSignal(doc.message) as blocker:
        assert doc.connect(o, i) is False
    assert "Input" in blocker.args[0] or "input" in blocker.args[0]
    with qtbot.waitSignal(doc.message) as blocker:
        assert doc.connect(o, d) is False
    assert "loop" in blocker.args[0]
    assert doc.undo_stack.count() == count


def test_refused_rename_is_a_message_not_an_exception(doc, qtbot):
    i, d, o = _chain(doc)
    with qtbot.waitSignal(doc.message) as blocker:
        assert doc.rename(d, doc.graph.node(o).name) is False
    assert "already used" in blocker.args[0]
    assert doc.rename(d, "hidden")
    assert doc.graph.node(d).name == "hidden"
    doc.undo_stack.undo()
    assert doc.graph.node(d).name != "hidden"


def test_set_params_merges_typing_into_one_step(doc):
    i, d, o = _chain(doc)
    count = doc.undo_stack.count()
    for units in (1, 12, 128):
        doc.set_params(d, {"units": units})
    assert doc.undo_stack.count() == count + 1
    assert doc.graph.node(d).params["units"] == 128
    doc.set_params(d, {"activation": "relu"})  # another field: a new step
    doc.set_params(o, {"units": 3})  # another layer: a new step
    doc.set_params(o, {"units": 4}, merge=False)  # explicit: no merge
    assert doc.undo_stack.count() == count + 4
    for _ in range(4):
        doc.undo_stack.undo()
    assert doc.graph.node(d).params["units"] == 8
    assert doc.graph.node(o).params["units"] == 2


def test_set_params_back_to_the_old_value_leaves_no_step(doc):
    i, d, o = _chain(doc)
    count = doc.undo_stack.count()
    doc.set_params(d, {"units": 9})
    doc.set_params(d, {"units": 8})
    assert doc.undo_stack.count() == count
    doc.set_params(d, {"units": 8})  # no change at all
    assert doc.undo_stack.count() == count


def test_move_is_one_step_and_skips_no_ops(doc):
    i, d, o = _chain(doc)
    count = doc.undo_stack.count()
    assert doc.move_nodes({i: (10, 20), d: (300, 40)})
    assert not doc.move_nodes({i: (10, 20)})
    assert doc.undo_stack.count() == count + 1
    doc.undo_stack.undo()
    assert (doc.graph.node(i).x, doc.graph.node(i).y) == (0.0, 0.0)


def test_analysis_runs_once_per_burst(doc, qtbot):
    seen = []
    doc.analysisChanged.connect(seen.append)
    _chain(doc)
    doc.set_params(doc.graph.node_by_name("dense").id, {"units": 5})
    assert seen == []  # debounced to the event loop
    qtbot.waitUntil(lambda: len(seen) == 1)
    qtbot.wait(20)
    assert len(seen) == 1
    analysis = seen[0]
    d = doc.graph.node_by_name("dense").id
    assert analysis.shapes[d] == (None, 5)
    assert analysis.param_counts[d] == 4 * 5 + 5


def test_apply_fix_inserts_flatten_and_undo_restores(doc):
    from core.data.profile import TaskInfo

    # Keras's Dense works on the last axis of (28, 28); a 3-class target needs one
    # vector per sample, so the check offers a Flatten before the first Dense
    doc.set_analysis_context(task=TaskInfo.classification(("a", "b", "c")))
    i = doc.add_node("Input", 0, 0, {"shape": [28, 28]})
    d = doc.add_node("Dense", 260, 0, {"units": 10})
    o = doc.add_node("Dense", 520, 0, {"units": 3, "activation": "softmax"})
    doc.connect(i, d)
    doc.connect(d, o)
    before = graph_to_dict(doc.graph)
    analysis = doc.analyze_now()
    fixes = [p.fix for p in analysis.problems if p.node_id == o and p.fix is not None]
    assert fixes and fixes[0].layer_type == "Flatten" and fixes[0].node_id == d
    count = doc.undo_stack.count()
    assert doc.apply_fix(fixes[0])
    assert doc.undo_stack.count() == count + 1
    flat = doc.graph.node_by_name("flatten").id
    assert doc.graph.inputs_of(flat) == [i] and doc.graph.inputs_of(d) == [flat]
    assert doc.analyze_now().ok or all(p.node_id != d for p in doc.analysis.problems)
    # Room was made: the fixed layer and what follows moved right, no overlap.
    assert doc.graph.node(d).x >= doc.graph.node(flat).x + 200
    after = graph_to_dict(doc.graph)
    doc.undo_stack.undo()
    assert graph_to_dict(doc.graph) == before
    doc.undo_stack.redo()
    assert graph_to_dict(doc.graph) == after


def test_apply_fix_set_params(doc):
    from core.document.analysis import Fix

    i, d, o = _chain(doc)
    doc.apply_fix(Fix("Set units to 3", "set_params", o, {"units": 3}))
    assert doc.graph.node(o).params["units"] == 3
    doc.undo_stack.undo()
    assert doc.graph.node(o).params["units"] == 2


def test_paste_gives_fresh_ids_and_undo_redo_keeps_them(doc):
    i, d, o = _chain(doc)
    data = subgraph_dict(doc.graph, [d, o])
    ids = doc.paste(data, 30, 30)
    assert len(ids) == 2 and not set(ids) & {i, d, o}
    assert doc.graph.inputs_of(ids[1]) == [ids[0]]
    after = graph_to_dict(doc.graph)
    doc.undo_stack.undo()
    assert all(n not in doc.graph for n in ids)
    doc.undo_stack.redo()
    assert graph_to_dict(doc.graph) == after


def test_paste_of_a_malformed_clipboard_is_a_message_not_a_crash(doc, qtbot):
    _chain(doc)
    before, count = graph_to_dict(doc.graph), doc.undo_stack.count()
    bad = {"format_version": 1, "nodes": [{"id": "n1", "type": "Nope", "name": "x"}]}
    with qtbot.waitSignal(doc.message) as said:
        assert doc.paste(bad, 30, 30) == []
    assert "Unknown layer type 'Nope'" in said.args[0]
    assert graph_to_dict(doc.graph) == before and doc.undo_stack.count() == count


def test_delete_nodes_and_edges_is_one_step(doc):
    i, d, o = _chain(doc)
    extra = doc.add_node("Dense", 0, 200)
    doc.connect(i, extra)
    before = graph_to_dict(doc.graph)
    count = doc.undo_stack.count()
    assert doc.delete([o], [(i, extra)])
    assert doc.undo_stack.count() == count + 1
    doc.undo_stack.undo()
    assert graph_to_dict(doc.graph) == before


def test_clean_state_save_open_roundtrip(doc, qtbot, tmp_path):
    states = []
    doc.cleanChanged.connect(states.append)
    _chain(doc)
    assert doc.is_modified() and states[-1] is False
    path = tmp_path / "net.lfproj"
    with qtbot.waitSignal(doc.pathChanged):
        doc.save(str(path))
    assert not doc.is_modified() and states[-1] is True
    saved = graph_to_dict(doc.graph)
    other = DocumentController()
    resets = []
    other.documentReset.connect(lambda: resets.append(1))
    other.open(str(path))
    assert graph_to_dict(other.graph) == saved and resets == [1]
    assert not other.is_modified() and other.undo_stack.count() == 0
    assert other.path == str(path.resolve())


def test_open_bad_file_raises_format_error_and_keeps_document(doc, tmp_path):
    _chain(doc)
    before = graph_to_dict(doc.graph)
    bad = tmp_path / "bad.lfproj"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(FormatError):
        doc.open(str(bad))
    assert graph_to_dict(doc.graph) == before


def test_save_without_path_raises(doc):
    with pytest.raises(FormatError):
        doc.save()


def test_auto_layout_is_one_step_left_to_right(doc):
    i, d, o = _chain(doc)
    doc.move_nodes({i: (500, 500), d: (0, 0), o: (-300, 90)})
    count = doc.undo_stack.count()
    doc.auto_layout()
    assert doc.undo_stack.count() == count + 1
    xs = [doc.graph.node(n).x for n in (i, d, o)]
    assert xs == sorted(xs) and len(set(xs)) == 3
