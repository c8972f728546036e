"""Differentiable sequence ops: recurrent layers (SimpleRNN, LSTM, GRU), the embedding
lookup, padding masks, masked means, repeating and reversing steps.

Each recurrence over a whole sequence is ONE graph node whose loops are a pass of
`core.engine.recurrent_passes` (the input projection of every step as one GEMM, a
few fused NumPy calls per step into preallocated time-major buffers, the steps in
reverse for backward). Weights use Keras's layouts (LSTM gates i, f, c, o; GRU gates
z, r, h with `reset_after=True` biases of shape (2, 3*units)), so weights move
between Keras and LayerForge unchanged. Masks follow Keras's RNN loop: a masked step
keeps the previous state and repeats the previous output. `go_backwards` reads the
sequence from the end and returns outputs in that order, as Keras does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine.autograd import Tensor, as_tensor, is_grad_enabled
from core.engine.recurrent_passes import GruPass, LstmPass, RecurrentPass, SimpleRnnPass
from core.engine.tracing import traceable
from core.engine.workspace import FRESH
from core.errors import DataError

#: Activations that are cheap in the fused kernels (the general path takes any other).
_FAST = ("tanh", "sigmoid")


def token_ids(
    data: Any, input_dim: int, where: str, row_offset: int = 0, ws: Any = FRESH
) -> np.ndarray:
    """`data` as an integer id array, or a DataError naming the first bad row.

    The arrays it writes come from `ws` (`core.engine.workspace`; fresh by default), and
    an intp array is used as it is.

    Whole-number floats are accepted (Keras casts them); fractional or non-finite
    values, and ids outside [0, input_dim), are refused.
    """
    arr = np.asarray(getattr(data, "data", data))
    if arr.dtype.kind == "f":
        whole = np.isfinite(arr, out=ws.get("finite", arr.shape, bool))
        floor = np.floor(arr, out=ws.get("floor", arr.shape, arr.dtype))
        same = np.equal(arr, floor, out=ws.get("whole", arr.shape, bool))
        np.logical_and(whole, same, out=whole)
        if not whole.all():
            row = int(np.argwhere(~whole)[0][0])
            raise DataError(
                where=where,
                row=row + row_offset,
                expected=f"whole-number token ids in [0, {input_dim})",
                received=f"{float(arr[~whole].reshape(-1)[0])!r} (a float)",
                fix="Feed token ids (integers), e.g. from a tokenizer or "
                "keras.utils.pad_sequences; scaled or normalised values cannot index an "
                "embedding",
            )
        ids = ws.get("ids", arr.shape, np.intp)
        np.copyto(ids, arr, casting="unsafe")  # arr.astype(np.intp)
    elif arr.dtype.kind in "iub":
        if arr.dtype == np.intp:
            ids = arr
        else:
            ids = ws.get("ids", arr.shape, np.intp)
            np.copyto(ids, arr, casting="unsafe")
    else:
        raise DataError(
            where=where,
            expected=f"integer token ids in [0, {input_dim})",
            received=f"data of type {arr.dtype}",
            fix="Turn text into ids first (a tokenizer) and feed the ids",
        )
    if ids.size and (ids.min() < 0 or ids.max() >= input_dim):
        bad = (ids < 0) | (ids >= input_dim)
        row = int(np.argwhere(bad)[0][0])
        value = int(ids[bad].reshape(-1)[0])
        raise DataError(
            where=where,
            row=row + row_offset,
            expected=f"token ids in [0, {input_dim}) (input_dim={input_dim})",
            received=str(value),
            fix=f"Use input_dim={int(ids.max()) + 1} or more, or map ids at or above "
            f"{input_dim} to an 'unknown' id",
        )
    return ids


def embedding_lookup(ids: np.ndarray, table: Tensor) -> Tensor:
    """Rows of `table` (input_dim, output_dim) picked by integer `ids` of any shape.

    The gradient adds each output row back into the row it came from (repeated ids
    accumulate).
    """
    out = np.take(table.data, ids, axis=0)

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        grad = np.empty(table.data.shape, dtype=table.data.dtype)
        cells = np.empty((ids.size, grad.shape[1]), np.intp)
        embedding_grad(ids, g, grad, cells, np.arange(grad.shape[1]))
        return (grad,)

    return Tensor._make(out, (table,), backward)


def embedding_grad(
    ids: np.ndarray, g: np.ndarray, grad: np.ndarray, cells: np.ndarray, columns: np.ndarray
) -> None:
    """grad = the rows of g added into the rows `ids` picked (repeated ids accumulate).

    `cells` (ids.size, width) intp is scratch, `columns` is arange(width). One flat index
    per value: NumPy's 1-D add.at is several times faster than the row-indexed form, and
    adds in the same order (the same bits).
    """
    np.multiply(ids.reshape(-1, 1), grad.shape[1], out=cells)
    cells += columns
    grad.fill(0)
    np.add.at(grad.reshape(-1), cells.reshape(-1), g.reshape(-1))


@traceable
def embedding(inputs: Any, table: Tensor, input_dim: int, where: str) -> Tensor:
    """The Embedding layer's op: check the ids in `inputs` (see `token_ids`), look them up."""
    return embedding_lookup(token_ids(inputs, input_dim, where), table)


@traceable
def padding_mask(inputs: Any) -> np.ndarray:
    """The (batch, steps) mask of real tokens: True where the id is not 0 (mask_zero)."""
    return np.asarray(getattr(inputs, "data", inputs)) != 0


@traceable
def masked_mean(x: Any, mask: np.ndarray, keepdims: bool = False) -> Tensor:
    """The mean over steps (axis 1) of the unmasked steps only (GlobalAveragePooling1D)."""
    x = as_tensor(x)
    weight = mask.astype(x.data.dtype)[:, :, None]
    count = weight.sum(axis=1, keepdims=True)
    share = weight / count
    out = (x.data * share).sum(axis=1, keepdims=keepdims)
    return Tensor._make(out, (x,), lambda g: ((g if keepdims else g[:, None]) * share,))


@traceable
def repeat_steps(x: Any, n: int) -> Tensor:
    """x (N, F) repeated n times along a new step axis: (N, n, F) (RepeatVector)."""
    x = as_tensor(x)
    out = np.repeat(x.data[:, None], n, axis=1)
    return Tensor._make(out, (x,), lambda g: (g.sum(axis=1),))


@traceable
def reverse_steps(x: Any) -> Tensor:
    """x (N, T, ...) with its step axis reversed (a Bidirectional layer's backward outputs)."""
    x = as_tensor(x)
    return Tensor._make(x.data[:, ::-1], (x,), lambda g: (g[:, ::-1],))


def _pack(out: np.ndarray, parents: tuple[Tensor, ...], backward: Any) -> Tensor:
    if not is_grad_enabled() or not any(p.requires_grad for p in parents):
        return Tensor._make(out, (), _no_backward)
    return Tensor._make(out, parents, backward)


def _no_backward(g: np.ndarray) -> tuple[()]:
    return ()


def _params(
    x: Any, kernel: Tensor, recurrent_kernel: Tensor, bias: Tensor | None
) -> tuple[Tensor, tuple[Tensor, ...]]:
    x = as_tensor(x)
    parents = (x, kernel, recurrent_kernel) + (() if bias is None else (bias,))
    return x, parents


def _run(
    kind: type[RecurrentPass],
    x: Any,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    bias: Tensor | None,
    mask: np.ndarray | None,
    *settings: Any,
) -> Tensor:
    """One graph node: a pass of `kind` over fresh arrays, its backward on demand."""
    x, parents = _params(x, kernel, recurrent_kernel, bias)
    xd = x.data
    if xd.ndim != 3:
        raise ValueError(f"Expected a sequence batch (batch, steps, features). Got {xd.shape}.")
    run = kind(FRESH, recurrent_kernel.data.shape[0], xd.dtype, *settings)
    out = run.forward(xd, kernel.data, recurrent_kernel.data, _data(bias), mask)

    def backward(g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        outs = [np.empty_like(p.data) for p in parents]
        if not x.requires_grad:
            outs[0] = None  # type: ignore[call-overload]
        run.backward(g, outs + [None] * (4 - len(outs)))  # type: ignore[operator]
        return tuple(outs)

    return _pack(out, parents, backward)


def _data(t: Tensor | None) -> np.ndarray | None:
    return None if t is None else t.data


@traceable
def simple_rnn(
    x: Any,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    bias: Tensor | None,
    *,
    activation: str = "tanh",
    mask: np.ndarray | None = None,
    return_sequences: bool = False,
    go_backwards: bool = False,
    zero_output_for_mask: bool = False,
) -> Tensor:
    """Keras SimpleRNN over x (N, T, D): h_t = act(x_t @ kernel + h_{t-1} @ recurrent + bias)."""
    args = (x, kernel, recurrent_kernel, bias, mask)
    flags = (return_sequences, go_backwards, zero_output_for_mask)
    return _run(SimpleRnnPass, *args, activation, activation, *flags)


@traceable
def lstm(
    x: Any,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    bias: Tensor | None,
    *,
    activation: str = "tanh",
    recurrent_activation: str = "sigmoid",
    mask: np.ndarray | None = None,
    return_sequences: bool = False,
    go_backwards: bool = False,
    zero_output_for_mask: bool = False,
) -> Tensor:
    """Keras LSTM over x (N, T, D) with gates i, f, c, o (kernel (D, 4u), recurrent (u, 4u))."""
    args = (x, kernel, recurrent_kernel, bias, mask)
    flags = (return_sequences, go_backwards, zero_output_for_mask)
    return _run(LstmPass, *args, activation, recurrent_activation, *flags)


@traceable
def gru(
    x: Any,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    bias: Tensor | None,
    *,
    activation: str = "tanh",
    recurrent_activation: str = "sigmoid",
    mask: np.ndarray | None = None,
    return_sequences: bool = False,
    go_backwards: bool = False,
    zero_output_for_mask: bool = False,
) -> Tensor:
    """Keras GRU with reset_after=True over x (N, T, D): gates z, r, h; bias (2, 3u)."""
    args = (x, kernel, recurrent_kernel, bias, mask)
    flags = (return_sequences, go_backwards, zero_output_for_mask)
    return _run(GruPass, *args, activation, recurrent_activation, *flags)
