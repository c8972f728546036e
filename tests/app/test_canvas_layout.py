"""Auto-layout as a pure function: edges point right, no two cards overlap."""

from __future__ import annotations

from app.canvas.layout import COLUMN_GAP, ROW_GAP, layered_layout


def test_chain_is_one_row_left_to_right():
    pos = layered_layout(["a", "b", "c"], [("a", "b"), ("b", "c")])
    assert pos == {"a": (0.0, 0.0), "b": (COLUMN_GAP, 0.0), "c": (2 * COLUMN_GAP, 0.0)}


def test_diamond_columns_by_longest_path_and_rows_centered():
    nodes = ["in", "l", "r", "merge", "skip"]
    edges = [
        ("in", "l"),
        ("in", "r"),
        ("l", "merge"),
        ("r", "merge"),
        ("in", "skip"),
        ("skip", "merge"),
    ]
    pos = layered_layout(nodes, edges)
    assert pos["in"][0] == 0 and pos["merge"][0] == 2 * COLUMN_GAP
    col1 = sorted(pos[n][1] for n in ("l", "r", "skip"))
    assert col1 == [-ROW_GAP, 0.0, ROW_GAP] or col1 == [0.0, ROW_GAP, 2 * ROW_GAP]
    assert pos["in"][1] == pos["merge"][1] == col1[1]


def test_every_edge_points_right_and_no_overlap():
    nodes = [f"n{i}" for i in range(30)]
    edges = [(f"n{i}", f"n{j}") for i in range(30) for j in (2 * i + 1, 2 * i + 2) if j < 30]
    edges += [("n3", "n20"), ("n1", "n29")]
    pos = layered_layout(nodes, edges)
    assert set(pos) == set(nodes)
    for s, d in edges:
        assert pos[s][0] < pos[d][0]
    assert len(set(pos.values())) == len(nodes)


def test_components_stack_and_isolated_nodes_placed():
    pos = layered_layout(["a", "b", "x", "y"], [("a", "b"), ("x", "y")], origin=(10, 20))
    assert pos["a"] == (10.0, 20.0)
    assert pos["x"][1] > pos["a"][1]
    alone = layered_layout(["solo"], [])
    assert alone == {"solo": (0.0, 0.0)}
    assert layered_layout([], []) == {}


def test_barycentre_ordering_reduces_crossings():
    nodes = ["a", "b", "y", "x"]  # document order would put y above x
    edges = [("a", "x"), ("a", "y"), ("b", "y")]
    plain = layered_layout(nodes, edges, sweeps=0)
    assert plain["y"][1] < plain["x"][1]  # a->x crosses b->y
    pos = layered_layout(nodes, edges)
    assert pos["a"][1] < pos["b"][1]
    assert pos["x"][1] < pos["y"][1]  # no crossing
