"""Compose the Results page into a main window: one call from `MainWindow`.

`install(window)` creates the `ResultsHub` over the window's training session
and the `ResultsView`, adds the view as the workspace page "results" (after
the pages already there), brings it forward when a run ends, suggests the
project's folder for the predictions CSV, and waits for a computation in
progress when the window closes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from app.results.hub import ResultsHub
from app.results.view import ResultsView


@dataclass
class ResultsUI:
    """What `install` created, for the main window and tests."""

    hub: ResultsHub
    view: ResultsView


def install(window: Any) -> ResultsUI:
    """Add the Results page to `window` (a `MainWindow` with its training UI installed)."""
    session = window.training.session
    hub = ResultsHub(session, window)
    view = ResultsView(hub)
    window.workspace.add_page(
        "results", "Results", view, tip="How good the trained model is, on rows it never saw"
    )
    session.runFinished.connect(lambda *_a: window.workspace.show_page("results"))

    def project_folder() -> str | None:
        path = window.controller.path
        return os.path.dirname(path) if path else None

    view.predictions.suggest_folder = project_folder
    window.closing.connect(hub.wait)
    return ResultsUI(hub, view)
