"""Declarative layer descriptions and the layer registry.

Every layer class declares what the GUI, the graph document and the file
formats need to know about it without building it: its palette category, a
one-line description, how many inputs it takes, and a tuple of `ParamSpec`
that the inspector renders as a form and that `validate_params` checks. The
registry maps Keras class names ("Dense") to classes; `CATALOG` adapts it to
the `LayerCatalog` protocol that `core.document.graph` expects.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import ConfigError, GraphError
from core.naming import snake_case

#: Kinds of parameter the inspector knows how to edit.
PARAM_KINDS = ("int", "float", "bool", "choice", "str", "shape", "axes", "optional_float")


@dataclass(frozen=True)
class ParamSpec:
    """One constructor argument of a layer as the inspector shows it.

    kind: "int", "float", "bool", "choice" (one of `choices`), "str",
    "shape" (tuple of positive ints, or None entries for Reshape -1),
    "axes" (int or tuple of ints), "optional_float" (float or None).
    `key` marks the settings shown on the canvas node ("Dense 10 · relu").
    """

    name: str
    kind: str
    default: Any
    help: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    key: bool = False
    nullable: bool = False

    def validate(self, value: Any, owner: str = "layer") -> Any:
        """Return `value` coerced to this spec's kind, or raise ConfigError.

        Messages read "Dense: argument `units` Expected a positive integer.
        Received: units=0".
        """
        name = self.name

        def fail(expected: str, fix: str | None = None) -> ConfigError:
            return argument_error(owner, name, value, expected, fix)

        if value is None and (self.nullable or self.kind == "optional_float"):
            return None
        if self.kind == "bool":
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
            raise fail("True or False")
        if self.kind == "int":
            if (
                isinstance(value, (bool, np.bool_))
                or not isinstance(value, (int, float, np.integer, np.floating))
                or (not float(value).is_integer())
            ):
                raise fail("a positive integer" if self.minimum == 1 else "a whole number")
            value = int(value)
            if self.minimum == 1 and value < 1:
                raise fail("a positive integer")
        elif self.kind in ("float", "optional_float"):
            if isinstance(value, (bool, np.bool_)) or not isinstance(
                value, (int, float, np.integer, np.floating)
            ):
                raise fail("a number")
            value = float(value)
            if value != value:  # NaN
                raise fail("a number")
        elif self.kind == "choice":
            if value not in self.choices:
                close = difflib.get_close_matches(str(value), self.choices, n=1)
                hint = f"Did you mean '{close[0]}'?" if close else None
                allowed = ", ".join(map(repr, self.choices))
                if self.nullable:
                    allowed += " or None"
                raise fail(f"one of {allowed}", hint)
            return value
        elif self.kind == "str":
            if not isinstance(value, str):
                raise fail("text")
            return value
        elif self.kind == "shape":
            if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
                value = (int(value),)
            if not isinstance(value, (list, tuple)) or not all(
                (
                    isinstance(v, (int, np.integer))
                    and not isinstance(v, bool)
                    and (v > 0 or v == -1)
                )
                or v is None
                for v in value
            ):
                raise fail("a shape such as (8,) or (28, 28, 1)")
            return tuple(None if v is None else int(v) for v in value)
        elif self.kind == "axes":
            if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
                return int(value)
            if isinstance(value, (list, tuple)) and all(
                isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
            ):
                return tuple(int(v) for v in value)
            raise fail("an axis or a list of axes")
        if self.minimum is not None and value < self.minimum:
            raise fail(f"a value >= {self.minimum:g}")
        if self.maximum is not None and value > self.maximum:
            raise fail(f"a value <= {self.maximum:g}")
        return value


_REGISTRY: dict[str, type] = {}


def type_name(cls: type) -> str:
    """The name a layer class is registered and saved under (its `TYPE_NAME` or class name)."""
    return getattr(cls, "TYPE_NAME", None) or cls.__name__


def register(cls: type) -> type:
    """Class decorator: make a layer class known by its type name (see `type_name`)."""
    _REGISTRY[type_name(cls)] = cls
    return cls


def get_layer_class(name: str) -> type:
    """The registered layer class called `name`, or a GraphError suggesting a close name."""
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise GraphError(
            f"Unknown layer type '{name}'. Expected one of: {', '.join(sorted(_REGISTRY))}.{hint}"
        ) from None


def layer_classes() -> list[type]:
    """All registered layer classes, in registration order."""
    return list(_REGISTRY.values())


def default_params(cls: type) -> dict[str, Any]:
    """The defaults of every declared parameter of a layer class."""
    return {p.name: p.default for p in getattr(cls, "PARAMS", ())}


def validate_params(cls: type, params: dict[str, Any], owner: str | None = None) -> dict[str, Any]:
    """Coerce and check `params` against `cls.PARAMS`; unknown names are refused."""
    specs = {p.name: p for p in getattr(cls, "PARAMS", ())}
    owner = owner or cls.__name__
    out: dict[str, Any] = {}
    for name, value in params.items():
        if name not in specs:
            raise unknown_argument(owner, name, list(specs))
        out[name] = specs[name].validate(value, owner)
    return out


def argument_error(
    owner: str, name: str, value: Any, expected: str, fix: str | None = None
) -> ConfigError:
    """ "Dense: argument `units` Expected a positive integer. Received: units=0" (Keras's words)."""
    received = f"{name}={value!r}"
    tail = f". {fix}" if fix else ""
    return ConfigError(
        f"argument `{name}` Expected {expected}. Received: {received}{tail}",
        where=owner,
        expected=expected,
        received=received,
        fix=fix,
    )


def unknown_argument(owner: str, name: str, known: list[str]) -> ConfigError:
    """ "Dense: unknown argument `unitz`. Expected one of: units, .... Did you mean 'units'?" """
    close = difflib.get_close_matches(name, known, n=1)
    expected = f"one of: {', '.join(known) or '(none)'}"
    fix = f"Did you mean '{close[0]}'?" if close else None
    return ConfigError(
        f"unknown argument `{name}`. Expected {expected}." + (f" {fix}" if fix else ""),
        where=owner,
        expected=expected,
        received=f"`{name}`",
        fix=fix,
    )


class _Catalog:
    """Adapter from the registry to core.document.graph's LayerCatalog protocol."""

    def has(self, type_name: str) -> bool:
        return type_name in _REGISTRY

    def input_arity(self, type_name: str) -> tuple[int, int | None]:
        cls = get_layer_class(type_name)
        return (getattr(cls, "MIN_INPUTS", 1), getattr(cls, "MAX_INPUTS", 1))

    def default_params(self, type_name: str) -> dict[str, Any]:
        return default_params(get_layer_class(type_name))

    def base_name(self, type_name: str) -> str:
        return snake_case(type_name)

    def types(self) -> Iterable[str]:
        return list(_REGISTRY)


CATALOG = _Catalog()
