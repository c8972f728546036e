"""Run a training generator (`core.training.train`) in a background QThread.

This is the thin adapter between the Qt-free trainer and the GUI: it iterates
the generator in a worker thread, pauses by waiting between events, stops by
closing the generator, steps by advancing to the next `BatchEnded` and
pausing again, coalesces batch events at the source into at most ~20
`BatchChunk` deliveries a second, turns an exception into an `errored` signal
carrying the traceback text, and briefly yields the GIL between steps so that
a NumPy loop of small arrays cannot starve the GUI thread. Only frozen events
and read-only copied arrays cross threads; the worker never touches a widget.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

#: Minimum seconds between two batch deliveries (~20 per second).
DELIVERY_INTERVAL = 0.05
#: Yield the GIL to the GUI thread after this many seconds of uninterrupted work.
GIL_YIELD_INTERVAL = 0.004

EventFactory = Callable[[], Iterator[Any]]


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
        n_before = len(self._steps) - 1
        for key in set(self._series) | set(logs):
            column = self._series.setdefault(key, [float("nan")] * n_before)
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

    def __init__(
        self,
        factory: EventFactory,
        parent: QObject | None = None,
        *,
        delivery_interval: float = DELIVERY_INTERVAL,
        gil_yield_interval: float = GIL_YIELD_INTERVAL,
        start_paused: bool = False,
    ) -> None:
        super().__init__(parent)
        self._factory = factory
        self._delivery_interval = delivery_interval
        self._gil_yield_interval = gil_yield_interval
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
        chunk = coalescer.take()
        if chunk is not None:
            self.batches.emit(chunk)

    def run(self) -> None:  # noqa: C901 - one loop, kept together for readability
        coalescer = _Coalescer()
        generator: Iterator[Any] | None = None
        last_flush = time.perf_counter()
        last_yield = last_flush
        last_epoch, last_batch, last_logs = 0, -1, {}
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
                else:
                    self._flush(coalescer)
                    last_flush = now
                    if kind == "EpochEnded":
                        last_epoch = int(getattr(event, "epoch", last_epoch))
                        self.epochEnded.emit(event)
                if now - last_yield >= self._gil_yield_interval:
                    # Give the GUI thread the GIL: small-array NumPy code rarely drops it.
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
