"""Write a LayerForge model as an ONNX graph (opset 17) with its preprocessing inside.

Inputs: `features` (float32, [N, M]) holds the raw numeric and yes/no
columns in the order listed in the metadata (`numeric_inputs`; yes/no
columns as 0/1, NaN for a missing value in any of them), and one string
input per categorical column ([N, 1], named after the column; an empty or
unknown value gives an all-zero one-hot row, as in LayerForge). Inside the
graph: NaN -> the fitted fill value, (x - offset) / scale, one-hot through
an `ai.onnx.ml` LabelEncoder, the network, then the outputs
`probabilities` ([N, K]) and `label` ([N], string) for classification or
`value` ([N, units], in the target's own units: a standardized target is
scaled back inside the graph) for regression. Without a fitted pipeline the input
`features` is the already preprocessed array (N, *input shape; token ids as
float32) and the output is `output`. Image and sequence layers are written by
`onnx_shaped`, recurrent ones by `onnx_recurrent`, following the engine's masks.
Feature names, class labels, fill values and the input layout go into
`metadata_props`. Built with the `onnx` helper API only.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from core.errors import FormatError
from core.export.graph_ir import SUPPORTED_LAYERS, NetIR, Step, check_supported
from core.export.onnx_builder import Builder, activation, safe_name
from core.export.onnx_layer_extras import LAYERS as EXTRA_LAYERS
from core.export.onnx_recurrent import LAYERS as RECURRENT_LAYERS
from core.export.onnx_shaped import LAYERS as SHAPED_LAYERS
from core.export.onnx_shaped import padding_mask

#: Layer types ONNX export adds to the ones every format expresses (graph_ir.SUPPORTED_LAYERS).
_WRITERS = {**SHAPED_LAYERS, **RECURRENT_LAYERS, **EXTRA_LAYERS}
ONNX_EXTRA: tuple[str, ...] = (*_WRITERS, "TimeDistributed")
ONNX_LAYERS: frozenset[str] = frozenset(SUPPORTED_LAYERS) | frozenset(ONNX_EXTRA)

__all__ = ["ONNX_EXTRA", "OPSET", "build_onnx", "onnx_input_names", "onnx_inputs"]

OPSET = 17
ML_OPSET = 2


def onnx_input_names(pipeline: Any) -> dict[str, str]:
    """Categorical column -> its ONNX string input name (unique, never 'features')."""
    names: dict[str, str] = {}
    taken = {"features"}
    for spec in pipeline.columns:
        if spec.kind != "categorical":
            continue
        base = safe_name(spec.column)
        name, k = base, 1
        while name in taken:
            name, k = f"{base}_{k}", k + 1
        taken.add(name)
        names[spec.column] = name
    return names


def onnx_inputs(pipeline: Any, df: Any) -> dict[str, np.ndarray]:
    """The input feed for raw rows `df` (a DataFrame with the input columns)."""
    from core.data.preprocess import _bool_codes, numeric_values
    from core.data.profile import labels_of

    pipeline.check_columns(df)
    cols: list[np.ndarray] = []
    feed: dict[str, np.ndarray] = {}
    names = onnx_input_names(pipeline)
    for spec in pipeline.columns:
        s = df[spec.column]
        if spec.kind == "numeric":
            cols.append(numeric_values(s, spec.column).astype(np.float32))
        elif spec.kind == "boolean":
            codes = _bool_codes(s, spec.categories)
            cols.append(np.where(codes < 0, np.nan, codes).astype(np.float32))
        else:
            import pandas as pd

            text = s if (pd.api.types.is_string_dtype(s) or s.dtype == object) else labels_of(s)
            values = [
                "" if (v is None or (isinstance(v, float) and v != v)) else str(v)
                for v in text.tolist()
            ]
            feed[names[spec.column]] = np.asarray(values, dtype=object).reshape(-1, 1)
    n = len(df)
    feed["features"] = np.stack(cols, axis=1) if cols else np.zeros((n, 0), np.float32)
    return feed


def _bshape(step: Step) -> tuple[list[int], list[int]]:
    """(normalized axes, broadcast shape with batch 1) of a normalization layer."""
    shape = step.in_shapes[0]
    ndim = len(shape)
    axis = step.config.get("axis", -1)
    axes = sorted({(a % ndim) for a in ((axis,) if isinstance(axis, int) else axis)})
    bshape = [int(shape[i]) if i in axes else 1 for i in range(ndim)]
    return axes, bshape


def _time_distributed(b: Builder, step: Step, ins: list[str]) -> str:
    """The wrapped layer on (N * T, ...) with the steps folded into the batch, unfolded after."""
    inner_cfg = step.config["layer"]
    inner_in = (None, *step.in_shapes[0][2:])
    inner = Step(
        kind=str(inner_cfg["class_name"]),
        name=str(inner_cfg["config"].get("name", f"{step.name}_inner")),
        config=dict(inner_cfg["config"]),
        weights=step.weights,
        ins=step.ins,
        out=step.out,
        in_shapes=(inner_in,),
        out_shape=(None, *step.out_shape[2:]),
    )
    if inner.kind not in ONNX_LAYERS:
        raise FormatError(
            f"Layer '{step.name}' (TimeDistributed of {inner.kind}) cannot be exported to ONNX: "
            f"the wrapped layer type is not one ONNX export supports. Expected one of "
            f"{', '.join(sorted(ONNX_LAYERS))}. Wrap a supported layer, or export to the "
            ".lfmodel bundle instead."
        )
    steps = int(step.in_shapes[0][1] or 0)
    fold = b.const("fold", [-1, *[int(d or 0) for d in inner_in[1:]]], np.int64)
    y = _layer(b, inner, [b.op("Reshape", [ins[0], fold], step.name)], None)
    unfold = b.const("unfold", [-1, steps, *[int(d or 0) for d in step.out_shape[2:]]], np.int64)
    return b.op("Reshape", [y, unfold], step.name)


def _out_mask(b: Builder, step: Step, ins: list[str], mask: str | None) -> str | None:
    """The (N, T) mask the layer's output carries, as the engine's masking rules give it."""
    if step.kind == "Embedding":
        return padding_mask(b, ins[0], step.name) if step.config.get("mask_zero") else None
    if step.kind == "Bidirectional":
        return mask if step.config["layer"]["config"].get("return_sequences") else None
    if step.kind in RECURRENT_LAYERS:
        return mask if step.config.get("return_sequences", False) else None
    if mask is None or len(ins) != 1:
        return None
    from core.engine.layers.spec import get_layer_class

    passes = bool(getattr(get_layer_class(step.kind), "SUPPORTS_MASKING", False))
    same_steps = len(step.out_shape) >= 2 and step.out_shape[1] == step.in_shapes[0][1]
    return mask if passes and same_steps else None


def _layer(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    kind, base, cfg = step.kind, step.name, step.config
    writer = _WRITERS.get(kind)
    if writer is not None:
        return writer(b, step, ins, mask)
    if kind == "TimeDistributed":
        return _time_distributed(b, step, ins)
    if kind == "Dense":
        y = b.op("MatMul", [ins[0], b.const(f"{base}_kernel", step.weights["kernel"])], base)
        if "bias" in step.weights:
            y = b.op("Add", [y, b.const(f"{base}_bias", step.weights["bias"])], base)
        return activation(b, y, cfg.get("activation", "linear"), base)
    if kind == "Activation":
        return activation(b, ins[0], cfg.get("activation", "linear"), base)
    if kind == "Dropout":
        return b.op("Identity", [ins[0]], base)
    if kind == "Flatten":
        return b.op("Flatten", [ins[0]], base, axis=1)
    if kind == "Reshape":
        target = [int(d) for d in cfg.get("target_shape", (-1,))]
        return b.op("Reshape", [ins[0], b.const(f"{base}_shape", [0, *target], np.int64)], base)
    if kind == "Add":
        y = b.op("Add", [ins[0], ins[1]], base)
        for other in ins[2:]:
            y = b.op("Add", [y, other], base)
        return y
    if kind == "Concatenate":
        return b.op("Concat", ins, base, axis=int(cfg.get("axis", -1)))
    if kind == "BatchNormalization":
        _, bshape = _bshape(step)
        w = step.weights
        eps = np.float32(cfg.get("epsilon", 1e-3))
        inv = (np.float32(1.0) / np.sqrt(w["moving_variance"] + eps)).astype(np.float32)
        shift = (-w["moving_mean"] * inv).astype(np.float32)
        y = b.op("Mul", [ins[0], b.const(f"{base}_inv", inv.reshape(bshape))], base)
        y = b.op("Add", [y, b.const(f"{base}_shift", shift.reshape(bshape))], base)
        if "gamma" in w:
            y = b.op("Mul", [y, b.const(f"{base}_gamma", w["gamma"].reshape(bshape))], base)
        if "beta" in w:
            y = b.op("Add", [y, b.const(f"{base}_beta", w["beta"].reshape(bshape))], base)
        return y
    if kind == "LayerNormalization":
        axes, bshape = _bshape(step)
        w = step.weights
        mean = b.op("ReduceMean", [ins[0]], base, axes=axes, keepdims=1)
        xc = b.op("Sub", [ins[0], mean], base)
        var = b.op("ReduceMean", [b.op("Mul", [xc, xc], base)], base, axes=axes, keepdims=1)
        eps = b.const(f"{base}_eps", float(cfg.get("epsilon", 1e-3)))
        inv = b.op("Reciprocal", [b.op("Sqrt", [b.op("Add", [var, eps], base)], base)], base)
        y = b.op("Mul", [xc, inv], base)
        if "gamma" in w:
            y = b.op("Mul", [y, b.const(f"{base}_gamma", w["gamma"].reshape(bshape))], base)
        if "beta" in w:
            y = b.op("Add", [y, b.const(f"{base}_beta", w["beta"].reshape(bshape))], base)
        return y
    raise FormatError(f"Layer '{step.name}' ({kind}) cannot be exported to ONNX.")


def _preprocessing(b: Builder, pipeline: Any) -> tuple[list[Any], str, dict[str, Any]]:
    """Graph inputs, the name of the preprocessed [N, n_features] tensor, and metadata."""
    from onnx import TensorProto, helper

    numeric = [s for s in pipeline.columns if s.kind != "categorical"]
    names = onnx_input_names(pipeline)
    inputs = [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", len(numeric)])]
    pieces: dict[str, str] = {}
    if numeric:
        fill = np.asarray(
            [s.impute_value if s.impute_value is not None else 0.0 for s in numeric], np.float32
        )
        offset = np.asarray([s.offset for s in numeric], np.float32)
        scale = np.asarray([s.scale for s in numeric], np.float32)
        x = "features"
        filled = b.op(
            "Where", [b.op("IsNaN", [x], "impute"), b.const("fill_value", fill), x], "impute"
        )
        scaled = b.op(
            "Div",
            [b.op("Sub", [filled, b.const("offset", offset)], "scale"), b.const("scale", scale)],
            "scale",
        )
        for j, spec in enumerate(numeric):
            pieces[spec.column] = b.op(
                "Slice",
                [
                    scaled,
                    b.const("start", [j], np.int64),
                    b.const("end", [j + 1], np.int64),
                    b.const("axis", [1], np.int64),
                ],
                f"col_{spec.column}",
            )
    for spec in pipeline.columns:
        if spec.kind != "categorical":
            continue
        name = names[spec.column]
        inputs.append(helper.make_tensor_value_info(name, TensorProto.STRING, ["N", 1]))
        codes = b.ml_op(
            "LabelEncoder",
            [name],
            f"onehot_{name}",
            keys_strings=list(spec.categories),
            values_int64s=list(range(len(spec.categories))),
            default_int64=-1,
        )
        hot = b.op(
            "Equal",
            [codes, b.const("categories", np.arange(len(spec.categories)), np.int64)],
            f"onehot_{name}",
        )
        pieces[spec.column] = b.op("Cast", [hot], f"onehot_{name}", to=TensorProto.FLOAT)
    order = [pieces[s.column] for s in pipeline.columns]
    x = order[0] if len(order) == 1 else b.op("Concat", order, "preprocessed", axis=1)
    meta = {
        "numeric_inputs": json.dumps([s.column for s in numeric]),
        "numeric_input_kinds": json.dumps({s.column: s.kind for s in numeric}),
        "boolean_encoding": json.dumps(
            {
                s.column: {"0": s.categories[0], "1": s.categories[1]}
                for s in numeric
                if s.kind == "boolean"
            }
        ),
        "categorical_inputs": json.dumps(
            {s.column: names[s.column] for s in pipeline.columns if s.kind == "categorical"}
        ),
        "fill_values": json.dumps({s.column: s.impute_value for s in numeric}),
    }
    return inputs, x, meta


def _target_units(b: Builder, x: str, scaling: Any) -> str:
    """`x * scale + offset`: a standardized regression output in the target's units."""
    y = b.op("Mul", [x, b.const("target_scale", [scaling.scale])], "target_units")
    return b.op("Add", [y, b.const("target_offset", [scaling.offset])], "target_units")


def build_onnx(ir: NetIR, bundle: Any) -> tuple[bytes, list[str]]:
    """The serialized ONNX model for `ir` (with the bundle's pipeline) and notes."""
    try:
        import onnx
        from onnx import TensorProto, helper
    except ImportError:
        raise FormatError(
            "ONNX export needs the `onnx` package. Expected it installed. "
            "Received: ImportError. Run: pip install onnx onnxruntime"
        ) from None
    check_supported(ir, "ONNX", ONNX_EXTRA)
    notes: list[str] = []
    b = Builder()
    pipeline = getattr(bundle, "pipeline", None)
    task = getattr(pipeline, "task", None) if pipeline is not None else None
    meta: dict[str, str] = {}
    slots: dict[int, str] = {}
    graph_inputs: list[Any] = []
    if pipeline is not None:
        if len(ir.inputs) != 1 or ir.inputs[0][2] != (pipeline.n_features,):
            raise FormatError(
                f"Expected a model with one input of {pipeline.n_features} features to match "
                f"its preprocessing. Received: inputs {[i[2] for i in ir.inputs]}."
            )
        graph_inputs, x, meta = _preprocessing(b, pipeline)
        slots[ir.inputs[0][0]] = x
    else:
        shapes = [f"(N, {', '.join(str(d) for d in shape)})" for _, _, shape in ir.inputs]
        what = (
            f"the input 'features' is the already preprocessed array {shapes[0]}"
            if len(ir.inputs) == 1
            else "the inputs are the already preprocessed arrays " + ", ".join(shapes)
        )
        notes.append(f"preprocessing not included because the model has no fitted pipeline: {what}")
        for slot, name, shape in ir.inputs:
            iname = "features" if len(ir.inputs) == 1 else safe_name(name)
            graph_inputs.append(
                helper.make_tensor_value_info(iname, TensorProto.FLOAT, ["N", *shape])
            )
            slots[slot] = iname
    masks: dict[int, str | None] = {}
    for step in ir.steps:
        ins = [slots[i] for i in step.ins]
        mask = masks.get(step.ins[0]) if len(step.ins) == 1 else None
        slots[step.out] = _layer(b, step, ins, mask)
        masks[step.out] = _out_mask(b, step, ins, mask)
    outputs: list[Any] = []
    net = [slots[o] for o in ir.outputs]
    kind = task.kind if task is not None else None
    if kind in ("binary", "multiclass") and len(net) == 1:
        labels = list(task.class_labels)
        units = int(ir.output_shapes[0][-1] or 0)
        if kind == "binary" and units == 1:
            p = net[0]
            p = b.op("Clip", [p, b.const("zero", 0.0), b.const("one", 1.0)], "probabilities")
            q = b.op("Sub", [b.const("one", 1.0), p], "probabilities")
            b.nodes.append(
                helper.make_node("Concat", [q, p], ["probabilities"], axis=1, name="probabilities")
            )
            idx = b.op(
                "Cast",
                [b.op("GreaterOrEqual", [p, b.const("half", 0.5)], "label")],
                "label",
                to=TensorProto.INT64,
            )
            idx = b.op("Squeeze", [idx, b.const("axes", [1], np.int64)], "label")
        else:
            b.nodes.append(
                helper.make_node("Identity", [net[0]], ["probabilities"], name="probabilities")
            )
            idx = b.op("ArgMax", [net[0]], "label", axis=1, keepdims=0)
        b.nodes.append(
            helper.make_node(
                "Gather",
                [b.const("class_labels", labels, object), idx],
                ["label"],
                axis=0,
                name="label",
            )
        )
        outputs.append(
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", len(labels)])
        )
        outputs.append(helper.make_tensor_value_info("label", TensorProto.STRING, ["N"]))
    else:
        base = "value" if kind == "regression" else "output"
        scaling = getattr(pipeline, "target_scaling", None) if kind == "regression" else None
        if scaling is not None:
            net = [_target_units(b, t, scaling) for t in net]
            notes.append(
                "the standardized target is turned back into the target's own units inside "
                f"the graph (value = output * {scaling.scale:.6g} + {scaling.offset:.6g})"
            )
        for i, t in enumerate(net):
            name = base if len(net) == 1 else f"{base}_{i}"
            b.nodes.append(helper.make_node("Identity", [t], [name], name=name))
            shape = ["N", *[d for d in ir.output_shapes[i][1:]]]
            outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
    nodes = b.pruned_nodes([o.name for o in outputs])
    graph = helper.make_graph(nodes, safe_name(ir.name), graph_inputs, outputs, initializer=b.inits)
    model = helper.make_model(
        graph,
        producer_name="LayerForge",
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx.ml", ML_OPSET)],
    )
    model.ir_version = 8
    props = dict(meta)
    props.update(
        {
            "feature_names": json.dumps(list(getattr(bundle, "feature_names", []) or [])),
            "input_columns": json.dumps(list(getattr(bundle, "input_columns", []) or [])),
            "class_labels": json.dumps(list(task.class_labels) if task is not None else []),
            "task": str(kind or ""),
            "target": str(getattr(pipeline, "target", "") or ""),
            "preprocessing": "included" if pipeline is not None else "not included",
        }
    )
    if pipeline is not None:
        props["pipeline"] = json.dumps(pipeline.to_dict())
    onnx.helper.set_model_props(model, props)
    model.doc_string = (__doc__ or "").split("\n\n")[1].replace("\n", " ")
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as exc:  # noqa: BLE001 - onnx raises several checker error types
        raise FormatError(
            f"The ONNX graph LayerForge built is invalid: {exc}. This is a bug; "
            "please report it with the model file."
        ) from None
    return model.SerializeToString(), notes
