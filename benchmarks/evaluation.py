"""Benchmark: core.evaluation speed (issue 12).

- **boundary**: one redraw of a 200x200 decision-boundary grid for the seed
  network (8 -> 10 relu -> 10 relu -> 1 sigmoid, trained 3 epochs on its
  bundled CSV), both planes: the default PCA plane and two features held at the
  others' medians. A redraw is `BoundaryRenderer.render` (the grid's inputs are
  built once, as the app keeps one renderer per view). Budget: 30 ms.
- **evaluate_100k**: `evaluate_predictor` on 100,000 rows (prediction through
  the network + every metric: confusion matrix, per-class metrics, ROC/PR
  curves and areas, baseline, predictions table) for the seed network
  (binary), a 10-class softmax network and a regression network. Budget: 1 s.
- **train_with_boundary**: seed-network training throughput (batches/s) when a
  5 Hz boundary redraw runs in the training loop (a callback), against none.
  The app's target is >= 90 % with the view open.

    python -m benchmarks.evaluation [--repeats 30] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

import core as tf
import core.engine.layers  # noqa: F401 - registers the layer types
from benchmarks.train_speed import machine_info
from core.document.project import load_project
from core.engine.callbacks import Callback
from core.engine.layers.spec import CATALOG
from core.evaluation import (
    BoundaryRenderer,
    evaluate_predictor,
    model_predictor,
    plan_for_dataset,
)
from core.evaluation.baselines import baseline_from_targets
from core.run import TrainSettings, train_project

SEED = Path(__file__).resolve().parents[1] / "resources" / "examples" / "seed.lfproj"


def _ms(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {
        "median_ms": 1000 * statistics.median(s),
        "p95_ms": 1000 * s[min(len(s) - 1, int(0.95 * len(s)))],
        "max_ms": 1000 * s[-1],
    }


def _seed_result():
    project = load_project(SEED, catalog=CATALOG)
    settings = TrainSettings.from_dict(project.train_config).with_overrides(epochs=3)
    return train_project(project, settings=settings)


def bench_boundary(result, repeats: int) -> dict[str, dict[str, float]]:
    ds, predict = result.dataset, model_predictor(result.model)
    out = {}
    for name, kwargs in (("pca", {}), ("two features", {"features": (0, 1)})):
        t0 = time.perf_counter()
        plan = plan_for_dataset(ds, **kwargs)
        renderer = BoundaryRenderer(plan, resolution=200)
        setup = time.perf_counter() - t0
        renderer.render(predict, "binary")  # warm-up
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            renderer.render(predict, "binary")
            times.append(time.perf_counter() - t)
        out[name] = {**_ms(times), "setup_ms": 1000 * setup}
    return out


def _network(n_in: int, n_out: int, act: str) -> tf.keras.Model:
    model = tf.keras.Sequential(
        [
            tf.keras.layers.Dense(10, activation="relu", input_shape=(n_in,)),
            tf.keras.layers.Dense(10, activation="relu"),
            tf.keras.layers.Dense(n_out, activation=act),
        ]
    )
    model.build((None, n_in))
    return model


def bench_evaluate(repeats: int, n: int = 100_000) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 8)).astype(np.float32)
    cases = {
        "binary (seed network)": (
            _network(8, 1, "sigmoid"),
            rng.integers(0, 2, (n, 1)).astype(np.float32),
            "binary",
            ("no", "yes"),
        ),
        "10 classes": (
            _network(8, 10, "softmax"),
            np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)],
            "multiclass",
            tuple(f"c{i}" for i in range(10)),
        ),
        "regression": (
            _network(8, 1, "linear"),
            rng.normal(size=(n, 1)).astype(np.float32),
            "regression",
            (),
        ),
    }
    out = {}
    for name, (model, y, kind, labels) in cases.items():
        base = baseline_from_targets(kind, labels, y)
        predict = model_predictor(model)

        kw = {"kind": kind, "labels": labels, "baseline": base}
        evaluate_predictor(predict, x, y, **kw)  # warm-up
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            evaluate_predictor(predict, x, y, **kw)
            times.append(time.perf_counter() - t)
        t = time.perf_counter()
        predict(x)
        out[name] = {**_ms(times), "predict_only_ms": 1000 * (time.perf_counter() - t)}
    return out


class _Redraw(Callback):
    """Redraws the boundary at most every `interval` seconds, between batches."""

    def __init__(self, renderer: BoundaryRenderer, interval: float = 0.2) -> None:
        super().__init__()
        self.renderer, self.interval, self.last, self.count = renderer, interval, 0.0, 0

    def on_train_batch_end(self, batch, logs=None) -> None:
        now = time.perf_counter()
        if now - self.last >= self.interval:
            self.renderer.render(model_predictor(self.model), "binary")
            self.last, self.count = time.perf_counter(), self.count + 1


def bench_training(result, seconds: float = 3.0, repeats: int = 3) -> dict[str, float]:
    ds = result.dataset
    plan = plan_for_dataset(ds)
    renderer = BoundaryRenderer(plan, resolution=200)
    rates = {"closed": [], "open": []}
    redraws = 0
    for _ in range(repeats):
        for mode in ("closed", "open"):
            model = result.model
            epochs = 1
            cbs = [_Redraw(renderer)] if mode == "open" else []
            batches = 0
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < seconds:
                model.fit(
                    ds.x_train, ds.y_train, epochs=epochs, batch_size=16, verbose=0, callbacks=cbs
                )
                batches += -(-len(ds.x_train) // 16)
            rates[mode].append(batches / (time.perf_counter() - t0))
            if cbs:
                redraws += cbs[0].count
    closed, opened = statistics.median(rates["closed"]), statistics.median(rates["open"])
    return {
        "closed_batches_per_s": closed,
        "open_batches_per_s": opened,
        "ratio": opened / closed,
        "redraws_per_s": redraws / (repeats * seconds),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    info = machine_info()
    result = _seed_result()
    report = {
        "machine": info,
        "boundary_200x200": bench_boundary(result, args.repeats),
        "evaluate_100k": bench_evaluate(max(3, args.repeats // 6)),
        "train_with_boundary": bench_training(result),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(info)
    print("\nDecision boundary, 200x200 grid, seed network (budget 30 ms per redraw)")
    for name, r in report["boundary_200x200"].items():
        print(
            f"  {name:<14} median {r['median_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
            f"max {r['max_ms']:6.1f} ms  (plan + grid once: {r['setup_ms']:.1f} ms)"
        )
    print("\nEvaluation of 100,000 rows, prediction included (budget 1 s)")
    for name, r in report["evaluate_100k"].items():
        print(
            f"  {name:<22} median {r['median_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms  "
            f"(prediction alone {r['predict_only_ms']:.1f} ms)"
        )
    t = report["train_with_boundary"]
    print("\nSeed training with a 5 Hz boundary redraw in the loop")
    print(
        f"  closed {t['closed_batches_per_s']:,.0f} batches/s, open "
        f"{t['open_batches_per_s']:,.0f} batches/s: {t['ratio'] * 100:.0f} % "
        f"({t['redraws_per_s']:.1f} redraws/s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
