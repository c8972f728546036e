"""Split row positions into train, validation and test sets: seeded, and
stratified by class when asked, so every split keeps the class balance."""

from __future__ import annotations

import numpy as np

from core.errors import ConfigError, DataError


def split_sizes(n: int, validation_split: float, test_split: float) -> tuple[int, int, int]:
    """Row counts (train, val, test) for `n` rows; a non-zero ratio gets at least one row."""
    for name, value in (("validation_split", validation_split), ("test_split", test_split)):
        if not 0.0 <= value < 1.0:
            raise ConfigError(f"Expected {name} in [0, 1). Received: {value!r}.")
    if validation_split + test_split >= 1.0:
        raise ConfigError(
            "Expected validation_split + test_split < 1 so that rows are left to train on. "
            f"Received: {validation_split} + {test_split}."
        )
    n_val = max(1, int(round(n * validation_split))) if validation_split > 0 else 0
    n_test = max(1, int(round(n * test_split))) if test_split > 0 else 0
    n_train = n - n_val - n_test
    if n < 2 or n_train < 1:
        raise DataError(
            f"Expected enough rows to train on. Received: {n} usable row{'s' if n != 1 else ''}"
            f", which leaves {max(n_train, 0)} for training after the validation/test split. "
            "Add rows, or lower validation_split and test_split."
        )
    return n_train, n_val, n_test


def split_indices(
    n: int,
    *,
    validation_split: float,
    test_split: float,
    rng: np.random.Generator,
    strata: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions (train, val, test) of `n` rows, shuffled by `rng`.

    With `strata` (one integer class code per row, -1 for none) every split
    keeps the class proportions: rows are ordered by their fractional rank
    within their class, so any prefix of the order is stratified, and train
    is taken first so that a class with a single row lands in train.
    """
    n_train, n_val, n_test = split_sizes(n, validation_split, test_split)
    perm = rng.permutation(n)
    if strata is not None:
        codes = np.asarray(strata)[perm]
        _, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
        order_in_class = np.argsort(inverse, kind="stable")
        rank = np.empty(n, dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        rank[order_in_class] = np.arange(n) - np.repeat(starts, counts)
        key = (rank + 0.5) / counts[inverse]
        perm = perm[np.argsort(key, kind="stable")]
    train = perm[:n_train]
    val = perm[n_train:n_train + n_val]
    test = perm[n_train + n_val:]
    return train, val, test
