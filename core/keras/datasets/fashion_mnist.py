"""keras.datasets.fashion_mnist: 28x28 clothing images from the four gz files Keras caches."""

from __future__ import annotations

import gzip

import numpy as np

from core.keras.datasets._cache import cached_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)


def load_data() -> tuple:
    """((x_train, y_train), (x_test, y_test)) as uint8 arrays, like Keras."""
    arrays = []
    for name in _FILES:
        path = cached_file(f"fashion-mnist/{name}", ORIGIN + name, "fashion_mnist")
        with gzip.open(path, "rb") as fh:
            raw = fh.read()
        if "labels" in name:
            arrays.append(np.frombuffer(raw, np.uint8, offset=8))
        else:
            arrays.append(np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28))
    y_train, x_train, y_test, x_test = arrays
    return (x_train, y_train), (x_test, y_test)
