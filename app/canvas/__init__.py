"""The network canvas: a scene that mirrors the graph document and the view that edits it."""

from __future__ import annotations

from app.canvas.scene import CanvasScene
from app.canvas.view import LAYER_MIME, SUBGRAPH_MIME, CanvasView

__all__ = ["LAYER_MIME", "SUBGRAPH_MIME", "CanvasScene", "CanvasView"]
