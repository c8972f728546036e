"""Which plane the decision-boundary views draw: one state shared by every map of a window.

`BoundaryState` follows the session's data and model and owns the plan the
maps draw (`core.evaluation.boundary.plan_for_dataset`) with what goes with
it: the axis choice (a person's pick, or the default: the two most important
inputs once a trained model has ranked them, else the only two inputs, else
PCA), the ranking, the axes' units and the regression value range. Every map
(the Boundary page, the compact one on the Training page) is a view of it
and redraws from `app.live_model.LiveModel`; choosing axes in one moves all.
It imports no plotting library, so it can exist from the start.

The default follows a ranking only when nobody has watched a run draw the
map on other axes: after a restore (the model comes with the project), or
when the state is first made with a trained model. At the end of a run the
ranking is computed (the pickers pair with the most important input) but the
axes stay where the person watched them move.

Planning reads the training rows (medians, ranges, a PCA): a few milliseconds
for the seed example, ~75 ms for a 1M-row file. Up to `SYNC_ROWS` training
rows it plans at once; larger data is planned in a pool thread
(`app.background.BackgroundJobs`) while the maps say so, and only the newest
plan is ever shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.background import BackgroundJobs
from app.live_model import LiveModel
from app.session import TrainingSession
from core.errors import LayerForgeError

__all__ = ["BoundaryState", "NO_DATA"]

#: Cells per axis of the map on the Boundary page, and of the compact one.
RESOLUTION = 200
COMPACT_RESOLUTION = 120
NO_DATA = "Open a CSV on the Data page: the map shows what the network predicts across it."
#: Training rows up to which the plane is planned at once on the GUI thread; more rows are
#: planned in a pool thread (a 1M-row file's plan held the window ~75 ms).
SYNC_ROWS = 20_000
_KEY = "plan"


@dataclass(frozen=True)
class _Planned:
    """A plan and what goes with it, made from one dataset (in any thread)."""

    plan: Any
    problem: str
    units: tuple[tuple[float, float], ...]
    value_range: tuple[float, float] | None


def _make_plan(dataset: Any, features: Any) -> _Planned:
    """Plan the plane through `dataset` (reads it only: safe in a pool thread)."""
    from core.evaluation.boundary import plan_for_dataset
    from core.evaluation.boundary_map import axis_units
    from core.evaluation.results import target_units

    try:
        plan = plan_for_dataset(dataset, features=features)
    except LayerForgeError as exc:
        return _Planned(None, f"No map can be drawn: {' '.join(str(exc).split())}", (), None)
    pipeline = getattr(dataset, "pipeline", None)
    value_range = None
    if dataset.task.kind == "regression" and len(dataset.y_train):
        values = target_units(pipeline)(dataset.y_train).ravel()
        value_range = (float(np.min(values)), float(np.max(values)))
    return _Planned(plan, "", axis_units(plan, pipeline), value_range)


class BoundaryState(QObject):
    """The plan every map draws; see the module docstring.

    Signals: `planChanged()` when the plane (or the data under it) changed.
    Attributes read by the views: `plan` (None without data or while it is planned
    in the background), `renderer(cells)` (None when nothing can be drawn), `problem`
    (why there is no plan), `units`, `value_range`, `ranked`. `sync_rows`: training rows
    up to which the plan is made at once.
    """

    planChanged = Signal()

    def __init__(
        self, session: TrainingSession, live: LiveModel, parent: QObject | None = None
    ) -> None:
        super().__init__(parent or session)
        self.session = session
        self.live = live
        self.plan: Any = None
        self._renderers: dict[int, Any] = {}
        self.problem = NO_DATA
        self.units: tuple[tuple[float, float], ...] = ()
        self.value_range = (0.0, 1.0)
        self.ranked: list[int] = []
        self._dataset: Any = None
        self._chosen: Any = None  # the person's pick; None: the default
        #: The default axes wait for a ranking (a restored model).
        self._rank_pending = False
        self._ranked_valid = False
        self.sync_rows = SYNC_ROWS
        self.jobs = BackgroundJobs(self)
        session.dataChanged.connect(self._on_data)
        session.modelChanged.connect(self._on_model)
        session.runStarted.connect(self._on_run_started)
        live.weightsUpdated.connect(self._rank)
        self._on_data()
        self._on_model()

    # ------------------------------------------------------------------ reading
    def shows_map(self) -> bool:
        """True when there is a 2-D map to draw (not a curve, an explanation or nothing)."""
        from core.evaluation.boundary_map import choice_of

        return self.plan is not None and choice_of(self.plan) is not None

    def renderer(self, cells: int = RESOLUTION) -> Any:
        """The plan's `BoundaryRenderer` with `cells` per axis (made once per plan), or None
        when the plan draws nothing."""
        if self.plan is None or not self.plan.drawable:
            return None
        if cells not in self._renderers:
            from core.evaluation.boundary import BoundaryRenderer

            self._renderers[cells] = BoundaryRenderer(self.plan, cells)
        return self._renderers[cells]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The twin's outputs for grid rows `x`, regression values in the target's units."""
        from core.evaluation.results import target_units

        units = target_units(getattr(self.session.dataset, "pipeline", None))
        return units(self.live.predict(x))

    # ------------------------------------------------------------------ choosing
    def choose(self, which: int, value: int | str) -> None:
        """A person picked `value` (a feature position or "pca") for axis `which`."""
        from core.evaluation.boundary_map import choice_of, pick_axis

        current = choice_of(self.plan) if self.plan is not None else None
        if current is None:
            return
        self._chosen = pick_axis(current, which, value, self.ranked)
        self._replan()

    # ------------------------------------------------------------------ following
    def _on_data(self) -> None:
        dataset = self.session.dataset
        if dataset is not self._dataset:
            from core.evaluation.boundary_map import numeric_positions

            self._dataset = dataset
            self._chosen = None
            self.ranked = numeric_positions(dataset) if dataset is not None else []
            self._ranked_valid = False
        self._replan()

    def _on_model(self) -> None:
        """A trained model was restored (or is there from the start): rank the inputs with
        it, once the twin holds its weights, and default to the top two."""
        session = self.session
        if session.model is not None and session.epochs_done > 0 and not session.is_running():
            self._rank_pending = True
            self._ranked_valid = False
            self._rank()

    def _on_run_started(self, _fresh: bool) -> None:
        self._ranked_valid = False  # the weights are about to change
        self._rank_pending = False  # the run shows its map on the axes of now

    def _rank(self) -> None:
        """Rank the inputs with the trained twin (when idle); a pending default follows."""
        session, dataset = self.session, self.session.dataset
        if session.is_running() or session.epochs_done == 0 or dataset is None:
            return
        if not self.live.available:
            return
        if not self._ranked_valid:
            from core.evaluation.boundary_map import rank_features

            try:
                self.ranked = rank_features(self.live.predict, dataset)
            except LayerForgeError:
                return
            self._ranked_valid = True
        if self._rank_pending:
            self._rank_pending = False
            if self._chosen is None:
                self._replan()

    def _default_choice(self) -> Any:
        if self._chosen is not None:
            return self._chosen
        if self._ranked_valid and len(self.ranked) >= 2:
            return (self.ranked[0], self.ranked[1])
        return None  # the plan's own default: the only two inputs, else PCA

    def planning(self) -> bool:
        """True while a plan is being made in a pool thread."""
        return self.jobs.busy(_KEY)

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until a plan in the pool is made (tests, shutdown); its result is queued."""
        return self.jobs.wait(timeout_ms)

    def _replan(self) -> None:
        dataset, features = self.session.dataset, self._default_choice()
        self._renderers = {}
        if dataset is None:
            self.jobs.cancel(_KEY)
            self._planned(_Planned(None, NO_DATA, (), None), "")
            return
        rows = len(dataset.x_train)
        if rows <= self.sync_rows:
            self.jobs.call(_KEY, lambda: _make_plan(dataset, features), self._planned)
            return
        self.plan, self.problem = None, f"Finding the map's plane through {rows:,} training rows…"
        self.planChanged.emit()
        self.jobs.run(_KEY, lambda: _make_plan(dataset, features), self._planned)

    def _planned(self, planned: _Planned | None, error: str) -> None:
        self._renderers = {}
        if planned is None:  # an unexpected failure, already described by the jobs
            planned = _Planned(None, f"No map can be drawn: {error}", (), None)
        self.plan, self.problem = planned.plan, planned.problem
        if planned.plan is not None:
            self.units = planned.units
            if planned.value_range is not None:
                self.value_range = planned.value_range
        self.planChanged.emit()
