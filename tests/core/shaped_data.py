"""Test helpers for data beyond flat tables: small image folders written with
Pillow, pixel-column CSVs, and projects whose network is given as a list of
layers (so that a test trains, saves and predicts the way the CLI does)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from core.document.graph import Graph
from core.document.project import Project
from core.engine.layers.spec import CATALOG


def write_image(path: Path, pixels: np.ndarray) -> Path:
    """`pixels` (h, w) or (h, w, 3), 0..255, saved as PNG or JPEG by the suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(pixels, np.uint8)).save(path)
    return path


def image_folder(
    root: Path,
    classes: Sequence[str] = ("dark", "light"),
    per_class: int = 12,
    size: tuple[int, int] = (8, 8),
    seed: int = 0,
    rgb: bool = False,
) -> Path:
    """A folder with one sub-folder per class of PNG images that are easy to tell apart:
    class k is a noisy image around brightness 40 + 170 k / (classes - 1)."""
    rng = np.random.default_rng(seed)
    for k, name in enumerate(classes):
        level = 40 + 170 * k / max(len(classes) - 1, 1)
        for i in range(per_class):
            shape = (*size, 3) if rgb else size
            pixels = np.clip(level + rng.normal(0, 12, shape), 0, 255)
            write_image(root / name / f"{name}_{i:03d}.png", pixels)
    return root


def digits_csv(path: Path, n: int | None = None) -> Path:
    """scikit-learn's bundled 8x8 digits as a pixel-column CSV (`pixel0`..`pixel63`, `digit`)."""
    from sklearn.datasets import load_digits

    d = load_digits()
    data, target = d.data[:n], d.target[:n]
    frame = pd.DataFrame(data.astype(int), columns=[f"pixel{i}" for i in range(64)])
    frame["digit"] = target
    frame.to_csv(path, index=False)
    return path


def project(
    data: Path, layers: Sequence[tuple[str, dict[str, Any]]], data_config: dict[str, Any], **train
) -> Project:
    """A project on `data` whose network is the chain `layers` ((type, params) pairs)."""
    graph = Graph(catalog=CATALOG)
    prev = None
    for i, (kind, params) in enumerate(layers):
        name = "output" if i == len(layers) - 1 else None
        node = graph.add_node(kind, dict(params), x=200.0 * i, y=0.0, name=name)
        if prev is not None:
            graph.connect(prev, node.id)
        prev = node.id
    settings = {"epochs": 3, "batch_size": 16, "seed": 0, **train}
    return Project(
        graph=graph,
        data_path=str(data),
        data_config=dict(data_config),
        train_config=settings,
        path=str(data.parent / "shaped.lfproj"),
    )


POSITIVE = ("great", "good", "lovely", "fine", "superb", "warm", "clever")
NEGATIVE = ("bad", "awful", "poor", "boring", "dull", "weak", "clumsy")
FILLER = ("the", "film", "was", "a", "plot", "and", "story", "acting", "with", "very")


def reviews_csv(path: Path, n: int = 120, seed: int = 0) -> Path:
    """Generated short reviews (`review`) labelled by the sentiment of their words
    (`sentiment`: positive / negative)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        positive = i % 2 == 1
        words = list(rng.choice(FILLER, int(rng.integers(3, 9))))
        words += list(rng.choice(POSITIVE if positive else NEGATIVE, int(rng.integers(1, 3))))
        rng.shuffle(words)
        rows.append((" ".join(words).capitalize() + ".", "positive" if positive else "negative"))
    pd.DataFrame(rows, columns=["review", "sentiment"]).to_csv(path, index=False)
    return path
