"""Run a training generator (`core.engine.training.train`) in a background QThread.

This is the thin adapter between the Qt-free trainer and the GUI: it iterates
the generator in a worker thread, pauses by waiting between events, stops by
closing the generator, steps by advancing to the next `BatchEnded` and
pausing again (each Step request is counted, so N clicks run exactly N
batches), coalesces batch events at the source into at most ~5
`BatchChunk` deliveries a second, turns an exception into an `errored` signal
carrying the traceback text, calls an optional `on_delivery` hook in the
worker thread before each delivery (between two steps, when the model is
consistent: the session copies the weights for the live twin there), and
waits between steps while the GUI thread is busy painting (`GuiGate`): every
PySide6 call releases the GIL, so a GUI thread painting against a
Python-bound training thread would have to win the GIL back after each Qt
call (up to `sys.getswitchinterval()`, 5 ms, each time) and one frame would
cost tens of switch intervals. The thread also makes room for the window
(`core.engine.threads`): it starts NumPy's BLAS at every core but one
(spinning BLAS threads on every core left the window waiting for a CPU, and
stalled when another program took a core) and lets a `BlasTuner`
(`core.engine.blas_tuner`) move it to every core while short trial windows
measure that faster, and back when they no longer do; the count changes only
between two steps (every `TUNE_INTERVAL`), and the count from before the run is back
at its end. It runs as a batch job for the scheduler (Linux `SCHED_BATCH`, a lower
QThread priority elsewhere), so that the GUI thread gets a core as soon as it
wakes; and it sets the objects alive at the run's start aside from Python's
collector for the run (`frozen_heap`: a full collection walked the app's
~100,000 objects for 40-55 ms holding the GIL, the longest stall the window
had). It can also keep a time budget between steps (`budget`): after that
many seconds of steps without a pause it releases the GIL for a moment
(`handoff`) at the next step boundary. That is off by default: on the 2-core
benchmark machine the GUI thread's late ticks were spent waiting for a CPU or
painting, not waiting for the GIL (NumPy's matrix products release it many
times a step), and each release cost the worker its core for a time slice
under load (throughput 88 % -> 62 % of headless at a 5 ms budget, no lower
lateness; `benchmarks.ui_latency --budget`). Only frozen events and read-only
copied arrays cross threads; the worker never touches a widget.
"""

from __future__ import annotations

import math
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any, Literal

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from core.engine.blas_tuner import BlasTuner
from core.engine.threads import (
    available_cores,
    blas_thread_limit,
    frozen_heap,
    set_blas_threads,
    threads_beside_window,
    yield_to_interactive,
)
from core.engine.training import BatchEnded, EpochEnded, Event, TrainingFinished

#: Minimum seconds between two batch deliveries (~5 per second: the read-outs show 5 a
#: second and the plots and the compact map pace themselves to 4-5 Hz in a fast run;
#: each delivery costs the worker an acknowledgement and the GUI thread its slots: at
#: 10 a second the seed network trained at 83 % of headless beside the plots, at 5 a
#: second at 87 %, `benchmarks.ui_latency`).
DELIVERY_INTERVAL = 0.2
#: Seconds between two reports to the BLAS tuner (half its trial window: a window ends
#: close to its length whatever the delivery interval).
TUNE_INTERVAL = 0.1
#: Longest a worker waits for the GUI thread to run the slots of one delivery (seconds).
ACK_WAIT = 0.01
#: Longest a worker waits for a busy GUI thread before it carries on anyway (seconds).
GATE_MAX_WAIT = 0.25
#: Seconds of steps after which the worker releases the GIL at the next step boundary
#: (None: it never does; see the module docstring for why that is the default).
STEP_BUDGET: float | None = None
#: How long it releases it then (seconds): long enough for a waiting thread to take it.
HANDOFF = 0.0001

EventFactory = Callable[[], Iterator[Event]]
TunerFactory = Callable[[], BlasTuner | None]


def default_blas_tuner() -> BlasTuner | None:
    """Every core but one for BLAS, every core while that measures faster (None on one core)."""
    cap, cores = threads_beside_window(), available_cores()
    return BlasTuner((cap, cores)) if cores > cap else None


# Qt's raster engine hands large fills to a GUI thread pool and waits for it. With a
# training thread busy on one of few cores, that hand-off costs more than it saves:
# on the 2-core benchmark machine a plot frame took ~11 ms of wall time (6 ms on the
# GUI thread) with the pool and ~3 ms without (offscreen and xcb alike). Qt reads the
# variable whenever it would use the pool; set it before the first frame. A user's own
# setting wins.
os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")


class GuiGate:
    """The GUI thread marks its heavy work (painting, plot updates); workers wait for it.

    `with gate.busy(): ...` runs in the GUI thread (nests) and raises `depth`, which a
    worker reads between steps (a plain attribute read: cheap enough for every batch);
    while it is non-zero the worker calls `wait_idle()`, which blocks, with the GIL
    released, while the GUI is busy (at most `max_wait` seconds, so a forgotten mark
    can only slow a run).
    While the worker waits, each Qt call the GUI thread makes gets the GIL back at
    once instead of after a switch interval. `waits` / `waited` count the pauses.
    """

    def __init__(self, max_wait: float = GATE_MAX_WAIT) -> None:
        self._idle = threading.Event()
        self._idle.set()
        self.depth = 0
        self.max_wait = max_wait
        self.waits = 0
        self.waited = 0.0

    @contextmanager
    def busy(self) -> Iterator[None]:
        self.depth += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.depth -= 1
            if self.depth <= 0:
                self.depth = 0
                self._idle.set()

    def is_busy(self) -> bool:
        return not self._idle.is_set()

    def wait_idle(self) -> None:
        if self._idle.is_set():
            return
        t0 = time.perf_counter()
        self._idle.wait(self.max_wait)
        self.waits += 1
        self.waited += time.perf_counter() - t0


#: The process's GUI gate: `app.plots` marks its painting, `TrainingWorker` waits on it.
GUI_GATE = GuiGate()


def _scalar_logs(logs: Mapping[str, Any] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in (logs or {}).items():
        try:
            out[str(key)] = float(value)
        except (TypeError, ValueError):
            continue
    return out


class _AckReceiver(QObject):
    """Lives in the GUI thread; its slot runs after the deliveries queued before it."""

    def __init__(self, event: threading.Event) -> None:
        super().__init__()
        self._event = event

    @Slot()
    def ack(self) -> None:
        self._event.set()


@dataclass(frozen=True)
class BatchChunk:
    """Batch events coalesced at the source: one delivery to the GUI.

    `step` holds the run-wide batch counter (1-based) of each batch,
    `epoch_pos` the position in epochs (epoch + (batch + 1) / batches), and
    `series[name]` the log value of each batch; all arrays are read-only copies.
    `epoch`, `batch`, `batches`, `samples_seen` and `logs` are those of the last batch.
    """

    epoch: int
    batch: int
    batches: int
    samples_seen: int
    logs: Mapping[str, float]
    step: np.ndarray
    epoch_pos: np.ndarray
    series: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return int(self.step.shape[0])


def _column(logs: list[Mapping[str, Any]], key: str) -> np.ndarray:
    """The values of `key` in each batch's logs as a read-only float64 array (NaN if absent)."""
    nan = float("nan")
    try:
        arr = np.asarray([lg.get(key, nan) for lg in logs], dtype=np.float64)
    except (TypeError, ValueError):  # a value that is not a number: skip it, as one
        values = []
        for lg in logs:
            try:
                values.append(float(lg.get(key, nan)))
            except (TypeError, ValueError):
                values.append(nan)
        arr = np.asarray(values, dtype=np.float64)
    arr.setflags(write=False)
    return arr


class _Coalescer:
    """Packs the batch events collected by the worker thread into chunks.

    The worker only appends each event to `pending` (one list append per batch,
    the hot loop stays lean); the per-batch bookkeeping is done here, in bulk,
    once per delivery.
    """

    def __init__(self) -> None:
        self.step = 0
        self.pending: list[BatchEnded] = []
        self._last_logs: dict[str, float] = {}

    def add(self, event: BatchEnded) -> None:
        self.pending.append(event)

    def __len__(self) -> int:
        return len(self.pending)

    @property
    def last_logs(self) -> dict[str, float]:
        """The scalar logs of the newest batch (pending or delivered)."""
        if self.pending:
            return _scalar_logs(self.pending[-1].logs)
        return self._last_logs

    def take(self) -> BatchChunk | None:
        if not self.pending:
            return None
        events = self.pending[:]
        self.pending.clear()  # the same list: the worker loop holds a reference to it
        n = len(events)
        start = self.step
        self.step += n
        logs = [ev.logs or {} for ev in events]
        series = _same_key_series(logs)
        if series is None:
            series = _series(logs)
        pos = _epoch_positions(events)
        step = np.arange(start + 1, start + n + 1, dtype=np.int64)
        step.setflags(write=False)
        ev = events[-1]
        self._last_logs = _scalar_logs(logs[-1])
        return BatchChunk(
            epoch=int(ev.epoch),
            batch=int(ev.batch),
            batches=int(ev.batches or 0),
            samples_seen=int(ev.samples_seen or 0),
            logs=dict(self._last_logs),
            step=step,
            epoch_pos=pos,
            series=series,
        )


def _same_key_series(logs: list[Mapping[str, Any]]) -> dict[str, np.ndarray] | None:
    """Each key's values as a read-only float64 array, in C loops (`np.fromiter` over an
    `itemgetter`): the usual case, every batch logs the same numbers. None when a batch's
    keys differ or a value is not a number: `_series` sorts that out one value at a time.
    ~0.3 ms for 2,400 batches instead of ~2.5 ms, in the training thread."""
    first = logs[0]
    if len(set(map(len, logs))) != 1:
        return None
    series = {}
    try:
        for key in first:
            column = np.fromiter(map(itemgetter(key), logs), np.float64, len(logs))
            column.setflags(write=False)
            series[str(key)] = column
    except (KeyError, TypeError, ValueError):
        return None
    return series


def _series(logs: list[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """Each key's values (NaN where a batch lacks it); text-only keys are left out."""
    keys: dict[str, None] = {}
    for lg in logs:
        keys.update(dict.fromkeys(lg))
    series = {}
    for key in keys:
        column = _column(logs, key)
        # all NaN: keep it only if those are real numbers (a NaN loss), not text
        if not np.isnan(column).all() or all(_is_number(lg[key]) for lg in logs if key in lg):
            series[str(key)] = column
    return series


def _epoch_positions(events: list[BatchEnded]) -> np.ndarray:
    """epoch + (batch + 1) / batches of each event, read-only (vectorized when the counts
    are plain numbers; a missing `batches` counts as 1)."""
    n = len(events)
    try:
        epoch = np.fromiter(map(attrgetter("epoch"), events), np.float64, n)
        batch = np.fromiter(map(attrgetter("batch"), events), np.float64, n)
        batches = np.fromiter(map(attrgetter("batches"), events), np.float64, n)
        if np.isnan(epoch).any() or np.isnan(batch).any() or np.isnan(batches).any():
            raise ValueError("a count that is not a number")  # None: counted one by one
        pos = epoch + (batch + 1) / np.maximum(batches, 1)
    except (TypeError, ValueError):
        pos = np.asarray(
            [ev.epoch + (ev.batch + 1) / max(int(ev.batches or 1), 1) for ev in events],
            dtype=np.float64,
        )
    pos.setflags(write=False)
    return pos


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


class TrainingWorker(QThread):
    """Iterate a training generator in a thread; control it from the GUI thread.

    `factory()` is called inside the worker thread and must return the event
    iterator (typically `core.run.training_events(model, dataset, settings)`).
    Signals (delivered queued to receivers in the GUI thread):
    `batches(BatchChunk)`, `epochEnded(EpochEnded)` (each epoch), `epochsEnded(tuple)` (the
    epochs of one delivery, after their `epochEnded`s: a fast network ends hundreds of
    epochs a second, and one slot call a delivery costs the GUI thread, and so the
    worker's GIL, far less than hundreds), `trainingFinished(TrainingFinished)`
    (the generator's own, or one with reason "stopped" after Stop),
    `errored(message, traceback_text)`, `pausedChanged(bool)`.
    """

    batches = Signal(object)
    epochEnded = Signal(object)
    epochsEnded = Signal(object)
    trainingFinished = Signal(object)
    errored = Signal(str, str)
    pausedChanged = Signal(bool)
    _ackRequested = Signal()

    def __init__(
        self,
        factory: EventFactory,
        parent: QObject | None = None,
        *,
        delivery_interval: float = DELIVERY_INTERVAL,
        start_paused: bool = False,
        gate: GuiGate | None = GUI_GATE,
        ack_wait: float = ACK_WAIT,
        on_delivery: Callable[[], object] | None = None,
        budget: float | None = STEP_BUDGET,
        handoff: float = HANDOFF,
        blas_threads: int | None = -1,
        blas_tuner: TunerFactory | None = default_blas_tuner,
        tune_interval: float = TUNE_INTERVAL,
        batch_scheduling: bool = True,
    ) -> None:
        """`budget`: seconds of steps between two GIL releases (None: never release);
        `blas_threads`: BLAS threads while the run lasts (-1: chosen by `blas_tuner()`,
        called in the worker thread, or every core but one when it gives None; None: as
        they are), the tuner told the batches so far every `tune_interval` seconds;
        `batch_scheduling`: run as a batch job for the OS scheduler."""
        super().__init__(parent)
        self._factory = factory
        self._on_delivery = on_delivery
        self._delivery_interval = delivery_interval
        self._tune_interval = tune_interval
        self._gate = gate
        self._ack_wait = ack_wait
        self._budget = budget if budget and budget > 0 else None
        self._handoff = max(float(handoff), 0.0)
        self._blas_threads = threads_beside_window() if blas_threads == -1 else blas_threads
        self._blas_tuner = blas_tuner if blas_threads == -1 else None
        self._batch_scheduling = batch_scheduling
        self._acked = threading.Event()
        self._pending_epochs: list[EpochEnded] = []
        #: Where the thread's time went (for benchmarks.ui_latency): deliveries made, seconds
        #: spent emitting and waiting for acknowledgements, wall and CPU seconds of `run`.
        self.deliveries = 0
        self.ack_waited = 0.0
        self.run_wall = 0.0
        self.run_cpu = 0.0
        #: GIL releases made on the budget, and what the thread did to make room.
        self.handoffs = 0
        self.scheduling = ""
        self.blas_cap: int | None = None
        #: What chose the BLAS threads during the run (None: a fixed count); its `chosen`
        #: is the count in force at the end and `summary()` tells the run's story.
        self.blas_tuner: BlasTuner | None = None
        # queued to this object, which lives in the GUI thread: runs after the deliveries
        self._ack_receiver = _AckReceiver(self._acked)
        self._ackRequested.connect(self._ack_receiver.ack, Qt.ConnectionType.QueuedConnection)
        self._cond = threading.Condition()
        self._paused = start_paused
        self._stop = False
        self._steps = 0  # batches still to run before pausing again (Step requests)
        self._interrupt = start_paused
        self._coalescer = _Coalescer()
        self._delivered_batches = 0
        self._last_batch: BatchEnded | None = None
        self.stop_requested_at: float | None = None

    # -- control, called from the GUI thread ---------------------------------------------
    # Every control call changes the state under `_cond` and raises `_interrupt`, a plain
    # attribute the worker reads once per event without taking the lock (reads are atomic
    # under the GIL); only when it is set does the worker take the lock.
    def _update_interrupt(self) -> None:
        self._interrupt = self._paused or self._stop or self._steps > 0

    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._steps = 0
            self._update_interrupt()
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._steps = 0
            self._update_interrupt()
            self._cond.notify_all()
        self.pausedChanged.emit(False)

    def step(self) -> None:
        """Run one more batch, then pause; N requests before it pauses run N batches."""
        with self._cond:
            self._paused = False
            self._steps += 1
            self._update_interrupt()
            self._cond.notify_all()

    def stop(self) -> None:
        """Ask the run to stop at the next event (also while paused)."""
        with self._cond:
            if not self._stop:
                self.stop_requested_at = time.perf_counter()
            self._stop = True
            self._update_interrupt()
            self._cond.notify_all()

    def is_paused(self) -> bool:
        with self._cond:
            return self._paused

    def is_stopping(self) -> bool:
        with self._cond:
            return self._stop

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop and wait for the thread to end; True when it has ended."""
        self.stop()
        if not self.isRunning():
            return True
        return bool(self.wait(timeout_ms))

    @property
    def batches_run(self) -> int:
        """Batches the generator has yielded so far (delivered or pending)."""
        return self._delivered_batches + len(self._coalescer)

    # -- the worker thread ---------------------------------------------------------------
    def _control(self, batch_ended: bool) -> bool:
        """Handle a raised `_interrupt`: count a stepped batch (the last one pauses); block
        while paused. Returns False when a stop was requested.
        """
        with self._cond:
            if batch_ended and self._steps > 0:
                self._steps -= 1
                if self._steps == 0:
                    self._paused = True
                self._update_interrupt()
            if self._stop:
                return False
            if not self._paused:
                return True
        self._flush()
        if self.blas_tuner is not None:
            self.blas_tuner.pause()  # a paused run makes no batches: that window says nothing
        self.pausedChanged.emit(True)
        with self._cond:
            while self._paused and not self._stop:
                self._cond.wait(0.25)
            return not self._stop

    def _flush(self) -> None:
        """Deliver the pending batches, then the pending epoch events, as one tick.

        Then wait (GIL released, at most `ack_wait` s) until the GUI thread has run
        the slots: otherwise each slot would have to win the GIL back from the
        training loop, one switch interval per Qt call.
        """
        coalescer = self._coalescer
        if coalescer.pending:
            self._last_batch = coalescer.pending[-1]
        self._delivered_batches += len(coalescer)
        chunk = coalescer.take()
        epochs, self._pending_epochs = self._pending_epochs, []
        if chunk is None and not epochs:
            return
        if self._on_delivery is not None:
            self._on_delivery()  # between two steps: the model's weights are consistent
        if chunk is not None:
            self.batches.emit(chunk)
        for event in epochs:
            self.epochEnded.emit(event)
        if epochs:
            self.epochsEnded.emit(tuple(epochs))
        self.deliveries += 1
        if self._ack_wait > 0:
            t0 = time.perf_counter()
            self._acked.clear()
            self._ackRequested.emit()
            self._acked.wait(self._ack_wait)
            self.ack_waited += time.perf_counter() - t0

    def _last_position(self, fallback_epoch: int) -> tuple[int, int, dict[str, float]]:
        """Epoch, batch and logs of the newest batch (for the stop message)."""
        pending = self._coalescer.pending
        last = pending[-1] if pending else self._last_batch
        if last is None:
            return fallback_epoch, -1, {}
        return max(int(last.epoch), fallback_epoch), int(last.batch), _scalar_logs(last.logs)

    def run(self) -> None:
        """Make room for the window (scheduling, BLAS threads), then run the loop."""
        if self._batch_scheduling:
            self.scheduling = yield_to_interactive()
            if self.scheduling == "unchanged":  # not Linux: the QThread priority instead
                self.setPriority(QThread.Priority.LowPriority)
                self.scheduling = "low priority"
        tuner = self._blas_tuner() if self._blas_tuner is not None else None
        start = tuner.safe if tuner is not None else self._blas_threads
        with blas_thread_limit(start) as cap, frozen_heap():
            self.blas_cap = cap
            self.blas_tuner = tuner if cap is not None else None  # uncontrollable: nothing to tune
            self._loop()

    def _loop(self) -> None:
        """The hot loop: per batch one list append, a clock read and three attribute reads.

        The seed network runs a batch in ~50 us, so a few microseconds of bookkeeping per
        batch are several per cent of the throughput; everything else is done per delivery
        or when the time budget is spent.
        """
        pending = self._coalescer.pending
        generator: Iterator[Event] | None = None
        clock = time.perf_counter
        sleep = time.sleep
        interval = self._delivery_interval
        budget = self._budget if self._budget is not None else math.inf  # inf: no handoffs
        handoff = self._handoff
        last_flush = clock()
        next_handoff = last_flush + budget
        last_epoch = 0
        gate = self._gate
        tuner = self.blas_tuner
        tune_interval = self._tune_interval
        next_tune = last_flush + tune_interval
        started, cpu0 = last_flush, time.thread_time()
        try:
            if self._interrupt and not self._control(False):
                self._emit_stopped(*self._last_position(last_epoch))
                return
            generator = self._factory()
            for event in generator:
                is_batch = isinstance(event, BatchEnded)
                if is_batch:
                    pending.append(event)
                elif isinstance(event, EpochEnded):
                    # delivered with the next tick: a fast network ends >100 epochs a second
                    last_epoch = int(event.epoch)
                    self._pending_epochs.append(event)
                elif isinstance(event, TrainingFinished):
                    self._flush()
                    self.trainingFinished.emit(event)
                    return
                now = clock()
                if now - last_flush >= interval:
                    self._flush()  # waits for the GUI's acknowledgement: a pause too
                    last_flush = now
                    next_handoff = clock() + budget
                if tuner is not None and now >= next_tune:  # between two steps: the only
                    tuner = self._tune_blas(tuner)  # place where the BLAS threads change
                    next_tune = now + tune_interval
                if gate is not None and gate.depth:
                    gate.wait_idle()  # while the GUI paints, let it have the GIL undisturbed
                    next_handoff = clock() + budget
                elif now >= next_handoff:  # the budget is spent: a waiting GUI gets the GIL
                    sleep(handoff)
                    self.handoffs += 1
                    next_handoff = clock() + budget
                if self._interrupt and not self._control(is_batch):
                    where = self._last_position(last_epoch)
                    self._flush()
                    self._close(generator)
                    generator = None
                    self._emit_stopped(*where)
                    return
            where = self._last_position(last_epoch)
            self._flush()
            self._emit_stopped(*where, reason="completed")
        except Exception as exc:  # any failure inside training becomes a message
            self._flush()
            text = traceback.format_exc()
            message = str(exc) or type(exc).__name__
            self.errored.emit(f"{type(exc).__name__}: {message}", text)
        finally:
            if generator is not None:
                self._close(generator)
            self.run_wall = clock() - started
            self.run_cpu = time.thread_time() - cpu0

    def _tune_blas(self, tuner: BlasTuner) -> BlasTuner | None:
        """Tell the tuner the batches so far and set the count it holds. None once it is done.

        The count is set at every tick, not only when it changes (~2 us): a limit block
        of another thread (`one_blas_thread` around a recurrent prediction in the GUI
        thread) that began before a change puts its older count back when it ends.
        """
        tuner.update(self.batches_run)
        set_blas_threads(tuner.current)
        return tuner if tuner.active else None

    @staticmethod
    def _close(generator: Iterator[Event]) -> None:
        close = getattr(generator, "close", None)
        if close is not None:
            close()

    def _emit_stopped(
        self,
        epoch: int,
        batch: int,
        logs: Mapping[str, float],
        reason: Literal["stopped", "completed"] = "stopped",
    ) -> None:
        """Report the end of a run the generator did not report itself (Stop, or it ran out)."""
        if reason == "stopped":
            where = f"epoch {epoch + 1}" + (f", batch {batch + 1}" if batch >= 0 else "")
            message = f"Stopped by you at {where}."
        else:
            message = "Training finished."
        self.trainingFinished.emit(
            TrainingFinished(
                reason=reason, epoch=epoch, batch=batch, logs=dict(logs), message=message
            )
        )
