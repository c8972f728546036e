"""keras.saving: `.keras` and `.weights.h5` files, and the registry of custom classes.

`load_model` reads Keras 3 `.keras` files written by LayerForge or by Keras
(models of layers LayerForge implements). Custom classes are found through
`custom_objects=` or `@register_keras_serializable`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.keras._unsupported import missing_names

_REGISTERED: dict[str, Any] = {}
_SCOPES: list[dict[str, Any]] = []


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable:
    """Class decorator: make a custom layer/loss/metric loadable by its name."""

    def decorate(obj: Any) -> Any:
        key = name or obj.__name__
        _REGISTERED[key] = obj
        _REGISTERED[f"{package}>{key}"] = obj
        return obj

    return decorate


def get_custom_objects() -> dict[str, Any]:
    """The registered custom objects (a live dict, as in Keras)."""
    return _REGISTERED


class CustomObjectScope:
    """`with CustomObjectScope({"MyLayer": MyLayer}):` makes the names loadable inside."""

    def __init__(self, *objects: dict[str, Any]) -> None:
        self.objects: dict[str, Any] = {}
        for o in objects:
            self.objects.update(o or {})

    def __enter__(self) -> CustomObjectScope:
        _SCOPES.append(self.objects)
        return self

    def __exit__(self, *exc: object) -> None:
        _SCOPES.remove(self.objects)


custom_object_scope = CustomObjectScope


def _objects(custom_objects: dict[str, Any] | None) -> dict[str, Any]:
    out = dict(_REGISTERED)
    for scope in _SCOPES:
        out.update(scope)
    out.update(custom_objects or {})
    return out


def load_model(
    filepath: str | Path,
    custom_objects: dict[str, Any] | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> Any:
    """The model saved in a `.keras` file, compiled when the file has compile settings."""
    from core.export import keras_file  # imported on use: core.export pulls in pandas

    return keras_file.load_keras(filepath, _objects(custom_objects), compile)


def save_model(model: Any, filepath: str | Path, overwrite: bool = True, **kwargs: Any) -> None:
    model.save(filepath, overwrite=overwrite)


def save_weights(model: Any, filepath: str | Path, overwrite: bool = True) -> None:
    model.save_weights(filepath, overwrite=overwrite)


def load_weights(model: Any, filepath: str | Path, skip_mismatch: bool = False) -> None:
    model.load_weights(filepath)


__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "get_custom_objects",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
]

__getattr__ = missing_names(__name__)
