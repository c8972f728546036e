"""Keras-style models: `Sequential`, functional `Model`, `History`, and `summary`.

`core.models.functional` holds `Model` (a DAG of layer calls, compile / fit /
evaluate / predict, weights, configs), `core.models.sequential` the
`Sequential` stack built on it, and `core.models.summary` the Keras-style
table printer.
"""

from __future__ import annotations

from core.callbacks import History
from core.models.functional import Model
from core.models.sequential import Sequential

__all__ = ["History", "Model", "Sequential"]
