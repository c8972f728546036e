"""Weight regularizers L1, L2 and L1L2 with Keras names ('l1', 'l2', 'l1_l2').

`l1`, `l2` and `l1_l2` are also the classes themselves, as in Keras 3, so
`kernel_regularizer=regularizers.l2(0.01)` works.

A regularizer called on a weight Tensor returns a scalar Tensor penalty (one
graph node with a closed-form gradient). `get` accepts a name, a
`{"class_name", "config"}` dict, an instance or None; `get_config` round-trips.
The string 'l1_l2' gives l1=l2=0.01 (Keras 2's `l1_l2()` defaults).
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np

from core.engine.autograd import Tensor, as_tensor
from core.engine.tracing import traceable
from core.errors import ConfigError


def _factor(owner: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ConfigError(f"{owner}: Expected a non-negative number. Received: {name}={value!r}")
    return float(value)


class Regularizer:
    """Base: `__call__(weights) -> scalar Tensor` = l1 * sum|w| + l2 * sum(w^2)."""

    l1: float = 0.0
    l2: float = 0.0

    @traceable
    def __call__(self, x: Any) -> Tensor:
        x = as_tensor(x)
        xd = x.data
        l1, l2 = self.l1, self.l2
        value = 0.0
        if l1:
            value += l1 * float(np.abs(xd).sum())
        if l2:
            value += l2 * float(np.vdot(xd, xd))

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            grad = xd * (2 * l2) if l2 else np.zeros_like(xd)
            if l1:
                grad += l1 * np.sign(xd)
            grad *= g
            return (grad,)

        return Tensor._make(np.asarray(value, dtype=xd.dtype), (x,), backward)

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Regularizer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.get_config()})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.l1, self.l2))


class L1(Regularizer):
    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = _factor("L1", "l1", l1)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(Regularizer):
    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = _factor("L2", "l2", l2)

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


class L1L2(Regularizer):
    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = _factor("L1L2", "l1", l1)
        self.l2 = _factor("L1L2", "l2", l2)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


# Keras 3's lowercase names are the classes: keras.regularizers.l2(0.01) is L2(0.01).
l1 = L1
l2 = L2
l1_l2 = L1L2

NAMES: tuple[str, ...] = ("l1", "l2", "l1_l2")
_CLASSES: dict[str, type] = {"L1": L1, "L2": L2, "L1L2": L1L2}


def from_name(name: str, factor: float = 0.01) -> Regularizer:
    """'l1' | 'l2' | 'l1_l2' with the given factor (both factors for 'l1_l2')."""
    if name == "l1":
        return L1(factor)
    if name == "l2":
        return L2(factor)
    if name == "l1_l2":
        return L1L2(factor, factor)
    close = difflib.get_close_matches(str(name), NAMES, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise ConfigError(
        f"Unknown regularizer '{name}'. Expected one of: {', '.join(NAMES)} or None.{hint}"
    )


def to_name(reg: Regularizer | None) -> tuple[str | None, float | None]:
    """(name, factor) when `reg` is expressible as a name plus one factor, else (None, None)."""
    if reg is None:
        return None, None
    if type(reg) is L1:
        return "l1", reg.l1
    if type(reg) is L2:
        return "l2", reg.l2
    if type(reg) is L1L2 and reg.l1 == reg.l2:
        return "l1_l2", reg.l1
    return None, None


def serialize(reg: Regularizer | None) -> dict[str, Any] | None:
    if reg is None:
        return None
    return {"class_name": type(reg).__name__, "config": reg.get_config()}


def deserialize(config: dict[str, Any]) -> Regularizer | None:
    """A regularizer from Keras's {"class_name": "L2", "config": {"l2": 0.01}}."""
    return get(config)


def get(identifier: Any) -> Regularizer | None:
    """A regularizer from None, 'l1'/'l2'/'l1_l2', a class_name/config dict or an instance."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        return from_name(identifier)
    if isinstance(identifier, dict) and "class_name" in identifier:
        cls = _CLASSES.get(identifier["class_name"])
        if cls is None:
            raise ConfigError(
                f"Unknown regularizer class '{identifier['class_name']}'. "
                "Expected one of: L1, L2, L1L2."
            )
        return cls.from_config(dict(identifier.get("config") or {}))
    raise ConfigError(
        f"Expected a regularizer name ('l1', 'l2', 'l1_l2'), a config dict, a Regularizer "
        f"or None. Received: {identifier!r}"
    )
