"""keras.preprocessing.sequence.pad_sequences: lists of ids -> one padded 2-D array."""

from __future__ import annotations

from typing import Any

import numpy as np

from core.errors import ConfigError
from core.keras._unsupported import missing_names


def pad_sequences(
    sequences: Any,
    maxlen: int | None = None,
    dtype: Any = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: Any = 0.0,
) -> np.ndarray:
    """Pad (or cut) every sequence to `maxlen` (default: the longest), like Keras.

    `padding`/`truncating` "pre" work at the start of a sequence, "post" at its end.
    """
    for arg, v in (("padding", padding), ("truncating", truncating)):
        if v not in ("pre", "post"):
            raise ConfigError(f"pad_sequences: Expected {arg} 'pre' or 'post'. Received: {v!r}")
    seqs = [list(np.asarray(s).reshape(-1)) if np.ndim(s) else [s] for s in sequences]
    length = max((len(s) for s in seqs), default=0) if maxlen is None else int(maxlen)
    out = np.full((len(seqs), length), value, dtype=np.dtype(dtype))
    for i, s in enumerate(seqs):
        if not s or length == 0:
            continue
        cut = s[-length:] if truncating == "pre" else s[:length]
        if padding == "post":
            out[i, : len(cut)] = cut
        else:
            out[i, length - len(cut) :] = cut
    return out


__all__ = ["pad_sequences"]

__getattr__ = missing_names(__name__)
