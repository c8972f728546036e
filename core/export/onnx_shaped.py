"""ONNX nodes for LayerForge's image and sequence layers that are not recurrent.

Conv1D/Conv2D, the windowed and global poolings, Embedding (a Gather of the
whole-number float ids cast to int64), Rescaling, ZeroPadding2D,
UpSampling2D (nearest), Permute, RepeatVector and the SpatialDropouts
(identity at inference). LayerForge is channels_last and ONNX's Conv and
pooling ops are channels-first, so those run between two Transposes; the
channels-first copy is remembered (`Builder.nchw`), so a chain of them
transposes once at each end. Padding is explicit: Keras's 'same' (extra cell
after, as TensorFlow) and 'causal' give the pads `conv_output_length` gives
the engine, and average pooling divides by the real cells only
(count_include_pad=0), as the engine does. `LAYERS` maps each layer type to
the function that writes it: (builder, step, input names, mask) -> output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from core.engine.conv_ops import conv_output_length
from core.errors import FormatError
from core.export.graph_ir import Step
from core.export.onnx_builder import Builder, activation

__all__ = ["LAYERS", "masked_steps_mean", "padding_mask"]

Writer = Callable[[Builder, Step, list[str], "str | None"], str]


def _spatial(step: Step) -> tuple[int, ...]:
    """The input's spatial sizes (all known: an exported model has a fixed input shape)."""
    dims = step.in_shapes[0][1:-1]
    if any(d is None for d in dims):
        raise FormatError(
            f"Layer '{step.name}' ({step.kind}) cannot be exported to ONNX with an input of "
            f"unknown size {step.in_shapes[0][1:]}. Expected fixed sizes: give the Input "
            "layer a full shape."
        )
    return tuple(int(d) for d in dims)  # type: ignore[arg-type]


def _pads(
    step: Step, kernel: tuple[int, ...], strides: tuple[int, ...], dilation: tuple[int, ...]
) -> list[int]:
    """ONNX `pads` (all befores, then all afters) for the layer's padding rule."""
    rule = str(step.config.get("padding", "valid"))
    cuts = [
        conv_output_length(size, k, s, d, rule)[1:]
        for size, k, s, d in zip(_spatial(step), kernel, strides, dilation, strict=True)
    ]
    return [c[0] for c in cuts] + [c[1] for c in cuts]


def _channels_first(b: Builder, x: str, rank: int, base: str) -> str:
    if x not in b.nchw:
        b.nchw[x] = b.op("Transpose", [x], base, perm=[0, rank + 1, *range(1, rank + 1)])
    return b.nchw[x]


def _channels_last(b: Builder, y: str, rank: int, base: str) -> str:
    x = b.op("Transpose", [y], base, perm=[0, *range(2, rank + 2), 1])
    b.nchw[x] = y
    return x


def _ints(value: Any) -> tuple[int, ...]:
    return tuple(int(v) for v in (value if isinstance(value, (list, tuple)) else [value]))


def _conv(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    cfg, base = step.config, step.name
    rank = len(step.in_shapes[0]) - 2
    kernel, strides = _ints(cfg["kernel_size"]), _ints(cfg["strides"])
    dilation = _ints(cfg.get("dilation_rate", 1))
    w = np.transpose(step.weights["kernel"], (rank + 1, rank, *range(rank)))
    inputs = [_channels_first(b, ins[0], rank, base), b.const(f"{base}_kernel", w)]
    if "bias" in step.weights:
        inputs.append(b.const(f"{base}_bias", step.weights["bias"]))
    y = b.op(
        "Conv",
        inputs,
        base,
        kernel_shape=list(kernel),
        strides=list(strides),
        dilations=list(dilation),
        pads=_pads(step, kernel, strides, dilation),
    )
    act = str(cfg.get("activation") or "linear")
    if act == "softmax":  # over the channels: the last axis once channels_last again
        return activation(b, _channels_last(b, y, rank, base), act, base)
    return _channels_last(b, activation(b, y, act, base), rank, base)


def _pool(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    cfg, base = step.config, step.name
    rank = len(step.in_shapes[0]) - 2
    size = _ints(cfg["pool_size"])
    strides = size if cfg.get("strides") is None else _ints(cfg["strides"])
    attrs: dict[str, Any] = {
        "kernel_shape": list(size),
        "strides": list(strides),
        "pads": _pads(step, size, strides, (1,) * rank),
    }
    if step.kind.startswith("Max"):
        op = "MaxPool"
    else:
        op, attrs["count_include_pad"] = "AveragePool", 0
    y = b.op(op, [_channels_first(b, ins[0], rank, base)], base, **attrs)
    return _channels_last(b, y, rank, base)


def masked_steps_mean(b: Builder, x: str, mask: str, keepdims: bool, base: str) -> str:
    """The mean over axis 1 of (N, T, C) `x` where the (N, T) bool `mask` is True."""
    from onnx import TensorProto

    w = b.op("Cast", [mask], base, to=TensorProto.FLOAT)
    w = b.op("Unsqueeze", [w, b.const("axis2", [2], np.int64)], base)
    axis = b.const("axis1", [1], np.int64)
    total = b.op("ReduceSum", [b.op("Mul", [x, w], base), axis], base, keepdims=int(keepdims))
    count = b.op("ReduceSum", [w, axis], base, keepdims=int(keepdims))
    return b.op("Div", [total, count], base)


def _global_pool(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    rank = len(step.in_shapes[0]) - 2
    keep = int(bool(step.config.get("keepdims", False)))
    if step.kind == "GlobalAveragePooling1D" and mask is not None:
        return masked_steps_mean(b, ins[0], mask, bool(keep), step.name)
    op = "ReduceMax" if "Max" in step.kind else "ReduceMean"
    return b.op(op, [ins[0]], step.name, axes=list(range(1, rank + 1)), keepdims=keep)


def padding_mask(b: Builder, ids: str, base: str) -> str:
    """The (N, T) bool mask of real tokens (id != 0) of an Embedding with mask_zero=True."""
    return b.op("Not", [b.op("Equal", [ids, b.const("zero", 0.0)], base)], base)


def _embedding(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    from onnx import TensorProto

    ids = b.op("Cast", [ins[0]], step.name, to=TensorProto.INT64)
    table = b.const(f"{step.name}_embeddings", step.weights["embeddings"])
    return b.op("Gather", [table, ids], step.name, axis=0)


def _rescaling(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    scale = b.const(f"{step.name}_scale", step.config.get("scale", 1.0))
    y = b.op("Mul", [ins[0], scale], step.name)
    return b.op(
        "Add", [y, b.const(f"{step.name}_offset", step.config.get("offset", 0.0))], step.name
    )


def _zero_padding(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    (top, bottom), (left, right) = step.config["padding"]
    pads = b.const(f"{step.name}_pads", [0, top, left, 0, 0, bottom, right, 0], np.int64)
    return b.op("Pad", [ins[0], pads], step.name, mode="constant")


def _upsampling(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    """Nearest neighbour as the engine does it: every cell repeated (an exact copy)."""
    (h, w), c = _spatial(step), int(step.in_shapes[0][-1])  # type: ignore[arg-type]
    sh, sw = _ints(step.config.get("size", (2, 2)))
    base = step.name
    y = b.op("Reshape", [ins[0], b.const("split", [0, h, 1, w, 1, c], np.int64)], base)
    y = b.op("Expand", [y, b.const("repeat", [1, h, sh, w, sw, c], np.int64)], base)
    return b.op("Reshape", [y, b.const("merge", [0, h * sh, w * sw, c], np.int64)], base)


def _permute(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    return b.op("Transpose", [ins[0]], step.name, perm=[0, *_ints(step.config["dims"])])


def _repeat_vector(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    y = b.op("Unsqueeze", [ins[0], b.const("axis1", [1], np.int64)], step.name)
    n = int(step.config.get("n", 2))
    return b.op("Expand", [y, b.const("repeat", [1, n, 1], np.int64)], step.name)


def _identity(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    return b.op("Identity", [ins[0]], step.name)


LAYERS: dict[str, Writer] = {
    "Conv1D": _conv,
    "Conv2D": _conv,
    "MaxPooling1D": _pool,
    "MaxPooling2D": _pool,
    "AveragePooling1D": _pool,
    "AveragePooling2D": _pool,
    "GlobalAveragePooling1D": _global_pool,
    "GlobalAveragePooling2D": _global_pool,
    "GlobalMaxPooling1D": _global_pool,
    "GlobalMaxPooling2D": _global_pool,
    "Embedding": _embedding,
    "Rescaling": _rescaling,
    "ZeroPadding2D": _zero_padding,
    "UpSampling2D": _upsampling,
    "Permute": _permute,
    "RepeatVector": _repeat_vector,
    "SpatialDropout1D": _identity,
    "SpatialDropout2D": _identity,
}
