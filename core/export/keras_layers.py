"""Keras 3 configs and `.weights.h5` groups of the image, sequence and text layers.

`shaped_config` turns a LayerForge config of a convolution, pooling, embedding,
recurrent, wrapper or reshaping layer into the config Keras 3's `from_config`
takes (nested layers of `Bidirectional` and `TimeDistributed` as serialized
Keras layers). `weight_group` places a layer's weights where Keras's
`saving_lib` keeps them: a recurrent layer's under `cell/vars`, a
`Bidirectional`'s under `forward_layer/...` and `backward_layer/...`, a
`TimeDistributed`'s under `layer/...`; `flat_weights` reads such a group back
in LayerForge's `get_weights` order. The layers keep Keras's names, defaults
and weight layouts, so nothing is converted: only placed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "SHAPED_LAYERS",
    "WeightGroup",
    "flat_weights",
    "initializer",
    "regularizer",
    "shaped_config",
    "weight_group",
]

RECURRENT = ("SimpleRNN", "LSTM", "GRU")
WRAPPERS = ("Bidirectional", "TimeDistributed")
#: The image, sequence and text layers `.keras` files and the Keras script express.
SHAPED_LAYERS: tuple[str, ...] = (
    "Conv1D",
    "Conv2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "AveragePooling1D",
    "AveragePooling2D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Embedding",
    *RECURRENT,
    *WRAPPERS,
    "SpatialDropout1D",
    "SpatialDropout2D",
    "Rescaling",
    "ZeroPadding2D",
    "UpSampling2D",
    "Permute",
    "RepeatVector",
)
#: Child groups of a layer's weights in Keras's file, in LayerForge's weight order.
CHILDREN = ("forward_layer", "backward_layer", "cell", "layer")


def initializer(value: Any, default: str) -> Any:
    """An initializer name as Keras takes it (anything else: Keras's default)."""
    return value if isinstance(value, str) else default


def regularizer(name: Any, factor: Any) -> Any:
    """A serialized Keras regularizer for LayerForge's (name, factor), or None."""
    f = float(factor if factor is not None else 0.01)
    classes = {
        "l1": ("L1", {"l1": f}),
        "l2": ("L2", {"l2": f}),
        "l1_l2": ("L1L2", {"l1": f, "l2": f}),
    }
    if name not in classes:
        return None
    cls, config = classes[name]
    return {
        "module": "keras.regularizers",
        "class_name": cls,
        "config": config,
        "registered_name": None,
    }


def _penalties(c: dict[str, Any], *weights: str) -> dict[str, Any]:
    return {
        f"{w}_regularizer": regularizer(c.get(f"{w}_regularizer"), c.get(f"{w}_regularizer_factor"))
        for w in weights
    }


def _conv(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "filters": int(c["filters"]),
        "kernel_size": list(c["kernel_size"]),
        "strides": list(c["strides"]),
        "padding": c["padding"],
        "data_format": "channels_last",
        "dilation_rate": list(c["dilation_rate"]),
        "groups": 1,
        "activation": c.get("activation", "linear"),
        "use_bias": bool(c.get("use_bias", True)),
        "kernel_initializer": initializer(c.get("kernel_initializer"), "glorot_uniform"),
        "bias_initializer": initializer(c.get("bias_initializer"), "zeros"),
        **_penalties(c, "kernel", "bias"),
        "activity_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
    }


def _recurrent(kind: str, c: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "units": int(c["units"]),
        "activation": c.get("activation", "tanh"),
        "use_bias": bool(c.get("use_bias", True)),
        "kernel_initializer": initializer(c.get("kernel_initializer"), "glorot_uniform"),
        "recurrent_initializer": initializer(c.get("recurrent_initializer"), "orthogonal"),
        "bias_initializer": initializer(c.get("bias_initializer"), "zeros"),
        **_penalties(c, "kernel", "recurrent", "bias"),
        "dropout": float(c.get("dropout", 0.0)),
        "recurrent_dropout": 0.0,
        "seed": c.get("seed"),
        "return_sequences": bool(c.get("return_sequences", False)),
        "return_state": False,
        "go_backwards": bool(c.get("go_backwards", False)),
        "stateful": False,
        "unroll": False,
        "zero_output_for_mask": bool(c.get("zero_output_for_mask", False)),
    }
    if kind != "SimpleRNN":
        out["recurrent_activation"] = c.get("recurrent_activation", "sigmoid")
    if kind == "LSTM":
        out["unit_forget_bias"] = bool(c.get("unit_forget_bias", True))
    if kind == "GRU":
        out["reset_after"] = True
    return out


def _pool(c: dict[str, Any]) -> dict[str, Any]:
    strides = c.get("strides")
    return {
        "pool_size": list(c["pool_size"]),
        "strides": list(strides) if strides is not None else None,
        "padding": c.get("padding", "valid"),
        "data_format": "channels_last",
    }


def _plain_args(kind: str, c: dict[str, Any]) -> dict[str, Any]:
    """The arguments of the layers without weights or nested layers."""
    if kind.startswith(("MaxPooling", "AveragePooling")):
        return _pool(c)
    if kind.startswith("Global"):
        return {"data_format": "channels_last", "keepdims": bool(c.get("keepdims", False))}
    if kind == "Rescaling":
        return {"scale": c.get("scale", 1.0), "offset": c.get("offset", 0.0)}
    if kind == "ZeroPadding2D":
        return {"padding": [list(p) for p in c["padding"]], "data_format": "channels_last"}
    if kind == "UpSampling2D":
        return {
            "size": list(c["size"]),
            "data_format": "channels_last",
            "interpolation": c.get("interpolation", "nearest"),
        }
    if kind == "Permute":
        return {"dims": [int(d) for d in c["dims"]]}
    if kind == "RepeatVector":
        return {"n": int(c["n"])}
    raise KeyError(kind)


def shaped_config(
    kind: str,
    c: dict[str, Any],
    base: dict[str, Any],
    nested: Callable[[str, dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """Keras's config of layer `kind` from LayerForge's config `c`.

    `base` holds name, trainable and dtype; `nested(kind, config)` gives the Keras
    config of a wrapped layer (so a wrapper may hold any layer `.keras` covers).
    """

    def serialized(entry: dict[str, Any]) -> dict[str, Any]:
        inner = str(entry["class_name"])
        return {
            "module": "keras.layers",
            "class_name": inner,
            "config": nested(inner, dict(entry.get("config") or {})),
            "registered_name": None,
        }

    if kind in ("Conv1D", "Conv2D"):
        return {**base, **_conv(c)}
    if kind in RECURRENT:
        return {**base, **_recurrent(kind, c)}
    if kind == "Embedding":
        return {
            **base,
            "input_dim": int(c["input_dim"]),
            "output_dim": int(c["output_dim"]),
            "embeddings_initializer": initializer(c.get("embeddings_initializer"), "uniform"),
            **_penalties(c, "embeddings"),
            "activity_regularizer": None,
            "embeddings_constraint": None,
            "mask_zero": bool(c.get("mask_zero", False)),
        }
    if kind == "Bidirectional":
        return {
            **base,
            "merge_mode": c.get("merge_mode", "concat"),
            "layer": serialized(c["layer"]),
            "backward_layer": serialized(c["backward_layer"]),
        }
    if kind == "TimeDistributed":
        return {**base, "layer": serialized(c["layer"])}
    if kind.startswith("SpatialDropout"):
        # Keras's SpatialDropout layers take no `trainable` argument
        out = {k: v for k, v in base.items() if k != "trainable"}
        out.update({"rate": float(c.get("rate", 0.5)), "seed": c.get("seed")})
        if kind == "SpatialDropout2D":
            out["data_format"] = "channels_last"
        return out
    return {**base, **_plain_args(kind, c)}


@dataclass
class WeightGroup:
    """One layer's group in `model.weights.h5`: its own `vars` and its child groups."""

    arrays: list[np.ndarray] = field(default_factory=list)
    children: dict[str, WeightGroup] = field(default_factory=dict)


def _recurrent_count(config: dict[str, Any]) -> int:
    return 3 if config.get("use_bias", True) else 2


def weight_group(kind: str, config: dict[str, Any], arrays: list[np.ndarray]) -> WeightGroup:
    """Where Keras keeps the weights `arrays` (LayerForge's order) of a `kind` layer."""
    if kind in RECURRENT:
        return WeightGroup([], {"cell": WeightGroup(list(arrays))})
    if kind == "Bidirectional":
        forward = config["layer"]
        n = _recurrent_count(forward.get("config") or {})
        backward = config["backward_layer"]
        return WeightGroup(
            [],
            {
                "forward_layer": weight_group(
                    forward["class_name"], forward.get("config") or {}, arrays[:n]
                ),
                "backward_layer": weight_group(
                    backward["class_name"], backward.get("config") or {}, arrays[n:]
                ),
            },
        )
    if kind == "TimeDistributed":
        inner = config["layer"]
        return WeightGroup(
            [], {"layer": weight_group(inner["class_name"], inner.get("config") or {}, arrays)}
        )
    return WeightGroup(list(arrays))


def write_group(h5_group: Any, group: WeightGroup, name: str) -> None:
    """Write `group` under the h5 group `h5_group` (Keras's `vars/<i>` and child groups)."""
    vars_ = h5_group.create_group("vars")
    vars_.attrs["name"] = name
    for i, arr in enumerate(group.arrays):
        vars_.create_dataset(str(i), data=np.asarray(arr))
    for child, sub in group.children.items():
        write_group(h5_group.create_group(child), sub, child)


def flat_weights(h5_group: Any) -> list[np.ndarray]:
    """A layer's weights from its h5 group, own `vars` first, then its child groups."""
    out: list[np.ndarray] = []
    vars_ = h5_group.get("vars")
    if vars_ is not None:
        out += [np.asarray(vars_[str(i)]) for i in range(len(vars_))]
    for child in CHILDREN:
        sub = h5_group.get(child)
        if sub is not None:
            out += flat_weights(sub)
    return out
