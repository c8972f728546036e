"""Training callbacks with Keras hook names and semantics.

The trainer (`core.engine.training.train`) calls `on_train_begin/end`,
`on_epoch_begin/end(epoch, logs)` and `on_train_batch_begin/end(batch, logs)`
on every callback; a callback stops training by setting
`model.stop_training = True`. Provided: `History`, `EarlyStopping`,
`ReduceLROnPlateau`, `TerminateOnNaN`, `LambdaCallback`, `ModelCheckpoint`,
`LearningRateScheduler`, `CSVLogger`, `BackupAndRestore` and `ProgbarLogger`
(the Keras console progress bar for verbose=1, one line per epoch for
verbose=2, written to a given stream). Every hook receives a `logs` dict,
never None, as in Keras.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
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
    def on_test_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_predict_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_predict_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...
    # Keras 2 names of the training batch hooks
    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...


class _BatchHook:
    """The training-batch hooks one callback overrides (Keras 3 and Keras 2 names)."""

    __slots__ = ("fns",)

    def __init__(self, cb: Callback, which: str) -> None:
        names = (f"on_train_batch_{which}", f"on_batch_{which}")
        self.fns = [
            getattr(cb, n)
            for n in names
            if getattr(type(cb), n, None) is not getattr(Callback, n) or n in vars(cb)
        ]

    def __call__(self, batch: int, logs: Logs) -> None:
        for fn in self.fns:
            fn(batch, logs)


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
        self._batch_begin = [_BatchHook(cb, "begin") for cb in self.callbacks]
        self._batch_end = [_BatchHook(cb, "end") for cb in self.callbacks]
        self._batch_begin = [h for h in self._batch_begin if h.fns]
        self._batch_end = [h for h in self._batch_end if h.fns]

    def set_model(self, model: Any) -> None:
        self.model = model
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        logs = {} if logs is None else logs
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_train_end(self, logs: Logs | None = None) -> None:
        logs = {} if logs is None else logs
        for cb in self.callbacks:
            cb.on_train_end(logs)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        logs = {} if logs is None else logs
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = {} if logs is None else logs
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_test_begin(self, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_test_begin({} if logs is None else logs)

    def on_test_end(self, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_test_end({} if logs is None else logs)

    def on_predict_begin(self, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_predict_begin({} if logs is None else logs)

    def on_predict_end(self, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_predict_end({} if logs is None else logs)

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        logs = {} if logs is None else logs
        for hook in self._batch_begin:
            hook(batch, logs)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        logs = {} if logs is None else logs
        for hook in self._batch_end:
            hook(batch, logs)

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
        if self.model is not None and getattr(self.model, "history", None) is not self:
            self.model.history = self

    def record_partial_epoch(self, epoch: int, logs: Logs) -> None:
        """Record the running logs of an epoch that stopped early (a diverged run)."""
        if logs and (not self.epoch or self.epoch[-1] != epoch):
            for k in list(self.history):  # keys the partial epoch lacks stay aligned
                if k not in logs:
                    self.history[k].append(math.nan)
            self.on_epoch_end(epoch, logs)


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


def _format_path(owner: str, filepath: Any, epoch: int, logs: Logs) -> str:
    """Keras's file name template "w.{epoch:02d}-{val_loss:.2f}.keras"; epochs count from 1."""
    try:
        return str(filepath).format(epoch=epoch + 1, **dict(logs))
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(
            f"{owner}: the file name {str(filepath)!r} uses {exc}, which is not in the logs "
            f"({', '.join(['epoch', *logs]) or 'none'}). Expected names from the logs."
        ) from None


class ModelCheckpoint(Callback):
    """Save the model (`.keras`) or its weights (`.weights.h5`) after epochs, like Keras 3."""

    def __init__(
        self,
        filepath: Any,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: Any = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__()
        path = str(filepath)
        if save_weights_only and not path.endswith(".weights.h5"):
            raise ConfigError(
                "ModelCheckpoint: with save_weights_only=True Expected a file name ending in "
                f"'.weights.h5'. Received: filepath={path!r}"
            )
        if not save_weights_only and not path.endswith(".keras"):
            raise ConfigError(
                "ModelCheckpoint: Expected a file name ending in '.keras' (the whole model) "
                f"or save_weights_only=True with '.weights.h5'. Received: filepath={path!r}"
            )
        if save_freq != "epoch":
            raise ConfigError(
                f"ModelCheckpoint: Expected save_freq='epoch'. Received: save_freq={save_freq!r}"
            )
        self.filepath = path
        self.monitor = monitor
        self.verbose = int(verbose)
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.monitor_op = _mode_op(monitor, mode, "ModelCheckpoint")
        worst = math.inf if self.monitor_op is np.less else -math.inf
        self.best = worst if initial_value_threshold is None else float(initial_value_threshold)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        path = _format_path("ModelCheckpoint", self.filepath, epoch, logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(
                    f"ModelCheckpoint: can save the best model only with {self.monitor} "
                    f"available; the logs have {', '.join(logs)}. Skipping.",
                    stacklevel=2,
                )
                return
            if not self.monitor_op(current, self.best):
                return
            if self.verbose:
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                    f"{current:.5f}, saving model to {path}"
                )
            self.best = current
        elif self.verbose:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch start to `schedule(epoch, lr)` or `schedule(epoch)`."""

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        self.schedule = schedule
        self.verbose = int(verbose)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        opt = self.model.optimizer
        try:
            lr = self.schedule(epoch, float(opt.learning_rate))
        except TypeError:  # Keras 2 schedules take the epoch only
            lr = self.schedule(epoch)
        lr = float(getattr(lr, "data", lr))
        if not math.isfinite(lr):
            raise ConfigError(
                f"LearningRateScheduler: Expected the schedule to return a number. "
                f"Received: {lr!r} at epoch {epoch}."
            )
        opt.learning_rate = lr
        if self.verbose:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if isinstance(logs, dict):
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class CSVLogger(Callback):
    """Write one CSV row of the epoch logs per epoch: "epoch,<metric>,..." like Keras."""

    def __init__(self, filename: Any, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.filename = str(filename)
        self.sep = separator
        self.append = bool(append)
        self.keys: list[str] | None = None
        self._file: TextIO | None = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        exists = Path(self.filename).exists() and Path(self.filename).stat().st_size > 0
        self._header_written = self.append and exists
        if self.append and exists:
            first = Path(self.filename).read_text("utf-8").splitlines()[0]
            self.keys = [k for k in first.split(self.sep)[1:]]
        else:
            self.keys = None
        self._file = open(self.filename, "a" if self.append else "w", encoding="utf-8", newline="")

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        out = self._file
        if out is None:
            return
        if not self._header_written:
            out.write(self.sep.join(["epoch", *self.keys]) + "\n")
            self._header_written = True
        row = [str(epoch)] + [_csv_value(logs.get(k, "NA")) for k in self.keys]
        out.write(self.sep.join(row) + "\n")
        out.flush()

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _csv_value(v: Any) -> str:
    return repr(float(v)) if isinstance(v, (float, int, np.floating)) else str(v)


class BackupAndRestore(Callback):
    """Back up the weights and epoch after each epoch; an interrupted fit resumes from there.

    The backup (`latest.weights.h5` and `training_metadata.json` in `backup_dir`) is
    deleted when training completes, unless delete_checkpoint=False. Optimizer
    slots are not backed up: a resumed run restarts them.
    """

    def __init__(
        self, backup_dir: Any, save_freq: Any = "epoch", delete_checkpoint: bool = True
    ) -> None:
        super().__init__()
        if save_freq != "epoch":
            raise ConfigError(
                f"BackupAndRestore: Expected save_freq='epoch'. Received: save_freq={save_freq!r}"
            )
        self.backup_dir = Path(backup_dir)
        self.delete_checkpoint = bool(delete_checkpoint)
        self._weights = self.backup_dir / "latest.weights.h5"
        self._meta = self.backup_dir / "training_metadata.json"
        self._completed = False

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._completed = False
        if self._weights.exists() and self._meta.exists():
            meta = json.loads(self._meta.read_text("utf-8"))
            self.model.load_weights(str(self._weights))
            self.model._resume_epoch = int(meta["epoch"]) + 1

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        self.model.save_weights(str(self._weights))
        self._meta.write_text(json.dumps({"epoch": int(epoch)}), "utf-8")
        if self.params.get("epochs") is not None and epoch + 1 >= self.params["epochs"]:
            self._completed = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self._completed and self.delete_checkpoint:
            for f in (self._weights, self._meta):
                f.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                self.backup_dir.rmdir()


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
        ModelCheckpoint,
        LearningRateScheduler,
        CSVLogger,
        BackupAndRestore,
    )
}
