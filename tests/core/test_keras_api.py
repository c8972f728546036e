"""core.keras mirrors Keras 3's public layout; missing names give one clear error; tf mirror."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import numpy as np
import pytest

import core as tf
from core import keras
from core.errors import ConfigError, DataError
from core.keras import UnsupportedFeatureError

SUBMODULES = [
    "layers",
    "models",
    "ops",
    "utils",
    "losses",
    "metrics",
    "optimizers",
    "optimizers.schedules",
    "callbacks",
    "initializers",
    "regularizers",
    "activations",
    "config",
    "datasets",
    "saving",
    "preprocessing",
    "preprocessing.sequence",
    "backend",
    "random",
]


@pytest.mark.parametrize("name", SUBMODULES)
def test_each_keras_module_imports_as_a_module(name: str) -> None:
    mod = importlib.import_module(f"core.keras.{name}")
    public = [n for n in getattr(mod, "__all__", []) if not n.startswith("_")]
    assert public, name
    for attr in public:
        assert getattr(mod, attr) is not None, f"keras.{name}.{attr}"


def test_the_common_import_lines_work() -> None:
    from core.keras import regularizers
    from core.keras.layers import Dense
    from core.keras.models import Sequential
    from core.keras.preprocessing.sequence import pad_sequences
    from core.keras.utils import to_categorical

    assert Sequential is keras.Sequential and Dense is keras.layers.Dense
    assert regularizers.l2(0.01).l2 == 0.01
    assert to_categorical([0, 2]).shape == (2, 3)
    assert pad_sequences([[1, 2], [3]]).tolist() == [[1, 2], [0, 3]]
    assert keras.optimizers.schedules.ExponentialDecay is not None


@pytest.mark.parametrize(
    ("module", "name"),
    [("layers", "Conv3D"), ("layers", "ConvLSTM2D"), ("ops", "fft"), ("callbacks", "TensorBoard")],
)
def test_a_missing_keras_name_names_itself(module: str, name: str) -> None:
    mod = importlib.import_module(f"core.keras.{module}")
    with pytest.raises(UnsupportedFeatureError, match=rf"keras\.{module}\.{name} is not supported"):
        getattr(mod, name)
    code = f"from core.keras.{module} import {name}"
    with pytest.raises(UnsupportedFeatureError, match="not supported by LayerForge yet"):
        exec(code, {})


def test_a_missing_keras_module_names_itself() -> None:
    with pytest.raises(UnsupportedFeatureError, match=r"keras\.applications is not supported"):
        importlib.import_module("core.keras.applications")
    with pytest.raises(UnsupportedFeatureError, match=r"keras\.applications"):
        _ = keras.applications


def test_a_typo_is_an_attribute_error_with_a_suggestion() -> None:
    with pytest.raises(AttributeError, match="Did you mean 'Dense'"):
        _ = keras.layers.Dens
    assert not hasattr(keras.layers, "__wrapped__")


def test_versions() -> None:
    assert keras.__version__.startswith("3.")
    assert tf.__version__ == tf.version.VERSION and tf.__version__.startswith("2.")
    assert tf.keras is keras


def test_tf_mirror_basics() -> None:
    tf.random.set_seed(3)
    a = tf.random.normal((2, 2)).numpy()
    tf.random.set_seed(3)
    assert np.array_equal(a, tf.random.normal((2, 2)).numpy())
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert x.dtype == np.float32
    assert float(tf.reduce_mean(x).data) == 2.5
    assert tf.math.reduce_sum(x, axis=0).numpy().tolist() == [4.0, 6.0]
    assert tf.convert_to_tensor(np.arange(3)).dtype == np.int64
    assert tf.config.list_physical_devices("GPU") == []
    with pytest.raises(tf._tf.UnsupportedTFError, match=r"tf\.image is not supported"):
        _ = tf.image


def test_gradient_tape_matches_the_hand_gradient() -> None:
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    w = tf.Variable([[1.0], [1.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.square(tf.matmul(x, w)))
    (g,) = tape.gradient(y, [w])
    expected = 2 * x.numpy().T @ (x.numpy() @ w.numpy())
    np.testing.assert_allclose(g.numpy(), expected)


def test_config() -> None:
    assert keras.config.backend() == "numpy"
    assert keras.config.floatx() == "float32"
    keras.config.enable_unsafe_deserialization()
    keras.config.set_floatx("float64")
    try:
        assert keras.layers.Dense(2)(np.ones((1, 3))).dtype == np.float64
    finally:
        keras.config.set_floatx("float32")
    with pytest.raises(ConfigError, match="float16"):
        keras.config.set_floatx("float16")
    assert keras.config.epsilon() == 1e-7


def test_max_epochs_comes_from_the_environment_like_keras() -> None:
    code = "from core.keras import config; print(config.max_epochs())"
    env = {**os.environ, "KERAS_MAX_EPOCHS": "3"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "3", out.stderr


def test_to_categorical_and_normalize() -> None:
    y = keras.utils.to_categorical([[1], [0], [2]], num_classes=4)
    assert y.shape == (3, 4) and y[0].tolist() == [0, 1, 0, 0]
    with pytest.raises(ConfigError, match="0..1"):
        keras.utils.to_categorical([0, 3], num_classes=2)
    n = keras.utils.normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(n, [[0.6, 0.8], [0.0, 0.0]])


def test_pad_sequences_like_keras() -> None:
    seqs = [[1, 2, 3, 4], [5], []]
    out = keras.preprocessing.sequence.pad_sequences(seqs, maxlen=3, padding="post")
    assert out.tolist() == [[2, 3, 4], [5, 0, 0], [0, 0, 0]]
    out = keras.utils.pad_sequences(seqs, maxlen=2, truncating="post")
    assert out.tolist() == [[1, 2], [0, 5], [0, 0]]


def test_datasets_read_the_cache_or_say_where_to_put_the_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(DataError, match=r"mnist\.npz.*does not download"):
        keras.datasets.mnist.load_data()
    (tmp_path / "datasets").mkdir()
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 13)), rng.normal(size=50)
    np.savez(tmp_path / "datasets" / "boston_housing.npz", x=x, y=y)
    (xt, yt), (xs, ys) = keras.datasets.boston_housing.load_data()
    assert xt.shape == (40, 13) and xs.shape == (10, 13)
    assert sorted(np.concatenate([yt, ys]).tolist()) == sorted(y.tolist())
    with pytest.raises(DataError, match="pickled"):
        keras.datasets.imdb.load_data(num_words=100)


def test_plot_model_draws_a_png(tmp_path) -> None:
    from PIL import Image

    inp = keras.Input((4,))
    a = keras.layers.Dense(3, activation="relu")(inp)
    b = keras.layers.Dense(3)(inp)
    out = keras.layers.Dense(1)(keras.layers.add([a, b]))
    model = keras.Model(inp, out)
    path = keras.utils.plot_model(model, to_file=str(tmp_path / "m.png"), show_shapes=True)
    img = Image.open(path)
    assert img.format == "PNG" and img.size[0] > 100 and img.size[1] > 200
    pixels = np.asarray(img.convert("L"))
    assert (pixels < 64).mean() > 0.005  # boxes, text and arrows were drawn
