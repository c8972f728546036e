"""Subprocess body of the thread stress test: train in the worker while the GUI paints.

Run as `python tests/app/_stress_app.py SECONDS`. A `TrainingWorker` runs the
real trainer, `core.engine.training.train`, on the seed network (8 -> 10 relu -> 10
relu -> 1 sigmoid on resources/datasets/seed_binary.csv, batch 16:
Python-overhead-bound, the hard case for the GIL) in its thread for SECONDS,
while the GUI thread repaints pyqtgraph plots (its own and a `PlotsPanel`) as
fast as the event loop allows and runs Python code in slots. The worker has no
GUI gate here, so that NumPy in the worker and Python/Qt in the GUI thread
overlap as much as possible. Exits 0 and prints a summary line when everything
ran; a PySide6 release with the 6.12.0 refcount bug dies here with
"Fatal Python error".
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.plots import PlotsPanel  # noqa: E402
from app.worker import TrainingWorker  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def _seed_model():
    import core.engine.layers  # noqa: F401 - registers the layer types
    from core.document.analysis import build_model
    from core.document.graph import Graph
    from core.engine.layers.spec import CATALOG
    from core.engine.optimizers import Adam

    g = Graph(CATALOG)
    prev = g.add_node("Input", {"shape": [8]}).id
    for units, act in ((10, "relu"), (10, "relu"), (1, "sigmoid")):
        node = g.add_node("Dense", {"units": units, "activation": act}).id
        g.connect(prev, node)
        prev = node
    model = build_model(g, seed=0)
    model.compile(
        optimizer=Adam(learning_rate=1e-3), loss="binary_crossentropy", metrics=["accuracy"]
    )
    return model


def _factory(seconds: float):
    """`core.engine.training.train` on the seed network, ended (completed) after `seconds`."""
    from core.data import DataConfig, prepare, read_csv
    from core.engine.training import train

    ds = prepare(
        read_csv(REPO / "resources" / "datasets" / "seed_binary.csv"),
        DataConfig(validation_split=0.2, test_split=0.0),
    )
    model = _seed_model()

    def events():
        gen = train(
            model,
            ds.x_train,
            ds.y_train,
            epochs=1_000_000,
            batch_size=16,
            validation_data=(ds.x_val, ds.y_val),
            shuffle=True,
            seed=0,
        )
        end = time.perf_counter() + seconds
        try:
            for event in gen:
                yield event
                if time.perf_counter() >= end:
                    return
        finally:
            gen.close()

    return events


def main(seconds: float) -> int:
    app = QApplication.instance() or QApplication([])
    win = pg.GraphicsLayoutWidget()
    win.resize(800, 500)
    plot_a = win.addPlot(title="loss")
    plot_b = win.addPlot(title="accuracy")
    curve_a = plot_a.plot(pen="y")
    curve_b = plot_b.plot(pen="c")
    for p in (plot_a, plot_b):
        p.setClipToView(True)
        p.setDownsampling(auto=True, mode="peak")
    win.show()
    panel = PlotsPanel(gate=None)
    panel.resize(600, 400)
    panel.show()

    state = {
        "losses": [],
        "acc": [],
        "epochs": 0,
        "paints": 0,
        "busy": 0,
        "finished": None,
        "errored": None,
        "trained": 0.0,
    }

    worker = TrainingWorker(_factory(seconds), gate=None, ack_wait=0.0)

    def on_batches(chunk) -> None:
        state["losses"].extend(chunk.series.get("loss", np.empty(0)).tolist())
        state["acc"].extend(chunk.series.get("accuracy", np.empty(0)).tolist())

    def on_epoch(ev) -> None:
        state["epochs"] += 1
        _ = {k: float(v) for k, v in dict(ev.logs).items()}

    def on_finished(ev) -> None:
        state["finished"] = ev
        state["trained"] = time.perf_counter() - t0
        QTimer.singleShot(100, app.quit)

    def on_error(msg: str, tb: str) -> None:
        state["errored"] = tb
        app.quit()

    worker.batches.connect(on_batches)
    worker.batches.connect(panel.add_chunk)
    worker.epochEnded.connect(on_epoch)
    worker.epochEnded.connect(panel.add_epoch_event)
    worker.trainingFinished.connect(on_finished)
    worker.errored.connect(on_error)

    def paint() -> None:
        n = len(state["losses"])
        if n:
            y = np.asarray(state["losses"][-5000:], dtype=float)
            curve_a.setData(np.arange(y.size), y + np.random.default_rng(n).normal(0, 1e-3, y.size))
            acc = np.asarray(state["acc"][-5000:], dtype=float)
            curve_b.setData(np.arange(acc.size), acc)
        win.viewport().repaint()  # the view's own repaint() would not paint the scene
        panel.redraw()
        panel.graphics.viewport().repaint()
        state["paints"] += 1

    def busy() -> None:
        # plain Python work in the GUI thread: objects created and freed, bools and Nones
        d = {i: (i % 3 == 0, None, float(i)) for i in range(500)}
        s = sum(1 for v in d.values() if v[0] is True and v[1] is None)
        state["busy"] += s > 0

    paint_timer = QTimer()
    paint_timer.timeout.connect(paint)
    paint_timer.start(0)
    busy_timer = QTimer()
    busy_timer.timeout.connect(busy)
    busy_timer.start(1)
    watchdog = QTimer()
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(app.quit)
    watchdog.start(int((seconds + 60) * 1000))

    t0 = time.perf_counter()
    worker.start()
    app.exec()
    paint_timer.stop()
    busy_timer.stop()
    ended = worker.shutdown(10_000)
    elapsed = time.perf_counter() - t0
    print(
        f"stress: {elapsed:.1f}s, batches={len(state['losses'])}, epochs={state['epochs']}, "
        f"paints={state['paints']}, panel_paints={panel.graphics.paints}, "
        f"busy={state['busy']}, trained={state['trained']:.1f}s, "
        f"finished={getattr(state['finished'], 'reason', None)}, ended={ended}"
    )
    if state["errored"]:
        print(state["errored"], file=sys.stderr)
        return 2
    if state["finished"] is None or not ended:
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0))
