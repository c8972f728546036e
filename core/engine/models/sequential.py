"""`Sequential`: a plain stack of single-input layers, built on the functional Model.

Layers come as a list or through `.add`. The input shape comes from a leading
`keras.Input(...)`/`InputLayer`, from the first layer's `input_shape=`
(Keras 2 style, built at once), or from the first data the model sees.
`layers` omits the input layer, as in Keras.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.engine.layers import Input, InputLayer, Layer, SymbolicTensor, deserialize, serialize
from core.engine.models.functional import Model, _prepare_unbuilt
from core.errors import ConfigError


class Sequential(Model):
    """Keras Sequential: `Sequential([Dense(10, activation="relu", input_shape=(8,)), ...])`."""

    def __init__(
        self, layers: Iterable[Any] | None = None, name: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(name=name, **kwargs)
        self._stack: list[Layer] = []
        self._input_tensor: SymbolicTensor | None = None
        for layer in layers or []:
            self.add(layer)

    def _default_name(self) -> str:
        return "sequential"

    def add(self, layer: Any) -> None:
        """Append a layer (or set the input with keras.Input / InputLayer)."""
        if isinstance(layer, SymbolicTensor) and isinstance(layer.layer, InputLayer):
            layer = layer.layer
        if isinstance(layer, InputLayer):
            if self._stack or self._input_tensor is not None:
                raise ConfigError(
                    "Sequential: Expected the Input to come first. Received an Input after "
                    f"{len(self._stack)} layer(s)."
                )
            self._input_tensor = layer.output
            return
        if isinstance(layer, Model):
            layer = layer.as_layer()  # a model inside a Sequential, weights shared
        if not isinstance(layer, Layer):
            raise ConfigError(
                f"Sequential: Expected a layer such as keras.layers.Dense(10). Received: {layer!r}"
            )
        if layer.MIN_INPUTS > 1:
            raise ConfigError(
                f"Sequential: {type(layer).__name__} '{layer.name}' merges several inputs; "
                "Expected single-input layers. Use the functional Model(inputs, outputs) API."
            )
        self._stack.append(layer)
        if self._input_tensor is None and len(self._stack) == 1 and layer.input_shape_hint:
            self._input_tensor = Input(shape=tuple(layer.input_shape_hint[1:]))
        if self._input_tensor is not None:
            if self.built:
                out = layer(self._outputs[0])
                self._set_graph(self._input_tensor, out)
            else:
                self._connect()

    def pop(self) -> Layer:
        if not self._stack:
            raise ConfigError("Sequential.pop: Expected a model with layers. Received: none.")
        layer = self._stack.pop()
        self._rebuild_graph_only()
        return layer

    def _rebuild_graph_only(self) -> None:
        self._outputs, self._plan = [], []
        if self._input_tensor is not None and self._stack:
            self._connect()

    def _connect(self) -> None:
        out = self._input_tensor
        for layer in self._stack:
            out = layer(out)
        if self._stack:
            self._set_graph(self._input_tensor, out)

    def build(self, input_shape: Any = None) -> None:
        """Build for `input_shape` (with or without the leading batch dim)."""
        if self.built:
            return
        if input_shape is None:
            raise ConfigError("Sequential.build: Expected an input shape such as (None, 8).")
        shape = tuple(input_shape)
        if shape and shape[0] is None:
            shape = shape[1:]
        self._input_tensor = Input(shape=shape)
        self._connect()

    def _ensure_built(self, x: Any) -> None:
        if self.built:
            return
        if not self._stack:
            raise ConfigError(
                "Sequential: Expected at least one layer. Received: an empty model. Add layers "
                "with model.add(...)."
            )
        first = x[0] if isinstance(x, list) else x
        self.build((None,) + tuple(first.shape[1:]))

    def __call__(self, x: Any, training: bool = False) -> Any:
        if not self.built:
            self._ensure_built(_prepare_unbuilt(x, "call"))
        return super().__call__(x, training)

    @property
    def layers(self) -> list[Layer]:
        return list(self._stack)

    @property
    def weights(self) -> list[Any]:
        return [v for layer in self._stack for v in layer.weights]

    @property
    def trainable_weights(self) -> list[Any]:
        return [v for layer in self._stack for v in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list[Any]:
        return [v for layer in self._stack for v in layer.non_trainable_weights]

    def get_config(self) -> dict[str, Any]:
        layers = []
        if self._input_tensor is not None:
            inp = self._input_tensor.layer
            layers.append(serialize(inp))
        layers += [serialize(layer) for layer in self._stack]
        return {"name": self.name, "trainable": True, "layers": layers}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Sequential:
        model = cls(name=config.get("name"))
        for entry in config.get("layers", []):
            model.add(deserialize(entry))
        return model
