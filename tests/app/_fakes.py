"""Small training generators that yield `core.engine.training`'s events, for worker tests.

The worker tests use them to exercise the real thread path with exact,
predictable event streams: `counting_train` yields a fixed number of cheap
steps, and `numpy_mlp_train` trains a small MLP with plain NumPy
(Python-overhead-bound, the hard case for the GIL).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from core.engine.training import BatchEnded, EpochEnded, TrainingFinished


def counting_train(
    epochs: int = 3, batches: int = 10, delay: float = 0.0, fail_at: int | None = None
) -> Iterator[Any]:
    """Yield batch/epoch events with a fake decreasing loss; optionally raise."""
    step = 0
    for epoch in range(epochs):
        for batch in range(batches):
            if delay:
                time.sleep(delay)
            step += 1
            if fail_at is not None and step == fail_at:
                raise ValueError(f"boom at step {step}")
            yield BatchEnded(epoch, batch, batches, {"loss": 1.0 / step}, step * 8)
        yield EpochEnded(epoch, epochs, {"loss": 1.0 / step, "val_loss": 1.2 / step}, 0.0)
    yield TrainingFinished("completed", epochs - 1, batches - 1, {"loss": 1.0 / step}, "done")


def numpy_mlp_train(
    seconds: float = 10.0,
    n: int = 2048,
    features: int = 8,
    hidden: int = 10,
    batch_size: int = 32,
    seed: int = 0,
) -> Iterator[Any]:
    """Train 8 -> 10 relu -> 10 relu -> 1 sigmoid with NumPy for about `seconds`."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    y = (x[:, :1] + x[:, 1:2] > 0).astype(np.float32)
    w1 = rng.normal(0, 0.3, (features, hidden)).astype(np.float32)
    w2 = rng.normal(0, 0.3, (hidden, hidden)).astype(np.float32)
    w3 = rng.normal(0, 0.3, (hidden, 1)).astype(np.float32)
    lr = np.float32(0.05)
    batches = n // batch_size
    start = time.perf_counter()
    epoch = 0
    seen = 0
    while True:
        losses = []
        for b in range(batches):
            xb = x[b * batch_size : (b + 1) * batch_size]
            yb = y[b * batch_size : (b + 1) * batch_size]
            h1 = np.maximum(xb @ w1, 0)
            h2 = np.maximum(h1 @ w2, 0)
            p = 1.0 / (1.0 + np.exp(-np.clip(h2 @ w3, -30.0, 30.0)))
            p = np.clip(p, 1e-6, 1 - 1e-6)
            loss = float(-np.mean(yb * np.log(p) + (1 - yb) * np.log(1 - p)))
            g3 = (p - yb) / batch_size
            gw3 = h2.T @ g3
            g2 = (g3 @ w3.T) * (h2 > 0)
            gw2 = h1.T @ g2
            g1 = (g2 @ w2.T) * (h1 > 0)
            gw1 = xb.T @ g1
            w1 -= lr * gw1
            w2 -= lr * gw2
            w3 -= lr * gw3
            seen += batch_size
            losses.append(loss)
            acc = float(np.mean((p > 0.5) == (yb > 0.5)))
            yield BatchEnded(epoch, b, batches, {"loss": loss, "accuracy": acc}, seen)
        logs = {"loss": float(np.mean(losses)), "val_loss": float(np.mean(losses)) * 1.1}
        yield EpochEnded(epoch, 10**6, logs, time.perf_counter() - start)
        epoch += 1
        if time.perf_counter() - start >= seconds:
            yield TrainingFinished("completed", epoch - 1, batches - 1, logs, "done")
            return
