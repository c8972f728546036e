"""The NumPy script runs every image, sequence and text layer as LayerForge predicts.

Per layer type (and its arguments that change the arithmetic: strides, valid /
same / causal padding, dilation, bias, activations, masks, merge modes) a
small model with non-trivial weights is exported to the standalone script,
which the export runs in a subprocess on sample inputs and compares with
LayerForge's predict. The written script holds only the functions of the
layer types its model uses, imports NumPy and the standard library only, and
keeps layer names out of its source.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import core.engine.layers as L
from core.engine.models import Model, Sequential
from core.errors import FormatError
from core.export import export_model

TOL = 1e-5


def perturbed(model: Model, seed: int = 0, scale: float = 0.3) -> Model:
    """`model` with every weight moved off its initial value (biases no longer zero)."""
    rng = np.random.default_rng(seed)
    model.set_weights(
        [(w + rng.normal(0, scale, w.shape)).astype(w.dtype) for w in model.get_weights()]
    )
    return model


def image(shape: tuple[int, ...], *layers: L.Layer, seed: int = 0) -> Model:
    inp = L.Input(shape=shape, name="pixels")
    x = inp
    for layer in layers:
        x = layer(x)
    return perturbed(Model(inp, x), seed)


def conv2d_valid_strided() -> Model:
    return image(
        (9, 9, 2),
        L.Conv2D(4, 3, strides=2, activation="relu", use_bias=False),
        L.Conv2D(3, (2, 3), padding="valid", activation="tanh"),
        L.Flatten(),
        L.Dense(2),
    )


def conv2d_same_asymmetric() -> Model:
    # 7x8 input, kernel 4x3, stride 2: Keras pads one more cell after than before
    return image(
        (7, 8, 3),
        L.Conv2D(5, (4, 3), strides=2, padding="same", activation="elu"),
        L.Conv2D(2, 3, padding="same", dilation_rate=2),
        L.Flatten(),
    )


def conv1d_paddings() -> Model:
    return image(
        (11, 3),
        L.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="relu"),
        L.Conv1D(4, 4, strides=3, padding="same", activation="sigmoid"),
        L.Conv1D(2, 2, padding="valid", use_bias=False),
        L.Flatten(),
    )


def pooling2d() -> Model:
    return image(
        (7, 7, 2),
        L.MaxPooling2D(3, strides=2, padding="same"),
        L.AveragePooling2D(2, strides=1, padding="same"),
        L.AveragePooling2D(2),
        L.MaxPooling2D((1, 2)),
        L.Flatten(),
    )


def pooling1d() -> Model:
    return image(
        (9, 3),
        L.AveragePooling1D(4, strides=3, padding="same"),
        L.MaxPooling1D(2, padding="same"),
        L.Flatten(),
    )


def global_pooling() -> Model:
    inp = L.Input(shape=(5, 6, 3))
    a = L.GlobalAveragePooling2D()(inp)
    b = L.GlobalMaxPooling2D()(inp)
    seq = L.Reshape((10, 9))(inp)
    c = L.GlobalAveragePooling1D()(seq)
    d = L.Flatten()(L.GlobalMaxPooling1D(keepdims=True)(seq))
    return perturbed(Model(inp, L.Concatenate()([a, b, c, d])))


def normalization() -> Model:
    rng = np.random.default_rng(3)
    inp = L.Input(shape=(4, 3))
    x = L.Normalization(mean=rng.normal(size=3), variance=rng.uniform(0.5, 2, 3))(inp)
    y = L.Normalization(axis=(1, 2), invert=True)(L.Dense(3)(x))
    model = perturbed(Model(inp, L.Flatten()(y)), scale=0.2)
    for layer in model.layers:
        if isinstance(layer, L.Normalization):  # any positive variances, one per feature
            layer.variance.data[...] = rng.uniform(0.5, 2.0, layer.variance.shape)
    return model


def image_reshaping() -> Model:
    return image(
        (4, 5, 2),
        L.Rescaling(1 / 255.0, offset=-0.5),
        L.ZeroPadding2D(((1, 2), (0, 1))),
        L.UpSampling2D((2, 3)),
        L.SpatialDropout2D(0.4),
        L.Conv2D(2, 3, strides=2),
        L.Permute((3, 1, 2)),
        L.Flatten(),
        L.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2),
    )


def sequence_reshaping() -> Model:
    return image(
        (6,),
        L.Dense(4, activation="tanh"),
        L.RepeatVector(3),
        L.SpatialDropout1D(0.3),
        L.TimeDistributed(L.Dense(5, activation="relu")),
        L.TimeDistributed(L.LayerNormalization()),
        L.LeakyReLU(0.2),
        L.Permute((2, 1)),
        L.Softmax(axis=1),
        L.Flatten(),
    )


def tokens(steps: int, *layers: L.Layer, mask_zero: bool = False, seed: int = 0) -> Model:
    inp = L.Input(shape=(steps,), name="ids")
    x = L.Embedding(30, 6, mask_zero=mask_zero)(inp)
    for layer in layers:
        x = layer(x)
    return perturbed(Model(inp, x), seed)


def embedding_flat() -> Model:
    return tokens(5, L.Flatten(), L.Dense(3, activation="softmax"))


def simple_rnn_masked() -> Model:
    return tokens(
        8,
        L.SimpleRNN(5, return_sequences=True),
        L.SimpleRNN(4, activation="relu", go_backwards=True),
        mask_zero=True,
    )


def lstm_masked() -> Model:
    return tokens(
        9,
        L.LSTM(6, return_sequences=True, zero_output_for_mask=True),
        L.Dense(4, activation="relu"),
        L.LSTM(3, go_backwards=True),
        mask_zero=True,
    )


def gru_unmasked() -> Model:
    return tokens(
        7,
        L.GRU(5, return_sequences=True, go_backwards=True),
        L.GRU(4, activation="relu", recurrent_activation="hard_sigmoid", use_bias=False),
    )


def lstm_plain_activations() -> Model:
    inp = L.Input(shape=(6, 2))
    out = L.LSTM(4, activation="softsign", recurrent_activation="hard_sigmoid")(inp)
    return perturbed(Model(inp, out), scale=0.2)


def masked_average() -> Model:
    return tokens(10, L.Dense(4), L.GlobalAveragePooling1D(), mask_zero=True)


def bidirectional(mode: str, rnn: type, sequences: bool) -> Callable[[], Model]:
    def build() -> Model:
        layers: list[L.Layer] = [
            L.Bidirectional(rnn(3, return_sequences=sequences), merge_mode=mode)
        ]
        if sequences:
            layers.append(L.GlobalAveragePooling1D())
        return tokens(8, *layers, mask_zero=True)

    build.__name__ = f"bidirectional_{rnn.__name__}_{mode}_{'seq' if sequences else 'last'}"
    return build


def sequential_cnn() -> Model:
    model = Sequential(
        [
            L.Input(shape=(8, 8, 1)),
            L.Conv2D(4, 3, padding="same", activation="relu"),
            L.MaxPooling2D(2),
            L.Conv2D(6, 3, activation="relu"),
            L.GlobalMaxPooling2D(),
            L.Dense(3, activation="softmax"),
        ]
    )
    return perturbed(model)


FACTORIES = [
    conv2d_valid_strided,
    conv2d_same_asymmetric,
    conv1d_paddings,
    pooling2d,
    pooling1d,
    global_pooling,
    normalization,
    image_reshaping,
    sequence_reshaping,
    embedding_flat,
    simple_rnn_masked,
    lstm_masked,
    gru_unmasked,
    lstm_plain_activations,
    masked_average,
    bidirectional("concat", L.LSTM, True),
    bidirectional("sum", L.GRU, True),
    bidirectional("ave", L.SimpleRNN, False),
    bidirectional("mul", L.LSTM, False),
    sequential_cnn,
]


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
def test_the_script_agrees_with_predict(tmp_path: Path, factory: Callable[[], Model]) -> None:
    report = export_model(factory(), "numpy", tmp_path / "predict.py")
    assert report.verified and report.rows > 0
    assert report.max_abs_diff <= TOL, report.max_abs_diff


def defined_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def test_the_script_holds_only_the_layers_its_model_uses(tmp_path: Path) -> None:
    export_model(lstm_masked(), "numpy", tmp_path / "text.py")
    export_model(sequential_cnn(), "numpy", tmp_path / "cnn.py")
    text = defined_functions(tmp_path / "text.py")
    cnn = defined_functions(tmp_path / "cnn.py")
    assert {"embedding", "lstm", "_recurrent", "dense", "activation"} <= text
    assert not {"conv", "max_pool", "gru", "simple_rnn", "_windows"} & text
    assert {"conv", "_windows", "_pad", "max_pool", "global_max_pool", "dense"} <= cnn
    assert not {"lstm", "embedding", "_recurrent", "average_pool"} & cnn


def test_layer_names_stay_out_of_the_source(tmp_path: Path) -> None:
    evil = "x'); import os; os.system('echo hacked'); ('"
    inp = L.Input(shape=(6,), name=evil + "in")
    x = L.Embedding(10, 3, mask_zero=True, name=evil + "emb")(inp)
    x = L.Bidirectional(L.GRU(2, name=evil + "gru"), name=evil + "bi")(x)
    model = perturbed(Model(inp, x))
    report = export_model(model, "numpy", tmp_path / "m.py")
    assert report.max_abs_diff <= TOL
    assert "hacked" not in (tmp_path / "m.py").read_text(encoding="utf-8")


def test_ids_the_embedding_cannot_look_up_are_refused_with_the_row(tmp_path: Path) -> None:
    export_model(embedding_flat(), "numpy", tmp_path / "m.py")
    rows = "\n".join(["a,b,c,d,e", "1,2,3,4,5", "1,2,30,4,5"]) + "\n"
    (tmp_path / "ids.csv").write_text(rows, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-I", str(tmp_path / "m.py"), str(tmp_path / "ids.csv")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    assert "data row 2" in proc.stderr and "0 to 29" in proc.stderr and "30" in proc.stderr


def test_time_distributed_around_a_wrapper_is_refused_by_name(tmp_path: Path) -> None:
    inp = L.Input(shape=(3, 4, 2))
    wrapped = L.TimeDistributed(L.Bidirectional(L.LSTM(2)), name="per_row")(inp)
    model = Model(inp, wrapped)
    with pytest.raises(FormatError, match=r"'per_row' \(TimeDistributed of Bidirectional\)"):
        export_model(model, "numpy", tmp_path / "m.py")
    assert list(tmp_path.iterdir()) == []
