"""Benchmark: the cost of "What it learned" (issue 12, item 3).

- **recording**: training throughput with the `HistogramRecorder` callback (weight and
  gradient histograms of every layer at every epoch end, in the training thread) against
  none, for the seed network (768 x 8 -> 10 relu -> 10 relu -> 1, batch 32: the case
  where a per-epoch cost weighs most, ~2 ms epochs) and an MNIST-sized one (6,000 x 784 ->
  256 -> 128 -> 10, batch 128). Runs alternate; medians of wall and of process CPU time
  per epoch (CPU time is the steadier figure on a shared machine), and one record's own
  time.
- **after_run**: what the page computes when a run ends, on the bundled iris and diabetes
  examples trained for their set epochs, and on a synthetic 20,000-row, 40-column
  classification table: the inspection copy, activation health (<= 2,000 training rows),
  permutation importance (<= 5,000 validation rows, 5 shuffles) and one integrated-gradients
  explanation. The app runs importance in a pool thread when rows x shuffles x columns x
  parameters is over `SYNC_IMPORTANCE_WORK` (~10 ms of work).

    python -m benchmarks.learned [--repeats 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

import core as tf
from benchmarks.train_speed import machine_info
from core.document.project import load_project
from core.engine.training import train
from core.evaluation.histograms import HistogramRecorder
from core.evaluation.learned import (
    explain_evaluated_row,
    importance_rows,
    inspection_copy,
    training_health,
    validation_importance,
    worst_position,
)
from core.evaluation.results import choose_split, evaluate_dataset, model_predictor
from core.run import TrainSettings, build_and_compile, load_data, training_events

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"


def _network(d: int, hidden: tuple[int, ...], classes: int) -> Any:
    tf.keras.utils.set_random_seed(0)
    layers = tf.keras.layers
    stack = [layers.Dense(hidden[0], activation="relu", input_shape=(d,))]
    stack += [layers.Dense(h, activation="relu") for h in hidden[1:]]
    if classes == 1:
        stack.append(layers.Dense(1, activation="sigmoid"))
        loss = "binary_crossentropy"
    else:
        stack.append(layers.Dense(classes, activation="softmax"))
        loss = "sparse_categorical_crossentropy"
    model = tf.keras.Sequential(stack)
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


WORKLOADS = {
    "seed": {"n": 768, "d": 8, "hidden": (10, 10), "classes": 1, "batch": 32, "epochs": 60},
    "mnist_sized": {"n": 6000, "d": 784, "hidden": (256, 128), "classes": 10, "batch": 128,
                    "epochs": 2},
}  # fmt: skip


def recording(repeats: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, w in WORKLOADS.items():
        rng = np.random.default_rng(0)
        x = rng.standard_normal((w["n"], w["d"]), dtype=np.float32)
        proj = rng.standard_normal((w["d"], max(w["classes"], 1))).astype(np.float32)
        y = (x @ proj)[:, 0] > 0 if w["classes"] == 1 else (x @ proj).argmax(1)
        y = y.astype(np.float32)
        times: dict[bool, list[float]] = {False: [], True: []}
        cpu: dict[bool, list[float]] = {False: [], True: []}
        record_ms: list[float] = []
        for _ in range(repeats):
            for on in (False, True):
                model = _network(w["d"], w["hidden"], w["classes"])
                rec = HistogramRecorder()
                cbs = [rec.callback()] if on else []
                t0, c0 = time.perf_counter(), time.process_time()
                for _event in train(model, x, y, epochs=w["epochs"], batch_size=w["batch"],
                                    callbacks=cbs, seed=0):  # fmt: skip
                    pass
                times[on].append((time.perf_counter() - t0) / w["epochs"] * 1000)
                cpu[on].append((time.process_time() - c0) / w["epochs"] * 1000)
                if on:
                    t0 = time.perf_counter()
                    for i in range(20):
                        rec.record(model, 10_000 + i)
                    record_ms.append((time.perf_counter() - t0) / 20 * 1000)
        off_ms, on_ms = statistics.median(times[False]), statistics.median(times[True])
        off_cpu, on_cpu = statistics.median(cpu[False]), statistics.median(cpu[True])
        out[name] = {
            "ms_per_epoch_off": round(off_ms, 3),
            "ms_per_epoch_on": round(on_ms, 3),
            "throughput_ratio": round(off_ms / on_ms, 3),
            "cpu_ms_per_epoch_off": round(off_cpu, 3),
            "cpu_ms_per_epoch_on": round(on_cpu, 3),
            "cpu_ratio": round(off_cpu / on_cpu, 3),
            "one_record_ms": round(statistics.median(record_ms), 3),
        }
    return out


def _synthetic(tmp: Path) -> Path:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((20_000, 40))
    y = (x[:, :5].sum(1) > 0).astype(int)
    path = tmp / "wide.csv"
    header = ",".join([f"f{i}" for i in range(40)] + ["label"])
    rows = [",".join(f"{v:.4f}" for v in r) + f",{t}" for r, t in zip(x, y, strict=True)]
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _timed(fn: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - t0) * 1000


def after_run(tmp: Path) -> dict[str, Any]:
    from core.run import new_project_from_csv

    projects = {
        "iris": load_project(EXAMPLES / "iris.lfproj"),
        "diabetes": load_project(EXAMPLES / "regression.lfproj"),
        "wide_20k": new_project_from_csv(_synthetic(tmp), "label"),
    }
    out: dict[str, Any] = {}
    for name, project in projects.items():
        settings = TrainSettings.from_dict({**project.train_config, "epochs": 5})
        dataset = load_data(project, settings=settings)
        model = build_and_compile(project.graph, dataset, settings)
        for _event in training_events(model, dataset, settings):
            pass
        copy, copy_ms = _timed(lambda: inspection_copy(model))  # noqa: B023
        _, health_ms = _timed(lambda: training_health(copy, dataset))  # noqa: B023
        _, imp_ms = _timed(lambda: validation_importance(model_predictor(copy), dataset))  # noqa: B023
        ev, eval_ms = _timed(lambda: evaluate_dataset(copy, dataset))  # noqa: B023
        x = choose_split(dataset).x
        pos = worst_position(ev)
        _, explain_ms = _timed(
            lambda: explain_evaluated_row(copy, x, ev, pos, dataset.pipeline)  # noqa: B023
        )
        out[name] = {
            "rows_train_val_test": [len(dataset.x_train), len(dataset.x_val), len(dataset.x_test)],
            "params": int(copy.count_params()),
            "importance_work": importance_rows(dataset) * int(copy.count_params()),
            "copy_ms": round(copy_ms, 2),
            "health_ms": round(health_ms, 2),
            "importance_ms": round(imp_ms, 1),
            "evaluation_ms": round(eval_ms, 1),
            "explain_ms": round(explain_ms, 2),
        }
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        result = {
            "machine": machine_info(),
            "recording": recording(args.repeats),
            "after_run": after_run(Path(tmp)),
        }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(result["machine"])
    for name, r in result["recording"].items():
        print(
            f"recording {name}: {r['ms_per_epoch_off']} -> {r['ms_per_epoch_on']} ms/epoch "
            f"(throughput {r['throughput_ratio']:.0%}); CPU {r['cpu_ms_per_epoch_off']} -> "
            f"{r['cpu_ms_per_epoch_on']} ms/epoch ({r['cpu_ratio']:.0%}); one record "
            f"{r['one_record_ms']} ms"
        )
    for name, r in result["after_run"].items():
        print(f"after_run {name}: {r}")


if __name__ == "__main__":
    main()
