"""Keras model subclassing and models used as layers.

A `keras.Model` subclass that overrides `call` is built from data: layers the
subclass assigns as attributes (directly or in lists) are tracked in
assignment order, and the first batch the model sees runs `call` once to
create their weights and learn the output shapes (`build_from_call`).
`ModelLayer` wraps a model so it can sit inside a Sequential or be called on
symbolic tensors in a functional graph, sharing the model's weights.
Losses that layers (or the model) add with `add_loss` during a forward pass
are collected by `take_added_losses`.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from core.engine.autograd import Tensor, no_grad
from core.engine.layers import InputLayer, Layer, SymbolicTensor
from core.errors import ConfigError


class OutputMarker:
    """What a subclassed model's output SymbolicTensor points at: no layer, no activation."""

    output_activation = None

    def __init__(self, name: str) -> None:
        self.name = name


def tracked_items(value: Any) -> list[Any]:
    """The layers and models in an attribute value (itself, or the items of a list/tuple/dict)."""
    from core.engine.models.functional import Model

    items = value.values() if isinstance(value, dict) else value
    items = items if isinstance(items, (list, tuple)) or isinstance(value, dict) else [value]
    return [v for v in items if isinstance(v, (Layer, Model))]


def call_user(model: Any, x: Any, training: bool) -> Any:
    """`model.call(x, training=...)`, or without `training` when call does not take it."""
    takes = getattr(type(model), "_lf_call_takes_training", None)
    if takes is None:
        params = inspect.signature(type(model).call).parameters
        takes = "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
        type(model)._lf_call_takes_training = takes
    return model.call(x, training=training) if takes else model.call(x)


def _as_tensors(x: Any) -> Any:
    if isinstance(x, list):
        return [a if isinstance(a, Tensor) else Tensor(a) for a in x]
    return x if isinstance(x, Tensor) else Tensor(x)


def build_from_call(model: Any, x: Any) -> None:
    """Run a subclassed model's `call` on the first rows of `x` and record its structure."""
    first = [a[:2] for a in x] if isinstance(x, list) else x[:2]
    with no_grad():
        out = call_user(model, _as_tensors(first), False)
    clear_added_losses(model)
    multi_out = isinstance(out, (list, tuple))
    outs = list(out) if multi_out else [out]
    for o in outs:
        if not isinstance(o, (Tensor, np.ndarray)):
            raise ConfigError(
                f"Model '{model.name}': Expected call() to return tensors. Received: "
                f"{type(o).__name__}."
            )
    xs = x if isinstance(x, list) else [x]
    model._inputs = [
        InputLayer(shape=tuple(np.shape(a)[1:]), name=f"{model.name}_input_{i}").output
        for i, a in enumerate(xs)
    ]
    marker = OutputMarker(model.name)
    model._outputs = [
        SymbolicTensor((None,) + tuple(np.shape(getattr(o, "data", o))[1:]), marker) for o in outs
    ]
    model._multi_in = isinstance(x, list)
    model._multi_out = multi_out
    layers: list[Any] = []
    for item in model._tracked:
        layers.append(item.as_layer() if hasattr(item, "as_layer") else item)
    model._layers = layers
    model._reg_layers = [
        la for la in layers if any(getattr(v, "regularizer", None) is not None for v in la.weights)
    ]
    model._fused = []
    model._opt_vars = []


def forward_subclassed(model: Any, x: Any, training: bool) -> list[Tensor]:
    out = call_user(model, _as_tensors(x), training)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    return [o if isinstance(o, Tensor) else Tensor(np.asarray(o)) for o in outs]


def _walk(root: Any) -> list[Any]:
    """The model, its layers, their sub-layers and nested models, each once."""
    out: list[Any] = []
    stack = [root]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        out.append(item)
        stack.extend(getattr(item, "_sublayers", ()))
        stack.extend(getattr(item, "_layers", ()))
        if isinstance(item, ModelLayer):
            stack.append(item.model)
    return out


def _loss_sources(model: Any) -> list[Any]:
    """The model's parts that may call add_loss: user-written layers and models.

    LayerForge's own layers never add losses, so a model of built-in layers has none and
    the per-batch cost is one cached lookup. Cached until the model's layer list changes.
    """
    layers = getattr(model, "_layers", ())
    key = (id(layers), len(layers))
    cached = model.__dict__.get("_lf_loss_sources")
    if cached is not None and cached[0] == key:
        return cached[1]
    items = [it for it in _walk(model) if not type(it).__module__.startswith("core.")]
    object.__setattr__(model, "_lf_loss_sources", (key, items))
    return items


def clear_added_losses(model: Any) -> None:
    for item in _loss_sources(model):
        if getattr(item, "_added_losses", None):
            item._added_losses = []


def take_added_losses(model: Any) -> list[Tensor]:
    """The loss terms added with add_loss during the last forward pass (then forgotten)."""
    terms: list[Tensor] = []
    for item in _loss_sources(model):
        added = getattr(item, "_added_losses", None)
        if added:
            terms.extend(added)
            item._added_losses = []
    return terms


class ModelLayer(Layer):
    """A model used as a layer (in a Sequential, or called on symbolic tensors)."""

    TYPE_NAME = "Functional"

    def __init__(self, model: Any) -> None:
        super().__init__(name=model.name)
        object.__setattr__(self, "model", model)
        self.built = model.built

    def _all_weights(self) -> list[Any]:
        return self.model.weights

    @property
    def trainable_weights(self) -> list[Any]:
        return self.model.trainable_weights if self.trainable else []

    @property
    def non_trainable_weights(self) -> list[Any]:
        return self.model.non_trainable_weights

    def build(self, input_shape: Any, rng: Any = None) -> None:
        if not self.model.built:
            shape = tuple(input_shape)
            sample = np.zeros((1,) + tuple(d or 1 for d in shape[1:]), np.float32)
            self.model._ensure_built(sample)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        if not self.model.built:
            self.build(input_shape)
        return self.model.output_shape

    def call(self, inputs: Any, training: bool = False) -> Any:
        outs = self.model._forward(inputs, training)
        return outs if self.model._multi_out else outs[0]
