"""keras.datasets: the Keras datasets read from Keras's cache folder, never downloaded.

mnist, fashion_mnist, boston_housing and california_housing load from the
files Keras caches in `~/.keras/datasets`; when a file is missing the error
says where to put it. imdb, reuters, cifar10 and cifar100 are stored by Keras
as pickled objects and are refused with that reason.
"""

from __future__ import annotations

from core.keras._unsupported import missing_names
from core.keras.datasets import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)

__all__ = [
    "boston_housing",
    "california_housing",
    "cifar10",
    "cifar100",
    "fashion_mnist",
    "imdb",
    "mnist",
    "reuters",
]

__getattr__ = missing_names(__name__)
