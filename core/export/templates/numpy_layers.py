"""The NumPy script's layer functions: one small function per layer type, NumPy only.

Each function takes the layer's input (a list for merge layers), its weights by
Keras name and its config from the model file, and returns its output;
recurrent layers and GlobalAveragePooling1D also take the (batch, steps) mask
of real tokens that an Embedding(mask_zero=True) makes. Convolution and
pooling read strided views of the input (no copy) and reduce them with one
tensordot or max/sum; recurrent layers loop over time steps only.
`core.export.numpy_network` copies into a written script just the functions
(and the helpers they call) that its model uses, and writes `LAYERS` for
them; `LAYERS` below lists every layer type this file covers.
"""

from __future__ import annotations

import math
import sys

import numpy as np

SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805


# ----------------------------------------------------------------- activations


def _sigmoid(z):
    return (np.tanh(z * np.float32(0.5)) * np.float32(0.5) + np.float32(0.5)).astype(z.dtype)


def _erf(z):
    return np.frompyfunc(math.erf, 1, 1)(z).astype(z.dtype)


def activation(z, name):
    """The activation `name` of z (Keras's names)."""
    if name in (None, "linear"):
        return z
    if name == "relu":
        return np.maximum(z, 0)
    if name == "sigmoid":
        return _sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        y = np.exp(z - z.max(axis=-1, keepdims=True))
        return y / y.sum(axis=-1, keepdims=True)
    if name in ("elu", "selu"):
        alpha = 1.0 if name == "elu" else SELU_ALPHA
        y = np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0))).astype(z.dtype)
        return y if name == "elu" else (y * SELU_SCALE).astype(z.dtype)
    if name == "leaky_relu":
        return np.where(z > 0, z, z * 0.2).astype(z.dtype)
    if name == "softplus":
        return (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))).astype(z.dtype)
    if name == "softsign":
        return z / (1 + np.abs(z))
    if name in ("swish", "silu"):
        return z * _sigmoid(z)
    if name == "exponential":
        return np.exp(z)
    if name == "hard_sigmoid":
        return np.clip(z * (1 / 6) + 0.5, 0, 1).astype(z.dtype)
    if name == "gelu":
        return (0.5 * z * (1 + _erf(z * 0.7071067811865476))).astype(z.dtype)
    raise ValueError(f"unknown activation {name!r}")


# ------------------------------------------------------------------ core layers


def dense(x, w, cfg):
    z = x @ w["kernel"]
    if "bias" in w:
        z = z + w["bias"]
    return activation(z, cfg.get("activation"))


def activation_layer(x, w, cfg):
    return activation(x, cfg.get("activation"))


def identity(x, w, cfg):
    """Dropout and SpatialDropout: nothing to do at inference."""
    return x


def flatten(x, w, cfg):
    return x.reshape(len(x), -1)


def reshape(x, w, cfg):
    return x.reshape((len(x), *cfg["target_shape"]))


def add(xs, w, cfg):
    y = xs[0] + xs[1]
    for other in xs[2:]:
        y = y + other
    return y


def concatenate(xs, w, cfg):
    return np.concatenate(xs, axis=cfg.get("axis", -1))


def _bshape(cfg):
    """(normalized axes, broadcast shape of the per-feature weights) of an input."""
    shape = cfg["in_shape"]
    ndim = len(shape)
    axis = cfg.get("axis", -1)
    axes = sorted({a % ndim for a in ([axis] if isinstance(axis, int) else axis)})
    return tuple(axes), tuple(int(shape[i]) if i in axes else 1 for i in range(ndim))


def _gamma_beta(y, w, b):
    """y * gamma + beta (each where the layer has it), broadcast as `b`."""
    if "gamma" in w:
        y = y * w["gamma"].reshape(b)
    if "beta" in w:
        y = y + w["beta"].reshape(b)
    return y


def batch_normalization(x, w, cfg):
    _, b = _bshape(cfg)
    inv = np.float32(1.0) / np.sqrt(w["moving_variance"] + np.float32(cfg["epsilon"]))
    y = x * inv.reshape(b) + (-w["moving_mean"] * inv).reshape(b)
    return _gamma_beta(y, w, b)


def layer_normalization(x, w, cfg):
    axes, b = _bshape(cfg)
    xc = x - x.mean(axis=axes, keepdims=True)
    var = np.mean(xc * xc, axis=axes, keepdims=True)
    y = xc * (1.0 / np.sqrt(var + cfg["epsilon"]))
    return _gamma_beta(y, w, b)


def normalization(x, w, cfg):
    """Normalization: (x - mean) / max(sqrt(variance), 1e-7), or its inverse (invert)."""
    _, b = _bshape(cfg)
    mean = w["mean"].reshape(b)
    std = np.maximum(np.sqrt(w["variance"]), np.float32(1e-7)).reshape(b)
    if cfg["invert"]:
        return x * std + mean
    return (x - mean) * (1.0 / std).astype(x.dtype)


def rescaling(x, w, cfg):
    return x * np.asarray(cfg["scale"], x.dtype) + np.asarray(cfg["offset"], x.dtype)


def relu_layer(x, w, cfg):
    """Keras ReLU: the negative slope below the threshold, capped at max_value."""
    threshold, cap = cfg["threshold"], cfg["max_value"]
    y = np.where(x < threshold, cfg["negative_slope"] * (x - threshold), x)
    if cap is not None:
        y = np.where(x >= cap, cap, y)
    return y.astype(x.dtype)


def leaky_relu_layer(x, w, cfg):
    return np.where(x > 0, x, x * np.float32(cfg["negative_slope"])).astype(x.dtype)


def softmax_layer(x, w, cfg):
    y = np.exp(x - x.max(axis=cfg["axis"], keepdims=True))
    return y / y.sum(axis=cfg["axis"], keepdims=True)


# ---------------------------------------------------------- convolution, pooling


def _pad(x, pads, fill=0.0):
    """x (N, *spatial, C) padded by `pads` ((before, after) per spatial axis) with `fill`."""
    return np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=fill)


def _windows(x, size, strides, dilation):
    """The sliding windows of x (N, *spatial, C): a strided view (N, *out, C, *size)."""
    rank = len(size)
    span = [(k - 1) * d + 1 for k, d in zip(size, dilation, strict=True)]
    view = np.lib.stride_tricks.sliding_window_view(x, span, axis=tuple(range(1, rank + 1)))
    steps = tuple(slice(None, None, s) for s in strides)
    taps = tuple(slice(None, None, d) for d in dilation)
    return view[(slice(None), *steps, slice(None), *taps)]


def conv(x, w, cfg):
    """Conv1D/Conv2D: windows of the padded input times the kernel (*size, C, filters)."""
    kernel = w["kernel"]
    rank = kernel.ndim - 2
    win = _windows(_pad(x, cfg["pads"]), kernel.shape[:rank], cfg["strides"], cfg["dilation_rate"])
    # im2col + one GEMM: sum over (channels, *window) against (in_channels, *kernel axes)
    z = np.tensordot(win, kernel, axes=(list(range(rank + 1, 2 * rank + 2)), [rank, *range(rank)]))
    if "bias" in w:
        z = z + w["bias"]
    return activation(z.astype(np.float32), cfg.get("activation"))


def max_pool(x, w, cfg):
    """MaxPooling1D/2D: the largest value of each window (padding never wins)."""
    size = cfg["pool_size"]
    win = _windows(_pad(x, cfg["pads"], -np.inf), size, cfg["strides"], [1] * len(size))
    return win.max(axis=tuple(range(-len(size), 0)))


def average_pool(x, w, cfg):
    """AveragePooling1D/2D: the mean of each window over its real (unpadded) cells."""
    size = cfg["pool_size"]
    axes = tuple(range(-len(size), 0))
    ones = [1] * len(size)
    total = _windows(_pad(x, cfg["pads"]), size, cfg["strides"], ones).sum(axis=axes)
    cells = np.ones((1, *x.shape[1:-1], 1), x.dtype)
    count = _windows(_pad(cells, cfg["pads"]), size, cfg["strides"], ones).sum(axis=axes)
    return total / count


def global_average_pool(x, w, cfg, mask=None):
    """GlobalAveragePooling1D/2D: the mean over steps or pixels (only unmasked steps)."""
    axes = tuple(range(1, x.ndim - 1))
    if mask is None:
        return x.mean(axis=axes, keepdims=cfg["keepdims"])
    share = mask.astype(x.dtype)[:, :, None]
    share = share / share.sum(axis=1, keepdims=True)
    return (x * share).sum(axis=1, keepdims=cfg["keepdims"])


def global_max_pool(x, w, cfg):
    return x.max(axis=tuple(range(1, x.ndim - 1)), keepdims=cfg["keepdims"])


# --------------------------------------------------------------------- reshaping


def zero_padding2d(x, w, cfg):
    return _pad(x, cfg["padding"])


def up_sampling2d(x, w, cfg):
    rows, cols = cfg["size"]
    return np.repeat(np.repeat(x, rows, axis=1), cols, axis=2)


def permute(x, w, cfg):
    return x.transpose((0, *cfg["dims"]))


def repeat_vector(x, w, cfg):
    return np.repeat(x[:, None], cfg["n"], axis=1)


def time_distributed(x, w, cfg):
    """The wrapped layer applied to every step: steps folded into the batch axis."""
    inner = cfg["layer"]
    n, steps = x.shape[:2]
    y = LAYERS[inner["kind"]](x.reshape((n * steps, *x.shape[2:])), w, inner["config"])
    return y.reshape((n, steps, *y.shape[1:]))


# ------------------------------------------------------------------------- text


def embedding(x, w, cfg):
    """Embedding: the vector of each token id (ids arrive as whole-number floats)."""
    size = cfg["input_dim"]
    bad = (x != np.floor(x)) | (x < 0) | (x >= size) | ~np.isfinite(x)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        value = x[bad].reshape(-1)[0]
        sys.exit(
            f"error: data row {row + 1}: expected token ids (whole numbers from 0 to "
            f"{size - 1}), got {float(value):g}"
        )
    return np.take(w["embeddings"], x.astype(np.intp), axis=0)


# -------------------------------------------------------------------- recurrent


def _recurrent(xw, cfg, mask, cell, state):
    """Run `cell(xw_t, state) -> state` over the steps of xw (N, T, k); state[0] is h.

    As Keras: go_backwards reads the steps from the end, a masked step keeps the
    previous state (and outputs it, or zeros with zero_output_for_mask), and the
    output is every step's h (return_sequences) or the last one.
    """
    if cfg["go_backwards"]:
        xw = xw[:, ::-1]
        mask = None if mask is None else mask[:, ::-1]
    outputs = []
    for t in range(xw.shape[1]):
        new = cell(xw[:, t], state)
        if mask is not None:
            keep = mask[:, t, None]
            new = tuple(np.where(keep, a, b) for a, b in zip(new, state, strict=True))
        state = new
        h = state[0]
        if mask is not None and cfg["zero_output_for_mask"]:
            h = h * mask[:, t, None]
        outputs.append(h)
    if not cfg["return_sequences"]:
        return state[0]
    return np.stack(outputs, axis=1)


def simple_rnn(x, w, cfg, mask=None):
    """SimpleRNN: h = act(x_t @ kernel + h @ recurrent_kernel + bias)."""
    rec, act = w["recurrent_kernel"], cfg["activation"]

    def cell(xw_t, state):
        return (activation(xw_t + state[0] @ rec, act),)

    xw = x @ w["kernel"] + w.get("bias", np.float32(0))
    h0 = np.zeros((len(x), rec.shape[0]), np.float32)
    return _recurrent(xw, cfg, mask, cell, (h0,))


def lstm(x, w, cfg, mask=None):
    """LSTM: gates i, f, c, o (Keras's order); c = f * c + i * act(c~); h = o * act(c)."""
    rec, act, gate = w["recurrent_kernel"], cfg["activation"], cfg["recurrent_activation"]
    u = rec.shape[0]

    def cell(xw_t, state):
        h, c = state
        z = xw_t + h @ rec
        i, f, o = (activation(z[:, k * u : (k + 1) * u], gate) for k in (0, 1, 3))
        c = f * c + i * activation(z[:, 2 * u : 3 * u], act)
        return o * activation(c, act), c

    xw = x @ w["kernel"] + w.get("bias", np.float32(0))
    zeros = np.zeros((len(x), u), np.float32)
    return _recurrent(xw, cfg, mask, cell, (zeros, zeros))


def gru(x, w, cfg, mask=None):
    """GRU (reset_after=True): gates z, r, h~; the bias rows are (input, recurrent)."""
    rec, act, gate = w["recurrent_kernel"], cfg["activation"], cfg["recurrent_activation"]
    u = rec.shape[0]
    bias = w.get("bias", np.zeros((2, 3 * u), np.float32))

    def cell(xw_t, state):
        h = state[0]
        rh = h @ rec + bias[1]
        zr = activation(xw_t[:, : 2 * u] + rh[:, : 2 * u], gate)
        z, r = zr[:, :u], zr[:, u:]
        cand = activation(xw_t[:, 2 * u :] + r * rh[:, 2 * u :], act)
        return (z * h + (1 - z) * cand,)

    xw = x @ w["kernel"] + bias[0]
    h0 = np.zeros((len(x), u), np.float32)
    return _recurrent(xw, cfg, mask, cell, (h0,))


def bidirectional(x, w, cfg, mask=None):
    """Bidirectional: the forward and backward layers merged (backward steps put back
    in time order when they return sequences)."""
    outs = []
    for part in ("forward", "backward"):
        layer = cfg[part]
        ws = {k.split("/", 1)[1]: v for k, v in w.items() if k.startswith(part + "/")}
        outs.append(LAYERS[layer["kind"]](x, ws, layer["config"], mask))
    fwd, bwd = outs
    if cfg["return_sequences"]:
        bwd = bwd[:, ::-1]
    mode = cfg["merge_mode"]
    if mode == "concat":
        return np.concatenate([fwd, bwd], axis=-1)
    if mode == "sum":
        return fwd + bwd
    if mode == "ave":
        return (fwd + bwd) * np.float32(0.5)
    return fwd * bwd


#: Layer type -> the function that runs it (a written script lists only its model's).
LAYERS = {
    "Dense": dense,
    "Activation": activation_layer,
    "Dropout": identity,
    "SpatialDropout1D": identity,
    "SpatialDropout2D": identity,
    "Flatten": flatten,
    "Reshape": reshape,
    "Add": add,
    "Concatenate": concatenate,
    "BatchNormalization": batch_normalization,
    "LayerNormalization": layer_normalization,
    "Normalization": normalization,
    "Rescaling": rescaling,
    "ReLU": relu_layer,
    "LeakyReLU": leaky_relu_layer,
    "Softmax": softmax_layer,
    "Conv1D": conv,
    "Conv2D": conv,
    "MaxPooling1D": max_pool,
    "MaxPooling2D": max_pool,
    "AveragePooling1D": average_pool,
    "AveragePooling2D": average_pool,
    "GlobalAveragePooling1D": global_average_pool,
    "GlobalAveragePooling2D": global_average_pool,
    "GlobalMaxPooling1D": global_max_pool,
    "GlobalMaxPooling2D": global_max_pool,
    "ZeroPadding2D": zero_padding2d,
    "UpSampling2D": up_sampling2d,
    "Permute": permute,
    "RepeatVector": repeat_vector,
    "TimeDistributed": time_distributed,
    "Embedding": embedding,
    "SimpleRNN": simple_rnn,
    "LSTM": lstm,
    "GRU": gru,
    "Bidirectional": bidirectional,
}
