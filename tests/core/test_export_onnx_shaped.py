"""ONNX export of image and sequence layers: onnxruntime agrees with LayerForge's predict.

One small model per family (Conv2D/pooling/padding/upsampling, Conv1D with
causal and dilated kernels, reshaping layers, each recurrent type with and
without return_sequences and go_backwards, Bidirectional in every merge mode,
Embedding with and without mask_zero) gets random weights and is exported
through `export_model`, which re-runs the file in onnxruntime and compares;
the tests then run the file again on their own inputs and check which ONNX
ops carry the work (LSTM as ONNX's LSTM op, a masked one unrolled).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import core.engine.layers as L
from core.engine.models import Model
from core.export import export_model

TOL = 1e-5


def randomized(model: Model, seed: int, scale: float = 0.5) -> Model:
    rng = np.random.default_rng(seed)
    model.set_weights(
        [(scale * rng.normal(size=w.shape)).astype(np.float32) for w in model.get_weights()]
    )
    return model


def token_rows(n: int, steps: int, vocab: int, seed: int) -> np.ndarray:
    """Token ids as float32 with zeros (padding) anywhere, at least one real token a row."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, vocab, size=(n, steps))
    ids[rng.random((n, steps)) < 0.35] = 0
    ids[: n // 4, : steps // 2] = 0  # pre-padded rows, as pad_sequences gives
    ids[:, -1] = np.where(ids.max(axis=1) == 0, 1, ids[:, -1])
    return ids.astype(np.float32)


def exported(model: Model, path: Path, rows: Any = None) -> tuple[Any, Any]:
    """(the export report, an onnxruntime session on the written file)."""
    import onnxruntime as ort

    report = export_model(model, "onnx", path, rows=rows)
    assert report.verified and report.max_abs_diff is not None
    assert report.max_abs_diff <= TOL, report.max_abs_diff
    return report, ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def op_types(path: Path) -> list[str]:
    import onnx

    return [n.op_type for n in onnx.load(str(path)).graph.node]


def agrees(sess: Any, model: Model, x: np.ndarray) -> None:
    (got,) = sess.run(["output"], {"features": x})
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=TOL, rtol=TOL)


# ------------------------------------------------------------------ images


def image_model() -> Model:
    inp = L.Input(shape=(9, 9, 2), name="image")
    x = L.Rescaling(0.5, offset=-0.25, name="rescale")(inp)
    x = L.Conv2D(4, 3, strides=2, padding="same", activation="relu", name="same_s2")(x)
    x = L.Conv2D(3, (2, 3), padding="same", name="same_even")(x)  # asymmetric pads
    x = L.ZeroPadding2D(((1, 0), (2, 1)), name="pad")(x)
    x = L.Conv2D(3, 3, dilation_rate=2, use_bias=False, activation="tanh", name="dilated")(x)
    x = L.UpSampling2D((2, 1), name="up")(x)
    x = L.SpatialDropout2D(0.3, name="sdrop")(x)
    a = L.AveragePooling2D(3, strides=2, padding="same", name="avg_same")(x)
    m = L.MaxPooling2D(2, strides=1, padding="same", name="max_same")(x)
    m = L.MaxPooling2D((2, 3), name="max_valid")(m)
    s = L.Conv2D(2, 1, activation="softmax", name="softmax_conv")(x)
    parts = [
        L.Flatten(name="flat_avg")(a),
        L.Flatten(name="flat_max")(m),
        L.GlobalAveragePooling2D(name="gap")(s),
        L.GlobalMaxPooling2D(name="gmp")(x),
        L.Flatten(name="flat_keep")(L.GlobalAveragePooling2D(keepdims=True, name="gapk")(x)),
    ]
    out = L.Dense(3, activation="softmax", name="out")(L.Concatenate(name="cat")(parts))
    return randomized(Model(inp, out, name="images"), 0)


def test_conv2d_pooling_padding_upsampling(tmp_path: Path) -> None:
    model = image_model()
    _, sess = exported(model, tmp_path / "img.onnx")
    x = np.random.default_rng(3).normal(size=(11, 9, 9, 2)).astype(np.float32)
    agrees(sess, model, x)
    ops = op_types(tmp_path / "img.onnx")
    assert {"Conv", "MaxPool", "AveragePool", "Pad"} <= set(ops)


def test_consecutive_conv_and_pool_transpose_once_each_way(tmp_path: Path) -> None:
    inp = L.Input(shape=(8, 8, 1), name="image")
    x = L.Conv2D(4, 3, activation="relu", name="c1")(inp)
    x = L.MaxPooling2D(2, name="p1")(x)
    x = L.Conv2D(5, 2, activation="relu", name="c2")(x)
    x = L.AveragePooling2D(1, name="p2")(x)
    out = L.Dense(2, name="head")(L.Flatten(name="flat")(x))
    model = randomized(Model(inp, out), 1)
    exported(model, tmp_path / "chain.onnx")
    assert op_types(tmp_path / "chain.onnx").count("Transpose") == 2


def test_conv1d_causal_dilated_and_1d_pooling(tmp_path: Path) -> None:
    inp = L.Input(shape=(12, 3), name="series")
    x = L.Conv1D(4, 4, strides=2, padding="same", activation="elu", name="same_s2")(inp)
    x = L.Conv1D(4, 3, padding="causal", dilation_rate=2, name="causal")(x)
    x = L.SpatialDropout1D(0.2, name="sdrop")(x)
    a = L.AveragePooling1D(4, strides=3, padding="same", name="avg")(x)
    m = L.MaxPooling1D(3, strides=1, padding="valid", name="max")(x)
    parts = [
        L.GlobalAveragePooling1D(name="gap")(a),
        L.GlobalMaxPooling1D(name="gmp")(m),
        L.Flatten(name="flat")(L.Conv1D(2, 2, use_bias=False, name="nobias")(m)),
    ]
    out = L.Dense(2, name="out")(L.Concatenate(name="cat")(parts))
    model = randomized(Model(inp, out), 2)
    _, sess = exported(model, tmp_path / "c1d.onnx")
    agrees(sess, model, np.random.default_rng(4).normal(size=(7, 12, 3)).astype(np.float32))


def test_reshaping_and_time_distributed(tmp_path: Path) -> None:
    inp = L.Input(shape=(4,), name="x")
    x = L.RepeatVector(5, name="repeat")(inp)
    x = L.Permute((2, 1), name="permute")(x)
    x = L.TimeDistributed(L.Dense(3, activation="relu"), name="td")(x)
    x = L.TimeDistributed(L.Dense(2, activation="gelu"), name="td2")(x)
    out = L.Flatten(name="flat")(x)
    model = randomized(Model(inp, out), 3)
    _, sess = exported(model, tmp_path / "reshape.onnx")
    agrees(sess, model, np.random.default_rng(5).normal(size=(6, 4)).astype(np.float32))


# ------------------------------------------------------------------ recurrent


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_recurrent_layers_as_onnx_ops(
    tmp_path: Path, kind: str, return_sequences: bool, go_backwards: bool
) -> None:
    inp = L.Input(shape=(6, 3), name="seq")
    rnn = getattr(L, kind)(
        5, return_sequences=return_sequences, go_backwards=go_backwards, name="rnn"
    )(inp)
    model = randomized(Model(inp, rnn), 4)
    path = tmp_path / f"{kind}.onnx"
    _, sess = exported(model, path)
    agrees(sess, model, np.random.default_rng(6).normal(size=(9, 6, 3)).astype(np.float32))
    assert {"SimpleRNN": "RNN"}.get(kind, kind) in op_types(path)


@pytest.mark.parametrize(
    ("kind", "args"),
    [
        ("SimpleRNN", {"activation": "selu"}),
        ("LSTM", {"activation": "softsign", "recurrent_activation": "hard_sigmoid"}),
        ("GRU", {"activation": "elu", "recurrent_activation": "sigmoid", "use_bias": False}),
    ],
)
def test_other_activations_are_unrolled(tmp_path: Path, kind: str, args: dict) -> None:
    inp = L.Input(shape=(5, 2), name="seq")
    rnn = getattr(L, kind)(4, return_sequences=True, name="rnn", **args)(inp)
    model = randomized(Model(inp, rnn), 5)
    path = tmp_path / "unrolled.onnx"
    _, sess = exported(model, path)
    agrees(sess, model, np.random.default_rng(7).normal(size=(6, 5, 2)).astype(np.float32))
    assert {"RNN", "LSTM", "GRU"}.isdisjoint(op_types(path))


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_bidirectional_merge_modes(tmp_path: Path, merge_mode: str, kind: str) -> None:
    inp = L.Input(shape=(6, 3), name="seq")
    x = L.Bidirectional(
        getattr(L, kind)(4, return_sequences=True), merge_mode=merge_mode, name="bi_seq"
    )(inp)
    x = L.Bidirectional(L.SimpleRNN(3), merge_mode=merge_mode, name="bi_last")(x)
    model = randomized(Model(inp, x), 6)
    path = tmp_path / "bi.onnx"
    _, sess = exported(model, path)
    agrees(sess, model, np.random.default_rng(8).normal(size=(5, 6, 3)).astype(np.float32))
    ops = op_types(path)
    assert kind in ops and "RNN" in ops


def test_embedding_without_mask_feeds_recurrent_and_conv(tmp_path: Path) -> None:
    inp = L.Input(shape=(8,), name="words")
    x = L.Embedding(20, 4, name="emb")(inp)
    x = L.SimpleRNN(5, return_sequences=True, name="rnn")(x)
    x = L.Conv1D(3, 3, padding="same", activation="relu", name="conv")(x)
    out = L.Dense(1, activation="sigmoid", name="out")(L.GlobalMaxPooling1D(name="gmp")(x))
    model = randomized(Model(inp, out), 7)
    rows = token_rows(40, 8, 20, 9)
    _, sess = exported(model, tmp_path / "emb.onnx", rows=rows)
    agrees(sess, model, rows)
    assert "Gather" in op_types(tmp_path / "emb.onnx")


def test_masked_embedding_into_recurrent_layers_and_pooling(tmp_path: Path) -> None:
    """mask_zero: masked steps keep the state wherever they fall (pre- and mid-sequence)."""
    inp = L.Input(shape=(7,), name="words")
    e = L.Embedding(15, 4, mask_zero=True, name="emb")(inp)
    x = L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode="ave", name="bi")(e)
    x = L.TimeDistributed(L.Dense(4, activation="tanh"), name="td")(x)
    x = L.LSTM(3, return_sequences=True, go_backwards=True, name="lstm_back")(x)
    last = L.SimpleRNN(2, name="rnn_last")(x)
    mean = L.GlobalAveragePooling1D(name="masked_mean")(e)
    out = L.Concatenate(name="cat")([last, mean])
    model = randomized(Model(inp, out), 8)
    rows = token_rows(60, 7, 15, 10)
    path = tmp_path / "masked.onnx"
    _, sess = exported(model, path, rows=rows)
    agrees(sess, model, rows)
    assert "Where" in op_types(path)


def text_model() -> Model:
    """Token ids -> masked Embedding -> Conv1D and a Bidirectional LSTM -> one probability."""
    inp = L.Input(shape=(10,), name="words")
    e = L.Embedding(30, 6, mask_zero=True, name="emb")(inp)
    c = L.GlobalMaxPooling1D(name="gmp")(L.Conv1D(4, 3, activation="relu", name="conv")(e))
    r = L.Bidirectional(L.LSTM(4), name="bi_lstm")(e)
    out = L.Dense(1, activation="sigmoid", name="out")(L.Concatenate(name="cat")([c, r]))
    return randomized(Model(inp, out, name="text"), 12)


def test_cli_exports_a_saved_text_model_checked_on_token_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`layerforge export` on a bundle: the rows it checks on are token ids, not noise."""
    from core.bundle import save_model_bundle
    from core.cli import main as cli_main

    path = save_model_bundle(text_model(), tmp_path / "text.lfmodel")
    out = tmp_path / "text.onnx"
    code = cli_main(["export", str(path), "--format", "onnx", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "checked 200 rows, max difference" in captured.out and out.is_file()
    assert {"Conv", "Where"} <= set(op_types(out))  # the masked LSTM is unrolled


# ------------------------------------------------------------------ the other layer types


def test_activation_and_normalization_layers(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    inp = L.Input(shape=(5, 3), name="x")
    norm = L.Normalization(axis=1, name="norm")
    norm.adapt(rng.normal(2.0, 3.0, size=(50, 5, 3)))
    x = norm(inp)
    undo = L.Normalization(axis=-1, invert=True, name="undo")
    undo.adapt(rng.normal(-1.0, 0.5, size=(40, 5, 3)))
    parts = [
        L.ReLU(name="relu")(x),
        L.ReLU(max_value=0.8, negative_slope=0.1, threshold=-0.2, name="relu_general")(x),
        L.LeakyReLU(0.25, name="leaky")(x),
        L.Softmax(axis=1, name="softmax_steps")(x),
        undo(x),
    ]
    out = L.Flatten(name="flat")(L.Concatenate(name="cat")(parts))
    model = Model(inp, out)
    _, sess = exported(model, tmp_path / "extras.onnx")
    agrees(sess, model, rng.normal(1.0, 4.0, size=(9, 5, 3)).astype(np.float32))


def test_every_layer_type_on_the_canvas_exports_to_onnx() -> None:
    from core.engine.layers.spec import CATALOG
    from core.export.onnx_export import ONNX_LAYERS

    assert set(CATALOG.types()) - {"Input"} <= ONNX_LAYERS


class Halve(L.Layer):
    """A layer type no export format knows."""

    def call(self, inputs, training=False):  # noqa: ANN001, ANN201
        return inputs * 0.5


def test_time_distributed_of_an_unknown_layer_is_refused_by_name(tmp_path: Path) -> None:
    from core.errors import FormatError

    inp = L.Input(shape=(4, 3), name="x")
    out = L.TimeDistributed(Halve(name="halver"), name="per_step")(inp)
    with pytest.raises(FormatError, match=r"'per_step' \(TimeDistributed of Halve\) cannot be"):
        export_model(Model(inp, out), "onnx", tmp_path / "td.onnx")
    assert list(tmp_path.iterdir()) == []
