"""The Boundary page of the workspace, and the compact map beside the training plots.

`install(window)` creates the window's `app.live_model.LiveModel` and
`app.results.boundary_state.BoundaryState` over its training session, adds a
`BoundaryView` as the workspace page "boundary" ("Boundary", after Results
when that page is there) and puts a compact map to the right of the plots on
the Training page, so that on the seed example and the 2-D demos the map
moves beside the loss curves from the first batch. Both views build their
`app.results.boundary_map.BoundaryMap` (pyqtgraph) the first time they are
painted or asked for, so starting the app does not import the plotting
library; the compact one is hidden when the data gives no 2-D map (a
one-input network, text-only inputs). Starting a run never changes the page
a person is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from app.live_model import LiveModel
from app.results.boundary_state import BoundaryState
from app.widgets.lazy import LazyWidget

if TYPE_CHECKING:
    from app.results.boundary_map import BoundaryMap

__all__ = ["BoundaryUI", "BoundaryView", "install"]


class BoundaryView(LazyWidget):
    """A `BoundaryMap` of `state`, built on first paint or first use (`map`)."""

    def __init__(
        self,
        state: BoundaryState,
        live: LiveModel,
        parent: QWidget | None = None,
        *,
        compact: bool = False,
    ) -> None:
        super().__init__(self._make_map, parent)
        self.setObjectName("BoundaryCompact" if compact else "BoundaryView")
        self.state = state
        self.live = live
        self.compact = compact

    def _make_map(self, parent: QWidget) -> QWidget:
        from app.results.boundary_map import BoundaryMap

        return BoundaryMap(self.state, self.live, parent, compact=self.compact)

    @property
    def map(self) -> BoundaryMap:
        return self.widget  # type: ignore[return-value]


@dataclass
class BoundaryUI:
    """What `install` created: the live model, the shared plane, the page and the compact map."""

    live: LiveModel
    state: BoundaryState
    view: BoundaryView
    compact: BoundaryView | None


def install(window: Any) -> BoundaryUI:
    """Add the Boundary page and the compact map to `window` (see the module docstring)."""
    session = window.training.session
    live = LiveModel(session, window)
    state = BoundaryState(session, live, window)
    if hasattr(window, "closing"):
        window.closing.connect(state.wait)  # a plan still being made finishes first
    view = BoundaryView(state, live)
    workspace = window.workspace
    workspace.add_page(
        "boundary",
        "Boundary",
        view,
        after="results" if workspace.has_page("results") else None,
        tip="What the network predicts across two inputs of your data: its decision boundary",
    )
    compact = None
    page = getattr(window.training, "training_page", None)
    if page is not None and hasattr(page, "add_beside_plots"):
        compact = BoundaryView(state, live, compact=True)
        compact.setToolTip("The decision boundary; choose its inputs on the Boundary page")
        page.add_beside_plots(compact)
        state.planChanged.connect(lambda: compact.setVisible(state.shows_map()))
        compact.setVisible(state.shows_map())
    return BoundaryUI(live, state, view, compact)
