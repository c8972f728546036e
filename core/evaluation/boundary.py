"""Decision-boundary maps: the model's prediction over a plane through the data.

`plan_boundary` chooses the plane once: two input features (given, or by
default the two most important numeric ones) with every other feature held
at its training median, or the first two principal components of all
features (mapped back to inputs through the components). It also keeps a
sample of training points in the plane's coordinates for the overlay. A
network with one input feature gets a curve instead of a map, and data with no
numeric feature (text categories only) gets no map, and neither do images or
sequences (`plan_for_dataset`); in each case `reason` explains why in plain
words.

`BoundaryRenderer` builds the grid's input matrix once; each `render(predict)`
is one batched prediction, so redrawing while training is cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import DataError
from core.evaluation.importance import FeatureGroup, Importances
from core.evaluation.results import Predict, probabilities_from_outputs

__all__ = [
    "BoundaryGrid",
    "BoundaryPlan",
    "BoundaryRenderer",
    "boundary_grid",
    "plan_boundary",
    "plan_for_dataset",
]

MAP, PCA, CURVE, NONE = "features", "pca", "curve", "none"


@dataclass(frozen=True)
class BoundaryPlan:
    """Which plane to draw and how to turn its coordinates (u, v) into network inputs.

    `mode` is "features", "pca", "curve" (one input feature) or "none" (no
    map possible; `reason` says why). `axes` are feature positions (mode
    "features"/"curve"); `center`/`components` the PCA (mode "pca"); `fill`
    the value of every other feature. `points` (m, 2) and `point_targets`
    (class codes or values) are training rows to overlay; `ranges` the
    (low, high) of each axis.
    """

    mode: str
    reason: str
    feature_names: tuple[str, ...]
    axis_names: tuple[str, ...] = ()
    axes: tuple[int, ...] = ()
    fill: np.ndarray | None = None
    center: np.ndarray | None = None
    components: np.ndarray | None = None
    points: np.ndarray | None = None
    point_targets: np.ndarray | None = None
    ranges: tuple[tuple[float, float], ...] = ()
    explained_variance: tuple[float, ...] = ()

    @property
    def drawable(self) -> bool:
        return self.mode in (MAP, PCA, CURVE)

    def to_inputs(self, u: np.ndarray, v: np.ndarray | None = None) -> np.ndarray:
        """Network inputs (n, d) for plane coordinates `u`, `v` (1-D, same length)."""
        u = np.asarray(u, dtype=np.float64).ravel()
        if self.mode == PCA:
            assert self.center is not None and self.components is not None and v is not None
            uv = np.column_stack([u, np.asarray(v, dtype=np.float64).ravel()])
            return (self.center + uv @ self.components).astype(np.float32)
        if self.mode in (MAP, CURVE):
            assert self.fill is not None
            x = np.repeat(self.fill.reshape(1, -1).astype(np.float32), len(u), axis=0)
            x[:, self.axes[0]] = u
            if self.mode == MAP:
                assert v is not None
                x[:, self.axes[1]] = np.asarray(v).ravel()
            return x
        raise DataError(f"No map can be drawn: {self.reason}")


#: Rows the held values (medians) and the PCA centre are computed from at most: over a
#: million rows the medians alone took ~0.85 s and the float64 copy 0.3 s, on the GUI
#: thread when a large CSV was opened (a sample median is as good for where to hold an input).
STAT_ROWS = 20_000


def _sample(n: int, limit: int, seed: int) -> np.ndarray:
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, limit, replace=False))


def _range(values: np.ndarray) -> tuple[float, float]:
    lo, hi = float(np.min(values)), float(np.max(values))
    pad = (hi - lo) * 0.08 or 1.0
    return lo - pad, hi + pad


def _targets(y: np.ndarray, kind: str) -> np.ndarray:
    from core.evaluation.baselines import class_codes

    if len(y) == 0:
        return np.zeros(0)
    if kind == "regression":
        return np.asarray(y, dtype=np.float64).reshape(len(y), -1)[:, 0]
    return class_codes(y, kind)


def plan_boundary(
    x_train: np.ndarray,
    y_train: np.ndarray,
    *,
    kind: str,
    feature_names: Sequence[str] = (),
    groups: Sequence[FeatureGroup] | None = None,
    importance: Importances | None = None,
    features: Sequence[int] | str | None = None,
    max_points: int = 1500,
    seed: int = 0,
) -> BoundaryPlan:
    """Choose the plane (see the module docstring).

    `features` picks the plane: two feature positions, "pca", or None for the
    default (the two most important numeric features when `importance` is
    given, the only two numeric features when there are two, else PCA).
    `groups` (from `feature_groups`) tell numeric features from one-hot ones.
    """
    x = np.asarray(x_train)
    if x.ndim != 2 or len(x) == 0:
        raise DataError(f"Expected training rows (n, features). Received shape {x.shape}.")
    # The held values and the PCA centre come from at most `STAT_ROWS` rows (all of them in
    # float64 up to that); the ranges from every row, in the rows' own dtype (exact).
    x64 = np.asarray(x, dtype=np.float64) if len(x) <= STAT_ROWS else None
    stat = x64 if x64 is not None else np.asarray(x[_sample(len(x), STAT_ROWS, seed)], np.float64)
    d = x.shape[1]
    names = tuple(feature_names) or tuple(f"x{i}" for i in range(d))
    groups = (
        list(groups) if groups is not None else [FeatureGroup(n, (i,)) for i, n in enumerate(names)]
    )
    numeric = [g.columns[0] for g in groups if g.kind == "numeric" and len(g.columns) == 1]
    idx = _sample(len(x), max_points, seed)
    pts_x = np.asarray(x[idx], dtype=np.float64)
    targets = _targets(np.asarray(y_train)[idx], kind)
    fill = np.median(stat, axis=0)
    if d == 1:
        reason = (
            f"This network has a single input ('{names[0]}'), so there is no second axis for "
            "a map. The curve shows its prediction along that input instead."
        )
        pts = np.column_stack([pts_x[:, 0], np.zeros(len(pts_x))])
        return BoundaryPlan(
            CURVE,
            reason,
            names,
            (names[0],),
            (0,),
            fill,
            points=pts,
            point_targets=targets,
            ranges=(_range(x[:, 0]),),
        )
    if not numeric and features is None:
        cats = ", ".join(f"'{g.name}'" for g in groups[:4])
        reason = (
            f"Every input is a category ({cats}), so there is no numeric axis to draw the "
            "map along. See the feature importance and the per-row explanations instead, or "
            "add a numeric column to the data."
        )
        return BoundaryPlan(NONE, reason, names)
    if features is None:
        if importance is not None and len(numeric) >= 2:
            by_name = {names[i]: i for i in numeric}
            ranked = [by_name[f.name] for f in importance.features if f.name in by_name]
            features = tuple(ranked[:2]) if len(ranked) >= 2 else "pca"
        elif len(numeric) == 2 and d == 2:
            features = tuple(numeric)
        else:
            features = "pca"
    if isinstance(features, str):
        if features != "pca":
            raise DataError(f"Expected two feature positions or 'pca'. Received {features!r}.")
        center = stat.mean(axis=0)
        sample = np.asarray(x[_sample(len(x), 5000, seed)], dtype=np.float64) - center
        _, s, vt = np.linalg.svd(sample, full_matrices=False)
        comps = vt[:2]
        if comps.shape[0] < 2:
            comps = np.vstack([comps, np.zeros((2 - comps.shape[0], d))])
        for k in range(2):  # a stable sign: the largest loading is positive
            if comps[k, np.argmax(np.abs(comps[k]))] < 0:
                comps[k] = -comps[k]
        var = s**2
        share = tuple(float(v / var.sum()) if var.sum() else 0.0 for v in var[:2])
        pts = (pts_x - center) @ comps.T
        if x64 is not None:
            every = (x64 - center) @ comps.T
        else:  # a million rows: no float64 copy of them, no (n, d) temporary
            every = x @ comps.T.astype(x.dtype) - (center @ comps.T)
        return BoundaryPlan(
            PCA,
            "",
            names,
            ("component 1", "component 2"),
            (),
            fill,
            center,
            comps,
            pts,
            targets,
            (_range(every[:, 0]), _range(every[:, 1])),
            share,
        )
    axes = tuple(int(i) for i in features)
    if len(axes) != 2 or axes[0] == axes[1] or not all(0 <= i < d for i in axes):
        raise DataError(
            f"Expected two different feature positions from 0 to {d - 1}. Received {features!r}."
        )
    pts = pts_x[:, axes]
    return BoundaryPlan(
        MAP,
        "",
        names,
        (names[axes[0]], names[axes[1]]),
        axes,
        fill,
        points=pts,
        point_targets=targets,
        ranges=(_range(x[:, axes[0]]), _range(x[:, axes[1]])),
    )


@dataclass(frozen=True)
class BoundaryGrid:
    """One drawn map: axis values, and per cell the predicted class or value.

    `predicted` is (ny, nx) class codes (classification) or values
    (regression); `confidence` the probability of the predicted class, or for
    two classes the probability of the second (positive) class. A curve plan
    gives ny == 1.
    """

    kind: str
    xs: np.ndarray
    ys: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray | None
    labels: tuple[str, ...] = ()


class BoundaryRenderer:
    """Renders a plan's grid repeatedly (the inputs are built once, in `__init__`)."""

    def __init__(self, plan: BoundaryPlan, resolution: int = 200) -> None:
        if not plan.drawable:
            raise DataError(f"No map can be drawn: {plan.reason}")
        if resolution < 2:
            raise DataError(f"Expected a resolution of at least 2. Received {resolution}.")
        self.plan = plan
        (x0, x1) = plan.ranges[0]
        self.xs = np.linspace(x0, x1, resolution)
        if plan.mode == CURVE:
            self.ys = np.zeros(1)
            self.inputs = plan.to_inputs(self.xs)
        else:
            (y0, y1) = plan.ranges[1]
            self.ys = np.linspace(y0, y1, resolution)
            u, v = np.meshgrid(self.xs, self.ys)
            self.inputs = plan.to_inputs(u.ravel(), v.ravel())

    def render(self, predict: Predict, kind: str, labels: Sequence[str] = ()) -> BoundaryGrid:
        shape = (len(self.ys), len(self.xs))
        out = np.asarray(predict(self.inputs))
        if kind == "regression":
            values = out.reshape(len(out), -1)[:, 0].reshape(shape)
            return BoundaryGrid(kind, self.xs, self.ys, values, None, tuple(labels))
        probs = probabilities_from_outputs(out, kind)
        pred = np.argmax(probs, axis=1)
        conf = probs[:, 1] if probs.shape[1] == 2 else probs[np.arange(len(probs)), pred]
        return BoundaryGrid(
            kind, self.xs, self.ys, pred.reshape(shape), conf.reshape(shape), tuple(labels)
        )


def boundary_grid(
    predict: Predict,
    plan: BoundaryPlan,
    kind: str,
    labels: Sequence[str] = (),
    resolution: int = 200,
) -> BoundaryGrid:
    """One map for `plan` (builds a `BoundaryRenderer`; keep one to redraw often)."""
    return BoundaryRenderer(plan, resolution).render(predict, kind, labels)


def _shaped_reason(shape: tuple[int, ...]) -> str:
    size = " × ".join(str(d) for d in shape)
    if len(shape) == 3:
        what = f"Each input is an image ({size} numbers)"
    else:
        what = f"Each input is a sequence ({size}: steps × values)"
    return (
        f"{what}, not a row of table columns, so there are no two inputs to lay out as "
        "the axes of a map. See the Results page for what the network gets right and "
        "wrong, and What it learned for which parts of an input matter."
    )


def plan_for_dataset(dataset: Any, **kwargs: Any) -> BoundaryPlan:
    """`plan_boundary` for a `core.data.Dataset`'s training rows (groups from its pipeline).

    Regression point values are in the target's units; draw regression maps with
    a predict function in the same units (`results.target_units`).
    """
    from core.evaluation.importance import feature_groups
    from core.evaluation.results import target_units

    shape = tuple(int(d) for d in np.shape(dataset.x_train)[1:])
    if len(shape) > 1:
        return BoundaryPlan(NONE, _shaped_reason(shape), tuple(dataset.feature_names))
    return plan_boundary(
        dataset.x_train,
        target_units(getattr(dataset, "pipeline", None))(dataset.y_train),
        kind=dataset.task.kind,
        feature_names=dataset.feature_names,
        groups=feature_groups(getattr(dataset, "pipeline", None), dataset.feature_names),
        **kwargs,
    )
