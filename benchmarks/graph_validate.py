"""Benchmark: whole-graph revalidation (core.document.analysis.analyze) of 200-node graphs.

Two shapes of graph (a 200-node chain, and a 200-node graph of branches joined
by Add and Concatenate) are analysed in two ways: "cold" with a fresh
`AnalysisCache` each time (every layer constructed and checked), and "edit" as
the GUI does it — one parameter edit, then revalidation with the document's
cache. Prints median and p95 milliseconds; the budget is 20 ms.

Run: python -m benchmarks.graph_validate [--repeats N] [--json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable

from core.document.analysis import AnalysisCache, analyze
from core.document.graph import Graph
from core.engine.layers import CATALOG

BUDGET_MS = 20.0
N_NODES = 200


def chain_graph(n: int = N_NODES) -> Graph:
    g = Graph(CATALOG)
    prev = g.add_node("Input", {"shape": [32]}).id
    for k in range(n - 1):
        act = "relu" if k % 2 else "tanh"
        nid = g.add_node("Dense", {"units": 32, "activation": act}).id
        g.connect(prev, nid)
        prev = nid
    return g


def branching_graph(n: int = N_NODES) -> Graph:
    """Blocks of: two Dense branches -> Add, a Dense side branch -> Concatenate -> Dense."""
    g = Graph(CATALOG)
    prev = g.add_node("Input", {"shape": [16]}).id
    while len(g) < n - 6:
        a = g.add_node("Dense", {"units": 16, "activation": "relu"}).id
        b = g.add_node("Dense", {"units": 16}).id
        add = g.add_node("Add").id
        c = g.add_node("Dense", {"units": 8}).id
        cat = g.add_node("Concatenate").id
        out = g.add_node("Dense", {"units": 16}).id
        for s, d in [
            (prev, a),
            (prev, b),
            (a, add),
            (b, add),
            (add, cat),
            (prev, c),
            (c, cat),
            (cat, out),
        ]:
            g.connect(s, d)
        prev = out
    while len(g) < n:
        nid = g.add_node("Dropout", {"rate": 0.1}).id
        g.connect(prev, nid)
        prev = nid
    return g


def measure(fn: Callable[[], object], repeats: int) -> dict[str, float]:
    fn()  # warm-up (imports, first construction)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return {"median_ms": statistics.median(times), "p95_ms": p95, "max_ms": times[-1]}


def run(repeats: int) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for label, make in (("chain", chain_graph), ("branching", branching_graph)):
        g = make()
        assert len(g) == N_NODES, len(g)
        first = analyze(g)
        if not first.ok:
            raise SystemExit(f"benchmark graph '{label}' is not valid: {first.message()}")
        results[f"{label}/cold"] = measure(lambda g=g: analyze(g, cache=AnalysisCache()), repeats)
        cache = AnalysisCache()
        ids = list(g.nodes)
        middle = next(n for n in ids[len(ids) // 2 :] if g.node(n).type == "Dense")
        state = {"units": g.node(middle).params["units"]}

        def edit_then_validate(
            g: Graph = g,
            cache: AnalysisCache = cache,
            nid: str = middle,
            state: dict[str, int] = state,
        ) -> None:
            state["units"] = 33 if state["units"] != 33 else 32
            g.set_params(nid, {"units": state["units"]})
            analyze(g, cache=cache)

        results[f"{label}/edit"] = measure(edit_then_validate, repeats)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args.repeats)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"Graph revalidation, {N_NODES} nodes, {args.repeats} repeats "
        f"(Python {platform.python_version()}, {platform.machine()})"
    )
    print(f"{'case':<18}{'median ms':>11}{'p95 ms':>10}{'max ms':>10}  budget {BUDGET_MS:g} ms")
    for case, r in results.items():
        flag = "ok" if r["p95_ms"] <= BUDGET_MS else "OVER"
        print(f"{case:<18}{r['median_ms']:>11.2f}{r['p95_ms']:>10.2f}{r['max_ms']:>10.2f}  {flag}")


if __name__ == "__main__":
    main()
