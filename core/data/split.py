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
    """Positions (train, val, test) of `n` rows drawn at random with `rng`;
    each split's positions come back sorted (cheap to gather; shuffle per epoch).

    With `strata` (one integer class code >= 0 per row) each class is split on
    its own in the same proportions, and a class with a single row goes to train.
    """
    n_train, n_val, n_test = split_sizes(n, validation_split, test_split)
    which = np.zeros(n, dtype=np.int8)  # 0 train, 1 val, 2 test
    if strata is None:
        perm = rng.permutation(n)
        which[perm[n_train : n_train + n_val]] = 1
        which[perm[n_train + n_val :]] = 2
    else:
        codes = np.asarray(strata, dtype=np.int64)
        counts = np.bincount(codes - codes.min()) if n else np.zeros(0, dtype=np.int64)
        val_q = _quotas(counts, n_val)
        test_q = _quotas(np.maximum(counts - val_q, 0), n_test)
        base = codes.min()
        for k in np.flatnonzero(counts):
            members = rng.permutation(np.flatnonzero(codes == k + base))
            v, t = int(val_q[k]), int(test_q[k])
            which[members[:v]] = 1
            which[members[v : v + t]] = 2
    return np.flatnonzero(which == 0), np.flatnonzero(which == 1), np.flatnonzero(which == 2)


def _quotas(counts: np.ndarray, total: int) -> np.ndarray:
    """Per-class row counts summing to about `total`, proportional to `counts`
    (largest remainder), leaving every class at least one row for training."""
    if total <= 0 or counts.sum() == 0:
        return np.zeros_like(counts)
    exact = counts * (total / counts.sum())
    q = np.floor(exact).astype(np.int64)
    room = np.maximum(counts - 1, 0)
    q = np.minimum(q, room)
    short = total - int(q.sum())
    if short > 0:
        order = np.argsort(-(exact - q), kind="stable")
        for k in order:
            if short == 0:
                break
            if q[k] < room[k]:
                q[k] += 1
                short -= 1
    return q
