"""Small 2-D toy datasets for decision-boundary demos: two moons, circles,
spiral and XOR. Every draw comes from the `np.random.Generator` passed in."""

from __future__ import annotations

import numpy as np

from core.errors import ConfigError


def _check(n: int, noise: float, rng: np.random.Generator, minimum: int = 2) -> None:
    if not isinstance(n, (int, np.integer)) or n < minimum:
        raise ConfigError(f"Expected n to be an integer >= {minimum}. Received: {n!r}.")
    if not noise >= 0:
        raise ConfigError(f"Expected noise >= 0. Received: {noise!r}.")
    if not isinstance(rng, np.random.Generator):
        raise ConfigError(
            "Expected rng to be a numpy.random.Generator (np.random.default_rng(seed)). "
            f"Received: {type(rng).__name__}."
        )


def _finish(
    x: np.ndarray, y: np.ndarray, rng: np.random.Generator, noise: float
) -> tuple[np.ndarray, np.ndarray]:
    x = x + rng.normal(0.0, noise, size=x.shape) if noise > 0 else x
    perm = rng.permutation(len(x))
    return x[perm].astype(np.float32), y[perm].astype(np.int64)


def two_moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles; labels 0 and 1."""
    _check(n, noise, rng)
    n0 = n // 2
    n1 = n - n0
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    x = np.vstack([upper, lower])
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    return _finish(x, y, rng, noise)


def circles(
    n: int, noise: float, rng: np.random.Generator, *, factor: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (label 1) inside a large one (label 0)."""
    _check(n, noise, rng)
    if not 0.0 < factor < 1.0:
        raise ConfigError(f"Expected 0 < factor < 1. Received: {factor!r}.")
    n0 = n // 2
    n1 = n - n0
    t0 = np.linspace(0.0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0.0, 2 * np.pi, n1, endpoint=False)
    outer = np.column_stack([np.cos(t0), np.sin(t0)])
    inner = factor * np.column_stack([np.cos(t1), np.sin(t1)])
    x = np.vstack([outer, inner])
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    return _finish(x, y, rng, noise)


def spiral(
    n: int, noise: float, rng: np.random.Generator, *, classes: int = 3, turns: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """`classes` interleaved spiral arms (labels 0..classes-1), radius up to 1."""
    _check(n, noise, rng, minimum=classes)
    if classes < 2:
        raise ConfigError(f"Expected classes >= 2. Received: {classes!r}.")
    xs, ys = [], []
    sizes = [n // classes + (1 if k < n % classes else 0) for k in range(classes)]
    for k, m in enumerate(sizes):
        r = np.linspace(0.05, 1.0, m)
        t = 2 * np.pi * (turns * r + k / classes)
        xs.append(np.column_stack([r * np.cos(t), r * np.sin(t)]))
        ys.append(np.full(m, k))
    return _finish(np.vstack(xs), np.concatenate(ys), rng, noise)


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points in [-1, 1]^2; label 1 where x1 and x2 have different signs."""
    _check(n, noise, rng)
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = ((x[:, 0] > 0) != (x[:, 1] > 0)).astype(np.int64)
    return _finish(x, y, rng, noise)
