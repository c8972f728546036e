"""Keras's default names for classes, in one place: "BatchNormalization" -> "batch_normalization".

Layers (`dense`, `batch_normalization_1`), the graph document's node names, losses,
metrics, optimizers and the `.keras` export's folder names all use `snake_case`,
which is Keras's own `to_snake_case`, so names match Keras's exactly. Standard
library only: `core.document.graph` imports it.
"""

from __future__ import annotations

import re

_NOT_WORD = re.compile(r"\W+")
_CAPITALISED_WORD = re.compile("(.)([A-Z][a-z]+)")
_LOWER_THEN_UPPER = re.compile("([a-z])([A-Z])")


def snake_case(name: str) -> str:
    """ "Conv2D" -> "conv2d", "R2Score" -> "r2_score", "KLDivergence" -> "kl_divergence"."""
    name = _NOT_WORD.sub("", name)
    name = _CAPITALISED_WORD.sub(r"\1_\2", name)
    return _LOWER_THEN_UPPER.sub(r"\1_\2", name).lower()
