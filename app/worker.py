"""Run a training generator (`core.training.train`) in a background QThread.

This is the thin adapter between the Qt-free trainer and the GUI: it iterates
the generator in a worker thread, pauses by waiting between events, stops by
closing the generator, steps by advancing to the next `BatchEnded` and
pausing again, coalesces batch events at the source into at most ~20
`BatchChunk` deliveries a second, turns an exception into an `errored` signal
carrying the traceback text, and waits between steps while the GUI thread is
busy painting (`GuiGate`): every PySide6 call releases the GIL, so a GUI
thread painting against a Python-bound training thread would have to win the
GIL back after each Qt call (up to `sys.getswitchinterval()`, 5 ms, each
time) and one frame would cost tens of switch intervals. Only frozen events
and read-only copied arrays cross threads; the worker never touches a widget.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

#: Minimum seconds between two batch deliveries (~20 per second).
DELIVERY_INTERVAL = 0.05
#: Optional periodic GIL yield (seconds of uninterrupted work; 0 = off). The `GuiGate`
#: makes it unnecessary; kept for callers that want a worker to sleep now and then.
GIL_YIELD_INTERVAL = 0.0
#: Longest a worker waits for the GUI thread to run the slots of one delivery (seconds).
ACK_WAIT = 0.01
#: Longest a worker waits for a busy GUI thread before it carries on anyway (seconds).
GATE_MAX_WAIT = 0.25

EventFactory = Callable[[], Iterator[Any]]


class GuiGate:
    """The GUI thread marks its heavy work (painting, plot updates); workers wait for it.

    `with gate.busy(): ...` runs in the GUI thread (nests); `wait_idle()` runs in a
    worker thread between steps and blocks, with the GIL released, while the GUI is
    busy (at most `max_wait` seconds, so a forgotten mark can only slow a run).
    While the worker waits, each Qt call the GUI thread makes gets the GIL back at
    once instead of after a switch interval. `waits` / `waited` count the pauses.
    """

    def __init__(self, max_wait: float = GATE_MAX_WAIT) -> None:
        self._idle = threading.Event()
        self._idle.set()
        self._depth = 0
        self.max_wait = max_wait
        self.waits = 0
        self.waited = 0.0

    @contextmanager
    def busy(self) -> Iterator[None]:
        self._depth += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth <= 0:
                self._depth = 0
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


def _kind(event: Any) -> str:
    """The event's class name: "BatchEnded", "EpochEnded", "TrainingFinished"."""
    return type(event).__name__


def _readonly(values: list[float]) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    arr.setflags(write=False)
    return arr


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


@dataclass(frozen=True)
class RunStopped:
    """What the worker reports when the user stopped the run (generator closed)."""

    reason: str
    epoch: int
    batch: int
    logs: Mapping[str, float]
    message: str


class _Coalescer:
    """Collects batch events in the worker thread and packs them into chunks."""

    def __init__(self) -> None:
        self.step = 0
        self._steps: list[int] = []
        self._pos: list[float] = []
        self._series: dict[str, list[float]] = {}
        self._last: Any = None
        self._last_logs: dict[str, float] = {}

    def add(self, event: Any) -> None:
        self.step += 1
        logs = _scalar_logs(getattr(event, "logs", None))
        batches = max(int(getattr(event, "batches", 1) or 1), 1)
        epoch = int(getattr(event, "epoch", 0))
        batch = int(getattr(event, "batch", 0))
        self._steps.append(self.step)
        self._pos.append(epoch + (batch + 1) / batches)
        series = self._series
        if logs.keys() == series.keys():  # the usual case: the same logs every batch
            for key, value in logs.items():
                series[key].append(value)
        else:
            n_before = len(self._steps) - 1
            for key in set(series) | set(logs):
                column = series.setdefault(key, [float("nan")] * n_before)
                column.append(logs.get(key, float("nan")))
        self._last = event
        self._last_logs = logs

    def __len__(self) -> int:
        return len(self._steps)

    def take(self) -> BatchChunk | None:
        if not self._steps:
            return None
        ev = self._last
        chunk = BatchChunk(
            epoch=int(getattr(ev, "epoch", 0)),
            batch=int(getattr(ev, "batch", 0)),
            batches=int(getattr(ev, "batches", 0) or 0),
            samples_seen=int(getattr(ev, "samples_seen", 0) or 0),
            logs=dict(self._last_logs),
            step=np.asarray(self._steps, dtype=np.int64),
            epoch_pos=_readonly(self._pos),
            series={k: _readonly(v) for k, v in self._series.items()},
        )
        chunk.step.setflags(write=False)
        self._steps, self._pos, self._series = [], [], {}
        return chunk


class TrainingWorker(QThread):
    """Iterate a training generator in a thread; control it from the GUI thread.

    `factory()` is called inside the worker thread and must return the event
    iterator (typically `lambda: core.training.train(model, x, y, ...)`).
    Signals (delivered queued to receivers in the GUI thread):
    `batches(BatchChunk)`, `epochEnded(event)`, `trainingFinished(event)` (the
    generator's `TrainingFinished`, or a `RunStopped` after Stop),
    `errored(message, traceback_text)`, `pausedChanged(bool)`.
    """

    batches = Signal(object)
    epochEnded = Signal(object)
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
        gil_yield_interval: float = GIL_YIELD_INTERVAL,
        start_paused: bool = False,
        gate: GuiGate | None = GUI_GATE,
        ack_wait: float = ACK_WAIT,
    ) -> None:
        super().__init__(parent)
        self._factory = factory
        self._delivery_interval = delivery_interval
        self._gil_yield_interval = gil_yield_interval
        self._gate = gate
        self._ack_wait = ack_wait
        self._acked = threading.Event()
        self._pending_epochs: list[Any] = []
        self.deliveries = 0
        # queued to this object, which lives in the GUI thread: runs after the deliveries
        self._ack_receiver = _AckReceiver(self._acked)
        self._ackRequested.connect(self._ack_receiver.ack, Qt.ConnectionType.QueuedConnection)
        self._cond = threading.Condition()
        self._paused = start_paused
        self._stop = False
        self._step_pending = False
        self.stop_requested_at: float | None = None
        self.batches_run = 0

    # -- control, called from the GUI thread ---------------------------------------------
    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._step_pending = False
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._step_pending = False
            self._cond.notify_all()
        self.pausedChanged.emit(False)

    def step(self) -> None:
        """Run exactly one more batch, then pause."""
        with self._cond:
            self._paused = False
            self._step_pending = True
            self._cond.notify_all()

    def stop(self) -> None:
        """Ask the run to stop at the next event (also while paused)."""
        with self._cond:
            if not self._stop:
                self.stop_requested_at = time.perf_counter()
            self._stop = True
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

    # -- the worker thread ---------------------------------------------------------------
    def _wait_if_paused(self, coalescer: _Coalescer) -> bool:
        """Block while paused; return False when a stop was requested."""
        with self._cond:
            if self._stop:
                return False
            if not self._paused:
                return True
        self._flush(coalescer)
        self.pausedChanged.emit(True)
        with self._cond:
            while self._paused and not self._stop:
                self._cond.wait(0.25)
            return not self._stop

    def _flush(self, coalescer: _Coalescer) -> None:
        """Deliver the pending batches, then the pending epoch events, as one tick.

        Then wait (GIL released, at most `ack_wait` s) until the GUI thread has run
        the slots: otherwise each slot would have to win the GIL back from the
        training loop, one switch interval per Qt call.
        """
        chunk = coalescer.take()
        epochs, self._pending_epochs = self._pending_epochs, []
        if chunk is None and not epochs:
            return
        if chunk is not None:
            self.batches.emit(chunk)
        for event in epochs:
            self.epochEnded.emit(event)
        self.deliveries += 1
        if self._ack_wait > 0:
            self._acked.clear()
            self._ackRequested.emit()
            self._acked.wait(self._ack_wait)

    def run(self) -> None:  # noqa: C901 - one loop, kept together for readability
        coalescer = _Coalescer()
        generator: Iterator[Any] | None = None
        last_flush = time.perf_counter()
        last_yield = last_flush
        last_epoch, last_batch, last_logs = 0, -1, {}
        gate = self._gate
        yield_every = self._gil_yield_interval
        try:
            if not self._wait_if_paused(coalescer):
                self._emit_stopped(last_epoch, last_batch, last_logs)
                return
            generator = self._factory()
            for event in generator:
                kind = _kind(event)
                now = time.perf_counter()
                if kind == "BatchEnded":
                    coalescer.add(event)
                    self.batches_run += 1
                    last_epoch = int(getattr(event, "epoch", 0))
                    last_batch = int(getattr(event, "batch", 0))
                    last_logs = coalescer._last_logs
                    with self._cond:
                        if self._step_pending:
                            self._step_pending = False
                            self._paused = True
                    if now - last_flush >= self._delivery_interval:
                        self._flush(coalescer)
                        last_flush = now
                elif kind == "TrainingFinished":
                    self._flush(coalescer)
                    self.trainingFinished.emit(event)
                    return
                elif kind == "EpochEnded":
                    # delivered with the next tick: a fast network ends >100 epochs a second
                    last_epoch = int(getattr(event, "epoch", last_epoch))
                    self._pending_epochs.append(event)
                    if now - last_flush >= self._delivery_interval:
                        self._flush(coalescer)
                        last_flush = now
                if gate is not None:
                    gate.wait_idle()  # while the GUI paints, let it have the GIL undisturbed
                if yield_every and now - last_yield >= yield_every:
                    time.sleep(0.0005)
                    last_yield = time.perf_counter()
                if not self._wait_if_paused(coalescer):
                    self._flush(coalescer)
                    self._close(generator)
                    generator = None
                    self._emit_stopped(last_epoch, last_batch, last_logs)
                    return
            self._flush(coalescer)
            self._emit_stopped(last_epoch, last_batch, last_logs, reason="completed")
        except Exception as exc:  # any failure inside training becomes a message
            self._flush(coalescer)
            text = traceback.format_exc()
            message = str(exc) or type(exc).__name__
            self.errored.emit(f"{type(exc).__name__}: {message}", text)
        finally:
            if generator is not None:
                self._close(generator)

    @staticmethod
    def _close(generator: Iterator[Any]) -> None:
        close = getattr(generator, "close", None)
        if close is not None:
            close()

    def _emit_stopped(
        self, epoch: int, batch: int, logs: Mapping[str, float], reason: str = "stopped"
    ) -> None:
        if reason == "stopped":
            where = f"epoch {epoch + 1}" + (f", batch {batch + 1}" if batch >= 0 else "")
            message = f"Stopped by you at {where}."
        else:
            message = "Training finished."
        self.trainingFinished.emit(
            RunStopped(reason=reason, epoch=epoch, batch=batch, logs=dict(logs), message=message)
        )
