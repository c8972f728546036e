"""Benchmark: the Results page on 100,000 evaluated rows stays responsive (issue 12).

For a binary, a 10-class and a regression table of 100k test rows (a
synthetic CSV of 8 numeric features; every row is a test row but 2,000), a
small network is trained one epoch in the real window, then:

- **GUI thread at the run's end**: `ResultsHub.refresh()` on the GUI thread
  (the network's predictions on the test rows; the metrics go to a worker);
- **until the results are ready**: from `refresh()` to the worker's result;
- **longest event-loop gap** while the worker computes (a 5 ms timer's
  largest late arrival): what a person would feel as a freeze;
- **page draw**: `ResultsView.refresh()` plus painting the page at 1400x900
  (headline, matrix, per-class table, ROC/PR or regression charts, the
  100k-row table model);
- **threshold move** (binary): one slider step, until the page is repainted;
- **cell click**: listing one matrix cell's rows.

    python -m benchmarks.results_page [--rows 100000] [--repeat 3] [--json]

Budget: nothing on the GUI thread over 150 ms (the `ui_latency` budget for a
single stall); results within 1 s of the run's end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

CASES = {"binary": 2, "10 classes": 10, "regression": 1}


def _csv(path: Path, rows: int, kind: str) -> Path:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 8)).astype(np.float32)
    score = x[:, 0] + 0.5 * x[:, 1] - x[:, 2] + 0.5 * rng.normal(size=rows)
    if kind == "binary":
        y: Any = (score > 0).astype(int)
    elif kind == "regression":
        y = 3 * score + 10
    else:
        y = np.array([f"c{k}" for k in range(10)])[np.digitize(score, np.linspace(-2, 2, 9))]
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(8)])
    frame["target"] = y
    frame.to_csv(path, index=False)
    return path


def _wait(app: Any, done: Any, timeout: float = 120.0) -> None:
    end = time.perf_counter() + timeout
    while not done():
        app.processEvents()
        time.sleep(0.001)
        if time.perf_counter() > end:
            raise TimeoutError("waited too long")


def _window(app: Any, csv_path: Path, kind: str, rows: int) -> Any:
    from app.gui import build_window

    w = build_window(None, persist_settings=False, headless=True, example=False, recovery=False)
    w.resize(1400, 900)
    w.show()
    session = w.training.session
    assert session.open_csv(str(csv_path))
    test_share = round(1 - 2000 / rows, 4)
    session.change_data_config("split", validation_split=0.0, test_split=min(test_share, 0.9))
    _wait(app, lambda: session.dataset is not None)
    c = w.controller
    units, act = (1, "sigmoid") if kind == "binary" else (1, "linear")
    if kind == "10 classes":
        units, act = 10, "softmax"
    ids = [c.add_node("Input", 0, 0, {"shape": [8]})]
    ids.append(c.add_node("Dense", 200, 0, {"units": 16, "activation": "relu"}))
    ids.append(c.add_node("Dense", 400, 0, {"units": units, "activation": act}))
    for a, b in zip(ids, ids[1:], strict=False):
        c.connect(a, b)
    c.analyze_now()
    w.training.training_panel.epochs.setValue(1)
    done: list[bool] = []
    session.runFinished.connect(lambda *_a: done.append(True))
    assert session.start(), session.readiness()
    _wait(app, lambda: bool(done))
    _wait(app, lambda: w.results.hub.status == "ready")
    return w


def _gap_probe(app: Any) -> tuple[Any, list[float]]:
    from PySide6.QtCore import QTimer

    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0] - 0.005)
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    return timer, gaps


def measure(app: Any, kind: str, rows: int, folder: Path) -> dict[str, float]:
    w = _window(app, _csv(folder / f"{kind}.csv", rows, kind), kind, rows)
    hub, view = w.results.hub, w.results.view
    w.workspace.show_page("results")
    app.processEvents()
    out: dict[str, float] = {"rows": float(hub.evaluation.n_rows)}

    timer, gaps = _gap_probe(app)
    t0 = time.perf_counter()
    hub.refresh()
    out["GUI thread at the run's end (ms)"] = 1000 * (time.perf_counter() - t0)
    timer.start()
    _wait(app, lambda: hub.status == "ready")
    out["until the results are ready (ms)"] = 1000 * (time.perf_counter() - t0)
    timer.stop()
    out["longest event-loop gap (ms)"] = 1000 * max([0.0, *gaps])

    t0 = time.perf_counter()
    view.refresh()
    view.repaint()
    out["page draw (ms)"] = 1000 * (time.perf_counter() - t0)
    if kind == "binary":
        t0 = time.perf_counter()
        view.threshold.slider.setValue(view.threshold.slider.value() - 1)
        view.repaint()
        out["threshold move (ms)"] = 1000 * (time.perf_counter() - t0)
    if kind != "regression":
        t0 = time.perf_counter()
        view.show_cell(1, 0)
        view.predictions.view.repaint()
        out["cell click (ms)"] = 1000 * (time.perf_counter() - t0)
    w.controller.mark_clean()
    w.close()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    from app.gui import create_application

    app = create_application()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="lf-results-") as tmp:
        for kind in CASES:
            runs = [measure(app, kind, args.rows, Path(tmp)) for _ in range(args.repeat)]
            results[kind] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            results[kind].update({f"{k} worst": max(r[k] for r in runs) for k in runs[0]})
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for kind, figures in results.items():
        print(f"{kind}:")
        for name, v in figures.items():
            if not name.endswith("worst") and name != "rows":
                print(f"  {name:36s} {v:8.1f}   (worst {figures[name + ' worst']:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
