"""Benchmark: the canvas with a 200-node project — dragging a node and editing a parameter.

A 200-node branching network (benchmarks.graph_validate.branching_graph) is
auto-laid out and shown in a 1280x800 `CanvasView` at 100 % zoom (offscreen
Qt platform unless a display is set). "drag step" is one mouse-move event on
the viewport while a node is held, plus the repaint it causes (processEvents);
we also record what fraction of the viewport each step repaints, to prove
that a move repaints only the moved card and its edges. "edit → analysis" is
one `set_params` through the controller plus `analyze_now()`, and
"edit → repainted" adds the scene update and repaint. Prints median / p95 ms.

Run: python -m benchmarks.canvas_perf [--steps N] [--repeats N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.canvas.view import CanvasView  # noqa: E402
from app.document import DocumentController  # noqa: E402
from benchmarks.graph_validate import branching_graph  # noqa: E402

N_NODES = 200


class _PaintMeter(QObject):
    """Records the area of every paint event on the viewport."""

    def __init__(self) -> None:
        super().__init__()
        self.areas: list[int] = []

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            area = sum(r.width() * r.height() for r in event.region())
            self.areas.append(area)
        return False


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


def run(steps: int = 200, repeats: int = 30) -> dict[str, Any]:
    app = QApplication.instance() or QApplication([])
    doc = DocumentController()
    doc.graph.load(branching_graph(N_NODES))
    doc.auto_layout()
    doc.undo_stack.clear()
    doc.analyze_now()
    view = CanvasView(doc)
    view.resize(1280, 800)
    view.show()
    app.processEvents()
    view.reset_zoom()
    nodes = list(doc.graph.nodes)
    target = nodes[len(nodes) // 2]
    item = view.canvas.nodes[target]
    view.centerOn(item)
    app.processEvents()

    meter = _PaintMeter()
    vp = view.viewport()
    vp.installEventFilter(meter)
    full = vp.width() * vp.height()

    start = view.mapFromScene(item.sceneBoundingRect().center() + QPointF(0, -10))
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    app.processEvents()
    meter.areas.clear()
    times: list[float] = []
    for k in range(1, steps + 1):
        dx, dy = 2 + (k * 3) % 120, 1 + (k // 40) * 4  # never back at the start
        pos = start + QPoint(dx, dy)
        t0 = time.perf_counter()
        QTest.mouseMove(vp, pos)
        app.processEvents()
        times.append(time.perf_counter() - t0)
    count = doc.undo_stack.count()
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    app.processEvents()
    one_step = doc.undo_stack.count() == count + 1
    fractions = [a / full for a in meter.areas] or [0.0]

    analyse: list[float] = []
    repaint: list[float] = []
    dense = [n for n in nodes if doc.graph.node(n).type == "Dense"]
    mid = dense[len(dense) // 2]
    for r in range(repeats):
        t0 = time.perf_counter()
        doc.set_params(mid, {"units": 8 + (r % 2) * 8}, merge=False)
        doc.analyze_now()
        t1 = time.perf_counter()
        app.processEvents()
        t2 = time.perf_counter()
        analyse.append(t1 - t0)
        repaint.append(t2 - t0)

    return {
        "nodes": len(doc.graph),
        "edges": len(doc.graph.edges),
        "drag_step": _stats(times),
        "drag_repaint_fraction_median": statistics.median(fractions),
        "drag_repaint_fraction_max": max(fractions),
        "drag_is_one_undo_step": one_step,
        "edit_to_analysis": _stats(analyse),
        "edit_to_repainted": _stats(repaint),
        "platform": f"Python {platform.python_version()}, {platform.machine()}, "
        f"Qt platform {app.platformName()}",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.steps, args.repeats)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['nodes']} nodes, {result['edges']} edges; {result['platform']}")
    print("| case | median ms | p95 ms | max ms |")
    print("| --- | ---: | ---: | ---: |")
    for key in ("drag_step", "edit_to_analysis", "edit_to_repainted"):
        s = result[key]
        print(f"| {key} | {s['median_ms']:.2f} | {s['p95_ms']:.2f} | {s['max_ms']:.2f} |")
    print(
        f"viewport repainted per drag step: median "
        f"{100 * result['drag_repaint_fraction_median']:.1f} %, max "
        f"{100 * result['drag_repaint_fraction_max']:.1f} %; "
        f"drag = one undo step: {result['drag_is_one_undo_step']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
