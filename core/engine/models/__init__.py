"""Keras-style models: `Sequential`, functional `Model`, `History`, and `summary`.

`core.engine.models.functional` holds `Model` (a DAG of layer calls, compile / fit /
evaluate / predict, weights, configs), `core.engine.models.sequential` the
`Sequential` stack built on it, and `core.engine.models.summary` the Keras-style
table printer.
"""

from __future__ import annotations

from core.engine.callbacks import History
from core.engine.models.functional import Model
from core.engine.models.sequential import Sequential

__all__ = ["History", "Model", "Sequential"]
