"""keras.preprocessing: `sequence.pad_sequences` (image and text helpers are not supported)."""

from __future__ import annotations

from core.keras._unsupported import missing_names
from core.keras.preprocessing import sequence

__all__ = ["sequence"]

__getattr__ = missing_names(__name__)
