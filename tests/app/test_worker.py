"""The training worker: delivery, coalescing, pause/resume/step/stop, errors, shutdown.

How fast it delivers, stops and shuts down is measured in `benchmarks.gui_timings`.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from app.worker import BatchChunk, TrainingWorker
from core.engine.training import BatchEnded, EpochEnded, TrainingFinished
from tests.app._fakes import counting_train


class Recorder:
    def __init__(self, worker: TrainingWorker) -> None:
        self.chunks: list[BatchChunk] = []
        self.epochs: list[EpochEnded] = []
        self.finished: list[TrainingFinished] = []
        self.errors: list[tuple[str, str]] = []
        self.paused: list[bool] = []
        worker.batches.connect(self.chunks.append)
        worker.epochEnded.connect(self.epochs.append)
        worker.trainingFinished.connect(self.finished.append)
        worker.errored.connect(lambda m, t: self.errors.append((m, t)))
        worker.pausedChanged.connect(self.paused.append)

    @property
    def n_batches(self) -> int:
        return sum(c.count for c in self.chunks)


@pytest.fixture
def make_worker(qtbot):
    workers: list[TrainingWorker] = []

    def make(factory, **kw) -> tuple[TrainingWorker, Recorder]:
        w = TrainingWorker(factory, **kw)
        workers.append(w)
        return w, Recorder(w)

    yield make
    for w in workers:
        assert w.shutdown(5000)


def test_all_batches_arrive_coalesced_in_order(qtbot, make_worker) -> None:
    worker, rec = make_worker(lambda: counting_train(epochs=3, batches=400))
    with qtbot.waitSignal(worker.trainingFinished, timeout=10_000):
        worker.start()
    qtbot.waitUntil(lambda: not worker.isRunning(), timeout=5000)
    assert rec.n_batches == 1200
    assert len(rec.chunks) < 1200 / 10  # coalesced at the source
    steps = np.concatenate([c.step for c in rec.chunks])
    np.testing.assert_array_equal(steps, np.arange(1, 1201))
    loss = np.concatenate([c.series["loss"] for c in rec.chunks])
    np.testing.assert_allclose(loss, 1.0 / np.arange(1, 1201))
    assert not rec.chunks[0].step.flags.writeable
    assert [e.epoch for e in rec.epochs] == [0, 1, 2]
    assert rec.finished[-1].reason == "completed"


def test_stop_mid_epoch_reports_where(qtbot, make_worker) -> None:
    worker, rec = make_worker(lambda: counting_train(epochs=5, batches=10_000, delay=0.002))
    worker.start()
    qtbot.waitUntil(lambda: rec.n_batches > 20, timeout=5000)
    worker.stop()
    qtbot.waitUntil(lambda: bool(rec.finished), timeout=5000)
    ev = rec.finished[-1]
    assert isinstance(ev, TrainingFinished) and ev.reason == "stopped"
    assert ev.epoch == 0 and 20 <= ev.batch < 10_000
    assert "epoch 1" in ev.message
    assert worker.wait(2000)


def test_pause_holds_and_resume_continues(qtbot, make_worker) -> None:
    worker, rec = make_worker(lambda: counting_train(epochs=1, batches=400, delay=0.002))
    worker.start()
    qtbot.waitUntil(lambda: rec.n_batches > 5, timeout=5000)
    worker.pause()
    qtbot.waitUntil(lambda: rec.paused[-1:] == [True], timeout=2000)
    qtbot.wait(100)
    held = rec.n_batches
    qtbot.wait(250)
    assert rec.n_batches == held and worker.is_paused()
    with qtbot.waitSignal(worker.trainingFinished, timeout=10_000):
        worker.resume()
    assert rec.n_batches == 400


def test_step_advances_exactly_one_batch(qtbot, make_worker) -> None:
    worker, rec = make_worker(lambda: counting_train(epochs=2, batches=5), start_paused=True)
    worker.start()
    qtbot.waitUntil(lambda: rec.paused[-1:] == [True], timeout=2000)
    assert rec.n_batches == 0
    for expected in (1, 2, 3):
        worker.step()
        qtbot.waitUntil(lambda e=expected: rec.n_batches == e and worker.is_paused(), timeout=2000)
        qtbot.wait(50)
        assert rec.n_batches == expected
    # Two requests before the worker pauses again run exactly two batches, across the
    # epoch boundary (the epoch event comes with the delivery of the next batch).
    worker.step()
    worker.step()
    qtbot.waitUntil(lambda: rec.n_batches == 5 and worker.is_paused(), timeout=2000)
    qtbot.wait(100)
    assert rec.n_batches == 5 and rec.epochs == []  # paused right after the batch
    worker.step()  # the first epoch's event, then the second epoch's first batch
    qtbot.waitUntil(lambda: rec.n_batches == 6 and worker.is_paused(), timeout=2000)
    qtbot.wait(100)
    assert rec.n_batches == 6 and [e.epoch for e in rec.epochs] == [0]
    worker.stop()
    qtbot.waitUntil(lambda: bool(rec.finished), timeout=2000)


def test_exception_becomes_errored_signal(qtbot, make_worker) -> None:
    worker, rec = make_worker(lambda: counting_train(epochs=1, batches=50, fail_at=7))
    with qtbot.waitSignal(worker.errored, timeout=5000) as blocker:
        worker.start()
    message, text = blocker.args
    assert message == "ValueError: boom at step 7"
    assert "Traceback" in text and "counting_train" in text
    assert rec.n_batches == 6
    assert not rec.finished


def test_stop_while_paused_and_shutdown(qtbot, make_worker) -> None:
    worker, rec = make_worker(lambda: counting_train(epochs=1, batches=50), start_paused=True)
    worker.start()
    qtbot.waitUntil(lambda: rec.paused[-1:] == [True], timeout=2000)
    assert worker.shutdown(5000)
    qtbot.waitUntil(lambda: bool(rec.finished), timeout=2000)
    assert rec.finished[-1].reason == "stopped"


def test_generator_is_closed_on_stop(qtbot, make_worker) -> None:
    closed = []

    def gen():
        try:
            yield from counting_train(epochs=1, batches=100_000, delay=0.001)
        finally:
            closed.append(True)

    worker, rec = make_worker(gen)
    worker.start()
    qtbot.waitUntil(lambda: rec.n_batches > 3, timeout=5000)
    worker.stop()
    qtbot.waitUntil(lambda: bool(rec.finished), timeout=2000)
    assert worker.wait(2000)
    assert closed == [True]


def test_epoch_events_ride_on_delivery_ticks(qtbot, make_worker) -> None:
    # 200 tiny epochs: each used to be its own delivery
    worker, rec = make_worker(lambda: counting_train(epochs=200, batches=3))
    with qtbot.waitSignal(worker.trainingFinished, timeout=10_000):
        worker.start()
    assert [e.epoch for e in rec.epochs] == list(range(200))
    assert rec.n_batches == 600
    assert worker.deliveries < 50


def test_worker_waits_while_the_gui_is_busy(qtbot, make_worker) -> None:
    from app.worker import GuiGate

    gate = GuiGate(max_wait=5.0)
    worker, rec = make_worker(
        lambda: counting_train(epochs=1, batches=100_000, delay=0.001), gate=gate
    )
    worker.start()
    qtbot.waitUntil(lambda: rec.n_batches > 3, timeout=5000)
    with gate.busy():
        held = worker.batches_run
        time.sleep(0.3)  # the GUI thread is busy (painting): the worker must not run
        assert worker.batches_run <= held + 1
    qtbot.waitUntil(lambda: worker.batches_run > held + 20, timeout=5000)
    assert gate.waits >= 1
    worker.stop()
    qtbot.waitUntil(lambda: bool(rec.finished), timeout=2000)


def test_epochs_of_a_delivery_arrive_as_one_tuple(qtbot, make_worker) -> None:
    """A fast network ends many epochs between two deliveries: `epochsEnded` carries them
    together (one slot call a delivery), the same epochs in the same order as the
    `epochEnded`s."""
    worker, rec = make_worker(lambda: counting_train(epochs=400, batches=2))
    together: list[tuple[EpochEnded, ...]] = []
    worker.epochsEnded.connect(together.append)
    with qtbot.waitSignal(worker.trainingFinished, timeout=10_000):
        worker.start()
    qtbot.waitUntil(lambda: not worker.isRunning(), timeout=5000)
    assert [e.epoch for group in together for e in group] == list(range(400))
    assert [e.epoch for e in rec.epochs] == list(range(400))
    assert len(together) <= worker.deliveries < 400


def test_coalescer_packs_in_bulk_with_changing_and_odd_logs() -> None:
    from app.worker import _Coalescer
    from tests.app._fakes import BatchEnded

    c = _Coalescer()
    c.add(BatchEnded(0, 0, 4, {"loss": 1.0}, 8))
    c.add(BatchEnded(0, 1, 4, {"loss": 0.5, "accuracy": 0.25, "note": "text"}, 16))
    c.add(BatchEnded(0, 2, 4, {"loss": float("nan"), "accuracy": 0.5}, 24))
    first = c.take()
    assert c.take() is None and len(c) == 0
    np.testing.assert_array_equal(first.step, [1, 2, 3])
    np.testing.assert_allclose(first.epoch_pos, [0.25, 0.5, 0.75])
    assert set(first.series) == {"loss", "accuracy"}  # text is no number: left out
    np.testing.assert_allclose(first.series["loss"], [1.0, 0.5, np.nan])
    np.testing.assert_allclose(first.series["accuracy"], [np.nan, 0.25, 0.5])
    assert (
        first.batch == 2
        and first.samples_seen == 24
        and first.logs == {"loss": pytest.approx(np.nan, nan_ok=True), "accuracy": 0.5}
    )
    assert not any(a.flags.writeable for a in (first.step, first.epoch_pos, *first.series.values()))
    c.add(BatchEnded(1, 0, 4, {"loss": 0.1}, 40))
    np.testing.assert_array_equal(c.take().step, [4])  # the run-wide counter continues


def test_coalescer_same_logs_every_batch_and_same_count_other_keys() -> None:
    """The bulk path (every batch logs the same numbers) gives what the general one
    gives; batches with as many keys but other ones, or no batch count, still pack right."""
    from app.worker import _Coalescer
    from tests.app._fakes import BatchEnded

    c = _Coalescer()
    for i in range(5):
        c.add(BatchEnded(2, i, 5, {"loss": 1.0 / (i + 1), "accuracy": np.float32(0.5)}, i))
    chunk = c.take()
    np.testing.assert_allclose(chunk.series["loss"], [1.0, 1 / 2, 1 / 3, 1 / 4, 1 / 5])
    np.testing.assert_allclose(chunk.series["accuracy"], [0.5] * 5)
    np.testing.assert_allclose(chunk.epoch_pos, [2.2, 2.4, 2.6, 2.8, 3.0])
    assert not any(a.flags.writeable for a in chunk.series.values())
    c.add(BatchEnded(0, 0, None, {"loss": 1.0}, 8))
    c.add(BatchEnded(0, 1, None, {"val": 2.0}, 16))
    other = c.take()
    np.testing.assert_allclose(other.series["loss"], [1.0, np.nan])
    np.testing.assert_allclose(other.series["val"], [np.nan, 2.0])
    np.testing.assert_allclose(other.epoch_pos, [1.0, 2.0])  # no count: one batch an epoch


def test_control_flag_is_raised_only_while_needed(qtbot, make_worker) -> None:
    worker, rec = make_worker(lambda: counting_train(epochs=1, batches=400, delay=0.002))
    assert not worker._interrupt
    worker.pause()
    assert worker._interrupt
    worker.resume()
    assert not worker._interrupt  # the hot loop takes no lock while nothing is asked
    worker.start()
    qtbot.waitUntil(lambda: worker.batches_run > 10, timeout=5000)
    worker.step()
    qtbot.waitUntil(lambda: rec.paused[-1:] == [True], timeout=2000)
    held = worker.batches_run
    qtbot.wait(100)
    assert worker.batches_run == held and worker._interrupt
    worker.stop()
    qtbot.waitUntil(lambda: bool(rec.finished), timeout=2000)
    assert rec.finished[-1].reason == "stopped" and rec.n_batches == held
    assert rec.finished[-1].batch == held - 1


def test_run_makes_room_for_the_window_and_undoes_it(qtbot, make_worker) -> None:
    """The training thread runs as a batch job, with every core but one for BLAS and the
    heap set aside from the collector; all of it is as before once the run is over."""
    import gc
    import os
    import sys

    from core.engine.threads import blas_threads, threads_beside_window

    before = blas_threads()
    seen: dict[str, object] = {}

    def events():
        seen["blas"] = blas_threads()
        seen["frozen"] = gc.get_freeze_count()  # the heap is set aside for the run
        if hasattr(os, "sched_getscheduler"):
            seen["policy"] = os.sched_getscheduler(0)  # 0: this (the worker) thread
        return counting_train(epochs=1, batches=5)

    worker, rec = make_worker(events)
    with qtbot.waitSignal(worker.trainingFinished, timeout=10_000):
        worker.start()
    assert worker.wait(5000)
    if before is not None:  # threadpoolctl sees NumPy's BLAS
        assert seen["blas"] == min(before, threads_beside_window()) == worker.blas_cap
        assert blas_threads() == before
    if sys.platform.startswith("linux"):
        assert seen["policy"] == os.SCHED_BATCH and worker.scheduling == "SCHED_BATCH"
        assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the GUI thread is untouched
    assert seen["frozen"] > 0 and gc.get_freeze_count() == 0
    assert rec.n_batches == 5


def test_time_budget_hands_the_gil_over_between_steps(qtbot, make_worker) -> None:
    """With a budget the worker releases the GIL at step boundaries once the budget is
    spent; every batch still arrives, in order. Without one it never does."""
    worker, rec = make_worker(
        lambda: counting_train(epochs=2, batches=300, delay=0.0002), budget=0.001
    )
    with qtbot.waitSignal(worker.trainingFinished, timeout=10_000):
        worker.start()
    assert worker.wait(5000)  # ended: its BLAS setting is undone before the next run's
    assert worker.handoffs >= 10
    steps = np.concatenate([c.step for c in rec.chunks])
    np.testing.assert_array_equal(steps, np.arange(1, 601))
    plain, rec2 = make_worker(lambda: counting_train(epochs=1, batches=300, delay=0.0002))
    with qtbot.waitSignal(plain.trainingFinished, timeout=10_000):
        plain.start()
    assert plain.handoffs == 0 and rec2.n_batches == 300


def run_tuned(qtbot, make_worker, batches: int, during=None):
    """Run `batches` fake steps under a tuner driven by a fake clock: a step takes 10 ms at
    one BLAS thread and 5 ms at two. `during(batch)` runs inside each step. Returns the
    worker and the BLAS threads at each step's start and end."""
    from core.engine.blas_tuner import BlasTuner
    from core.engine.threads import blas_threads

    clock = {"now": 0.0}
    steps: list[tuple[int | None, int | None]] = []

    def events():
        for batch in range(batches):
            start = blas_threads()
            clock["now"] += 0.010 if start == 1 else 0.005
            if during is not None:
                during(batch)
            steps.append((start, blas_threads()))
            yield BatchEnded(0, batch, batches, {"loss": 1.0}, batch + 1)
        yield TrainingFinished("completed", 0, batches - 1, {"loss": 1.0}, "done")

    def tuner() -> BlasTuner:
        return BlasTuner((1, 2), clock=lambda: clock["now"], window=0.1, min_step=0.001)

    worker, rec = make_worker(
        events, blas_tuner=tuner, tune_interval=0.0, delivery_interval=0.0, ack_wait=0.0
    )
    with qtbot.waitSignal(worker.trainingFinished, timeout=20_000):
        worker.start()
    assert worker.wait(5000)
    assert rec.n_batches == batches
    return worker, steps


def test_the_blas_threads_change_between_steps_and_are_restored(qtbot, make_worker) -> None:
    """The worker sets the count the tuner asks for between two steps, never inside one,
    and the count from before the run is back at its end."""
    from core.engine.threads import blas_threads

    before = blas_threads()
    worker, steps = run_tuned(qtbot, make_worker, 300)
    if before is None:  # threadpoolctl does not see NumPy's BLAS: nothing to tune
        assert worker.blas_tuner is None
        return
    assert all(start == end for start, end in steps)  # never changed inside a step
    counts = [start for start, _ in steps]
    assert counts[0] == 1 and counts[-1] == 2 and worker.blas_tuner.chosen == 2
    changes = sum(a != b for a, b in zip(counts, counts[1:], strict=False))
    assert worker.blas_tuner.switches == changes
    assert blas_threads() == before


def test_the_chosen_count_comes_back_after_another_limit_ends(qtbot, make_worker) -> None:
    """Another thread's limit block that ends mid-run puts its older count back; the worker
    sets the tuner's count again at its next tick (between two steps)."""
    from core.engine.threads import blas_threads, set_blas_threads

    def other_limit_ends(batch: int) -> None:
        if batch == 150:
            set_blas_threads(1)  # as a limit block of another thread ending here would

    before = blas_threads()
    worker, steps = run_tuned(qtbot, make_worker, 200, other_limit_ends)
    if before is None:  # threadpoolctl does not see NumPy's BLAS: nothing to tune
        return
    assert worker.blas_tuner.current == 2 and steps[150] == (2, 1)
    assert steps[151][0] == 2 and steps[-1] == (2, 2)  # set again before the next step
    assert blas_threads() == before


def test_a_fixed_blas_count_is_not_tuned(qtbot, make_worker) -> None:
    from core.engine.threads import blas_threads

    before = blas_threads()
    called: list[bool] = []
    worker, rec = make_worker(
        lambda: counting_train(epochs=1, batches=5),
        blas_threads=1,
        blas_tuner=lambda: called.append(True),
    )
    with qtbot.waitSignal(worker.trainingFinished, timeout=10_000):
        worker.start()
    assert worker.wait(5000)
    assert not called and worker.blas_tuner is None
    assert worker.blas_cap == (1 if before is not None else None)
