"""Benchmark: one live-plot frame with 100,000 batch points (redraw + paint).

A `PlotsPanel` (800x500, offscreen Qt platform unless a display is set) holds
100,000 batch values of loss and accuracy; each frame adds one batch, then
runs `redraw()` and a synchronous `repaint()` of the plots, as the 10 Hz timer
does while training. The batch curve is drawn from at most ~2,000 bucket
means (`app.series.ThinnedSeries`), so a frame costs about the same at 1,000
or 100,000 points. Budget: a frame well under 150 ms on the 2-core machine
(it competes with the training thread for the GIL). Prints median / p95 ms.

Run: python -m benchmarks.plots_redraw [--frames N] [--points N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.plots import PlotsPanel  # noqa: E402
from app.worker import BatchChunk  # noqa: E402

BUDGET_MS = 150.0


def batch_chunk(start: int, n: int, batches: int = 1000) -> BatchChunk:
    """Batches start+1 .. start+n (`batches` per epoch): loss 1/step, accuracy 1 - loss."""
    steps = np.arange(start + 1, start + n + 1)
    loss = 1.0 / steps
    return BatchChunk(
        0,
        0,
        batches,
        0,
        {"loss": float(loss[-1])},
        steps,
        steps / batches,
        {"loss": loss, "accuracy": 1 - loss},
    )


def frame_times(points: int, frames: int) -> list[float]:
    """Seconds per frame (one new batch, redraw, repaint) with `points` batches plotted."""
    app = QApplication.instance() or QApplication([])
    panel = PlotsPanel()
    panel.resize(800, 500)
    panel.show()
    for start in range(0, points, 1000):
        panel.add_chunk(batch_chunk(start, min(1000, points - start)))
    panel.redraw()
    app.processEvents()
    times = []
    for i in range(frames):
        panel.add_chunk(batch_chunk(points + i, 1))
        t0 = time.perf_counter()
        panel.redraw()
        panel.graphics.repaint()
        times.append(time.perf_counter() - t0)
    panel.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=50)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    times = sorted(t * 1000.0 for t in frame_times(args.points, args.frames))
    result = {
        "points": args.points,
        "frames": args.frames,
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "max_ms": round(times[-1], 2),
        "budget_ms": BUDGET_MS,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{args.points:,} points, {args.frames} frames: median {result['median_ms']} ms, "
            f"p95 {result['p95_ms']} ms, max {result['max_ms']} ms (budget {BUDGET_MS:.0f} ms)"
        )
    return 0 if result["median_ms"] <= BUDGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
