"""What the Boundary view shows, Qt-free: axis choices, captions, units and colours.

The app's Boundary view is a thin picture of these functions over a
`core.data.Dataset` and a predict function. `axis_options` lists what the two
axis pickers offer ("PCA (all features)" and each numeric input);
`pick_axis` is what choosing one does to the current pair; `rank_features`
orders the numeric inputs by permutation importance (the default pair is the
top two); `axis_units` maps the network's (standardized) inputs back to each
column's own units for the axes and the points; `held_note` and `axis_title`
are the captions; `grid_rgba` and `point_rgba` the colours of the map and of
the training points.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from core.evaluation.boundary import CURVE, MAP, PCA, BoundaryGrid, BoundaryPlan
from core.evaluation.importance import feature_groups, permutation_importance
from core.evaluation.plots import boundary_rgb, class_rgb, value_rgb

__all__ = [
    "AXIS_PCA",
    "AxisOption",
    "Choice",
    "axis_options",
    "axis_title",
    "axis_units",
    "choice_of",
    "grid_rgba",
    "held_note",
    "numeric_positions",
    "pick_axis",
    "point_rgba",
    "rank_features",
]

#: The picker value of the principal-components plane.
AXIS_PCA = "pca"
PCA_LABEL = "PCA (all features)"
#: A plane: two feature positions, or AXIS_PCA.
Choice = tuple[int, int] | str
#: Rows the importance ranking is measured on, at most.
RANK_ROWS = 500


@dataclass(frozen=True)
class AxisOption:
    """One entry of an axis picker: its text and a feature position or AXIS_PCA."""

    label: str
    value: int | str


def numeric_positions(dataset: Any) -> list[int]:
    """Network-input positions of the dataset's numeric columns (one-hot ones cannot be axes)."""
    groups = feature_groups(getattr(dataset, "pipeline", None), dataset.feature_names)
    return [g.columns[0] for g in groups if g.kind == "numeric" and len(g.columns) == 1]


def axis_options(dataset: Any) -> list[AxisOption]:
    """The pickers' entries: PCA of all features first, then every numeric input."""
    names = dataset.feature_names
    return [AxisOption(PCA_LABEL, AXIS_PCA)] + [
        AxisOption(str(names[i]), i) for i in numeric_positions(dataset)
    ]


def choice_of(plan: BoundaryPlan) -> Choice | None:
    """The plane a plan draws (None for a curve or no map)."""
    if plan.mode == PCA:
        return AXIS_PCA
    if plan.mode == MAP:
        return (plan.axes[0], plan.axes[1])
    return None


def pick_axis(current: Choice, which: int, value: int | str, ranked: Sequence[int]) -> Choice:
    """The plane after picking `value` for axis `which` (0 across, 1 up).

    PCA on either axis is the PCA plane; a feature picked while the plane is PCA
    pairs with the most important other feature (`ranked`); a feature picked that
    the other axis shows swaps the two axes.
    """
    if value == AXIS_PCA:
        return AXIS_PCA
    value = int(value)
    if current == AXIS_PCA or isinstance(current, str):
        other = next((i for i in ranked if i != value), None)
        if other is None:
            return AXIS_PCA
        return (value, other) if which == 0 else (other, value)
    axes = [int(current[0]), int(current[1])]
    if axes[1 - which] == value:
        axes[1 - which] = axes[which]
    axes[which] = value
    return (axes[0], axes[1])


def rank_features(predict: Callable[[np.ndarray], np.ndarray], dataset: Any) -> list[int]:
    """Numeric input positions, most important first (permutation importance on the
    validation rows, else on the training rows)."""
    numeric = numeric_positions(dataset)
    if len(numeric) <= 2:
        return numeric
    x, y = dataset.x_val, dataset.y_val
    if len(x) < 2:
        x, y = dataset.x_train, dataset.y_train
    x, y = x[:RANK_ROWS], y[:RANK_ROWS]
    names = dataset.feature_names
    groups = feature_groups(getattr(dataset, "pipeline", None), names)
    scores = permutation_importance(
        predict, x, y, kind=dataset.task.kind, groups=groups, n_repeats=3
    )
    position = {names[i]: i for i in numeric}
    ranked = [position[f.name] for f in scores.features if f.name in position]
    return ranked + [i for i in numeric if i not in ranked]


def _specs_by_position(pipeline: Any | None) -> dict[int, Any]:
    out: dict[int, Any] = {}
    start = 0
    for spec in getattr(pipeline, "columns", ()) or ():
        for k in range(spec.width):
            out[start + k] = spec
        start += spec.width
    return out


def axis_units(plan: BoundaryPlan, pipeline: Any | None) -> tuple[tuple[float, float], ...]:
    """Per axis, (offset, scale) such that `offset + scale * u` is the column's own value
    for the network input `u` (the scaling undone); (0, 1) for a PCA component."""
    if plan.mode == PCA:
        return ((0.0, 1.0), (0.0, 1.0))
    specs = _specs_by_position(pipeline)
    units = []
    for axis in plan.axes:
        spec = specs.get(axis)
        if spec is None or spec.kind != "numeric" or not spec.scale:
            units.append((0.0, 1.0))
        else:
            units.append((float(spec.offset), float(spec.scale)))
    return tuple(units)


def _number(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1e4 else f"{v:,.0f}"


def held_note(plan: BoundaryPlan, pipeline: Any | None, limit: int = 6) -> str:
    """What the map holds fixed, in plain words."""
    if plan.mode == PCA:
        shares = " and ".join(f"{s * 100:.0f} %" for s in plan.explained_variance)
        n = len(plan.feature_names)
        return (
            f"The plane of the first two principal components of all {n} inputs (they hold "
            f"{shares} of the variance). Each point of the map is mapped back to all inputs."
        )
    if plan.mode not in (MAP, CURVE) or plan.fill is None:
        return ""
    specs = _specs_by_position(pipeline)
    held: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(plan.feature_names):
        if i in plan.axes:
            continue
        spec = specs.get(i)
        if spec is not None and spec.kind == "categorical":
            if spec.column in seen:
                continue
            seen.add(spec.column)
            start = next(k for k, s in specs.items() if s is spec)
            values = plan.fill[start : start + spec.width]
            top = int(np.argmax(values))
            shown = f"'{spec.categories[top]}'" if values[top] >= 0.5 else "no category"
            held.append(f"{spec.column} = {shown}")
            continue
        value = float(plan.fill[i])
        if spec is not None and spec.kind == "numeric":
            value = spec.offset + spec.scale * value
        held.append(f"{name} = {_number(value)}")
    if not held:
        return ""
    more = f" and {len(held) - limit} more" if len(held) > limit else ""
    return "Other inputs held at their median: " + ", ".join(held[:limit]) + more + "."


def axis_title(plan: BoundaryPlan, k: int) -> str:
    """The label of axis `k` (the feature's name, or the component and its variance)."""
    if plan.mode == PCA:
        share = plan.explained_variance[k] if k < len(plan.explained_variance) else 0.0
        return f"component {k + 1} ({share * 100:.0f} % of variance)"
    return plan.axis_names[k] if k < len(plan.axis_names) else ""


#: Levels of the colour tables `grid_rgba` looks cells up in (probability or value steps).
LEVELS = 256


@lru_cache(maxsize=16)
def _colour_table(kind: str, n_classes: int, lo: float, hi: float) -> np.ndarray:
    """RGBA (classes, LEVELS, 4) uint8: `boundary_rgb` of every class at every level
    (regression: one row over the value range; two classes: one row over P(second))."""
    t = np.linspace(0.0, 1.0, LEVELS)
    if kind == "regression":
        rows = [BoundaryGrid(kind, t, t[:1], (lo + t * (hi - lo))[None, :], None)]
    elif n_classes <= 2:
        rows = [BoundaryGrid(kind, t, t[:1], np.zeros((1, LEVELS), int), t[None, :], ("", ""))]
    else:
        labels = ("",) * n_classes
        rows = [
            BoundaryGrid(kind, t, t[:1], np.full((1, LEVELS), k), t[None, :], labels)
            for k in range(n_classes)
        ]
    rgb = np.concatenate([boundary_rgb(g, (lo, hi)) for g in rows])
    table = np.full(rgb.shape[:2] + (4,), 255, dtype=np.uint8)
    table[..., :3] = np.clip(np.round(rgb), 0, 255)
    return table


def _levels(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    t = (np.asarray(values, dtype=np.float32) - np.float32(lo)) * np.float32(
        (LEVELS - 1) / ((hi - lo) or 1.0)
    )
    return np.clip(t + np.float32(0.5), 0, LEVELS - 1).astype(np.intp)


def grid_rgba(grid: BoundaryGrid, value_range: tuple[float, float] | None = None) -> np.ndarray:
    """The map's pixels (ny, nx, 4) uint8, row 0 at the bottom of the plot: the colours of
    `core.evaluation.plots.boundary_rgb`, looked up in a table of `LEVELS` steps (a redraw
    during training must be cheap)."""
    if grid.kind == "regression":
        pred = grid.predicted
        lo, hi = value_range or (float(np.min(pred)), float(np.max(pred)))
        return _colour_table("regression", 0, float(lo), float(hi))[0][_levels(pred, lo, hi)]
    n = max(2, len(grid.labels))
    table = _colour_table(grid.kind, n, 0.0, 1.0)
    conf = grid.confidence if grid.confidence is not None else np.ones(grid.predicted.shape)
    if n == 2:
        return table[0][_levels(conf, 0.0, 1.0)]
    return table[grid.predicted, _levels(conf, 0.0, 1.0)]


def point_rgba(
    targets: np.ndarray, kind: str, n_classes: int, value_range: tuple[float, float]
) -> np.ndarray:
    """Colours (m, 4) uint8 of training points: their class, or their value on the ramp."""
    targets = np.asarray(targets)
    if kind == "regression":
        rgb = value_rgb(targets, value_range)
    else:
        rgb = class_rgb(max(2, n_classes))[targets.astype(int)]
    out = np.full((len(targets), 4), 255, dtype=np.uint8)
    out[:, :3] = np.clip(rgb, 0, 255)
    return out
