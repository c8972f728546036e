"""The image, sequence and text layers through `.keras` files and the Keras training script.

Per layer type: a small model with non-trivial weights is exported (verified on
export), loaded by real Keras 3 with the same weights and the same predictions,
and read back by LayerForge's own reader with identical predictions. Files that
real Keras writes with these layers (nested Bidirectional/TimeDistributed
configs, recurrent cells, the mask op of Embedding(mask_zero=True)) are read by
LayerForge, and `.weights.h5` files move between the two. Keras parts are
skipped with a reason when Keras is not installed.
"""

from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core import keras as lf
from core.export import export_model
from core.export.keras_file import load_keras

TOL = 1e-5
RNG = np.random.default_rng(11)
IMAGES = RNG.normal(size=(9, 8, 8, 3)).astype(np.float32)
SERIES = RNG.normal(size=(9, 7, 3)).astype(np.float32)
FLAT = RNG.normal(size=(9, 5)).astype(np.float32)
IDS = RNG.integers(0, 12, size=(9, 6)).astype(np.float32)
IDS[:, :2] = 0  # padding at the front: masked steps must be skipped
IDS[0, 3] = 0  # and one inside a row


@pytest.fixture(scope="module")
def keras():  # noqa: ANN201 - the module
    return pytest.importorskip(
        "keras", reason='Keras 3 not installed: pip install "layerforge[keras]"'
    )


def _model(make: Callable[[Any], Any], x: np.ndarray, seed: int = 0) -> Any:
    """Input -> the layer(s) of make(LayerForge's keras) -> Flatten, with moved weights."""
    inp = lf.Input(x.shape[1:], name="x")
    made = make(lf)
    out = inp
    for layer in made if isinstance(made, list) else [made]:
        out = layer(out)
    if len(out.shape) > 2:
        out = lf.layers.Flatten(name="flat")(out)
    model = lf.Model(inp, out, name="shaped")
    rng = np.random.default_rng(seed)
    model.set_weights(
        [(w + rng.normal(0, 0.3, w.shape)).astype(w.dtype) for w in model.get_weights()]
    )
    return model


CASES: dict[str, tuple[Callable[[Any], Any], np.ndarray]] = {
    "conv2d": (
        lambda k: k.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
        IMAGES,
    ),
    "conv2d_dilated_nobias": (
        lambda k: k.layers.Conv2D(2, (2, 3), dilation_rate=2, use_bias=False),
        IMAGES,
    ),
    "conv1d_causal": (lambda k: k.layers.Conv1D(4, 3, padding="causal", activation="tanh"), SERIES),
    "conv1d_l2": (lambda k: k.layers.Conv1D(2, 2, strides=2, kernel_regularizer="l2"), SERIES),
    "maxpool2d": (lambda k: k.layers.MaxPooling2D(3, strides=2, padding="same"), IMAGES),
    "avgpool2d": (lambda k: k.layers.AveragePooling2D((2, 3)), IMAGES),
    "maxpool1d": (lambda k: k.layers.MaxPooling1D(2, padding="same"), SERIES),
    "avgpool1d": (lambda k: k.layers.AveragePooling1D(3, strides=1), SERIES),
    "gap2d": (lambda k: k.layers.GlobalAveragePooling2D(), IMAGES),
    "gmp2d": (lambda k: k.layers.GlobalMaxPooling2D(keepdims=True), IMAGES),
    "gap1d": (lambda k: k.layers.GlobalAveragePooling1D(), SERIES),
    "gmp1d": (lambda k: k.layers.GlobalMaxPooling1D(), SERIES),
    "embedding": (lambda k: k.layers.Embedding(12, 4), IDS),
    "embedding_masked_gap": (
        lambda k: ([k.layers.Embedding(12, 4, mask_zero=True), k.layers.GlobalAveragePooling1D()]),
        IDS,
    ),
    "simplernn": (lambda k: k.layers.SimpleRNN(4, activation="relu"), SERIES),
    "lstm_sequences_backwards": (
        lambda k: k.layers.LSTM(3, return_sequences=True, go_backwards=True),
        SERIES,
    ),
    "lstm_nobias": (lambda k: k.layers.LSTM(3, use_bias=False), SERIES),
    "gru": (lambda k: k.layers.GRU(4), SERIES),
    "gru_sequences": (lambda k: k.layers.GRU(3, return_sequences=True), SERIES),
    "masked_lstm": (
        lambda k: ([k.layers.Embedding(12, 4, mask_zero=True), k.layers.LSTM(3)]),
        IDS,
    ),
    "bidirectional_concat": (lambda k: k.layers.Bidirectional(k.layers.LSTM(3)), SERIES),
    "bidirectional_sum_sequences": (
        lambda k: k.layers.Bidirectional(k.layers.GRU(3, return_sequences=True), "sum"),
        SERIES,
    ),
    "bidirectional_ave_nobias": (
        lambda k: k.layers.Bidirectional(k.layers.SimpleRNN(2, use_bias=False), "ave"),
        SERIES,
    ),
    "bidirectional_mul_masked": (
        lambda k: (
            [
                k.layers.Embedding(12, 4, mask_zero=True),
                k.layers.Bidirectional(k.layers.LSTM(2, return_sequences=True), "mul"),
            ]
        ),
        IDS,
    ),
    "spatial_dropout1d": (lambda k: k.layers.SpatialDropout1D(0.4), SERIES),
    "spatial_dropout2d": (lambda k: k.layers.SpatialDropout2D(0.4), IMAGES),
    "rescaling": (lambda k: k.layers.Rescaling(0.5, offset=-1.0), IMAGES),
    "zero_padding2d": (lambda k: k.layers.ZeroPadding2D(((1, 0), (2, 3))), IMAGES),
    "up_sampling2d": (lambda k: k.layers.UpSampling2D((2, 1)), IMAGES),
    "permute": (lambda k: k.layers.Permute((2, 1)), SERIES),
    "repeat_vector": (lambda k: k.layers.RepeatVector(3), FLAT),
    "time_distributed_dense": (
        lambda k: k.layers.TimeDistributed(k.layers.Dense(2, activation="relu")),
        SERIES,
    ),
    "time_distributed_lstm": (
        lambda k: k.layers.TimeDistributed(k.layers.LSTM(2)),
        IMAGES,
    ),
}


def _weights_by_layer(model: Any) -> dict[str, list[np.ndarray]]:
    return {la.name: [np.asarray(w) for w in la.get_weights()] for la in model.layers}


@pytest.mark.filterwarnings("ignore:Layer 'flat' .* mask")  # Keras: Flatten drops a mask
@pytest.mark.parametrize("case", sorted(CASES))
def test_layer_exports_to_keras_and_reads_back(keras, tmp_path: Path, case: str) -> None:  # noqa: ANN001
    make, x = CASES[case]
    model = _model(make, x)
    want = model.predict(x, verbose=0)
    path = tmp_path / "m.keras"
    report = export_model(model, "keras", path, rows=x)
    assert report.verified and report.rows == len(x) and report.max_abs_diff <= TOL
    assert report.consumer.startswith("Keras 3")
    assert any("own .keras reader" in n for n in report.notes)

    theirs = keras.saving.load_model(str(path))
    np.testing.assert_allclose(theirs.predict(x, verbose=0), want, atol=TOL, rtol=TOL)
    ours = _weights_by_layer(model)
    for layer in theirs.layers:
        if layer.weights:
            got = [keras.ops.convert_to_numpy(w) for w in layer.get_weights()]
            assert len(got) == len(ours[layer.name]), layer.name
            for a, b in zip(got, ours[layer.name], strict=True):
                np.testing.assert_array_equal(a, b)

    again = load_keras(path)
    np.testing.assert_array_equal(again.predict(x, verbose=0), want)
    assert _weights_by_layer(again).keys() == ours.keys()
    for name, arrays in _weights_by_layer(again).items():
        for a, b in zip(arrays, ours[name], strict=True):
            np.testing.assert_array_equal(a, b)


def _every_shaped_layer() -> tuple[Any, np.ndarray]:
    """One functional model with every image, sequence and reshaping layer."""
    L = lf.layers
    inp = lf.Input((8, 8, 3), name="image")
    x = L.Rescaling(1 / 255.0, offset=0.1)(inp)
    x = L.ZeroPadding2D(1)(x)
    x = L.Conv2D(4, 3, padding="same", activation="relu")(x)
    x = L.SpatialDropout2D(0.2)(x)
    x = L.MaxPooling2D(2)(x)
    x = L.AveragePooling2D(2, padding="same")(x)
    x = L.UpSampling2D(2)(x)
    g = L.GlobalAveragePooling2D()(x)
    g2 = L.GlobalMaxPooling2D()(x)
    x = L.Reshape((36, 4))(x)
    x = L.Permute((2, 1))(x)
    x = L.Conv1D(3, 2, padding="causal")(x)
    x = L.SpatialDropout1D(0.1)(x)
    x = L.MaxPooling1D(2)(x)
    x = L.AveragePooling1D(1)(x)
    x = L.SimpleRNN(5, return_sequences=True)(x)
    x = L.GRU(4, return_sequences=True)(x)
    x = L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode="sum")(x)
    x = L.TimeDistributed(L.Dense(2))(x)
    a = L.GlobalAveragePooling1D()(x)
    b = L.GlobalMaxPooling1D()(x)
    x = L.Concatenate()([a, b, g, g2])
    x = L.RepeatVector(3)(x)
    out = L.LSTM(2)(x)
    model = lf.Model(inp, out, name="every_shaped_layer")
    rng = np.random.default_rng(4)
    model.set_weights(
        [(w + rng.normal(0, 0.3, w.shape)).astype(w.dtype) for w in model.get_weights()]
    )
    return model, IMAGES * 255.0


def _text_model() -> tuple[Any, np.ndarray]:
    L = lf.layers
    model = lf.Sequential(
        [
            lf.Input((6,), name="ids"),
            L.Embedding(12, 4, mask_zero=True),
            L.Bidirectional(L.GRU(3, return_sequences=True)),
            L.LSTM(3),
            L.Dense(1, activation="sigmoid"),
        ],
        name="text",
    )
    rng = np.random.default_rng(5)
    model.set_weights(
        [(w + rng.normal(0, 0.3, w.shape)).astype(w.dtype) for w in model.get_weights()]
    )
    return model, IDS


@pytest.mark.parametrize("factory", [_every_shaped_layer, _text_model])
@pytest.mark.parametrize("fmt", ["keras", "python"])
def test_whole_models_export_in_both_keras_formats(
    keras,  # noqa: ANN001
    tmp_path: Path,
    factory: Callable[[], tuple[Any, np.ndarray]],
    fmt: str,
) -> None:
    model, x = factory()
    path = tmp_path / ("m.keras" if fmt == "keras" else "train.py")
    report = export_model(model, fmt, path, rows=x)
    assert report.verified and report.max_abs_diff <= TOL, report.text()
    if fmt == "python":
        assert "script's model with LayerForge's weights" in report.consumer
        built = runpy.run_path(str(path), run_name="test")["build_model"]()
        assert built.count_params() == model.count_params()
        weighted = [la.name for la in model.layers if la.weights]
        assert [la.name for la in built.layers if la.weights] == weighted


def test_without_keras_the_file_is_still_read_back_by_layerforge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import core.export.verify as verify

    monkeypatch.setattr(verify, "keras_available", lambda: False)
    model, x = _text_model()
    report = export_model(model, "keras", tmp_path / "t.keras", rows=x)
    assert not report.verified and "not loaded by Keras" in report.summary()
    assert "own .keras reader loads the file back" in report.summary()


@pytest.mark.parametrize("fmt", ["keras", "python"])
def test_a_shared_layer_is_refused_by_name(tmp_path: Path, fmt: str) -> None:
    from core.errors import FormatError

    inp = lf.Input((4,), name="x")
    shared = lf.layers.Dense(4, name="twice")
    model = lf.Model(inp, shared(shared(inp)))
    with pytest.raises(FormatError, match=r"Layer 'twice' is called more than once"):
        export_model(model, fmt, tmp_path / "m")
    assert list(tmp_path.iterdir()) == []


def test_samples_for_an_embedding_input_are_token_ids(tmp_path: Path) -> None:
    model, _ = _text_model()
    report = export_model(model, "bundle", tmp_path / "t.lfmodel")
    assert report.verified and report.rows == 200


# ------------------------------------------------------------------ files real Keras writes


READ_CASES = {
    "images": (
        lambda k: k.Sequential(
            [
                k.Input((8, 8, 3)),
                k.layers.ZeroPadding2D(1),
                k.layers.Conv2D(3, 3, activation="relu"),
                k.layers.MaxPooling2D(2),
                k.layers.UpSampling2D(2),
                k.layers.SpatialDropout2D(0.1),
                k.layers.GlobalAveragePooling2D(),
                k.layers.RepeatVector(2),
                k.layers.TimeDistributed(k.layers.Dense(2)),
            ]
        ),
        IMAGES,
    ),
    "text": (
        lambda k: k.Sequential(
            [
                k.Input((6,)),
                k.layers.Embedding(12, 4, mask_zero=True),
                k.layers.Bidirectional(k.layers.LSTM(3, return_sequences=True), "ave"),
                k.layers.GRU(2, return_sequences=True, go_backwards=True),
                k.layers.SimpleRNN(2),
            ]
        ),
        IDS,
    ),
    "series": (
        lambda k: k.Sequential(
            [
                k.Input((7, 3)),
                k.layers.Conv1D(4, 2, padding="causal"),
                k.layers.Permute((2, 1)),
                k.layers.AveragePooling1D(2),
                k.layers.SpatialDropout1D(0.2),
                k.layers.GlobalMaxPooling1D(),
                k.layers.Rescaling(2.0, offset=1.0),
            ]
        ),
        SERIES,
    ),
}


@pytest.mark.parametrize("case", sorted(READ_CASES))
def test_files_real_keras_writes_are_read_by_layerforge(keras, tmp_path: Path, case: str) -> None:  # noqa: ANN001
    make, x = READ_CASES[case]
    keras.utils.set_random_seed(0)
    theirs = make(keras)
    path = tmp_path / "theirs.keras"
    theirs.save(path)
    want = keras.ops.convert_to_numpy(theirs.predict(x, verbose=0))
    ours = load_keras(path)
    np.testing.assert_allclose(ours.predict(x, verbose=0), want, atol=TOL, rtol=TOL)

    # .weights.h5: Keras's file into a fresh LayerForge model, then LayerForge's into Keras
    source = tmp_path / "keras.weights.h5"
    theirs.save_weights(source)
    for lib, seed in ((lf, 1), (keras, 2)):
        lib.utils.set_random_seed(seed)
        fresh = make(lib)
        fresh.load_weights(source)
        got = keras.ops.convert_to_numpy(fresh.predict(x, verbose=0))
        np.testing.assert_allclose(got, want, atol=TOL, rtol=TOL, err_msg=lib.__name__)
        source = tmp_path / "layerforge.weights.h5"
        fresh.save_weights(source)
