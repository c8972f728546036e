"""Merge layers: Add and Concatenate (two or more inputs, Keras names and defaults).

`compute_output_shape` takes a list of shapes and raises ShapeError with a plain
message on a mismatch; the symbolic API adds the names of the layers involved.
"""

from __future__ import annotations

from typing import Any

from core.engine.autograd import Tensor
from core.engine.layers.base import Layer, Shape
from core.engine.layers.spec import ParamSpec, register
from core.engine.ops import add as _add
from core.engine.ops import concatenate as _concatenate
from core.errors import ShapeError


def _shape_list(cls: str, input_shape: Any) -> list[Shape]:
    if (
        not isinstance(input_shape, (list, tuple))
        or not input_shape
        or not all(isinstance(s, (list, tuple)) for s in input_shape)
    ):
        raise ShapeError(
            None, f"{cls} needs a list of at least 2 input shapes. Received: {input_shape!r}"
        )
    shapes = [tuple(s) for s in input_shape]
    if len(shapes) < 2:
        raise ShapeError(None, f"{cls} needs at least 2 inputs. Received: {len(shapes)}")
    return shapes


class _Merge(Layer):
    CATEGORY = "Merge"
    MIN_INPUTS = 2
    MAX_INPUTS = None


@register
class Add(_Merge):
    """Keras Add: elementwise sum of inputs of the same shape."""

    PARAMS = ()
    DESCRIPTION = "Add inputs of the same shape elementwise."

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shapes = _shape_list("Add", input_shape)
        first = shapes[0]
        for other in shapes[1:]:
            if len(other) != len(first) or any(
                a is not None and b is not None and a != b
                for a, b in zip(first[1:], other[1:], strict=False)
            ):
                raise ShapeError(
                    None,
                    f"Add needs inputs of the same shape. Received: {tuple(first[1:])} and "
                    f"{tuple(other[1:])}",
                )
        return first

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        out = _add(inputs[0], inputs[1])
        for x in inputs[2:]:
            out = _add(out, x)
        return out


@register
class Concatenate(_Merge):
    """Keras Concatenate: join inputs along `axis` (default: the last, features)."""

    PARAMS = (ParamSpec("axis", "int", -1, "Axis to join along (-1 = features).", key=True),)
    DESCRIPTION = "Join inputs side by side along one axis."

    def __init__(self, axis: int = -1, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.axis: int = self._check("axis", axis)

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shapes = _shape_list("Concatenate", input_shape)
        ndim = len(shapes[0])
        ax = self.axis
        if not -ndim <= ax < ndim or ax % ndim == 0:
            raise ShapeError(
                None,
                f"Concatenate axis {ax} is not a feature axis of inputs of shape "
                f"{tuple(shapes[0][1:])}. Expected an axis in 1..{ndim - 1} or -1.",
            )
        ax %= ndim
        for other in shapes[1:]:
            if len(other) != ndim or any(
                i != ax and a is not None and b is not None and a != b
                for i, (a, b) in enumerate(zip(shapes[0], other, strict=False))
            ):
                raise ShapeError(
                    None,
                    f"Concatenate needs inputs whose shapes match except along axis {self.axis}. "
                    f"Received: {tuple(shapes[0][1:])} and {tuple(other[1:])}",
                )
        sizes = [s[ax] for s in shapes]
        total = None if any(n is None for n in sizes) else sum(sizes)
        return shapes[0][:ax] + (total,) + shapes[0][ax + 1 :]

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        return _concatenate(inputs, axis=self.axis)
