"""Decision-boundary figures: the cost of one map redraw, and training with the map open.

`python -m benchmarks.boundary [--repeat 3] [--epochs 1000]` measures, on the
seed example (resources/examples/seed.lfproj: 8 inputs -> 10 relu -> 10 relu
-> 1 sigmoid, the PCA plane):

1. One redraw of the 200 x 200 map: the twin's prediction on the 40,000 grid
   rows alone, the prediction plus the colours (`core.evaluation`), and the
   whole redraw of the real `BoundaryMap` (prediction, colours, `setImage`)
   followed by a synchronous repaint of its plot. Budget: <= 30 ms. And the
   compact map's redraw (120 x 120 cells, beside the plots on the Training
   page).
2. Training throughput with the boundary view open against closed, in the
   real app pieces (offscreen `MainWindow`, `TrainingSession`, worker thread):
   runs of `--epochs` epochs, started with the Train button, go `--repeat`
   times, in a shuffled order each round, through three windows: the
   Training page with its live plots and the compact map hidden ("closed"),
   the same page with the compact map beside the plots ("compact"), and the
   Boundary page in front ("page"). Samples per second is the run's samples
   over the worker's wall time. With a map open the weights are copied in the
   worker thread about ten times a second and the map redraws from the twin.
   Budget: open >= 90 % of closed (the medians, and the median of each
   round's ratio). The redraw rate while training is reported too (budget
   >= 5 Hz), and the CPU time the rest of the process (the GUI thread: plots,
   map) spent per second of run: on a shared machine samples/s moves with the
   other processes' load, that share does not.

The machine, its BLAS and the load average before and after are printed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from benchmarks.csv_load import machine_info  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "resources" / "examples" / "seed.lfproj"


def _spin(app: Any, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.005)


def _window(app: Any) -> Any:
    from app.document import DocumentController
    from app.main_window import MainWindow

    controller = DocumentController()
    window = MainWindow(controller, persist_settings=False, recovery=False)
    window.resize(1400, 900)
    window.show()
    assert window.files.open_example(str(SEED), ask=False)
    session = window.training.session
    end = time.perf_counter() + 20
    while not (session.dataset is not None and session.readiness()[0]):
        _spin(app, 0.05)
        if time.perf_counter() > end:
            raise RuntimeError("the seed example's data did not load")
    return window


def _percentiles(ms: list[float]) -> str:
    a = np.asarray(ms)
    return f"median {np.median(a):.1f} ms, p95 {np.percentile(a, 95):.1f} ms"


def redraw_cost(app: Any, window: Any, repeat: int = 60) -> dict[str, list[float]]:
    """Milliseconds of one redraw, in three widths, and of the compact map's redraw."""
    from core.evaluation.boundary_map import grid_rgba

    session = window.training.session
    window.training.training_panel.epochs.setValue(3)
    window.training.training_panel.start_button.click()
    while session.is_running():
        _spin(app, 0.05)
    window.workspace.show_page("boundary")
    _spin(app, 0.5)
    m = window.boundary.view.map
    renderer, live, kind = (
        window.boundary.state.renderer(),
        window.boundary.live,
        session.dataset.task.kind,
    )
    assert renderer is not None and live.available
    out: dict[str, list[float]] = {"predict": [], "predict + colours": [], "map redraw + paint": []}
    for _ in range(repeat):
        t0 = time.perf_counter()
        live.predict(renderer.inputs)
        t1 = time.perf_counter()
        grid_rgba(renderer.render(live.predict, kind))
        t2 = time.perf_counter()
        m.redraw()
        m.graphics.repaint()
        t3 = time.perf_counter()
        out["predict"].append((t1 - t0) * 1000)
        out["predict + colours"].append((t2 - t1) * 1000)
        out["map redraw + paint"].append((t3 - t2) * 1000)
    window.workspace.show_page("training")
    _spin(app, 0.5)
    compact = window.boundary.compact.map
    key = "compact map (120 x 120) redraw + paint"
    out[key] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        compact.redraw()
        compact.graphics.repaint()
        out[key].append((time.perf_counter() - t0) * 1000)
    return out


def one_run(app: Any, window: Any, epochs: int, mode: str) -> dict[str, float]:
    """Train the seed network once with the map `mode` ("closed", "compact" or "page")."""
    session = window.training.session
    ui = window.boundary
    window.workspace.show_page("boundary" if mode == "page" else "training")
    ui.compact.setVisible(mode == "compact")
    _spin(app, 0.3)
    m = ui.view.map if mode == "page" else ui.compact.map
    redraws: list[float] = []

    def count() -> None:
        if session.is_running():
            redraws.append(time.perf_counter())

    m.redrawn.connect(count)
    window.training.training_panel.epochs.setValue(epochs)
    from app.worker import GUI_GATE

    cpu0, gate0 = time.process_time(), GUI_GATE.waited
    window.training.actions["start"].trigger()  # the tap starts each run at 0 copies
    worker = session.worker
    assert worker is not None
    while session.is_running():
        _spin(app, 0.02)
    cpu = time.process_time() - cpu0
    m.redrawn.disconnect(count)
    wall = worker.run_wall
    hz = (len(redraws) - 1) / (redraws[-1] - redraws[0]) if len(redraws) > 1 else 0.0
    return {
        "samples_per_s": session.samples_seen / wall,
        "wall": wall,
        "redraw_hz": hz,
        "copies_per_s": session.weight_tap.copies / wall,
        # CPU the rest of the process (the GUI thread: plots, map) spent per second of run
        "gui_cpu": max(cpu - worker.run_cpu, 0.0) / wall,
        # share of the run the training thread waited for the GUI's painting (GuiGate)
        "gate": (GUI_GATE.waited - gate0) / wall,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the three windows")
    parser.add_argument("--epochs", type=int, default=1000, help="epochs per run")
    args = parser.parse_args(argv)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    for line in machine_info():
        print(line)
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    window = _window(app)

    costs = redraw_cost(app, window)
    print("\nOne redraw of the 200 x 200 map, seed network (budget <= 30 ms):")
    for name, ms in costs.items():
        print(f"- {name}: {_percentiles(ms)}")

    print(f"\nTraining throughput, seed network, {args.epochs} epochs a run:", flush=True)
    one_run(app, window, 2, "compact")  # warm-up
    modes = ("closed", "compact", "page")
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
    order = list(modes)
    rng = random.Random(0)
    for _ in range(max(args.repeat, 1)):
        rng.shuffle(order)  # no mode always runs first after another's end
        for mode in order:
            r = one_run(app, window, args.epochs, mode)
            runs[mode].append(r)
            print(
                f"  run: map {mode:7s} {r['samples_per_s']:,.0f} samples/s ({r['wall']:.1f} s), "
                f"redraws {r['redraw_hz']:.1f} Hz, weight copies {r['copies_per_s']:.1f}/s, "
                f"GUI thread {r['gui_cpu'] * 1000:.0f} ms CPU per s, gate {r['gate']:.1%}",
                flush=True,
            )
    med = {m: statistics.median(r["samples_per_s"] for r in runs[m]) for m in modes}
    gui = {m: statistics.median(r["gui_cpu"] for r in runs[m]) for m in modes}
    gate = {m: statistics.median(r["gate"] for r in runs[m]) for m in modes}
    print(
        "\n| boundary view | samples/s (median) | share of closed | redraws while training "
        "| GUI-thread CPU per s of run | training waits for paints |"
    )
    print("|---|---|---|---|---|---|")
    for mode in modes:
        hz = statistics.median(r["redraw_hz"] for r in runs[mode])
        rate = "-" if mode == "closed" else f"{hz:.1f} Hz"
        print(
            f"| {mode} | {med[mode]:,.0f} | {med[mode] / med['closed']:.0%} | {rate} "
            f"| {gui[mode] * 1000:.0f} ms | {gate[mode]:.1%} |"
        )
    for mode in modes[1:]:
        paired = statistics.median(
            o["samples_per_s"] / c["samples_per_s"]
            for o, c in zip(runs[mode], runs["closed"], strict=True)
        )
        print(f"{mode} / closed, median of the rounds' ratios: {paired:.0%}")
    print(
        "budget: open >= 90 % of closed, >= 5 redraws a second. The GUI thread's extra CPU "
        f"with the compact map, {max(gui['compact'] - gui['closed'], 0) * 100:.1f} % of the "
        "run's time, bounds what the map can take from training through the GIL (it does "
        "not move with the machine's load, unlike samples/s)."
    )
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    window.controller.mark_clean()
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
