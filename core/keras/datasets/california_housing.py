"""keras.datasets.california_housing: 8 features, median house value."""

from __future__ import annotations

from core.keras.datasets._cache import cached_file, load_npz, split

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/california_housing.npz"


def load_data(
    version: str = "large",
    path: str = "california_housing.npz",
    test_split: float = 0.2,
    seed: int = 113,
) -> tuple:
    """((x_train, y_train), (x_test, y_test)); version="small" keeps the first 600 rows."""
    x, y = load_npz(
        cached_file(path, ORIGIN, "california_housing"), ("x", "y"), "california_housing"
    )
    if version == "small":
        x, y = x[:600], y[:600]
    return split(x, y, test_split, seed)
