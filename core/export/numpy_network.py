"""What the standalone NumPy script needs of a model: its network as data and its layer code.

`NUMPY_LAYERS` are the layer types the script runs (the functions in
`templates/numpy_layers.py`); `check_numpy` refuses any other layer by name.
`network_json` describes each layer call as plain data for the model file:
its type, a config with everything resolved that the script should not
recompute (the padding of each side, pooling strides, the wrapped layers of
Bidirectional and TimeDistributed), its slots, the `.npz` keys of its weights
and, for layers that honour a mask, the slot of the token ids whose zeros are
padding (an Embedding with mask_zero=True upstream, followed as the engine
carries masks). `weight_arrays` gives those `.npz` arrays. `layer_source`
copies into the script only the layer functions a model uses, with the
helpers they call, so the written script reads as its own model's code; user
text (layer names) never enters that source.
"""

from __future__ import annotations

import ast
import json
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from core.engine.conv_ops import conv_output_length
from core.engine.layers.spec import get_layer_class
from core.errors import FormatError
from core.export.graph_ir import NetIR, Step, check_supported

__all__ = [
    "LAYERS_IMPORT",
    "NUMPY_LAYERS",
    "check_numpy",
    "layer_source",
    "network_json",
    "weight_arrays",
]

FORMAT = "NumPy code"
#: The template line that the model's layer functions replace.
LAYERS_IMPORT = (
    "from core.export.templates.numpy_layers import LAYERS  # the model's layers, inlined on export"
)
#: Layers that read the mask of padding tokens (Keras's RNN loop, masked average).
MASK_USERS = ("SimpleRNN", "LSTM", "GRU", "Bidirectional", "GlobalAveragePooling1D")
#: Layers TimeDistributed cannot wrap in the script (several inputs, or a wrapper).
NOT_WRAPPABLE = ("Add", "Concatenate", "Bidirectional", "TimeDistributed")
#: Config entries that only matter for training or naming.
_TRAINING_ONLY = ("name", "trainable", "dtype", "seed", "dropout")


@cache
def _template() -> tuple[str, ast.Module]:
    text = resources.files("core.export.templates").joinpath("numpy_layers.py")
    source = text.read_text(encoding="utf-8")
    return source, ast.parse(source)


@cache
def _functions_by_kind() -> dict[str, str]:
    """Layer type -> the name of its function, from the template's `LAYERS` table."""
    for node in _template()[1].body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "LAYERS" for t in node.targets
        ):
            table = node.value
            if not isinstance(table, ast.Dict):
                break
            return {
                k.value: v.id
                for k, v in zip(table.keys, table.values, strict=True)
                if isinstance(k, ast.Constant) and isinstance(v, ast.Name)
            }
    raise RuntimeError("templates/numpy_layers.py must define LAYERS as a dict")


#: Layer types the NumPy script runs.
NUMPY_LAYERS: tuple[str, ...] = tuple(_functions_by_kind())


def _refuse(step: Step, what: str, why: str) -> FormatError:
    return FormatError(
        f"Layer '{step.name}' ({what}) cannot be exported to {FORMAT}: {why}. Remove or "
        "replace the layer, or export to the .lfmodel bundle instead."
    )


def check_numpy(ir: NetIR) -> None:
    """Refuse a model the script cannot run, naming the layer (or the inputs/outputs)."""
    check_supported(ir, FORMAT, NUMPY_LAYERS)
    for step in ir.steps:
        if step.kind == "TimeDistributed":
            inner = str(step.config["layer"]["class_name"])
            if inner not in NUMPY_LAYERS or inner in NOT_WRAPPABLE:
                raise _refuse(
                    step,
                    f"TimeDistributed of {inner}",
                    "the script runs TimeDistributed around one-input layers of the types "
                    f"{', '.join(k for k in NUMPY_LAYERS if k not in NOT_WRAPPABLE)}",
                )
    if len(ir.inputs) != 1 or len(ir.outputs) != 1:
        raise FormatError(
            "The NumPy script supports models with one input and one output. "
            f"Received: {len(ir.inputs)} inputs, {len(ir.outputs)} outputs."
        )


# --------------------------------------------------------------------------- configs


def _windows(
    spatial: tuple[Any, ...],
    size: list[int],
    strides: list[int],
    dilation: list[int],
    padding: str,
) -> list[list[int]]:
    """(before, after) padding per spatial axis, as the engine (and Keras) pad."""
    pads = []
    for n, k, s, d in zip(spatial, size, strides, dilation, strict=True):
        _, before, after = conv_output_length(int(n), k, s, d, padding)
        pads.append([before, after])
    return pads


def _ints(value: Any, rank: int) -> list[int]:
    return [int(value)] * rank if isinstance(value, int) else [int(v) for v in value]


def _prepare(kind: str, cfg: dict[str, Any], in_shape: tuple[Any, ...]) -> dict[str, Any]:
    """The config the script's function for `kind` reads (plain JSON values)."""
    out = {k: v for k, v in cfg.items() if k not in _TRAINING_ONLY}
    rank = len(in_shape) - 2
    if kind in ("Conv1D", "Conv2D"):
        size = _ints(cfg["kernel_size"], rank)
        out["strides"] = _ints(cfg["strides"], rank)
        out["dilation_rate"] = _ints(cfg["dilation_rate"], rank)
        out["pads"] = _windows(
            in_shape[1:-1], size, out["strides"], out["dilation_rate"], cfg["padding"]
        )
    elif kind.startswith(("MaxPooling", "AveragePooling")):
        out["pool_size"] = _ints(cfg["pool_size"], rank)
        strides = cfg.get("strides")
        out["strides"] = out["pool_size"] if strides is None else _ints(strides, rank)
        out["pads"] = _windows(
            in_shape[1:-1], out["pool_size"], out["strides"], [1] * rank, cfg["padding"]
        )
    elif kind in ("BatchNormalization", "LayerNormalization", "Normalization"):
        out["in_shape"] = [None if d is None else int(d) for d in in_shape]
    elif kind == "Bidirectional":
        for part, key in (("forward", "layer"), ("backward", "backward_layer")):
            inner = cfg[key]
            out[part] = {
                "kind": inner["class_name"],
                "config": _prepare(inner["class_name"], inner["config"], in_shape),
            }
        del out["layer"], out["backward_layer"]
        out["return_sequences"] = bool(cfg["layer"]["config"]["return_sequences"])
    elif kind == "TimeDistributed":
        inner = cfg["layer"]
        inner_shape = (in_shape[0], *in_shape[2:])
        out["layer"] = {
            "kind": inner["class_name"],
            "config": _prepare(inner["class_name"], inner["config"], inner_shape),
        }
    return out


def _weight_keys(step: Step) -> list[str]:
    """The names the script knows the step's weights by, in the IR's order.

    A Bidirectional layer's weights (the forward layer's, then the backward
    layer's) become `forward/kernel`, `backward/kernel`, ...: fixed names in place
    of the wrapped layers' own.
    """
    keys = list(step.weights)
    if step.kind != "Bidirectional":
        return keys
    n_forward = 3 if step.config["layer"]["config"].get("use_bias", True) else 2
    return [
        ("forward/" if i < n_forward else "backward/") + key.rsplit("/", 1)[-1]
        for i, key in enumerate(keys)
    ]


def _npz_key(index: int, key: str) -> str:
    return f"w{index:03d}_{key.replace('/', '_')}"


def weight_arrays(ir: NetIR) -> dict[str, np.ndarray]:
    """The `.npz` arrays of every weight, float32, under the keys `network_json` names."""
    return {
        _npz_key(i, key): np.asarray(value, np.float32)
        for i, step in enumerate(ir.steps)
        for key, value in zip(_weight_keys(step), step.weights.values(), strict=True)
    }


# --------------------------------------------------------------------------- masks


def _masks(ir: NetIR) -> dict[int, tuple[int, Any]]:
    """slot -> (slot of the token ids, steps) for every slot carrying a padding mask.

    As the engine: an Embedding(mask_zero=True) makes the mask; a one-input layer
    that supports masking carries it on when its output keeps the (batch, steps)
    axes; merge layers and every other layer drop it.
    """
    masks: dict[int, tuple[int, Any]] = {}
    for step in ir.steps:
        if step.kind == "Embedding" and step.config.get("mask_zero"):
            if len(step.in_shapes[0]) == 2:
                masks[step.out] = (step.ins[0], step.in_shapes[0][1])
            continue
        if len(step.ins) != 1 or step.ins[0] not in masks:
            continue
        source = masks[step.ins[0]]
        carries = getattr(get_layer_class(step.kind), "SUPPORTS_MASKING", False)
        if carries and len(step.out_shape) >= 2 and step.out_shape[1] == source[1]:
            masks[step.out] = source
    return masks


# --------------------------------------------------------------------------- network


def network_json(ir: NetIR) -> dict[str, Any]:
    """The network part of the script's model file: inputs, steps in order, outputs."""
    masks = _masks(ir)
    steps = []
    for i, s in enumerate(ir.steps):
        entry: dict[str, Any] = {
            "kind": s.kind,
            "name": s.name,
            "config": _prepare(s.kind, s.config, tuple(s.in_shapes[0])),
            "ins": list(s.ins),
            "out": s.out,
            "weights": {key: _npz_key(i, key) for key in _weight_keys(s)},
        }
        if s.kind in MASK_USERS:
            source = masks.get(s.ins[0])
            entry["mask"] = None if source is None else source[0]
        steps.append(entry)
    return {
        "inputs": [[slot, name, list(shape)] for slot, name, shape in ir.inputs],
        "steps": steps,
        "outputs": list(ir.outputs),
    }


# --------------------------------------------------------------------------- source


def _kinds(ir: NetIR) -> list[str]:
    """Every layer type the model runs, wrapped layers included, in first-use order."""
    kinds: list[str] = []
    for step in ir.steps:
        kinds.append(step.kind)
        if step.kind == "Bidirectional":
            kinds += [step.config[k]["class_name"] for k in ("layer", "backward_layer")]
        elif step.kind == "TimeDistributed":
            kinds.append(step.config["layer"]["class_name"])
    return list(dict.fromkeys(kinds))


def _top_level(module: ast.Module) -> dict[str, ast.stmt]:
    names: dict[str, ast.stmt] = {}
    for node in module.body:
        if isinstance(node, ast.FunctionDef):
            names[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name) and name.id != "LAYERS":
                        names[name.id] = node
    return names


def layer_source(ir: NetIR) -> str:
    """The layer functions `ir` uses, the helpers they call, and its `LAYERS` table."""
    source, module = _template()
    defined = _top_level(module)
    by_kind = _functions_by_kind()
    kinds = _kinds(ir)
    wanted: list[str] = [by_kind[k] for k in kinds]
    keep: set[int] = set()
    while wanted:
        node = defined[wanted.pop()]
        if id(node) in keep:
            continue
        keep.add(id(node))
        wanted += [
            n.id
            for n in ast.walk(node)
            if isinstance(n, ast.Name) and n.id in defined and id(defined[n.id]) not in keep
        ]
    parts = [ast.get_source_segment(source, node) or "" for node in module.body if id(node) in keep]
    table = "\n".join(f"    {json.dumps(kind)}: {by_kind[kind]}," for kind in kinds)
    parts.append(
        "#: Layer type -> the function that runs it (the types this model uses).\n"
        f"LAYERS = {{\n{table}\n}}"
    )
    return "\n\n\n".join(parts)
