"""The one trainer every front end uses: a generator of frozen training events.

`train(model, x, y, epochs=...)` runs the epochs of a compiled model and
yields a `BatchEnded` after every batch (running epoch averages, like Keras's
batch logs), an `EpochEnded` after every epoch (train and `val_` metrics) and
a `TrainingFinished` last, with the reason: "completed", "stopped" (a
callback or the caller set `model.stop_training`), "early_stopping" or
"diverged" (the weights go back to the end of the last good epoch and the
message says where it happened and what to try).

Divergence rule. The fused losses stay finite even when training has run
away (logits in the millions give a huge but finite cross-entropy), so a run
is "diverged" when any of these holds: a batch loss is NaN or infinite; a
batch loss exceeds `RUNAWAY_FACTOR` (1000) times the model's reference loss,
which is the loss of its very first training batch (the untrained network, kept
on the model so "train N more epochs" compares against the same scale); or the
weights at the end of an epoch are not all finite. Healthy training lowers the
loss from the untrained value and mini-batch noise stays within a small factor
of it (for cross-entropy 1000x the untrained ~0.7 means confidently wrong logits
of several hundred; for standardised regression targets, errors of ~30 standard
deviations), so the rule does not fire on normal noisy training.

`Model.fit` consumes this generator, the CLI prints it and the GUI's worker
thread forwards it. Closing the generator between events leaves the model
consistent (a step is never cut in half). The same `seed` gives bit-identical weights and history.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from core.engine import settings
from core.engine.allocator import keep_working_memory
from core.engine.batches import (
    ArrayBatches,
    DatasetBatches,
    is_dataset,
    materialize,
    row_weights,
    rows,
    take,
)
from core.engine.callbacks import Callback, CallbackList, EarlyStopping
from core.engine.random import default_generator, make_generator, set_random_seed
from core.errors import ConfigError

Reason = Literal["completed", "stopped", "early_stopping", "diverged"]

#: A batch loss this many times the model's reference (untrained) loss is a runaway run.
RUNAWAY_FACTOR = 1000.0
_REFERENCE_ATTR = "_lf_reference_loss"


def all_finite(a: np.ndarray) -> bool:
    """Whether every value of a (contiguous) array is finite, without a temporary its size.

    One summing pass decides (a NaN or an infinity makes the sum so); only when the sum
    overflowed are the values checked one by one, in chunks of 64k.
    """
    if a.dtype.kind != "f" or math.isfinite(float(np.add.reduce(a, axis=None))):
        return True
    flat = a.reshape(-1)
    step = 1 << 16
    return all(bool(np.isfinite(flat[i : i + step]).all()) for i in range(0, flat.size, step))


class _GoodWeights:
    """The weights at the end of the last good epoch; a diverged run goes back to them.

    The arrays checked and copied are the optimizer's flat parameter buffer (every
    trainable weight is a view of it) and each weight outside it, copied into arrays
    allocated once: one finiteness pass and one copy per epoch, whatever the layer count.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.flat: np.ndarray | None = None
        self.sources: list[np.ndarray] = []
        self.copies: list[np.ndarray] = []
        self.save()

    def _bind(self) -> None:
        flat = getattr(self.model.optimizer, "parameter_buffer", None)
        weights = getattr(self.model, "weights", None)
        if weights is None:  # a duck-typed model: its own copies
            self.flat, self.sources = None, list(self.model.get_weights())
            return
        arrays = [np.asarray(getattr(v, "data", v)) for v in weights]
        if flat is not None and flat.size:
            self.sources = [flat] + [a for a in arrays if a.base is not flat]
        else:
            self.sources = arrays
        self.flat = flat
        self.copies = [np.array(a, copy=True) for a in self.sources]
        # each weight's saved values (views into the copies), for set_weights
        start = 0 if flat is None else flat.__array_interface__["data"][0]
        others = iter(self.copies[1:] if flat is not None and flat.size else self.copies)
        self.per_weight = [
            self.copies[0][(a.__array_interface__["data"][0] - start) // a.itemsize :][
                : a.size
            ].reshape(a.shape)
            if flat is not None and a.base is flat
            else next(others)
            for a in arrays
        ]

    def _bound(self) -> bool:
        return self.flat is not None and self.flat is getattr(
            self.model.optimizer, "parameter_buffer", None
        )

    def finite(self) -> bool:
        if not self._bound():
            self._bind()
        return all(all_finite(a) for a in self.sources)

    def save(self) -> None:
        if not self._bound():
            self._bind()
        else:
            for dst, src in zip(self.copies, self.sources, strict=True):
                np.copyto(dst, src)
        self.iterations = self.model.optimizer.iterations

    def restore(self) -> None:
        if self._bound():
            for dst, src in zip(self.sources, self.copies, strict=True):
                np.copyto(dst, src)
        elif self.flat is None:
            self.model.set_weights(self.copies)
        else:  # the optimizer was rebuilt since: weight by weight
            self.model.set_weights(self.per_weight)
        self.model.optimizer.iterations = self.iterations


def _divergence_message(what: str, epoch: int, batch: int, initial_epoch: int) -> str:
    return (
        f"Training diverged: {what} at epoch {epoch + 1}, batch {batch + 1}. The weights "
        "were restored to the end of "
        + (f"epoch {epoch}" if epoch > initial_epoch else "the previous run")
        + ". Try a lower learning rate (e.g. 10x smaller), scale the inputs "
        "(standardise each feature), or clip gradients (clipnorm=1.0)."
    )


@dataclass(frozen=True)
class BatchEnded:
    """One optimizer step done. `logs` are running averages over the epoch so far."""

    epoch: int
    batch: int
    batches: int
    logs: Mapping[str, float]
    samples_seen: int


@dataclass(frozen=True)
class EpochEnded:
    """One epoch done: train metrics and, when there is validation data, `val_` metrics."""

    epoch: int
    epochs: int
    logs: Mapping[str, float]
    elapsed: float


@dataclass(frozen=True)
class TrainingFinished:
    """The last event of a run."""

    reason: Reason
    epoch: int
    batch: int
    logs: Mapping[str, float] = field(default_factory=dict)
    message: str = ""


Event = BatchEnded | EpochEnded | TrainingFinished


def batch_ended(
    epoch: int, batch: int, batches: int, logs: Mapping[str, float], seen: int
) -> BatchEnded:
    """`BatchEnded(...)` made without the frozen dataclass's five `object.__setattr__`
    calls: the trainer makes one per batch (0.4 us instead of 1.2 us)."""
    event = object.__new__(BatchEnded)
    event.__dict__.update(epoch=epoch, batch=batch, batches=batches, logs=logs, samples_seen=seen)
    return event


def split_validation(x: Any, y: Any, fraction: float) -> tuple[Any, Any, Any, Any]:
    """Keras's validation_split: the LAST `fraction` of the rows, before any shuffling."""
    if not 0.0 <= fraction < 1.0:
        raise ConfigError(
            f"Expected validation_split in [0, 1). Received: validation_split={fraction!r}"
        )
    n = rows(x)
    n_val = int(n * fraction)
    if fraction and n_val == 0:
        raise ConfigError(
            f"validation_split={fraction} leaves no validation rows out of {n}. Expected a "
            "larger split or more data."
        )
    cut = n - n_val
    return (
        take(x, slice(0, cut)),
        take(y, slice(0, cut)),
        take(x, slice(cut, n)),
        take(y, slice(cut, n)),
    )


def run_test_steps(
    model: Any,
    x: Any,
    y: Any,
    batch_size: int,
    on_batch: Callable[[int, Mapping[str, float]], None] | None = None,
    sample_weight: np.ndarray | None = None,
) -> dict[str, float]:
    """Loss and metrics of checked `(x, y)` through `model.test_step`, batch by batch.

    The metrics start from zero and are reset afterwards, so a validation pass inside
    an epoch leaves the training metrics to the next epoch. Returns the last step's logs.
    """
    model.reset_metrics()
    step = model.test_step
    logs: Mapping[str, float] = {}
    for b, lo in enumerate(range(0, rows(x), batch_size)):
        sl = slice(lo, lo + batch_size)
        if sample_weight is None:
            logs = _floats(step((take(x, sl), take(y, sl))))
        else:
            logs = _floats(step((take(x, sl), take(y, sl), sample_weight[sl])))
        if on_batch is not None:
            on_batch(b, logs)
    logs = dict(logs) if logs else model.get_metrics_result()
    model.reset_metrics()
    return logs


def _floats(logs: Mapping[str, Any]) -> Mapping[str, Any]:
    """Step logs with Tensor or NumPy values (a custom train_step's) as Python floats."""
    for v in logs.values():  # a plain loop: this runs on every step
        if type(v) is not float:
            return {k: _scalar(v) for k, v in logs.items()}
    return logs


def _scalar(v: Any) -> Any:
    try:
        return float(np.asarray(getattr(v, "data", v)))
    except (TypeError, ValueError):
        return v


def _runaway_limit(model: Any) -> float:
    """The batch loss above which a run has run away (-inf until the model has a reference)."""
    reference = getattr(model, _REFERENCE_ATTR, None)
    return -math.inf if reference is None else RUNAWAY_FACTOR * max(reference, 0.0)


def _loss_problem(model: Any, loss: float) -> str | None:
    """What is wrong with a batch loss (not finite, or a runaway), or None when it is fine.

    The first finite loss a model sees becomes its reference (the untrained network's).
    """
    if not math.isfinite(loss):
        return f"the loss became {loss}"
    reference = getattr(model, _REFERENCE_ATTR, None)
    if reference is None:
        reference = float(loss)
        setattr(model, _REFERENCE_ATTR, reference)
    if loss > RUNAWAY_FACTOR * reference and loss > 0.0:
        return (
            f"the loss jumped to {loss:.4g}, over {RUNAWAY_FACTOR:.0f}x the "
            f"untrained network's {reference:.4g}"
        )
    return None


def train(
    model: Any,
    x: Any,
    y: Any = None,
    *,
    epochs: int,
    batch_size: int | None = 32,
    validation_data: Sequence[Any] | Any = None,
    validation_split: float = 0.0,
    shuffle: bool = True,
    seed: int | None = None,
    callbacks: Iterable[Callback] = (),
    initial_epoch: int = 0,
    sample_weight: Any = None,
    class_weight: Any = None,
) -> Iterator[Event]:
    """Train a compiled `model`, yielding events (see the module docstring).

    `x` is arrays (with `y`) or a batch dataset (a keras.utils.PyDataset). The epochs
    and batches per epoch are capped by `core.engine.settings.max_epochs()` and
    `max_steps_per_epoch()` (Keras's KERAS_MAX_EPOCHS debugging limits) when set.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ConfigError(f"Expected epochs to be a whole number >= 0. Received: {epochs!r}")
    if settings.max_epochs() is not None:
        epochs = min(epochs, settings.max_epochs())
    batch_size = 32 if batch_size is None else batch_size
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or (batch_size < 1)
    ):
        raise ConfigError(f"Expected batch_size >= 1. Received: batch_size={batch_size!r}")
    keep_working_memory()
    if seed is not None:
        set_random_seed(seed)  # dropout masks and lazily built weights follow the seed
    batch_size = int(batch_size)
    x_val = y_val = None
    if is_dataset(x):
        source: Any = DatasetBatches(x, model, class_weight)
    else:
        x, y = model.prepare(x, y, where="fit")
        weights = row_weights(y, sample_weight, class_weight, "fit")
        if validation_split and validation_data is None:
            x, y, x_val, y_val = split_validation(x, y, validation_split)
            if weights is not None:
                weights = weights[: rows(x)]
        source = ArrayBatches(
            x, y, weights, batch_size, shuffle, getattr(model, "batch_buffers", None)
        )
    if validation_data is not None:
        if is_dataset(validation_data):
            validation_data = materialize(validation_data)[:2]
        if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
            raise ConfigError(
                "Expected validation_data=(x_val, y_val). Received: "
                f"{type(validation_data).__name__} of length "
                f"{len(validation_data) if hasattr(validation_data, '__len__') else '?'}."
            )
        x_val, y_val = model.prepare(
            validation_data[0], validation_data[1], where="validation_data", training=False
        )
    rng = make_generator(seed) if seed is not None else default_generator()
    batches = source.batches
    step_limit = settings.max_steps_per_epoch()
    if step_limit is not None:
        batches = min(batches, step_limit)
    cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(callbacks)
    cbs.set_model(model)
    cbs.set_params({"epochs": epochs, "steps": batches, "verbose": 0, "batch_size": batch_size})
    model.stop_training = False
    cbs.on_train_begin()
    resume = getattr(model, "_resume_epoch", None)  # set by BackupAndRestore
    if resume is not None:
        del model._resume_epoch
        initial_epoch = max(initial_epoch, int(resume))
    good = _GoodWeights(model)
    epoch = initial_epoch
    batch = -1
    last_logs: Mapping[str, float] = MappingProxyType({})
    seen = 0
    reason: Reason = "completed"
    message = ""
    batch_hooks = cbs.has_batch_hooks
    step = model.train_step
    limit = _runaway_limit(model)
    try:
        for epoch in range(initial_epoch, epochs):
            start = time.perf_counter()
            model.reset_metrics()
            # The batch loss is what a step added to the loss tracker (model.metrics[0], as
            # in Keras); a train_step that leaves the tracker alone is read from its logs.
            tracker = model.metrics[0] if model.metrics else None
            tracked = hasattr(tracker, "total") and hasattr(tracker, "count")
            total, count = (tracker.total, tracker.count) if tracked else (0.0, 0.0)
            cbs.on_epoch_begin(epoch)
            diverged = False
            for batch, data in enumerate(source.epoch(rng, step_limit)):
                if batch_hooks:
                    cbs.on_train_batch_begin(batch)
                logs = MappingProxyType(_floats(step(data)))
                first = data[0]
                seen += len(first) if type(first) is np.ndarray else rows(first)
                if batch_hooks:
                    cbs.on_train_batch_end(batch, logs)
                if tracked and tracker.count != count:
                    loss = (tracker.total - total) / (tracker.count - count)
                    total, count = tracker.total, tracker.count
                else:
                    loss = logs.get("loss")
                if loss is not None and not -math.inf < loss <= limit:  # NaN, inf, runaway, first
                    what = _loss_problem(model, loss)
                    limit = _runaway_limit(model)
                    if what is not None:
                        diverged = True
                        last_logs = logs
                        break
                yield batch_ended(epoch, batch, batches, logs, seen)
                last_logs = logs
                if model.stop_training:
                    break
            if not diverged:
                if not good.finite():
                    diverged = True
                    what = "the weights became NaN or infinite"
            if diverged:
                good.restore()
                reason = "diverged"
                message = _divergence_message(what, epoch, batch, initial_epoch)
                break
            epoch_logs = dict(last_logs)
            if x_val is not None:
                val = run_test_steps(model, x_val, y_val, batch_size)
                epoch_logs.update({f"val_{k}": v for k, v in val.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            last_logs = MappingProxyType(epoch_logs)
            yield EpochEnded(epoch, epochs, last_logs, time.perf_counter() - start)
            good.save()
            if model.stop_training:
                early = any(isinstance(cb, EarlyStopping) and cb.stopped for cb in cbs.callbacks)
                reason = "early_stopping" if early else "stopped"
                break
        if reason == "completed":
            message = f"Training completed: {max(epochs - initial_epoch, 0)} epoch(s)."
        elif reason == "early_stopping":
            message = (
                f"Early stopping after epoch {epoch + 1}: the monitored value stopped improving."
            )
        elif reason == "stopped":
            message = f"Training stopped after epoch {epoch + 1}."
        cbs.on_train_end(last_logs)
        yield TrainingFinished(reason, epoch, batch, MappingProxyType(dict(last_logs)), message)
    finally:
        model.stop_training = False
