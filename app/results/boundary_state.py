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
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.live_model import LiveModel
from app.session import TrainingSession
from core.errors import LayerForgeError

__all__ = ["BoundaryState", "NO_DATA"]

#: Cells per axis of the map on the Boundary page, and of the compact one.
RESOLUTION = 200
COMPACT_RESOLUTION = 120
NO_DATA = "Open a CSV on the Data page: the map shows what the network predicts across it."


class BoundaryState(QObject):
    """The plan every map draws; see the module docstring.

    Signals: `planChanged()` when the plane (or the data under it) changed.
    Attributes read by the views: `plan` (None without data), `renderer(cells)`
    (None when nothing can be drawn), `problem` (why there is no plan), `units`,
    `value_range`, `ranked`.
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

    def _replan(self) -> None:
        from core.evaluation.boundary import plan_for_dataset
        from core.evaluation.boundary_map import axis_units
        from core.evaluation.results import target_units

        dataset = self.session.dataset
        self.plan, self.problem = None, ""
        self._renderers = {}
        if dataset is None:
            self.problem = NO_DATA
        else:
            try:
                self.plan = plan_for_dataset(dataset, features=self._default_choice())
            except LayerForgeError as exc:
                self.plan = None
                self.problem = f"No map can be drawn: {' '.join(str(exc).split())}"
        if self.plan is not None:
            pipeline = getattr(dataset, "pipeline", None)
            if dataset.task.kind == "regression" and len(dataset.y_train):
                values = target_units(pipeline)(dataset.y_train).ravel()
                self.value_range = (float(np.min(values)), float(np.max(values)))
            self.units = axis_units(self.plan, pipeline)
        self.planChanged.emit()
