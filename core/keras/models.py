"""keras.models: Sequential, Model, load_model, save_model, model_from_json, clone_model."""

from __future__ import annotations

from typing import Any

from core.engine.models import Model, Sequential
from core.errors import ConfigError
from core.keras._unsupported import missing_names
from core.keras.saving import _objects, load_model, save_model


def model_from_json(json_string: str, custom_objects: dict[str, Any] | None = None) -> Model:
    """A new model (fresh weights) from `model.to_json()` text."""
    from core.export import keras_file  # imported on use: core.export pulls in pandas

    return keras_file.from_json(json_string, _objects(custom_objects))


def clone_model(model: Model, input_tensors: Any = None, clone_function: Any = None, **kw: Any):
    """A new model with the same architecture and newly initialised weights (Keras semantics)."""
    if input_tensors is not None or clone_function is not None or kw:
        raise ConfigError(
            "clone_model: input_tensors, clone_function and other options are not supported "
            "yet. Expected clone_model(model)."
        )
    return type(model).from_config(model.get_config())


__all__ = [
    "Model",
    "Sequential",
    "clone_model",
    "load_model",
    "model_from_json",
    "save_model",
]

__getattr__ = missing_names(__name__)
