"""Check a LayerForge layer against the same layer built by real Keras 3.

`assert_matches_keras(make, x)` builds `make(core.keras)` and `make(keras)` in
the same small model (Input -> layer -> Flatten -> Dense(1)), copies Keras's
weights into LayerForge's with `set_weights` (so the layouts must be Keras's),
and asserts the same layer outputs, then the same weights after one
`train_on_batch` step with SGD and with Adam on a mean squared error. The test
is skipped only where Keras is not installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from core import keras as lf


def _model(lib: Any, make: Callable[[Any], Any], x: np.ndarray, int_input: bool) -> tuple:
    lib.utils.set_random_seed(0)
    layer = make(lib)
    dtype = "int32" if int_input else "float32"
    model = lib.Sequential(
        [
            lib.Input(x.shape[1:], dtype=dtype),
            layer,
            lib.layers.Flatten(),
            lib.layers.Dense(1),
        ]
    )
    return model, layer


def assert_matches_keras(
    make: Callable[[Any], Any],
    x: np.ndarray,
    *,
    int_input: bool = False,
    rtol: float = 1e-5,
    atol: float = 1e-5,
) -> None:
    """Same weights -> same outputs and the same one-step SGD and Adam updates as Keras."""
    real = pytest.importorskip("keras")
    ours, our_layer = _model(lf, make, x, int_input)
    theirs, their_layer = _model(real, make, x, int_input)
    start = theirs.get_weights()
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in start]
    ours.set_weights(start)
    np.testing.assert_allclose(
        our_layer(x).numpy(), real.ops.convert_to_numpy(their_layer(x)), rtol=rtol, atol=atol
    )
    y = np.random.default_rng(1).standard_normal((len(x), 1)).astype(np.float32)
    for name, lr in (("SGD", 0.1), ("Adam", 0.01)):
        ours.set_weights(start)
        theirs.set_weights(start)
        ours.compile(optimizer=getattr(lf.optimizers, name)(learning_rate=lr), loss="mse")
        theirs.compile(optimizer=getattr(real.optimizers, name)(learning_rate=lr), loss="mse")
        loss_ours = ours.train_on_batch(x, y)
        loss_theirs = theirs.train_on_batch(x, y)
        np.testing.assert_allclose(
            np.ravel(loss_ours)[0], np.ravel(loss_theirs)[0], rtol=1e-4, err_msg=name
        )
        after = theirs.get_weights()
        moved = [not np.array_equal(a, b) for a, b in zip(after, start, strict=True)]
        assert any(moved[: len(our_layer.weights)]) or not our_layer.weights, name
        for k, (a, b) in enumerate(zip(ours.get_weights(), after, strict=True)):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{name} weight {k}")
