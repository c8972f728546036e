"""A format-neutral description of a trained LayerForge model for the exporters.

`describe(model)` walks a `Sequential` or functional `Model` into a `NetIR`:
its inputs, one `Step` per layer call in execution order (layer type, name,
plain config values, the weights as float32 arrays by Keras weight name, the
slots it reads and writes, its output shape) and its outputs. Every exporter
reads this one structure, so they agree on layer order, names and weights;
`check_supported` refuses a layer a format cannot express with a message
that names the layer and the format.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.errors import FormatError

__all__ = ["SUPPORTED_LAYERS", "NetIR", "Step", "check_supported", "describe"]

#: Layer types every export format can express.
SUPPORTED_LAYERS: tuple[str, ...] = (
    "Dense",
    "Activation",
    "Dropout",
    "BatchNormalization",
    "LayerNormalization",
    "Flatten",
    "Reshape",
    "Add",
    "Concatenate",
)

#: The Keras weight order of each layer type (h5 `vars/0`, `vars/1`, ...).
WEIGHT_ORDER: dict[str, tuple[str, ...]] = {
    "Dense": ("kernel", "bias"),
    "BatchNormalization": ("gamma", "beta", "moving_mean", "moving_variance"),
    "LayerNormalization": ("gamma", "beta"),
    "Normalization": ("mean", "variance", "count"),
}


@dataclass
class Step:
    """One layer call: `kind` (class name), its name, config, weights and slots."""

    kind: str
    name: str
    config: dict[str, Any]
    weights: dict[str, np.ndarray]
    ins: tuple[int, ...]
    out: int
    in_shapes: tuple[tuple[int | None, ...], ...]
    out_shape: tuple[int | None, ...]


@dataclass
class NetIR:
    """Inputs (slot, name, shape without batch), steps in order, output slots."""

    inputs: list[tuple[int, str, tuple[int, ...]]]
    steps: list[Step]
    outputs: list[int]
    output_shapes: list[tuple[int | None, ...]]
    name: str = "model"
    notes: list[str] = field(default_factory=list)

    @property
    def n_params(self) -> int:
        return int(sum(w.size for s in self.steps for w in s.weights.values()))

    def slot_name(self, slot: int) -> str:
        """A readable tensor name for `slot` (the input name or the producing layer)."""
        for s, name, _ in self.inputs:
            if s == slot:
                return name
        for step in self.steps:
            if step.out == slot:
                return step.name
        return f"t{slot}"


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _layer_weights(layer: Any) -> dict[str, np.ndarray]:
    """The layer's weights by Keras name, in Keras order.

    Types in `WEIGHT_ORDER` list their attributes; every other layer gives its weights
    in `get_weights` order by variable name (`kernel`, `recurrent_kernel`, `bias`,
    `embeddings`). Where names repeat (a `Bidirectional` wrapper holds two recurrent
    layers) the key is the variable's path instead, such as `forward_lstm/kernel`.
    """
    out: dict[str, np.ndarray] = {}
    order = WEIGHT_ORDER.get(type(layer).__name__)
    if order is not None:
        for attr in order:
            t = getattr(layer, attr, None)
            if t is not None:
                out[attr] = np.asarray(t.data, dtype=np.float32).copy()
        return out
    variables = list(getattr(layer, "weights", ()))
    names = [str(getattr(v, "name", f"w{i}")) for i, v in enumerate(variables)]
    unique = len(set(names)) == len(names)
    for i, v in enumerate(variables):
        key = names[i] if unique else str(getattr(v, "path", f"w{i}"))
        out[key] = np.asarray(v.data, dtype=np.float32).copy()
    return out


def describe(model: Any) -> NetIR:
    """The `NetIR` of a built LayerForge model (FormatError when it is not built)."""
    if not getattr(model, "built", False) or not getattr(model, "_plan", None):
        raise FormatError(
            "Expected a built model with layers to export. Received: a model that has not "
            "been built; train it or call model.build(input_shape) first."
        )
    inputs: list[tuple[int, str, tuple[int, ...]]] = []
    for i, t in enumerate(model._inputs):
        shape = tuple(t.shape[1:])
        if any(d is None for d in shape):
            raise FormatError(
                f"Expected an input with a fixed shape. Received: input '{t.name}' of shape "
                f"{shape}. Give the Input layer a shape such as (8,)."
            )
        inputs.append((i, t.layer.name, tuple(int(d) for d in shape)))
    steps: list[Step] = []
    seen_layers: set[int] = set()
    shared: list[str] = []
    for s in model._plan:
        layer = s.layer
        if id(layer) in seen_layers:
            shared.append(layer.name)
        seen_layers.add(id(layer))
        cfg = _plain(layer.get_config()) if hasattr(layer, "get_config") else {}
        in_shapes = tuple(tuple(p.shape) for p in s.tensor.inbound)
        steps.append(
            Step(
                kind=type(layer).__name__,
                name=str(layer.name),
                config=cfg,
                weights=_layer_weights(layer),
                ins=tuple(s.ins),
                out=int(s.out),
                in_shapes=in_shapes,
                out_shape=tuple(s.tensor.shape),
            )
        )
    ir = NetIR(
        inputs=inputs,
        steps=steps,
        outputs=[int(o) for o in model._out_slots],
        output_shapes=[tuple(t.shape) for t in model._outputs],
        name=str(getattr(model, "name", "model") or "model"),
    )
    if shared:
        ir.notes.append("shared:" + ",".join(shared))
    return ir


def check_supported(ir: NetIR, fmt: str, extra: Iterable[str] = ()) -> None:
    """Refuse a layer type `fmt` cannot express, naming the layer and the format."""
    allowed = set(SUPPORTED_LAYERS) | set(extra)
    for step in ir.steps:
        if step.kind not in allowed:
            raise FormatError(
                f"Layer '{step.name}' ({step.kind}) cannot be exported to {fmt}: this format "
                f"supports {', '.join(sorted(allowed))}. Expected only those layer types. "
                "Remove or replace the layer, or export to the .lfmodel bundle instead."
            )
