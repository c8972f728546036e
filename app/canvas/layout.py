"""Auto-layout: place a DAG left to right by topological layers (a pure function).

Each node goes into the column given by its longest path from a source; the
order inside a column is refined by a few barycentre sweeps so edges cross
less; each weakly connected component gets its own band, stacked top to
bottom. No Qt here, so the arithmetic is unit-tested on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["COLUMN_GAP", "ROW_GAP", "layered_layout"]

COLUMN_GAP = 260.0  # node width (200) + room for the curves
ROW_GAP = 110.0  # node height (78) + breathing space


def _components(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> list[list[str]]:
    parent = {n: n for n in nodes}

    def find(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for s, d in edges:
        ra, rb = find(s), find(d)
        if ra != rb:
            parent[rb] = ra
    groups: dict[str, list[str]] = {}
    for n in nodes:
        groups.setdefault(find(n), []).append(n)
    return list(groups.values())


def _layers(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Longest-path column of each node (Kahn's order; nodes in a cycle go last)."""
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for s, d in edges:
        succ[s].append(d)
        preds[d].append(s)
    indeg = {n: len(preds[n]) for n in nodes}
    queue = [n for n in nodes if indeg[n] == 0]
    layer = {n: 0 for n in nodes}
    seen = 0
    while seen < len(queue):
        n = queue[seen]
        seen += 1
        for m in succ[n]:
            layer[m] = max(layer[m], layer[n] + 1)
            indeg[m] -= 1
            if indeg[m] == 0:
                queue.append(m)
    return layer


def layered_layout(
    nodes: Sequence[str],
    edges: Sequence[tuple[str, str]],
    *,
    origin: tuple[float, float] = (0.0, 0.0),
    column_gap: float = COLUMN_GAP,
    row_gap: float = ROW_GAP,
    sweeps: int = 4,
) -> dict[str, tuple[float, float]]:
    """Positions (top-left x, y) for `nodes` so that every edge points right.

    Components are stacked vertically; within a component, column k holds the
    nodes whose longest path from a source has k edges, rows centred on the
    band's middle.
    """
    node_set = set(nodes)
    edges = [(s, d) for s, d in edges if s in node_set and d in node_set]
    order = {n: i for i, n in enumerate(nodes)}
    positions: dict[str, tuple[float, float]] = {}
    top = origin[1]
    for comp in _components(nodes, edges):
        cset = set(comp)
        cedges = [(s, d) for s, d in edges if s in cset]
        layer = _layers(comp, cedges)
        n_cols = max(layer.values()) + 1
        cols: list[list[str]] = [[] for _ in range(n_cols)]
        for n in comp:
            cols[layer[n]].append(n)
        preds: dict[str, list[str]] = {n: [] for n in comp}
        succs: dict[str, list[str]] = {n: [] for n in comp}
        for s, d in cedges:
            preds[d].append(s)
            succs[s].append(d)
        rank = {n: float(i) for col in cols for i, n in enumerate(col)}
        for sweep in range(sweeps):
            forward = sweep % 2 == 0
            seq = range(1, n_cols) if forward else range(n_cols - 2, -1, -1)
            for c in seq:
                neigh = preds if forward else succs
                keys: dict[str, tuple[float, int]] = {}
                for n in cols[c]:
                    ns = neigh[n]
                    bary = sum(rank[m] for m in ns) / len(ns) if ns else rank[n]
                    keys[n] = (bary, order[n])
                cols[c].sort(key=keys.__getitem__)
                for i, n in enumerate(cols[c]):
                    rank[n] = float(i)
        height = max(len(col) for col in cols)
        for c, col in enumerate(cols):
            offset = (height - len(col)) / 2.0
            for i, n in enumerate(col):
                positions[n] = (origin[0] + c * column_gap, top + (offset + i) * row_gap)
        top += height * row_gap + row_gap * 0.5
    return positions
