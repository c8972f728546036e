"""Keras's saving methods: save (.keras), save_weights/load_weights (.weights.h5), to_json.

The file formats live in `core.export.keras_file` (real Keras 3 files); this
mixin gives `Model` the Keras method names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.errors import FormatError


def _check_overwrite(path: str | Path, overwrite: bool) -> None:
    if not overwrite and Path(path).exists():
        raise FormatError(
            f"Expected a new file (overwrite=False). Received: {str(path)!r}, which exists."
        )


class SavingMixin:
    """`save`, `save_weights`, `load_weights` and `to_json` with Keras 3's file formats."""

    def save(self, filepath: str | Path, overwrite: bool = True, **kwargs: Any) -> None:
        """Write the model (architecture, weights, compile settings) as a `.keras` file."""
        from core.export.keras_file import save_keras

        _check_overwrite(filepath, overwrite)
        save_keras(self, filepath)

    def save_weights(self, filepath: str | Path, overwrite: bool = True, **kwargs: Any) -> None:
        """Write the weights as a Keras 3 `.weights.h5` file."""
        from core.export.keras_file import save_weights

        _check_overwrite(filepath, overwrite)
        save_weights(self, filepath)

    def load_weights(self, filepath: str | Path, skip_mismatch: bool = False, **kw: Any) -> None:
        """Load weights from a `.weights.h5` (or `.keras`) file saved from the same architecture."""
        from core.export.keras_file import load_weights

        load_weights(self, filepath)

    def to_json(self, **kwargs: Any) -> str:
        """The architecture as Keras JSON (`keras.models.model_from_json` reads it back)."""
        from core.export.keras_file import to_json

        return to_json(self, **kwargs)
