"""Subprocess body of the thread stress test: the app trains while its window paints.

Run as `python tests/app/_stress_app.py SECONDS`. It builds the real main
window (`app.gui.create_application` + `build_window`, as `layerforge` does)
over the seed example (8 -> 10 relu -> 10 relu -> 1 sigmoid on
resources/datasets/seed_binary.csv; batch 16 makes it Python-overhead-bound,
the hard case for the GIL), clicks Start and lets the real `TrainingSession`
train in its `TrainingWorker` thread, with the process's GUI gate on, for
SECONDS while the GUI thread repaints the whole window as fast as the event
loop allows and runs Python code in slots; then it clicks Stop. Exits 0 and
prints a summary line when everything ran; a PySide6 release with the 6.12.0
refcount bug dies here with "Fatal Python error".
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import Qt, QTimer  # noqa: E402

from app.gui import build_window, create_application  # noqa: E402
from app.session import IDLE  # noqa: E402
from app.worker import GUI_GATE  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "resources" / "examples" / "seed.lfproj"


def main(seconds: float) -> int:
    app = create_application()
    window = build_window(str(SEED), persist_settings=False, headless=True)
    window.resize(1400, 900)
    window.show()
    t = window.training
    session, panel = t.session, t.training_panel
    state: dict = {"batches": 0, "epochs": 0, "paints": 0, "busy": 0, "finished": None}
    state.update(errored=None, trained=0.0, panel_paints_before=0, panel_paints=0)

    session.batches.connect(
        lambda chunk: state.__setitem__("batches", state["batches"] + chunk.count)
    )
    session.epochEnded.connect(lambda _ev: state.__setitem__("epochs", state["epochs"] + 1))

    def on_finished(event, _summary) -> None:
        state["finished"] = event
        state["trained"] = time.perf_counter() - state["t0"]
        state["panel_paints"] = t.plots.graphics.paints - state["panel_paints_before"]
        window.controller.mark_clean()  # quitting must not ask to save
        QTimer.singleShot(100, app.quit)

    def on_error(message: str, details: str) -> None:
        state["errored"] = details or message
        window.controller.mark_clean()
        app.quit()

    session.runFinished.connect(on_finished)
    session.errored.connect(on_error)

    def paint() -> None:  # the whole window, as fast as the event loop allows
        window.repaint()
        state["paints"] += 1

    def busy() -> None:
        # plain Python work in the GUI thread: objects created and freed, bools and Nones
        d = {i: (i % 3 == 0, None, float(i)) for i in range(500)}
        s = sum(1 for v in d.values() if v[0] is True and v[1] is None)
        state["busy"] += s > 0

    def start() -> None:
        if session.dataset is None:  # the example's CSV is read just after the first frame
            QTimer.singleShot(50, start)
            return
        window.controller.update_train_config({"epochs": 1_000_000, "batch_size": 16})
        t.show_page("training")
        t.plots.panel  # noqa: B018 - build the plots now, so they paint from the first batch
        state["panel_paints_before"] = t.plots.graphics.paints
        state["t0"] = time.perf_counter()
        panel.start_button.click()
        paint_timer.start(0)
        busy_timer.start(1)
        stop_timer.start(int(seconds * 1000))

    stop_timer = QTimer()
    stop_timer.setSingleShot(True)
    stop_timer.setTimerType(Qt.TimerType.PreciseTimer)
    stop_timer.timeout.connect(panel.stop_button.click)
    paint_timer = QTimer()
    paint_timer.timeout.connect(paint)
    busy_timer = QTimer()
    busy_timer.timeout.connect(busy)
    watchdog = QTimer()
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(lambda: (window.controller.mark_clean(), app.quit()))
    watchdog.start(int((seconds + 60) * 1000))
    QTimer.singleShot(0, start)

    t0 = time.perf_counter()
    app.exec()
    paint_timer.stop()
    busy_timer.stop()
    worker = session.worker
    ended = worker is None or worker.shutdown(10_000)
    elapsed = time.perf_counter() - t0
    finished = state["finished"]
    print(
        f"stress: {elapsed:.1f}s, batches={state['batches']}, epochs={state['epochs']}, "
        f"paints={state['paints']}, panel_paints={state['panel_paints']}, "
        f"busy={state['busy']}, gate_waits={GUI_GATE.waits}, trained={state['trained']:.1f}s, "
        f"finished={getattr(finished, 'reason', None)}, ended={ended}, "
        f"idle={session.state == IDLE}"
    )
    window.controller.mark_clean()  # closing must not ask to save
    window.close()
    if state["errored"]:
        print(state["errored"], file=sys.stderr)
        return 2
    if finished is None or not ended:
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0))
