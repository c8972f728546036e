"""Where a training loop's batches come from: arrays, or a Keras `PyDataset`.

`ArrayBatches` slices checked arrays into (shuffled) batches and carries the
per-row weights that `sample_weight=` and `class_weight=` give (Keras's
rule: the two multiply). `DatasetBatches` reads `dataset[i]` for each batch
(`(x, y)` or `(x, y, sample_weight)`), checks it with `model.prepare`, and
calls `dataset.on_epoch_end()` after each epoch. `materialize` joins a
dataset's batches into arrays (for validation, evaluate and predict).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from core.errors import ConfigError, DataError


def rows(x: Any) -> int:
    """The number of samples in an array or in the first array of a list."""
    return len(x[0]) if isinstance(x, (list, tuple)) else len(x)


def take(x: Any, idx: Any) -> Any:
    """Rows `idx` (an index array or slice) of an array or of each array of a list."""
    if isinstance(x, (list, tuple)):
        return [a[idx] for a in x]
    return x[idx]


def is_dataset(x: Any) -> bool:
    """Whether x is a batch dataset (a keras.utils.PyDataset or anything shaped like one)."""
    return (
        hasattr(x, "__getitem__")
        and hasattr(x, "__len__")
        and hasattr(x, "on_epoch_end")
        and not hasattr(x, "shape")
        and not isinstance(x, (list, tuple, dict))
    )


def unpack(data: Any) -> tuple[Any, Any, Any]:
    """(x, y, sample_weight) from a batch: (x,), (x, y) or (x, y, sample_weight)."""
    if isinstance(data, tuple):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data[0], data[1], data[2]
    if isinstance(data, list) and len(data) in (2, 3) and not hasattr(data[0], "dtype"):
        return unpack(tuple(data))
    raise DataError(
        "Expected a batch (x, y) or (x, y, sample_weight) from the dataset. Received: "
        f"{type(data).__name__}" + (f" of length {len(data)}" if hasattr(data, "__len__") else "")
    )


def materialize(dataset: Any) -> tuple[Any, Any, Any]:
    """All of a dataset's batches joined into (x, y, sample_weight) arrays."""
    parts = [unpack(dataset[i]) for i in range(len(dataset))]
    if not parts:
        raise DataError("Expected a dataset with at least one batch. Received: len() == 0.")

    def join(items: list[Any]) -> Any:
        if items[0] is None:
            return None
        if isinstance(items[0], (list, tuple)):
            return [
                np.concatenate([np.asarray(it[k]) for it in items]) for k in range(len(items[0]))
            ]
        return np.concatenate([np.asarray(getattr(it, "data", it)) for it in items])

    return tuple(join([p[k] for p in parts]) for k in range(3))  # type: ignore[return-value]


def class_weights(y: Any, class_weight: dict[Any, float]) -> np.ndarray:
    """Per-row weights from a {class: weight} dict (labels, or one-hot rows by argmax)."""
    if not isinstance(class_weight, dict):
        raise ConfigError(
            "fit: Expected class_weight as a dict {class index: weight}. Received: "
            f"{type(class_weight).__name__}."
        )
    if isinstance(y, list):
        raise ConfigError(
            "fit: class_weight works with one output. Expected sample_weight for a model with "
            "several outputs."
        )
    arr = np.asarray(y)
    labels = arr.argmax(axis=-1) if arr.ndim > 1 and arr.shape[-1] > 1 else arr.reshape(-1)
    labels = np.rint(labels).astype(np.int64)
    table = {int(k): float(v) for k, v in class_weight.items()}
    missing = sorted(set(np.unique(labels).tolist()) - set(table))
    if missing:
        raise ConfigError(
            f"fit: class_weight has no weight for class(es) {missing}. Expected a weight for "
            f"every class in y. Received: classes {sorted(table)}."
        )
    lookup = np.zeros(max(max(table), int(labels.max(initial=0))) + 1)
    for k, v in table.items():
        if k >= 0:
            lookup[k] = v
    return lookup[labels].astype(np.float32)


def row_weights(y: Any, sample_weight: Any, class_weight: Any, where: str) -> np.ndarray | None:
    """The combined per-row weights (sample_weight times class weights), or None."""
    weights = None
    if sample_weight is not None:
        weights = np.asarray(getattr(sample_weight, "values", sample_weight), np.float32)
        weights = weights.reshape(len(weights), -1)[:, 0] if weights.ndim > 1 else weights
        if len(weights) != rows(y):
            raise DataError(
                f"{where}: Expected one sample_weight per row ({rows(y)}). Received: "
                f"{len(weights)} weights."
            )
    if class_weight is not None:
        cw = class_weights(y, class_weight)
        weights = cw if weights is None else weights * cw
    return weights


class ArrayBatches:
    """Batches of checked arrays, shuffled each epoch when asked, with optional row weights.

    With `buffers` (the model's `batch_buffers`), each batch is gathered straight into
    arrays the model's compiled step reads in place (`np.take(..., out=)`), and the same
    batch tuple is yielded for every batch of a size: no array is allocated per batch.
    The batch's arrays are overwritten by the next batch.
    """

    def __init__(
        self,
        x: Any,
        y: Any,
        weights: np.ndarray | None,
        batch_size: int,
        shuffle: bool,
        buffers: Callable[[list[tuple[tuple[int, ...], Any]]], list[np.ndarray] | None]
        | None = None,
    ) -> None:
        self.x, self.y, self.weights = x, y, weights
        self.n = rows(x)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.batches = max(1, -(-self.n // batch_size))
        self._buffers = buffers
        xs = list(x) if isinstance(x, (list, tuple)) else [x]
        ys = list(y) if isinstance(y, (list, tuple)) else [y]
        self._arrays = [*xs, *ys] + ([] if weights is None else [weights])
        self._layout = (
            len(xs),
            len(ys),
            isinstance(x, (list, tuple)),
            isinstance(y, (list, tuple)),
        )
        self._gathered: dict[int, tuple[list[np.ndarray], tuple] | None] = {}

    def _into(self, size: int) -> tuple[list[np.ndarray], tuple] | None:
        """(buffers, the batch tuple over them) for batches of `size` rows, or None."""
        if size not in self._gathered:
            specs = [((size,) + a.shape[1:], a.dtype) for a in self._arrays]
            bufs = None if self._buffers is None else self._buffers(specs)
            batch = None
            if bufs is not None:
                nx, ny, x_list, y_list = self._layout
                bx: Any = list(bufs[:nx]) if x_list else bufs[0]
                by: Any = list(bufs[nx : nx + ny]) if y_list else bufs[nx]
                batch = (bx, by) if self.weights is None else (bx, by, bufs[nx + ny])
            self._gathered[size] = None if bufs is None else (bufs, batch)
        return self._gathered[size]

    def epoch(self, rng: np.random.Generator, limit: int | None = None) -> Iterator[tuple]:
        order = rng.permutation(self.n) if self.shuffle else None
        bs, n, arrays = self.batch_size, self.n, self._arrays
        for b in range(self.batches if limit is None else min(limit, self.batches)):
            lo = b * bs
            hi = n if lo + bs > n else lo + bs
            into = self._into(hi - lo)
            if into is not None:
                bufs, batch = into
                if order is not None:
                    idx = order[lo:hi]
                    for src, dst in zip(arrays, bufs):  # noqa: B905 - same length
                        src.take(idx, 0, dst, "clip")
                else:
                    for src, dst in zip(arrays, bufs):  # noqa: B905 - same length
                        np.copyto(dst, src[lo:hi])
                yield batch
                continue
            idx = order[lo:hi] if order is not None else slice(lo, hi)
            if self.weights is None:
                yield (take(self.x, idx), take(self.y, idx))
            else:
                yield (take(self.x, idx), take(self.y, idx), self.weights[idx])


class DatasetBatches:
    """Batches read from a PyDataset, each checked with `model.prepare`."""

    def __init__(self, dataset: Any, model: Any, class_weight: Any = None) -> None:
        self.dataset, self.model, self.class_weight = dataset, model, class_weight
        self.batches = len(dataset)
        if self.batches < 1:
            raise DataError("fit: Expected a dataset with at least one batch. Received: len 0.")
        x, y, _ = unpack(dataset[0])
        model.prepare(x, y, where="fit")

    def epoch(self, rng: np.random.Generator, limit: int | None = None) -> Iterator[tuple]:
        for i in range(self.batches if limit is None else min(limit, self.batches)):
            x, y, sw = unpack(self.dataset[i])
            x, y = self.model.prepare(x, y, where=f"fit (batch {i} of the dataset)")
            w = row_weights(y, sw, self.class_weight, "fit")
            yield (x, y) if w is None else (x, y, w)
        self.dataset.on_epoch_end()
