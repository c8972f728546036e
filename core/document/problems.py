"""What the network check reports: a `Problem` in plain words at a node, and the
`Fix` a view can apply in one click (insert a layer on an edge, or set parameters).
Plain frozen dataclasses and the way messages print shapes, stdlib only, shared
by `analysis` and `shape_fixes`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Fix", "Problem", "Shape", "format_shape", "sample_dims"]

Shape = tuple[int | None, ...]


@dataclass(frozen=True)
class Fix:
    """A one-click repair. insert_layer: put `layer_type(params)` between `after` and
    `node_id` (after None: before `node_id`, feeding it); set_params: set `params` on node_id."""

    label: str
    kind: str
    node_id: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    layer_type: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class Problem:
    """Something that stops the network from being built, in plain words."""

    node_id: str | None
    message: str
    fix: Fix | None = None
    related: tuple[str, ...] = ()


def format_shape(shape: Any) -> str:
    """Keras's printing of a shape: (None, 10); a list of shapes joined; None -> "?"."""
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(format_shape(s) for s in shape)
    dims = ["None" if d is None else str(d) for d in shape]
    return f"({dims[0]},)" if len(dims) == 1 else f"({', '.join(dims)})"


def sample_dims(shape: Shape) -> str:
    """The shape the user thinks of (no batch dim): (26, 26, 32)."""
    return format_shape(tuple(shape[1:]))
