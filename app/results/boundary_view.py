"""The Boundary page of the workspace: where the decision-boundary map lives.

`install(window)` creates the `app.live_model.LiveModel` for the window's
training session and adds a `BoundaryView` as the workspace page
"boundary" ("Boundary"). The view builds its `app.results.boundary_map.
BoundaryMap` (pyqtgraph) the first time it is painted or asked for, so that
starting the app does not import the plotting library. A fresh run started
while the Network page is in front brings the Boundary page forward (on the
seed example and the 2-D demos the map is the first thing that moves), until
the person leaves that page during a run; a new document turns that back on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from app.live_model import LiveModel
from app.session import TrainingSession
from app.widgets.lazy import LazyWidget

if TYPE_CHECKING:
    from app.results.boundary_map import BoundaryMap

__all__ = ["BoundaryUI", "BoundaryView", "install"]


def _boundary_map(page: QWidget) -> BoundaryMap:
    from app.results.boundary_map import BoundaryMap

    assert isinstance(page, BoundaryView)
    return BoundaryMap(page.session, page.live, page)


class BoundaryView(LazyWidget):
    """The Boundary page: holds the `BoundaryMap`, built on first paint or first use."""

    def __init__(
        self, session: TrainingSession, live: LiveModel, parent: QWidget | None = None
    ) -> None:
        super().__init__(_boundary_map, parent)
        self.setObjectName("BoundaryView")
        self.session = session
        self.live = live

    @property
    def map(self) -> BoundaryMap:
        return self.widget  # type: ignore[return-value]


@dataclass
class BoundaryUI:
    """What `install` created. `follow_runs`: a fresh run started from the Network page
    brings the Boundary page forward (off once the person leaves the page mid-run)."""

    live: LiveModel
    view: BoundaryView
    follow_runs: bool = True


def install(window: Any) -> BoundaryUI:
    """Add the Boundary page to `window.workspace`, over `window.training.session`."""
    session: TrainingSession = window.training.session
    live = LiveModel(session, window)
    view = BoundaryView(session, live)
    workspace = window.workspace
    workspace.add_page(
        "boundary",
        "Boundary",
        view,
        tip="What the network predicts across two inputs of your data: its decision boundary",
    )
    ui = BoundaryUI(live, view)

    def forward(fresh: bool) -> None:
        if fresh and ui.follow_runs and workspace.current_key() == "network":
            if view.map.shows_map():
                workspace.show_page("boundary")

    def left(key: str) -> None:
        if key != "boundary" and session.is_running():
            ui.follow_runs = False  # the person looked elsewhere mid-run: stop pulling them back

    def reset() -> None:
        ui.follow_runs = True

    session.runStarted.connect(forward)
    workspace.pageChanged.connect(left)
    window.controller.documentReset.connect(reset)
    return ui
