"""model.save / keras.models.load_model, save_weights / load_weights, to_json and
clone_model: real Keras 3 files, read back by LayerForge and by Keras itself."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from core import keras
from core.errors import FormatError

RNG = np.random.default_rng(3)
X = RNG.normal(size=(64, 6)).astype(np.float32)
Y = (X[:, :1] > 0).astype(np.float32)


def _trained() -> keras.Model:
    inp = keras.Input((6,), name="features")
    h = keras.layers.Dense(8, activation="relu", kernel_regularizer=keras.regularizers.l2(1e-3))(
        inp
    )
    h = keras.layers.BatchNormalization()(h)
    h = keras.layers.LeakyReLU(negative_slope=0.1)(h)
    out = keras.layers.Dense(1, activation="sigmoid")(h)
    model = keras.Model(inp, out)
    model.compile(
        optimizer=keras.optimizers.Adam(2e-3), loss="binary_crossentropy", metrics=["accuracy"]
    )
    model.fit(X, Y, epochs=2, verbose=0)
    return model


def test_keras_file_round_trip_is_compiled_with_the_same_predictions(tmp_path) -> None:
    model = _trained()
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        config = json.loads(zf.read("config.json"))
    assert config["compile_config"]["loss"] == "binary_crossentropy"
    again = keras.models.load_model(path)
    np.testing.assert_allclose(again.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)
    assert again.compiled and isinstance(again.optimizer, keras.optimizers.Adam)
    assert again.optimizer.learning_rate == pytest.approx(2e-3)
    loss, acc = again.evaluate(X, Y, verbose=0)
    assert loss == pytest.approx(model.evaluate(X, Y, verbose=0)[0], rel=1e-5)
    assert 0.0 <= acc <= 1.0


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_real_keras_reads_our_file_and_we_read_its_file(tmp_path) -> None:
    real = pytest.importorskip("keras")
    model = _trained()
    ours = tmp_path / "ours.keras"
    model.save(ours)
    theirs_model = real.models.load_model(ours)
    np.testing.assert_allclose(
        np.asarray(theirs_model.predict(X, verbose=0)), model.predict(X, verbose=0), atol=1e-5
    )
    seq = real.Sequential(
        [
            real.Input((6,)),
            real.layers.Dense(5, activation="relu"),
            real.layers.Dense(3, activation="softmax"),
        ]
    )
    seq.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    theirs = tmp_path / "theirs.keras"
    seq.save(theirs)
    loaded = keras.models.load_model(theirs)
    np.testing.assert_allclose(
        loaded.predict(X, verbose=0), np.asarray(seq.predict(X, verbose=0)), atol=1e-5
    )
    assert isinstance(loaded.optimizer, keras.optimizers.RMSprop)
    seq.save_weights(tmp_path / "theirs.weights.h5")
    fresh = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(5, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    fresh.load_weights(tmp_path / "theirs.weights.h5")
    np.testing.assert_allclose(fresh.predict(X, verbose=0), loaded.predict(X, verbose=0), atol=1e-6)


def test_weights_file_json_and_clone(tmp_path) -> None:
    model = _trained()
    model.save_weights(tmp_path / "w.weights.h5")
    clone = keras.models.clone_model(model)
    assert not np.allclose(clone.get_weights()[0], model.get_weights()[0])
    clone.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(clone.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    rebuilt = keras.models.model_from_json(model.to_json())
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(
        rebuilt.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6
    )
    assert model.get_layer("features").name == "features"
    assert len(model.layers[1].get_weights()) == 2


def test_save_refuses_other_formats_and_existing_files(tmp_path) -> None:
    model = _trained()
    with pytest.raises(FormatError, match=r"ending in '\.keras'"):
        model.save(tmp_path / "m.h5")
    with pytest.raises(FormatError, match=r"\.weights\.h5"):
        model.save_weights(tmp_path / "m.h5")
    model.save(tmp_path / "m.keras")
    with pytest.raises(FormatError, match="overwrite=False"):
        model.save(tmp_path / "m.keras", overwrite=False)
    with pytest.raises(FormatError, match="does not support yet|not supported"):
        bad = tmp_path / "bad.keras"
        config = {
            "class_name": "Sequential",
            "config": {"name": "s", "layers": [{"class_name": "Conv3D", "config": {}}]},
        }
        with zipfile.ZipFile(bad, "w") as zf:
            zf.writestr("config.json", json.dumps(config))
            zf.writestr("model.weights.h5", b"")
        keras.models.load_model(bad)
