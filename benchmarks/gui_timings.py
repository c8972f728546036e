"""How fast the run controls and the data preview answer (budgets the tests once timed).

`python -m benchmarks.gui_timings [--repeat N] [--json]` measures, with the
offscreen Qt platform:

- **worker stop**: `TrainingWorker.stop()` mid-epoch (1 ms batches) until its
  `trainingFinished` arrives. Budget 0.5 s.
- **worker shutdown while paused**: `shutdown()` of a paused worker until its
  thread has ended. Budget 1 s.
- **deliveries per second**: batch deliveries of a worker whose batches take
  1 ms (without coalescing, ~1000 a second). Budget <= 20 (the target is ~10).
- **Stop button**: the real window's Stop button mid-epoch until the session's
  `runFinished` (a session whose trainer yields 1 ms batches). Budget 0.5 s.
- **window close while training**: `close()` of that window mid-run, thread
  joined. Budget 2 s.
- **million-row preview**: a 1,000,000-row frame shown in the Data panel's
  virtual `DataFrameModel` and scrolled to the end. Budget 2 s.

(The plots' redraw time is `benchmarks.plots_redraw`.)

The table shows the median and the worst of `--repeat` runs; the machine is
shared, so read medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

#: name -> (budget in seconds, or a count for "deliveries per second"; lower is better)
BUDGETS = {
    "worker stop (s)": 0.5,
    "worker shutdown while paused (s)": 1.0,
    "deliveries per second": 20.0,
    "Stop button (s)": 0.5,
    "window close while training (s)": 2.0,
    "million-row preview (s)": 2.0,
}


def slow_batches(batches: int, delay: float = 0.001, epoch0: int = 0) -> Iterator[Any]:
    """Trainer events of one long epoch whose batches take `delay` seconds each."""
    from core.engine.training import BatchEnded, TrainingFinished

    for b in range(batches):
        time.sleep(delay)
        yield BatchEnded(epoch0, b, batches, {"loss": 1.0 / (b + 1)}, (b + 1) * 16)
    yield TrainingFinished("completed", epoch0, batches - 1, {}, "done")


def _wait(app: Any, done: Callable[[], bool], timeout: float = 30.0) -> None:
    end = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > end:
            raise TimeoutError("the GUI did not answer in time")
        app.processEvents()
        time.sleep(0.0005)


def worker_stop(app: Any) -> float:
    from app.worker import TrainingWorker

    worker = TrainingWorker(lambda: slow_batches(1_000_000))
    got: list[float] = []
    worker.trainingFinished.connect(lambda _e: got.append(time.perf_counter()))
    worker.start()
    _wait(app, lambda: worker.batches_run > 50)
    t0 = time.perf_counter()
    worker.stop()
    _wait(app, lambda: bool(got))
    worker.wait(5000)
    return got[0] - t0


def worker_shutdown_paused(app: Any) -> float:
    from app.worker import TrainingWorker

    worker = TrainingWorker(lambda: slow_batches(1000), start_paused=True)
    paused: list[bool] = []
    worker.pausedChanged.connect(paused.append)
    worker.start()
    _wait(app, lambda: paused[-1:] == [True])
    t0 = time.perf_counter()
    worker.shutdown(5000)
    return time.perf_counter() - t0


def deliveries_per_second(app: Any) -> float:
    from app.worker import TrainingWorker

    worker = TrainingWorker(lambda: slow_batches(600))
    done: list[bool] = []
    worker.trainingFinished.connect(lambda _e: done.append(True))
    t0 = time.perf_counter()
    worker.start()
    _wait(app, lambda: bool(done))
    elapsed = time.perf_counter() - t0
    worker.wait(5000)
    return worker.deliveries / elapsed


def _training_window(app: Any) -> tuple[Any, Any]:
    """The main window over the seed example, with a session whose trainer is slow_batches."""
    from app.gui import build_window

    def trainer(model: Any, dataset: Any, settings: Any, callbacks: Any = (), *, initial_epoch=0):
        return slow_batches(1_000_000, epoch0=initial_epoch)

    window = build_window(None, persist_settings=False, headless=True)
    window.show()
    t = window.training
    t.session.trainer = trainer
    _wait(app, lambda: t.session.dataset is not None)
    t.training_panel.start_button.click()
    _wait(app, lambda: t.session.samples_seen > 0)
    return window, t


def stop_button(app: Any) -> float:
    window, t = _training_window(app)
    got: list[float] = []
    t.session.runFinished.connect(lambda *_a: got.append(time.perf_counter()))
    t0 = time.perf_counter()
    t.training_panel.stop_button.click()
    _wait(app, lambda: bool(got))
    window.controller.undo_stack.setClean()
    window.close()
    return got[0] - t0


def window_close(app: Any) -> float:
    window, t = _training_window(app)
    window.controller.undo_stack.setClean()
    t0 = time.perf_counter()
    window.close()
    elapsed = time.perf_counter() - t0
    assert t.session.worker is None
    return elapsed


def million_row_preview(app: Any) -> float:
    import pandas as pd
    from PySide6.QtWidgets import QTableView

    from app.data_panel import DataFrameModel

    df = pd.DataFrame({"a": np.arange(1_000_000, dtype=float), "b": ["x"] * 1_000_000})
    model = DataFrameModel()
    view = QTableView()
    t0 = time.perf_counter()
    model.set_frame(df)
    view.setModel(model)
    view.show()
    view.scrollToBottom()
    app.processEvents()
    elapsed = time.perf_counter() - t0
    view.close()
    return elapsed


CASES: dict[str, Callable[[Any], float]] = {
    "worker stop (s)": worker_stop,
    "worker shutdown while paused (s)": worker_shutdown_paused,
    "deliveries per second": deliveries_per_second,
    "Stop button (s)": stop_button,
    "window close while training (s)": window_close,
    "million-row preview (s)": million_row_preview,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    from app.gui import create_application

    app = create_application()
    results = {}
    for name, case in CASES.items():
        values = [case(app) for _ in range(max(args.repeat, 1))]
        results[name] = {
            "median": statistics.median(values),
            "worst": max(values),
            "budget": BUDGETS[name],
        }
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print("| case | median | worst | budget | met |")
    print("|---|---:|---:|---:|---|")
    for name, r in results.items():
        met = "yes" if r["median"] <= r["budget"] else "NO"
        print(f"| {name} | {r['median']:.3g} | {r['worst']:.3g} | {r['budget']:g} | {met} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
