"""Write a LayerForge model as a Keras 3 `.keras` file without importing Keras.

The zip holds `config.json` (a `Functional` model: one `InputLayer`, a
`Normalization` layer with the fitted mean/variance when the model has a
pipeline, then every layer with Keras's class names, configs and inbound
nodes), `metadata.json` and `model.weights.h5`, written with h5py in the
layout Keras 3's `saving_lib` reads: `layers/<snake_case_class>[_k]/vars/<i>`
in the order of the loaded model's `layers`, which this module reproduces
from Keras's own graph ordering (depth from the outputs, then first visit).
A standardized regression target is undone by a final `Rescaling` layer.
Missing-value filling and one-hot encoding have no plain Keras layer that
works on every backend, so the model's input is the numbers with missing
values filled and categories one-hot; the report and the metadata say so.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from core.errors import FormatError
from core.export.graph_ir import NetIR, Step, check_supported, describe
from core.export.keras_layers import (
    SHAPED_LAYERS,
    WeightGroup,
    initializer,
    regularizer,
    shaped_config,
    weight_group,
    write_group,
)
from core.naming import snake_case

__all__ = ["keras_layer_order", "keras_model_config", "keras_safe", "write_keras"]

KERAS_FORMAT_VERSION = "3.0.0"

#: Layer types that .keras files express beyond the ones every export format supports.
KERAS_EXTRA_LAYERS: tuple[str, ...] = (
    "ReLU",
    "LeakyReLU",
    "Softmax",
    "Normalization",
    *SHAPED_LAYERS,
)


def _tensor(shape: Any, layer: str) -> dict[str, Any]:
    return {
        "class_name": "__keras_tensor__",
        "config": {
            "shape": [None if d is None else int(d) for d in shape],
            "dtype": "float32",
            "keras_history": [layer, 0, 0],
        },
    }


def _layer_config(step: Step) -> dict[str, Any]:
    return layer_config(step.kind, step.config, step.name)


def layer_config(kind: str, c: dict[str, Any], name: str) -> dict[str, Any]:
    """Keras's config of a `kind` layer named `name` from LayerForge's config `c`."""
    base: dict[str, Any] = {
        "name": name,
        "trainable": bool(c.get("trainable", True)),
        "dtype": "float32",
    }
    if kind in SHAPED_LAYERS:
        return shaped_config(
            kind, c, base, lambda k, cfg: layer_config(k, cfg, str(cfg.get("name", "")))
        )
    if kind == "Dense":
        base.update(
            {
                "units": int(c["units"]),
                "activation": c.get("activation", "linear"),
                "use_bias": bool(c.get("use_bias", True)),
                "kernel_initializer": initializer(c.get("kernel_initializer"), "glorot_uniform"),
                "bias_initializer": initializer(c.get("bias_initializer"), "zeros"),
                "kernel_regularizer": regularizer(
                    c.get("kernel_regularizer"), c.get("kernel_regularizer_factor")
                ),
                "bias_regularizer": regularizer(
                    c.get("bias_regularizer"), c.get("bias_regularizer_factor")
                ),
                "kernel_constraint": None,
                "bias_constraint": None,
            }
        )
    elif kind == "Activation":
        base["activation"] = c.get("activation", "linear")
    elif kind == "Dropout":
        base.update({"rate": float(c.get("rate", 0.5)), "seed": c.get("seed"), "noise_shape": None})
    elif kind == "Flatten":
        base["data_format"] = "channels_last"
    elif kind == "Reshape":
        base["target_shape"] = [int(d) for d in c.get("target_shape", (-1,))]
    elif kind == "Concatenate":
        base["axis"] = int(c.get("axis", -1))
    elif kind == "ReLU":
        base.update(
            {
                "max_value": c.get("max_value"),
                "negative_slope": float(c.get("negative_slope", 0.0)),
                "threshold": float(c.get("threshold", 0.0)),
            }
        )
    elif kind == "LeakyReLU":
        base["negative_slope"] = float(c.get("negative_slope", 0.3))
    elif kind == "Softmax":
        base["axis"] = c.get("axis", -1)
    elif kind == "Normalization":
        axis = c.get("axis", -1)
        base.update(
            {
                "axis": list(axis) if isinstance(axis, (list, tuple)) else [axis],
                "invert": bool(c.get("invert", False)),
                "mean": c.get("mean"),
                "variance": c.get("variance"),
            }
        )
    elif kind in ("BatchNormalization", "LayerNormalization"):
        base.update(
            {
                "axis": c.get("axis", -1),
                "epsilon": float(c.get("epsilon", 1e-3)),
                "center": bool(c.get("center", True)),
                "scale": bool(c.get("scale", True)),
                "beta_initializer": initializer(c.get("beta_initializer"), "zeros"),
                "gamma_initializer": initializer(c.get("gamma_initializer"), "ones"),
            }
        )
        if kind == "BatchNormalization":
            base.update(
                {
                    "momentum": float(c.get("momentum", 0.99)),
                    "moving_mean_initializer": initializer(
                        c.get("moving_mean_initializer"), "zeros"
                    ),
                    "moving_variance_initializer": initializer(
                        c.get("moving_variance_initializer"), "ones"
                    ),
                }
            )
    return base


def keras_layer_order(ops: dict[str, list[str]], outputs: list[str]) -> list[str]:
    """Layer names in the order a loaded Keras Functional model lists them.

    `ops` maps each layer name to the names of its inputs (in call order).
    Mirrors keras.src.ops.function.map_graph: depth = longest path to an
    output (decreasing), ties by the first visit of a depth-first walk from
    the outputs.
    """
    index: dict[str, int] = {}
    finished: set[str] = set()
    post: list[str] = []
    for out in outputs:
        stack: list[tuple[str, bool]] = [(out, False)]
        while stack:
            name, done = stack.pop()
            if done:
                if name not in finished:
                    finished.add(name)
                    post.append(name)
                continue
            if name in finished:
                continue
            index.setdefault(name, len(index))
            stack.append((name, True))
            for parent in reversed(ops[name]):
                if parent not in finished:
                    stack.append((parent, False))
    depth: dict[str, int] = {}
    for name in reversed(post):
        d = depth.setdefault(name, 0)
        for parent in ops[name]:
            depth[parent] = max(d + 1, depth.get(parent, 0))
    return sorted(index, key=lambda n: (-depth[n], index[n]))


def _unique(name: str, taken: set[str]) -> str:
    out, k = name, 1
    while out in taken:
        out, k = f"{name}_{k}", k + 1
    return out


#: Characters a Keras name cannot hold on every backend: '/' (Keras itself), '.' (the
#: torch backend's parameter names), control characters and lone surrogates.
_UNSAFE_NAME = re.compile("[./\x00-\x1f\x7f\ud800-\udfff]")


def keras_safe(ir: NetIR) -> tuple[NetIR, list[str]]:
    """`ir` with input, layer and model names every Keras backend accepts, and a note
    for each name changed (its unsafe characters become '_', numbered if taken)."""
    taken = {s.name for s in ir.steps} | {n for _, n, _ in ir.inputs}
    notes: list[str] = []

    def safe(name: str, what: str) -> str:
        if not _UNSAFE_NAME.search(name):
            return name
        new = _unique(_UNSAFE_NAME.sub("_", name), taken)
        taken.add(new)
        notes.append(
            f"{what} {name!r} is named {new!r} for Keras, which allows no '.', '/' or "
            "control characters in names"
        )
        return new

    inputs = [(slot, safe(name, "input"), shape) for slot, name, shape in ir.inputs]
    steps = [dataclasses.replace(s, name=safe(s.name, "layer")) for s in ir.steps]
    name = _UNSAFE_NAME.sub("_", ir.name)
    if name != ir.name:
        notes.append(f"the model {ir.name!r} is named {name!r} for Keras")
    return dataclasses.replace(ir, inputs=inputs, steps=steps, name=name), notes


def refuse_shared(ir: NetIR, fmt: str) -> None:
    """Refuse layers called more than once (shared layers), naming them."""
    for note in ir.notes:
        if note.startswith("shared:"):
            names = list(dict.fromkeys(note.removeprefix("shared:").split(",")))
            which = ", ".join(f"'{n}'" for n in names)
            what = f"Layer {which} is" if len(names) == 1 else f"Layers {which} are"
            raise FormatError(
                f"{what} called more than once (shared), which LayerForge cannot export to "
                f"{fmt} yet. Expected each layer used once. Use a separate layer for each "
                "call, or export to the .lfmodel bundle instead."
            )


def keras_model_config(
    ir: NetIR, bundle: Any
) -> tuple[dict[str, Any], list[tuple[str, WeightGroup]], list[str]]:
    """(config.json dict, [(class name, weight group)] in Keras layer order, notes).

    Names Keras cannot hold are changed first (`keras_safe`); the notes say so.
    """
    check_supported(ir, "Keras (.keras)", KERAS_EXTRA_LAYERS)
    refuse_shared(ir, "Keras (.keras)")
    ir, renamed = keras_safe(ir)
    notes: list[str] = list(renamed)
    pipeline = getattr(bundle, "pipeline", None)
    taken = {s.name for s in ir.steps} | {n for _, n, _ in ir.inputs}
    entries: dict[str, dict[str, Any]] = {}
    ops: dict[str, list[str]] = {}
    weights: dict[str, tuple[str, WeightGroup]] = {}
    slot_layer: dict[int, tuple[str, tuple[Any, ...]]] = {}
    input_names: list[str] = []
    for slot, name, shape in ir.inputs:
        iname = "features" if (pipeline is not None and "features" not in taken) else name
        input_names.append(iname)
        entries[iname] = {
            "module": "keras.layers",
            "class_name": "InputLayer",
            "config": {
                "batch_shape": [None, *shape],
                "dtype": "float32",
                "sparse": False,
                "name": iname,
            },
            "registered_name": None,
            "name": iname,
            "inbound_nodes": [],
        }
        ops[iname] = []
        weights[iname] = ("InputLayer", WeightGroup())
        slot_layer[slot] = (iname, (None, *shape))
    if pipeline is not None:
        if len(ir.inputs) != 1 or ir.inputs[0][2] != (pipeline.n_features,):
            raise FormatError(
                f"Expected one input of {pipeline.n_features} features to match "
                "the model's preprocessing."
            )
        mean: list[float] = []
        var: list[float] = []
        for spec in pipeline.columns:
            if spec.kind == "numeric":
                mean.append(float(spec.offset))
                var.append(float(spec.scale) ** 2)
            else:
                mean += [0.0] * spec.width
                var += [1.0] * spec.width
        pname = _unique("preprocessing", taken)
        iname, ishape = slot_layer[ir.inputs[0][0]]
        entries[pname] = {
            "module": "keras.layers",
            "class_name": "Normalization",
            "config": {
                "name": pname,
                "trainable": True,
                "dtype": "float32",
                "axis": [-1],
                "invert": False,
                "mean": mean,
                "variance": var,
            },
            "registered_name": None,
            "build_config": {"input_shape": list(ishape)},
            "name": pname,
            "inbound_nodes": [{"args": [_tensor(ishape, iname)], "kwargs": {}}],
        }
        ops[pname] = [iname]
        weights[pname] = ("Normalization", WeightGroup())
        slot_layer[ir.inputs[0][0]] = (pname, ishape)
        notes.append(
            "scaling is inside the .keras model (a Normalization layer with the fitted "
            "offsets and scales); filling missing values and one-hot encoding are not, "
            "because Keras has no backend-independent layer for them: the input 'features' "
            "takes the numeric columns with missing values already filled, yes/no columns as "
            "0/1 and each category as a 0/1 column, in the order of metadata.json "
            "layerforge.feature_names"
        )
    for step in ir.steps:
        parents = [slot_layer[i] for i in step.ins]
        if len(parents) == 1 and step.kind not in ("Add", "Concatenate"):
            args: list[Any] = [_tensor(parents[0][1], parents[0][0])]
            build: Any = list(parents[0][1])
        else:
            args = [[_tensor(shape, name) for name, shape in parents]]
            build = [list(shape) for _, shape in parents]
        entry: dict[str, Any] = {
            "module": "keras.layers",
            "class_name": step.kind,
            "config": _layer_config(step),
            "registered_name": None,
            "build_config": {"input_shape": build},
            "name": step.name,
            "inbound_nodes": [{"args": args, "kwargs": {}}],
        }
        entries[step.name] = entry
        ops[step.name] = [name for name, _ in parents]
        weights[step.name] = (
            step.kind,
            weight_group(step.kind, step.config, list(step.weights.values())),
        )
        slot_layer[step.out] = (step.name, tuple(step.out_shape))
    out_names = [slot_layer[o][0] for o in ir.outputs]
    scaling = getattr(pipeline, "target_scaling", None)
    task = getattr(pipeline, "task", None)
    if scaling is not None and getattr(task, "kind", None) == "regression":
        if len(out_names) != 1:
            raise FormatError(
                "Expected one output for a regression model with a standardized target. "
                f"Received: {len(out_names)} outputs."
            )
        rname = _unique("target_units", taken | set(entries))
        parent, pshape = slot_layer[ir.outputs[0]]
        entries[rname] = {
            "module": "keras.layers",
            "class_name": "Rescaling",
            "config": {
                "name": rname,
                "trainable": True,
                "dtype": "float32",
                "scale": float(scaling.scale),
                "offset": float(scaling.offset),
            },
            "registered_name": None,
            "build_config": {"input_shape": list(pshape)},
            "name": rname,
            "inbound_nodes": [{"args": [_tensor(pshape, parent)], "kwargs": {}}],
        }
        ops[rname] = [parent]
        weights[rname] = ("Rescaling", WeightGroup())
        out_names = [rname]
        notes.append(
            "the standardized target is turned back into the target's own units inside the "
            f".keras model (a final Rescaling layer '{rname}': output * {scaling.scale:.6g} + "
            f"{scaling.offset:.6g})"
        )
    order = keras_layer_order(ops, out_names)
    for iname in input_names:
        if iname not in order:
            order.append(iname)

    def refs(names: list[str]) -> Any:
        items = [[n, 0, 0] for n in names]
        return items[0] if len(items) == 1 else items

    config = {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": ir.name,
            "trainable": True,
            "layers": [entries[n] for n in order],
            "input_layers": refs(input_names),
            "output_layers": refs(out_names),
        },
        "registered_name": "Functional",
        "build_config": {"input_shape": None},
        "compile_config": None,
    }
    return config, [(weights[n][0], weights[n][1]) for n in order], notes


def _weights_h5(layers: list[tuple[str, WeightGroup]], names: list[str], model_name: str) -> bytes:
    import h5py

    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        layers_group = f.create_group("layers")
        used: dict[str, int] = {}
        for (cls, group), lname in zip(layers, names, strict=True):
            key = snake_case(cls)
            if key in used:
                used[key] += 1
                key = f"{key}_{used[key]}"
            else:
                used[key] = 0
            write_group(layers_group.create_group(key), group, lname)
        top = f.create_group("vars")
        top.attrs["name"] = model_name
    return buf.getvalue()


def write_keras(
    bundle: Any, path: str | Path, compile_config: dict[str, Any] | None = None
) -> list[str]:
    """Write the `.keras` zip for `bundle` to `path`; returns notes for the report.

    `compile_config` (Keras's optimizer/loss/metrics description) is stored so that
    `keras.models.load_model` returns a compiled model.
    """
    try:
        import h5py  # noqa: F401 - checked here for a clear message
    except ImportError:
        raise FormatError(
            "Keras export needs the `h5py` package. Expected it installed. "
            "Received: ImportError. Run: pip install h5py"
        ) from None
    ir = describe(bundle.model)
    config, layer_weights, notes = keras_model_config(ir, bundle)
    if compile_config is not None:
        config["compile_config"] = compile_config
    names = [e["name"] for e in config["config"]["layers"]]
    h5 = _weights_h5(layer_weights, names, config["config"]["name"])
    pipeline = getattr(bundle, "pipeline", None)
    task = getattr(pipeline, "task", None)
    info: dict[str, Any] = {
        "exported_by": "LayerForge",
        "task": getattr(task, "kind", None),
        "class_labels": list(getattr(task, "class_labels", ()) or ()),
        "target": getattr(pipeline, "target", None),
        "feature_names": list(getattr(bundle, "feature_names", []) or []),
        "output": (
            "probabilities" if getattr(task, "kind", None) in ("binary", "multiclass") else "values"
        ),
    }
    if pipeline is not None:
        info["fill_values"] = {
            s.column: s.impute_value for s in pipeline.columns if s.kind != "categorical"
        }
        info["boolean_encoding"] = {
            s.column: {"0": s.categories[0], "1": s.categories[1]}
            for s in pipeline.columns
            if s.kind == "boolean"
        }
        info["pipeline"] = pipeline.to_dict()
    meta = {
        "keras_version": KERAS_FORMAT_VERSION,
        "date_saved": _dt.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        "layerforge": info,
    }
    try:
        config_text = json.dumps(config, allow_nan=False)
        meta_text = json.dumps(meta, allow_nan=False)
    except ValueError as exc:
        raise FormatError(f"The model cannot be written as .keras: {exc}.") from None
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", meta_text)
        zf.writestr("config.json", config_text)
        zf.writestr("model.weights.h5", h5)
    return notes
