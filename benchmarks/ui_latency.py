"""GUI responsiveness while training: event-loop latency, throughput vs headless, stop latency.

`python -m benchmarks.ui_latency` trains two networks, first headless and then
in the `TrainingWorker` thread while the GUI thread runs a 10 ms QTimer and
live pyqtgraph plots (`PlotsPanel`) fed by the worker: the seed network
(8 -> 10 relu -> 10 relu -> 1 sigmoid on resources/datasets/seed_binary.csv,
Python-overhead-bound, the hard case for the GIL) and the W2 network
(60,000 x 784 -> 256 relu -> 128 relu -> 10 softmax). It reports the timer's
lateness (p50/p99/max), training throughput with the GUI as a share of
headless, frames painted per second, and how long Stop takes mid-epoch.
Each repeat runs headless and with the GUI back to back (the machine is
shared and noisy); the table shows medians over `--repeat` runs. Targets:
p99 <= 50 ms, max <= 150 ms, throughput >= 80 %.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _model(layers: list[tuple[int, str]], n_in: int, loss: str, seed: int = 0) -> Any:
    import core.engine.layers  # noqa: F401
    from core.document.analysis import build_model
    from core.document.graph import Graph
    from core.engine.layers.spec import CATALOG
    from core.engine.optimizers import Adam

    g = Graph(CATALOG)
    prev = g.add_node("Input", {"shape": [n_in]}).id
    for units, act in layers:
        node = g.add_node("Dense", {"units": units, "activation": act}).id
        g.connect(prev, node)
        prev = node
    model = build_model(g, seed=seed)
    model.compile(optimizer=Adam(learning_rate=1e-3), loss=loss, metrics=["accuracy"])
    return model


def seed_case() -> tuple[Callable[[], Any], np.ndarray, np.ndarray, int, int]:
    from core.data import DataConfig, prepare, read_csv

    ds = prepare(
        read_csv(os.path.join(REPO, "resources", "datasets", "seed_binary.csv")),
        DataConfig(validation_split=0.0),
    )
    return (
        lambda: _model([(10, "relu"), (10, "relu"), (1, "sigmoid")], 8, "binary_crossentropy"),
        ds.x_train,
        ds.y_train,
        16,
        24_000,
    )


def w2_case() -> tuple[Callable[[], Any], np.ndarray, np.ndarray, int, int]:
    rng = np.random.default_rng(0)
    x = rng.random((60_000, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 60_000)]
    return (
        lambda: _model(
            [(256, "relu"), (128, "relu"), (10, "softmax")], 784, "categorical_crossentropy"
        ),
        x,
        y,
        128,
        200,
    )


def _events(
    model: Any, x: np.ndarray, y: np.ndarray, batch_size: int, n_batches: int
) -> Iterator[Any]:
    from core.engine.training import train

    epochs = int(np.ceil(n_batches * batch_size / len(x))) + 1
    count = 0
    gen = train(model, x, y, epochs=epochs, batch_size=batch_size, seed=0, shuffle=True)
    for ev in gen:
        yield ev
        if type(ev).__name__ == "BatchEnded":
            count += 1
            if count >= n_batches:
                gen.close()
                return


def headless(case: tuple) -> float:
    make, x, y, bs, n = case
    model = make()
    t0 = time.perf_counter()
    batches = sum(1 for ev in _events(model, x, y, bs, n) if type(ev).__name__ == "BatchEnded")
    return batches / (time.perf_counter() - t0)


def with_gui(case: tuple, app: Any) -> dict[str, float]:
    from PySide6.QtCore import QEventLoop, QTimer

    from app.plots import PlotsPanel
    from app.worker import GUI_GATE, TrainingWorker

    make, x, y, bs, n = case
    model = make()
    panel = PlotsPanel()
    panel.resize(900, 600)
    panel.show()
    settle = time.perf_counter() + 0.3  # first paint (fonts) before training, as in the app
    while time.perf_counter() < settle:
        app.processEvents()
    paints0 = getattr(panel.graphics, "paints", 0)
    lateness: list[float] = []
    state = {"last": None, "batches": 0, "done": False}

    def tick() -> None:
        now = time.perf_counter()
        if state["last"] is not None:
            lateness.append(max(0.0, now - state["last"] - 0.010))
        state["last"] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    worker = TrainingWorker(lambda: _events(model, x, y, bs, n))
    worker.batches.connect(panel.add_chunk)
    worker.batches.connect(lambda c: state.__setitem__("batches", state["batches"] + c.count))
    worker.epochEnded.connect(panel.add_epoch_event)
    worker.trainingFinished.connect(lambda _e: state.__setitem__("done", True))
    worker.errored.connect(lambda m, t: (print(t), state.__setitem__("done", True)))
    loop = QEventLoop()
    worker.finished.connect(loop.quit)
    QTimer.singleShot(300_000, loop.quit)
    gate_waited0 = GUI_GATE.waited
    timer.start()
    t0 = time.perf_counter()
    worker.start()
    loop.exec()
    elapsed = time.perf_counter() - t0
    timer.stop()
    worker.wait(5000)
    frames = getattr(panel.graphics, "paints", 0) - paints0
    redraws = panel.redraws
    wall = worker.run_wall or elapsed
    gate_s = GUI_GATE.waited - gate_waited0
    # the worker's wall time: paused for paints (gate), waiting for acknowledgements, and
    # the rest not on the CPU (waiting for the GIL, or preempted by other processes)
    share = {
        "gate": gate_s / wall,
        "ack": worker.ack_waited / wall,
        "gil": max(wall - worker.run_cpu - gate_s - worker.ack_waited, 0.0) / wall,
    }
    # Stop latency: a fresh run, stopped mid-epoch
    model2 = make()
    stop = {"t": None}
    w2 = TrainingWorker(lambda: _events(model2, x, y, bs, 10**9))
    w2.trainingFinished.connect(lambda _e: stop.__setitem__("t", time.perf_counter()))
    seen = {"n": 0}
    w2.batches.connect(lambda c: seen.__setitem__("n", seen["n"] + c.count))
    w2.start()
    while seen["n"] < 5:
        app.processEvents()
        time.sleep(0.001)
    ts = time.perf_counter()
    w2.stop()
    while stop["t"] is None:
        app.processEvents()
        time.sleep(0.0005)
    w2.wait(5000)
    panel.close()
    lat = np.asarray(lateness) * 1000
    return {
        "rate": state["batches"] / elapsed,
        "p50": float(np.percentile(lat, 50)),
        "p99": float(np.percentile(lat, 99)),
        "max": float(lat.max()),
        "stop_ms": (stop["t"] - ts) * 1000,
        "fps": frames / elapsed,
        "paints_per_redraw": frames / max(redraws, 1),
        "deliveries": worker.deliveries / elapsed,
        **share,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["seed", "w2"], default=None)
    parser.add_argument("--repeat", type=int, default=3, help="runs per network (medians)")
    args = parser.parse_args(argv)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    cases = {"seed": seed_case, "w2": w2_case}
    print(
        f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; "
        f"QT_NO_GUI_THREADPOOL={os.environ.get('QT_NO_GUI_THREADPOOL', '(unset)')} "
        "(app.worker sets it)"
    )
    print(
        "| network | headless batches/s | with GUI batches/s | ratio | timer lateness "
        "p50 / p99 / max (ms) | frames/s | stop (ms) | worker wall: gate / ack / GIL |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, make_case in cases.items():
        if args.only and name != args.only:
            continue
        case = make_case()
        headless(case)  # warm-up (BLAS threads, allocations)
        runs = []
        for _ in range(max(args.repeat, 1)):
            base = headless(case)
            gui = with_gui(case, app)
            gui["base"] = base
            gui["ratio"] = gui["rate"] / base
            runs.append(gui)
            print(
                f"  run: {name} {base:,.0f} -> {gui['rate']:,.0f} ({gui['ratio']:.0%}), "
                f"{gui['p50']:.1f} / {gui['p99']:.1f} / {gui['max']:.1f} ms, "
                f"{gui['fps']:.0f} frames/s ({gui['paints_per_redraw']:.2f} per redraw), "
                f"{gui['deliveries']:.0f} deliveries/s, stop {gui['stop_ms']:.0f} ms; worker "
                f"wall: gate {gui['gate']:.0%}, ack {gui['ack']:.0%}, GIL/preempted "
                f"{gui['gil']:.0%}",
                flush=True,
            )
        med = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
        print(
            f"| {name} | {med['base']:,.0f} | {med['rate']:,.0f} | {med['ratio']:.0%} | "
            f"{med['p50']:.1f} / {med['p99']:.1f} / {med['max']:.1f} | {med['fps']:.0f} | "
            f"{med['stop_ms']:.0f} | {med['gate']:.0%} / {med['ack']:.0%} / "
            f"{med['gil']:.0%} |",
            flush=True,
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
