"""keras.datasets.mnist: 28x28 handwritten digits from mnist.npz in Keras's cache."""

from __future__ import annotations

from core.keras.datasets._cache import cached_file, load_npz

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"


def load_data(path: str = "mnist.npz") -> tuple:
    """((x_train, y_train), (x_test, y_test)) as uint8 arrays, like Keras."""
    f = cached_file(path, ORIGIN, "mnist")
    x_train, y_train, x_test, y_test = load_npz(
        f, ("x_train", "y_train", "x_test", "y_test"), "mnist"
    )
    return (x_train, y_train), (x_test, y_test)
