"""Training callbacks with Keras hook names and semantics.

The trainer (`core.engine.training.train`) calls `on_train_begin/end`,
`on_epoch_begin/end(epoch, logs)` and `on_train_batch_begin/end(batch, logs)`
on every callback; a callback stops training by setting
`model.stop_training = True`. Provided: `History`, `EarlyStopping`,
`ReduceLROnPlateau`, `TerminateOnNaN`, `LambdaCallback` and `ProgbarLogger`
(the Keras console progress bar for verbose=1, one line per epoch for
verbose=2, written to a given stream).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO

import numpy as np

from core.errors import ConfigError

Logs = Mapping[str, float]


class Callback:
    """Base class: every hook does nothing; `model` and `params` are set by the trainer."""

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: Logs | None = None) -> None: ...
    def on_train_end(self, logs: Logs | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_test_begin(self, logs: Logs | None = None) -> None: ...
    def on_test_end(self, logs: Logs | None = None) -> None: ...
    def on_predict_begin(self, logs: Logs | None = None) -> None: ...
    def on_predict_end(self, logs: Logs | None = None) -> None: ...


class CallbackList(Callback):
    """Fan every hook out to a list of callbacks (batch hooks only to those that define them)."""

    def __init__(
        self,
        callbacks: Iterable[Callback] = (),
        model: Any = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise ConfigError(
                    f"Expected callbacks that subclass keras.callbacks.Callback. Received: {cb!r}"
                )
        if model is not None:
            self.set_model(model)
        if params is not None:
            self.set_params(params)
        # only callbacks that override the batch hooks cost anything per batch
        self._batch_begin = [
            cb
            for cb in self.callbacks
            if type(cb).on_train_batch_begin is not Callback.on_train_batch_begin
        ]
        self._batch_end = [
            cb
            for cb in self.callbacks
            if type(cb).on_train_batch_end is not Callback.on_train_batch_end
        ]

    def set_model(self, model: Any) -> None:
        self.model = model
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_train_end(self, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_train_end(logs)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        for cb in self._batch_begin:
            cb.on_train_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        for cb in self._batch_end:
            cb.on_train_batch_end(batch, logs)

    @property
    def has_batch_hooks(self) -> bool:
        return bool(self._batch_begin or self._batch_end)


class History(Callback):
    """Records per-epoch logs: `history.history["loss"]` is a list, `history.epoch` the epochs."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self


def _mode_op(monitor: str, mode: str, owner: str) -> Callable[[float, float], bool]:
    if mode not in ("auto", "min", "max"):
        raise ConfigError(f"{owner}: Expected mode 'auto', 'min' or 'max'. Received: {mode!r}")
    if mode == "auto":
        higher = ("acc", "auc", "precision", "recall", "r2", "fmeasure")
        mode = "max" if any(h in monitor for h in higher) and "loss" not in monitor else "min"
    return np.greater if mode == "max" else np.less  # type: ignore[return-value]


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by `min_delta` for `patience` epochs."""

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__()
        self.monitor = monitor
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(float(min_delta))
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = int(start_from_epoch)
        self.mode = mode
        self.monitor_op = _mode_op(monitor, mode, "EarlyStopping")
        if self.monitor_op is np.less:
            self.min_delta *= -1
        self.wait = 0
        self.stopped_epoch = 0
        self.stopped = False
        self.best: float = math.inf if self.monitor_op is np.less else -math.inf
        self.best_weights: list[np.ndarray] | None = None
        self.best_epoch = 0

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.stopped = False
        self.best = math.inf if self.monitor_op is np.less else -math.inf
        self.best_weights = None
        self.best_epoch = 0

    def _improvement(self, value: float, reference: float) -> bool:
        return bool(self.monitor_op(value - self.min_delta, reference))

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        current = (logs or {}).get(self.monitor)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.stopped = True
            self.model.stop_training = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        # Keras 3: the best weights come back at the end whether or not training stopped early
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs: Logs | None) -> float | None:
        return (logs or {}).get(self.monitor)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` after `patience` epochs without improvement."""

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        if factor >= 1.0:
            raise ConfigError(
                f"ReduceLROnPlateau: Expected factor < 1.0. Received: factor={factor!r}"
            )
        if kwargs:
            raise ConfigError(f"ReduceLROnPlateau: unknown argument(s) {sorted(kwargs)}.")
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = int(patience)
        self.verbose = verbose
        self.min_delta = float(min_delta)
        self.cooldown = int(cooldown)
        self.min_lr = float(min_lr)
        self.mode = mode
        op = _mode_op(monitor, mode, "ReduceLROnPlateau")
        if op is np.less:
            self.monitor_op = lambda a, b: a < b - self.min_delta
            self.best = math.inf
        else:
            self.monitor_op = lambda a, b: a > b + self.min_delta
            self.best = -math.inf
        self._initial_best = self.best
        self.wait = 0
        self.cooldown_counter = 0

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.best = self._initial_best
        self.wait = 0
        self.cooldown_counter = 0

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        current = (logs or {}).get(self.monitor)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                opt = self.model.optimizer
                old = float(opt.learning_rate)
                if old > self.min_lr:
                    opt.learning_rate = max(old * self.factor, self.min_lr)
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class TerminateOnNaN(Callback):
    """Stop training when a batch loss is NaN or infinite."""

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback made of plain functions, Keras's argument names."""

    def __init__(
        self,
        on_epoch_begin: Any = None,
        on_epoch_end: Any = None,
        on_train_begin: Any = None,
        on_train_end: Any = None,
        on_train_batch_begin: Any = None,
        on_train_batch_end: Any = None,
        on_batch_begin: Any = None,
        on_batch_end: Any = None,
    ) -> None:
        super().__init__()
        if on_epoch_begin is not None:
            self.on_epoch_begin = on_epoch_begin  # type: ignore[method-assign]
        if on_epoch_end is not None:
            self.on_epoch_end = on_epoch_end  # type: ignore[method-assign]
        if on_train_begin is not None:
            self.on_train_begin = on_train_begin  # type: ignore[method-assign]
        if on_train_end is not None:
            self.on_train_end = on_train_end  # type: ignore[method-assign]
        begin = on_train_batch_begin or on_batch_begin
        end = on_train_batch_end or on_batch_end
        self._begin, self._end = begin, end

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        if self._begin is not None:
            self._begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if self._end is not None:
            self._end(batch, logs)


def format_value(value: float) -> str:
    """Keras's progress-bar number format: 4 decimals, scientific when tiny."""
    if isinstance(value, float) and math.isfinite(value) and value != 0 and abs(value) < 1e-3:
        return f"{value:.4e}"
    return f"{value:.4f}"


def _format_time(seconds: float) -> str:
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _per_step(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def _ordered(logs: Logs) -> list[tuple[str, float]]:
    train = sorted((k, v) for k, v in logs.items() if not k.startswith("val_"))
    val = sorted((k, v) for k, v in logs.items() if k.startswith("val_"))
    return train + val


class ProgbarLogger(Callback):
    """Keras's console output: "24/24 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: … - loss: …".

    verbose=1: a progress bar, redrawn in place on a terminal (at most ~20 times
    a second) and printed once per epoch otherwise; verbose=2: one line per epoch.
    """

    WIDTH = 20

    def __init__(self, verbose: int = 1, stream: TextIO | None = None) -> None:
        super().__init__()
        self.verbose = int(verbose)
        self.stream = stream
        self._last_draw = 0.0
        self._start = 0.0
        self._dynamic = False

    def _out(self) -> TextIO:
        return self.stream if self.stream is not None else sys.stdout

    def on_train_begin(self, logs: Logs | None = None) -> None:
        out = self._out()
        self._dynamic = self.verbose == 1 and bool(getattr(out, "isatty", lambda: False)())

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        epochs = self.params.get("epochs", 1)
        self._out().write(f"Epoch {epoch + 1}/{epochs}\n")
        self.start_timer()

    def start_timer(self) -> None:
        """Time the steps from now (`evaluate` draws one bar without an epoch header)."""
        self._start = time.perf_counter()
        self._last_draw = 0.0

    def line(self, done: int, total: int, logs: Logs, final: bool) -> str:
        elapsed = time.perf_counter() - self._start
        per = elapsed / max(done, 1)
        if self.verbose == 2:
            head = f"{total}/{total} - {_format_time(elapsed)} - {_per_step(per)}"
        else:
            filled = int(self.WIDTH * done / max(total, 1))
            bar = "━" * filled + (
                " " * (self.WIDTH - filled)
                if not self._dynamic
                else "\x1b[2m" + "━" * (self.WIDTH - filled) + "\x1b[0m"
            )
            t = elapsed if final else per * (total - done)
            head = f"{done}/{total} {bar} {_format_time(t)} {_per_step(per)}"
        parts = [head] + [f"{k}: {format_value(v)}" for k, v in _ordered(logs)]
        return " - ".join(parts)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if not self._dynamic:
            return
        now = time.perf_counter()
        total = self.params.get("steps", 0)
        if now - self._last_draw < 0.05 and batch + 1 < total:
            return
        self._last_draw = now
        out = self._out()
        out.write("\r" + self.line(batch + 1, total, logs or {}, False))
        out.flush()

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        total = self.params.get("steps", 0)
        out = self._out()
        text = self.line(total, total, logs or {}, True)
        out.write(("\r" if self._dynamic else "") + text + "\n")
        out.flush()


ALL_CALLBACKS = {
    cls.__name__: cls
    for cls in (
        History,
        EarlyStopping,
        ReduceLROnPlateau,
        TerminateOnNaN,
        LambdaCallback,
        ProgbarLogger,
    )
}
