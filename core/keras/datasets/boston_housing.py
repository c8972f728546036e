"""keras.datasets.boston_housing: 13 features, median house value (boston_housing.npz)."""

from __future__ import annotations

from core.keras.datasets._cache import cached_file, load_npz, split

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113) -> tuple:
    """((x_train, y_train), (x_test, y_test)), shuffled and split as Keras does."""
    x, y = load_npz(cached_file(path, ORIGIN, "boston_housing"), ("x", "y"), "boston_housing")
    return split(x, y, test_split, seed)
