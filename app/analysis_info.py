"""Read what the GUI panels show from a `core.document.analysis.Analysis` (or None before one).

The inspector, the summary and the status bar all show the same facts about
the analysed graph: each node's output shape, parameter count and problems,
and the totals. These helpers read them off the analysis and answer
"unknown" while there is none, so that the panels stay simple views.
"""

from __future__ import annotations

from typing import Any

from core.document.analysis import format_shape as core_format_shape


def format_shape(shape: Any) -> str:
    """Keras's way of printing a shape: (None, 28, 28, 1); "?" when unknown."""
    return core_format_shape(shape)


def output_shape(analysis: Any, node_id: str) -> Any:
    """The node's output shape including the batch dimension, or None when unknown."""
    return None if analysis is None else analysis.shapes.get(node_id)


def param_count(analysis: Any, node_id: str) -> int | None:
    """The node's number of weights, or None when unknown."""
    return None if analysis is None else analysis.param_counts.get(node_id)


def problems(analysis: Any, node_id: str | None = None) -> list[Any]:
    """All problems (`core.document.analysis.Problem`), or those that involve `node_id`."""
    if analysis is None:
        return []
    return list(analysis.problems if node_id is None else analysis.problems_for(node_id))


def total_params(analysis: Any) -> int | None:
    """Total number of weights, or None when unknown."""
    return None if analysis is None else int(analysis.total_params)


def fix_label(problem: Any) -> str:
    """The button text of a problem's one-click fix ("" when it has none)."""
    fix = getattr(problem, "fix", None)
    return "" if fix is None else str(getattr(fix, "label", "") or "Apply fix")


def group_digits(n: int | None) -> str:
    """1234567 -> "1,234,567"; None -> "–"."""
    return "–" if n is None else f"{n:,}"
