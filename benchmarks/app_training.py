"""Training in the real window: throughput against headless, and the GUI thread's lateness.

`python -m benchmarks.app_training [--epochs 2500] [--repeat 2] [--platform both] [--json F]`
opens the main window (`app.gui.build_window`) on the seed example with the Training page in
front (live plots, the compact decision-boundary map fed by the weight tap, the read-outs;
the session's weight-histogram and snapshot callbacks run in the training thread) and
presses Train for `--epochs` epochs (17 batches each), while a 10 ms QTimer measures the GUI
thread's lateness (`benchmarks.qt_platforms.TickProbe`). Each repeat trains the same network
headless (`core.run.training_events`, same data and settings, no callbacks) just before and
just after the window's run, and reports the window's batches per second as a share of
their mean (the table: the median over the repeats and their range), from the click to the
run's end and while the worker ran (the first also pays for building the model and, at the end, the
Results page), with the worker's own split (CPU, acknowledgements, paint gate) and the GUI
thread's CPU. Meanwhile the GUI thread sits in an event loop (`QEventLoop.exec`) as the app's
own does, asleep until an event arrives (an earlier version polled `processEvents` every
millisecond, and those 1,000 wake-ups a second cost the worker ~10 % of its rate). Unlike
`benchmarks.ui_latency` (a worker and the plots alone) this is everything a person's run
pays for, from the click to the run's end (the model is built, the Results page comes
forward at the end). Each Qt platform runs in its own process: offscreen, and xcb on a
private Xvfb.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.qt_platforms import (
    REPO,
    TickProbe,
    machine_line,
    on_platforms,
    platform_parser,
    print_result,
    print_table,
    spin,
    write_json,
)


def _headless(window: Any) -> float:
    """Batches per second of the window's network trained without the GUI."""
    from core.run import build_and_compile, training_events

    s = window.training.session
    settings = s.settings()
    model = build_and_compile(window.controller.graph, s.dataset, settings)
    t0, n = time.perf_counter(), 0
    for ev in training_events(model, s.dataset, settings):
        if type(ev).__name__ == "BatchEnded":
            n += 1
    return n / (time.perf_counter() - t0)


def _in_window(app: Any, window: Any) -> dict[str, float]:
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest

    from app.worker import GUI_GATE

    s = window.training.session
    window.workspace.show_page("training")
    spin(app, 0.5)
    count, done = {"n": 0}, {}
    loop = QEventLoop()

    def ended(*_a: Any) -> None:
        done.setdefault("t", time.perf_counter())
        loop.quit()

    on_batches = s.batches.connect(lambda c: count.__setitem__("n", count["n"] + c.count))
    on_end = s.runFinished.connect(ended)
    probe = TickProbe()
    probe.start()
    gate0, gui_cpu0 = GUI_GATE.waited, time.thread_time()
    t0 = time.perf_counter()
    QTest.mouseClick(window.training.training_panel.start_button, Qt.MouseButton.LeftButton)
    worker = s.worker
    if "t" not in done:
        QTimer.singleShot(600_000, loop.quit)
        loop.exec()  # as the app's own event loop: asleep until an event arrives
    elapsed = done["t"] - t0
    gui_cpu = time.thread_time() - gui_cpu0
    probe.stop()
    s.batches.disconnect(on_batches)
    s.runFinished.disconnect(on_end)
    wall = max(worker.run_wall, 1e-9)
    return {
        "rate": count["n"] / elapsed,
        "rate_training": count["n"] / wall,
        **probe.summary(),
        "w_cpu": worker.run_cpu / wall,
        "w_ack": worker.ack_waited / wall,
        "w_gate": (GUI_GATE.waited - gate0) / wall,
        "gui_thread_cpu": gui_cpu / elapsed,
        "launch_and_end": (elapsed - worker.run_wall) / elapsed,
    }


def measure(epochs: int, repeat: int) -> dict[str, Any]:
    from app.gui import build_window, create_application

    app = create_application()
    window = build_window(persist_settings=False, headless=True, recovery=False)
    window.resize(1400, 900)
    window.show()
    example = Path(REPO) / "resources" / "examples" / "seed.lfproj"
    assert window.files.open_example(str(example), ask=False)
    spin(app, 1.0)
    window.training.training_panel.epochs.setValue(epochs)
    _headless(window)  # warm-up: the plan, allocations
    runs = []
    for _ in range(max(repeat, 1)):
        # Headless just before and just after the window's run: this shared machine's
        # speed drifts by 10-25 % within seconds (the same headless run, back to back:
        # 18,000-25,000 batches/s), so one side alone can flatter or wrong the window.
        before = _headless(window)
        run = _in_window(app, window)
        after = _headless(window)
        base = (before + after) / 2
        run.update(base=base, ratio=run["rate"] / base, load=os.getloadavg()[0])
        run["base_drift"] = abs(after - before) / base
        run["ratio_training"] = run["rate_training"] / base
        runs.append(run)
        print(
            f"  {app.platformName()}: headless {base:,.0f} -> window {run['rate']:,.0f} "
            f"batches/s ({run['ratio']:.0%}; while the worker ran {run['ratio_training']:.0%}); "
            f"lateness {run['p50']:.1f} / {run['p99']:.1f} / "
            f"{run['max']:.1f} ms (without CPU waits: p99 {run['p99_own']:.1f}, max "
            f"{run['max_own']:.1f}); worker CPU {run['w_cpu']:.0%}, ack {run['w_ack']:.0%}, "
            f"gate {run['w_gate']:.0%}; GUI thread CPU {run['gui_thread_cpu']:.0%}; launch and "
            f"end {run['launch_and_end']:.0%} of the run; headless before and after "
            f"{before:,.0f} / {after:,.0f}; load {run['load']:.1f}",
            flush=True,
        )
    window.controller.mark_clean()
    window.close()
    med = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
    for key in ("ratio", "ratio_training"):
        med[f"{key}_min"] = min(r[key] for r in runs)
        med[f"{key}_max"] = max(r[key] for r in runs)
    return {"platform": app.platformName(), "median": med, "runs": len(runs)}


def main(argv: list[str] | None = None) -> int:
    parser = platform_parser(__doc__ or "", repeat=2)
    parser.add_argument("--epochs", type=int, default=2500)
    args = parser.parse_args(argv)
    if args.child:
        print_result(measure(args.epochs, args.repeat))
        return 0
    print(machine_line())
    extra = ["--epochs", str(args.epochs), "--repeat", str(args.repeat)]
    results = on_platforms("app_training", args.platform, extra)
    columns = "platform|headless batches/s|window batches/s|ratio (while the worker ran)"
    columns += "|ratio range (while ran)"
    columns += "|lateness p50 / p99 / max (ms)"
    columns += "|without CPU waits p99 / max|worker CPU / ack / gate|GUI thread CPU|launch and end"
    print_table(
        columns.split("|"),
        results,
        lambda _name, m: [
            f"{m['base']:,.0f}",
            f"{m['rate']:,.0f}",
            f"{m['ratio']:.0%} ({m['ratio_training']:.0%})",
            f"{m['ratio_min']:.0%}-{m['ratio_max']:.0%} "
            f"({m['ratio_training_min']:.0%}-{m['ratio_training_max']:.0%})",
            f"{m['p50']:.1f} / {m['p99']:.1f} / {m['max']:.1f}",
            f"{m['p99_own']:.1f} / {m['max_own']:.1f}",
            f"{m['w_cpu']:.0%} / {m['w_ack']:.0%} / {m['w_gate']:.0%}",
            f"{m['gui_thread_cpu']:.0%}",
            f"{m['launch_and_end']:.0%}",
        ],
    )
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
