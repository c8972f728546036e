"""Small CSV files shared by the core.evaluation tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def text_only_csv(path: Path, n: int = 120, seed: int = 0) -> Path:
    """Two category columns and a yes/no label that follows one of them: no numeric input."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {"colour": rng.choice(["red", "blue", "green"], n), "size": rng.choice(["s", "m", "l"], n)}
    )
    df["label"] = np.where(df["colour"] == "red", "yes", "no")
    df.to_csv(path, index=False)
    return path
