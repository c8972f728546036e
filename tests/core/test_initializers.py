"""Initializers, regularizers, activations lookup and the random module."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.engine import activations, initializers, regularizers
from core.engine import random as lf_random
from core.errors import ConfigError


@pytest.mark.parametrize(
    "name,scale,mode,dist",
    [
        ("glorot_uniform", 1.0, "fan_avg", "uniform"),
        ("glorot_normal", 1.0, "fan_avg", "normal"),
        ("he_normal", 2.0, "fan_in", "normal"),
        ("he_uniform", 2.0, "fan_in", "uniform"),
        ("lecun_normal", 1.0, "fan_in", "normal"),
        ("lecun_uniform", 1.0, "fan_in", "uniform"),
    ],
)
def test_variance_scaling_statistics(name, scale, mode, dist) -> None:
    shape = (200, 300)
    fan = {"fan_in": 200, "fan_avg": 250}[mode]
    w = initializers.get(name)(shape, "float32", np.random.default_rng(0))
    assert w.dtype == np.float32 and w.shape == shape
    assert w.std() == pytest.approx(np.sqrt(scale / fan), rel=0.03)
    if dist == "uniform":
        assert np.abs(w).max() <= np.sqrt(3 * scale / fan)
    else:  # truncated at two (corrected) standard deviations like Keras
        assert np.abs(w).max() <= 2 * np.sqrt(scale / fan) / 0.87962566103423978 + 1e-6


def test_simple_initializers() -> None:
    rng = np.random.default_rng(0)
    assert (initializers.get("zeros")((2, 3)) == 0).all()
    assert (initializers.get("ones")((2,), "float64") == 1).all()
    assert (initializers.Constant(3.5)((2,)) == 3.5).all()
    w = initializers.RandomNormal(mean=1.0, stddev=0.5)((4000,), rng=rng)
    assert w.mean() == pytest.approx(1.0, abs=0.03) and w.std() == pytest.approx(0.5, rel=0.05)
    u = initializers.get("random_uniform")((4000,), rng=rng)
    assert u.min() >= -0.05 and u.max() <= 0.05


def test_same_rng_same_weights_and_seed() -> None:
    a = initializers.get("glorot_uniform")((3, 4), rng=np.random.default_rng(5))
    b = initializers.get("glorot_uniform")((3, 4), rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    s = initializers.HeNormal(seed=2)
    np.testing.assert_array_equal(s((3, 3)), s((3, 3)))


@pytest.mark.parametrize("name", initializers.NAMES)
def test_initializer_config_round_trip(name: str) -> None:
    init = initializers.get(name)
    text = json.dumps(initializers.serialize(init))
    again = initializers.get(json.loads(text))
    assert type(again) is type(init) and again.get_config() == init.get_config()
    custom = {"class_name": "RandomNormal", "config": {"mean": 1.0, "stddev": 2.0, "seed": 3}}
    assert initializers.get(custom).get_config() == custom["config"]


def test_unknown_initializer_suggests() -> None:
    with pytest.raises(ConfigError, match="Did you mean 'he_normal'"):
        initializers.get("he_nromal")


def test_regularizers() -> None:
    w = np.array([[1.0, -2.0], [3.0, 0.5]])
    assert regularizers.get("l1")(w).item() == pytest.approx(0.01 * 6.5)
    assert regularizers.get("l2")(w).item() == pytest.approx(0.01 * 14.25)
    assert regularizers.get("l1_l2")(w).item() == pytest.approx(0.01 * 6.5 + 0.01 * 14.25)
    assert regularizers.L1L2(l1=0.1, l2=0.2)(w).item() == pytest.approx(0.65 + 2.85)
    assert regularizers.get(None) is None
    for reg in (regularizers.L1(0.3), regularizers.L2(0.2), regularizers.L1L2(0.1, 0.4)):
        text = json.dumps(regularizers.serialize(reg))
        assert regularizers.get(json.loads(text)) == reg
    with pytest.raises(ConfigError, match="Did you mean 'l2'"):
        regularizers.get("l22")
    with pytest.raises(ConfigError, match="non-negative"):
        regularizers.L2(-1)


def test_regularizer_gradient() -> None:
    from tests.core.gradcheck import check_grads

    w = np.array([[1.0, -2.0], [3.0, 0.5]])
    check_grads(regularizers.L1L2(0.1, 0.3), w)


def test_activations_lookup() -> None:
    for name in activations.NAMES:
        assert activations.get(name).__name__ == name
    assert activations.get(None) is activations.linear
    assert activations.canonical_name(activations.relu) == "relu"
    with pytest.raises(ConfigError) as err:
        activations.get("rellu")
    assert str(err.value).startswith("Unknown activation 'rellu'. Expected one of: linear, relu")
    assert str(err.value).endswith("Did you mean 'relu'?")


def test_random_seed_is_reproducible() -> None:
    lf_random.set_random_seed(123)
    a = lf_random.default_generator().random(3)
    lf_random.set_random_seed(123)
    b = lf_random.default_generator().random(3)
    np.testing.assert_array_equal(a, b)
    g = np.random.default_rng(1)
    assert lf_random.make_generator(g) is g
    assert lf_random.make_generator(None) is lf_random.default_generator()
    np.testing.assert_array_equal(
        lf_random.make_generator(4).random(2), np.random.default_rng(4).random(2)
    )
    with pytest.raises(ConfigError):
        lf_random.make_generator("seed")
    with pytest.raises(ConfigError):
        lf_random.set_random_seed(-1)
