"""The compiled training step (core.engine.plan): bit-identical to eager, rebuilt as shapes
change, eager with a reason where it cannot replay, and allocation-free once built.

Every comparison trains the same model twice from the same seed, once replaying plans
(the default) and once with compile(run_eagerly=True), and requires the same bits:
epoch logs, validation logs, weights, optimizer state, evaluate and predict.
"""

from __future__ import annotations

import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks.conv_rnn_speed import core_model
from core import keras
from core.document.project import load_project
from core.engine import losses, ops, optimizers
from core.engine.autograd import Tensor
from core.engine.layers import Layer, layer_classes, type_name
from core.engine.layers.spec import CATALOG
from core.engine.training import BatchEnded, batch_ended, train
from core.run import TrainSettings, build_and_compile, load_data

L = keras.layers
RNG = np.random.default_rng(3)
X = RNG.standard_normal((40, 6)).astype(np.float32)
Y_BIN = (X[:, 0] + X[:, 1] > 0).astype(np.float32)
Y_REG = (X[:, :2] @ np.array([0.5, -1.0], np.float32)).astype(np.float32)
Y_CLS = (np.argmax(X[:, :3], axis=1)).astype(np.int64)
Y_HOT = np.eye(3, dtype=np.float32)[Y_CLS]

Builder = Callable[[], Any]
EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def _seq(*layers: Layer, head: Layer | None = None, shape: tuple[int, ...] = (6,)) -> Any:
    return keras.Sequential(
        [L.Input(shape=shape), *layers, head or L.Dense(1, activation="sigmoid")]
    )


def _two_branch(merge: Layer) -> Any:
    inp = L.Input(shape=(6,))
    a = L.Dense(4, activation="tanh")(inp)
    b = L.Dense(4, activation="relu")(inp)
    out = L.Dense(1, activation="sigmoid")(merge([a, b]))
    return keras.Model(inp, out)


def _normalization() -> Any:
    norm = L.Normalization()
    norm.adapt(X)
    return _seq(norm, L.Dense(5, activation="relu"))


#: A small binary classifier around each built-in layer type.
LAYER_MODELS: dict[str, Builder] = {
    "Dense": lambda: _seq(L.Dense(5, activation="relu"), L.Dense(4, activation="tanh")),
    "Activation": lambda: _seq(L.Dense(5), L.Activation("elu")),
    "Dropout": lambda: _seq(L.Dense(8, activation="relu"), L.Dropout(0.3)),
    "Flatten": lambda: _seq(L.Reshape((3, 2)), L.Flatten(), L.Dense(4, activation="relu")),
    "Reshape": lambda: _seq(L.Dense(6), L.Reshape((2, 3)), L.Dense(2), L.Flatten()),
    "Add": lambda: _two_branch(L.Add()),
    "Concatenate": lambda: _two_branch(L.Concatenate()),
    "BatchNormalization": lambda: _seq(L.Dense(5), L.BatchNormalization(), L.ReLU()),
    "LayerNormalization": lambda: _seq(L.Dense(5), L.LayerNormalization()),
    "Normalization": _normalization,
    "ReLU": lambda: _seq(L.Dense(5), L.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.1)),
    "LeakyReLU": lambda: _seq(L.Dense(5), L.LeakyReLU(0.2)),
    "Softmax": lambda: _seq(L.Dense(3), L.Softmax(), head=L.Dense(1, activation="sigmoid")),
    "Conv2D": lambda: _seq(
        L.Reshape((3, 2, 1)), L.Conv2D(4, 2, padding="same", activation="relu"), L.Flatten()
    ),
    "Conv1D": lambda: _seq(L.Reshape((6, 1)), L.Conv1D(3, 3, padding="causal"), L.Flatten()),
    "MaxPooling2D": lambda: _image(L.MaxPooling2D(padding="same"), L.Flatten()),
    "AveragePooling2D": lambda: _image(L.AveragePooling2D(padding="same"), L.Flatten()),
    "GlobalMaxPooling2D": lambda: _image(L.GlobalMaxPooling2D()),
    "GlobalAveragePooling2D": lambda: _image(L.GlobalAveragePooling2D()),
    "MaxPooling1D": lambda: _steps(L.MaxPooling1D(), L.Flatten()),
    "AveragePooling1D": lambda: _steps(L.AveragePooling1D(), L.Flatten()),
    "GlobalMaxPooling1D": lambda: _steps(L.GlobalMaxPooling1D()),
    "GlobalAveragePooling1D": lambda: _steps(L.GlobalAveragePooling1D()),
    "Embedding": lambda: _seq(
        L.Embedding(10, 3, mask_zero=True),
        L.GRU(4, return_sequences=True),
        L.GlobalAveragePooling1D(),
    ),
    "SimpleRNN": lambda: _seq(
        L.Reshape((6, 1)), L.SimpleRNN(4, return_sequences=True), L.Flatten()
    ),
    "LSTM": lambda: _seq(L.Reshape((3, 2)), L.LSTM(4, dropout=0.2)),
    "GRU": lambda: _seq(L.Reshape((3, 2)), L.GRU(4, go_backwards=True)),
    "Bidirectional": lambda: _seq(
        L.Reshape((3, 2)), L.Bidirectional(L.LSTM(3, return_sequences=True)), L.Flatten()
    ),
    "TimeDistributed": lambda: _seq(
        L.Reshape((3, 2)), L.TimeDistributed(L.Dense(4, activation="relu")), L.Flatten()
    ),
    "SpatialDropout1D": lambda: _seq(L.Reshape((3, 2)), L.SpatialDropout1D(0.3), L.Flatten()),
    "SpatialDropout2D": lambda: _seq(L.Reshape((3, 2, 1)), L.SpatialDropout2D(0.3), L.Flatten()),
    "Rescaling": lambda: _seq(L.Rescaling([0.5, 2.0, 1.0, 1.0, 1.0, 1.0], offset=0.1), L.Dense(4)),
    "ZeroPadding2D": lambda: _seq(L.Reshape((3, 2, 1)), L.ZeroPadding2D(1), L.Flatten()),
    "UpSampling2D": lambda: _seq(L.Reshape((3, 2, 1)), L.UpSampling2D(), L.Flatten()),
    "Permute": lambda: _seq(L.Reshape((3, 2)), L.Permute((2, 1)), L.Flatten()),
    "RepeatVector": lambda: _seq(L.Dense(3), L.RepeatVector(2), L.Flatten()),
}
#: Token ids (with padding zeros) for the models that start with an Embedding.
X_IDS = RNG.integers(0, 10, X.shape).astype(np.float32)
LAYER_INPUTS = {"Embedding": X_IDS}


def _image(*layers: Layer) -> Any:
    return _seq(L.Reshape((3, 2, 1)), L.Conv2D(3, 2, padding="same"), *layers)


def _steps(*layers: Layer) -> Any:
    return _seq(L.Reshape((6, 1)), L.Conv1D(3, 2), *layers)


def _generic_model(cls: type) -> Any:
    """A layer type this table does not know: its defaults between two Dense layers."""
    return _seq(L.Dense(6, activation="relu"), cls(), L.Flatten())


def _fit_both(
    build: Builder,
    y: np.ndarray = Y_BIN,
    x: np.ndarray = X,
    loss: Any = "binary_crossentropy",
    optimizer: Callable[[], Any] = lambda: "adam",
    metrics: Any = ("accuracy",),
    **fit: Any,
) -> tuple[Any, Any]:
    """The same model trained with plans and eagerly; asserts every result is identical."""
    runs = []
    for eager in (False, True):
        keras.utils.set_random_seed(7)
        model = build()
        model.compile(
            optimizer=optimizer(),
            loss=loss,
            metrics=list(metrics) if metrics else None,
            run_eagerly=eager,
        )
        fit = {"epochs": 3, "batch_size": 16, "validation_split": 0.25, **fit}
        history = model.fit(x, y, verbose=0, seed=11, **fit)
        yv = y if not isinstance(y, list) else y
        result = {
            "history": history.history,
            "weights": model.get_weights(),
            "slots": {k: v for k, v in _slots(model.optimizer).items()},
            "evaluate": model.evaluate(x, yv, batch_size=16, verbose=0, return_dict=True),
            "predict": model.predict(x, batch_size=16, verbose=0),
        }
        runs.append((model, result))
    (planned, a), (eager, b) = runs
    assert a["history"] == b["history"]
    assert a["evaluate"] == b["evaluate"]
    _same_bits(a["weights"], b["weights"])
    _same_bits(list(a["slots"].values()), list(b["slots"].values()))
    preds_a = a["predict"] if isinstance(a["predict"], list) else [a["predict"]]
    preds_b = b["predict"] if isinstance(b["predict"], list) else [b["predict"]]
    _same_bits(preds_a, preds_b)
    assert eager.plan_info().mode == "eager"
    return planned, eager


def _slots(opt: Any) -> dict[str, np.ndarray]:
    store: dict[str, np.ndarray] = {}
    opt.save_own_variables(store)
    return store


def _same_bits(a: list[np.ndarray], b: list[np.ndarray]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        x, y = np.asarray(x), np.asarray(y)
        assert x.shape == y.shape and x.dtype == y.dtype
        assert x.tobytes() == y.tobytes()


@pytest.mark.parametrize(
    "cls", [c for c in layer_classes() if type_name(c) != "Input"], ids=type_name
)
def test_every_layer_trains_bit_identically_with_a_plan(cls: type) -> None:
    build = LAYER_MODELS.get(type_name(cls))
    if build is None:
        try:
            _generic_model(cls).predict(X[:2], verbose=0)
        except Exception as exc:  # noqa: BLE001 - the message tells how to cover it
            pytest.fail(
                f"layer {type_name(cls)} has no entry in LAYER_MODELS and its defaults do not "
                f"run between Dense layers ({exc}). Add a small model for it to LAYER_MODELS."
            )
        build = lambda: _generic_model(cls)  # noqa: E731
    planned, _ = _fit_both(build, x=LAYER_INPUTS.get(type_name(cls), X))
    if type_name(cls) in LAYER_MODELS:  # the built-in layers all replay from plans
        for kind in ("train", "test", "predict"):
            info = planned.plan_info(kind)
            assert info.mode == "planned", (kind, info)


def _recording(backward: Any, parents: tuple[Tensor, ...], seen: list[tuple]) -> Any:
    """`backward` unchanged, noting the dtype of each gradient it hands a parent."""

    def record(g: np.ndarray) -> Any:
        grads = backward(g)
        for parent, pg in zip(parents, grads):  # noqa: B905 - a closure may return more
            if pg is not None and parent.requires_grad:
                seen.append((parent, np.asarray(pg).dtype))
        return grads

    return record


@pytest.mark.parametrize(
    "cls", [c for c in layer_classes() if type_name(c) != "Input"], ids=type_name
)
def test_every_layer_keeps_float32_gradients_down_to_the_parameters(cls: type) -> None:
    """Each gradient backward hands on (to an activation, or to a weight that is an op's
    parent) has the float32 of its tensor: no layer promotes the gradients below it to
    float64. A weight's .grad casts what arrives, so the test looks at what is handed on
    (fused ops such as dense add their weight gradients from these float32 arrays)."""
    keras.utils.set_random_seed(7)
    model = LAYER_MODELS.get(type_name(cls), lambda: _generic_model(cls))()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x, y = LAYER_INPUTS.get(type_name(cls), X)[:16], Y_BIN[:16]
    model.optimizer.build(model.trainable_weights)
    model.optimizer.zero_grad()
    loss = model.compute_loss(x, y, model(x, training=True))
    seen: list[tuple[Tensor, np.dtype]] = []
    stack, visited = [loss], set()
    while stack:
        t = stack.pop()
        if id(t) not in visited:
            visited.add(id(t))
            if t._backward is not None:
                t._backward = _recording(t._backward, t._parents, seen)
            stack.extend(t._parents)
    loss.backward()
    model.optimizer.step()
    assert seen  # the gradient reached the layers below the loss
    promoted = [(getattr(t, "path", t.shape), dt) for t, dt in seen if dt != t.data.dtype]
    assert promoted == []
    assert all(w.grad.dtype == np.float32 for w in model.trainable_weights)


X_IMG = RNG.random((40, 8, 8, 1), dtype=np.float32)
X_TOK = RNG.integers(1, 20, (40, 7))  # int64 ids: gathered as they are, no float check
SEQ = {"return_sequences": True}

#: Convolution and sequence models whose every op replays from a rule (no generic
#: call): the im2col of many channels, strides, dilation, padding, 1-D, pooling of
#: every kind, reshapes, int and float token ids, LSTMs, GRUs and SimpleRNNs returning
#: sequences or reading backwards, with their fused or general activations.
WORKLOADS: dict[str, tuple[Builder, np.ndarray]] = {
    "cnn": (
        lambda: _seq(
            L.Conv2D(4, 3, activation="relu"),
            L.MaxPooling2D(2, padding="same"),
            L.Conv2D(9, 2, padding="same", activation="tanh"),
            L.Conv2D(8, 2, strides=2, activation="elu"),
            L.AveragePooling2D(1),
            L.Flatten(),
            shape=(8, 8, 1),
        ),
        X_IMG,
    ),
    "cnn_global": (
        lambda: _seq(
            L.Conv2D(8, 3, dilation_rate=2, padding="same", activation="relu"),
            L.AveragePooling2D(3, strides=2, padding="same"),
            L.Conv2D(8, 2, use_bias=False),
            L.GlobalMaxPooling2D(),
            shape=(8, 8, 1),
        ),
        X_IMG,
    ),
    "cnn_tiled_pooling": (  # relu after pooling: -0 gradients reach the pooling
        lambda: _seq(
            L.Conv2D(4, 3, padding="same"),
            L.MaxPooling2D(2),
            L.Activation("relu"),
            L.Conv2D(4, 1),
            L.AveragePooling2D(2),
            L.Activation("relu"),
            L.Flatten(),
            shape=(8, 8, 1),
        ),
        X_IMG,
    ),
    "global_max_ties": (  # relu zeros tie for the maximum: float32 shares of 1 / count
        lambda: _seq(
            L.Conv2D(6, 3, activation="relu"),
            L.GlobalMaxPooling2D(),
            shape=(8, 8, 1),
        ),
        X_IMG - 0.5,
    ),
    "conv1d": (
        lambda: _seq(
            L.Reshape((6, 1)),
            L.Conv1D(8, 2, padding="causal", activation="relu"),
            L.Conv1D(8, 2, padding="same"),
            L.MaxPooling1D(2),
            L.GlobalAveragePooling1D(),
        ),
        X,
    ),
    "lstm_int_ids": (
        lambda: _seq(
            L.Embedding(20, 5),
            L.LSTM(6, return_sequences=True),
            L.LSTM(5, activation="relu", recurrent_activation="hard_sigmoid", **SEQ),
            L.LSTM(4, go_backwards=True),
            shape=(7,),
        ),
        X_TOK,
    ),
    "gru_simple_rnn": (
        lambda: _seq(
            L.Embedding(20, 5),
            L.GRU(6, return_sequences=True),
            L.GRU(5, activation="relu", recurrent_activation="hard_sigmoid", **SEQ),
            L.SimpleRNN(4, return_sequences=True, go_backwards=True),
            L.SimpleRNN(3, activation="relu"),
            shape=(7,),
        ),
        X_TOK,
    ),
    "lstm_float_ids": (
        lambda: _seq(L.Embedding(10, 3), L.LSTM(4, return_sequences=True), L.Flatten()),
        X_IDS,
    ),
}


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_conv_and_sequence_models_replay_rules_only_and_bit_identically(name: str) -> None:
    build, x = WORKLOADS[name]
    planned, _ = _fit_both(build, x=x)
    _rules_only(planned)


def _rules_only(planned: Any) -> None:
    for kind in ("train", "test", "predict"):
        info = planned.plan_info(kind)
        assert info.mode == "planned" and info.generic == (), (kind, info)


def _padded_ids(rows: int, steps: int, full: int) -> np.ndarray:
    """Token ids in [1, 20): the first `full` rows unpadded, the others padded with 0
    before or after (every length from 1 to `steps`)."""
    ids = RNG.integers(1, 20, (rows, steps))
    for i in range(full, rows):
        length = 1 + i % steps
        if i % 2:
            ids[i, length:] = 0  # post-padding
        else:
            ids[i, : steps - length] = 0  # pre-padding (pad_sequences' default)
    return ids


#: Unshuffled, batch_size 16, validation_split 0.25: the first training batch has an
#: all-ones mask (eager's unmasked loop), the second (14 rows, a partial batch) and the
#: validation batch are padded; evaluate and predict see 16 full rows, then 16 and 8
#: padded ones.
X_PAD = _padded_ids(40, 7, 16)
MASKED = {"mask_zero": True}

#: Embedding(mask_zero=True) feeding each recurrent layer, Bidirectional wrappers and
#: the masked mean: every op replays from a rule, for padded and unpadded batches.
MASKED_WORKLOADS: dict[str, Builder] = {
    "lstm": lambda: _seq(
        L.Embedding(20, 5, **MASKED),
        L.LSTM(6, return_sequences=True),
        L.LSTM(5, activation="relu", recurrent_activation="hard_sigmoid", **SEQ),
        L.LSTM(4, go_backwards=True),
        shape=(7,),
    ),
    "gru_simple_rnn": lambda: _seq(
        L.Embedding(20, 5, **MASKED),
        L.GRU(6, return_sequences=True, zero_output_for_mask=True),
        L.GRU(5, activation="relu", recurrent_activation="hard_sigmoid", **SEQ),
        L.SimpleRNN(4, return_sequences=True, go_backwards=True),
        L.SimpleRNN(3, activation="relu"),
        shape=(7,),
    ),
    "bidirectional": lambda: _seq(
        L.Embedding(20, 5, **MASKED),
        L.Bidirectional(L.LSTM(4, return_sequences=True)),
        L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode="sum"),
        L.Bidirectional(L.SimpleRNN(3), merge_mode="mul"),
        shape=(7,),
    ),
    "bidirectional_masked_mean": lambda: _seq(
        L.Embedding(20, 5, **MASKED),
        L.Bidirectional(L.GRU(4, return_sequences=True), merge_mode="ave"),
        L.GlobalAveragePooling1D(),
        shape=(7,),
    ),
    "float_ids": lambda: _seq(
        L.Embedding(20, 3, **MASKED), L.LSTM(4, return_sequences=True), L.Flatten(), shape=(7,)
    ),
}


@pytest.mark.parametrize("shuffle", [False, True], ids=["unshuffled", "shuffled"])
@pytest.mark.parametrize("name", list(MASKED_WORKLOADS))
def test_masked_sequences_replay_rules_only_and_bit_identically(name: str, shuffle: bool) -> None:
    x = X_PAD.astype(np.float32) if name == "float_ids" else X_PAD
    planned, _ = _fit_both(MASKED_WORKLOADS[name], x=x, shuffle=shuffle)
    _rules_only(planned)


OPTIMIZERS: dict[str, Callable[[], Any]] = {
    "sgd": lambda: optimizers.SGD(0.05),
    "sgd_momentum": lambda: optimizers.SGD(0.05, momentum=0.9),
    "sgd_nesterov_clipnorm": lambda: optimizers.SGD(
        0.05, momentum=0.5, nesterov=True, clipnorm=0.5
    ),
    "rmsprop": lambda: optimizers.RMSprop(0.01),
    "rmsprop_centered_momentum": lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "adagrad_clipvalue": lambda: optimizers.Adagrad(0.05, clipvalue=0.1),
    "adam": lambda: optimizers.Adam(0.01),
    "adam_amsgrad_global_clipnorm": lambda: optimizers.Adam(
        0.01, amsgrad=True, global_clipnorm=0.5
    ),
    "adamw": lambda: optimizers.AdamW(0.01, weight_decay=0.05),
    "adam_schedule": lambda: optimizers.Adam(
        keras.optimizers.schedules.ExponentialDecay(0.01, decay_steps=2, decay_rate=0.5)
    ),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_updates_bit_identically(name: str) -> None:
    assert {type(OPTIMIZERS[n]()) for n in OPTIMIZERS} >= set(optimizers.ALL_OPTIMIZERS.values())
    planned, _ = _fit_both(LAYER_MODELS["Dense"], optimizer=OPTIMIZERS[name])
    assert planned.plan_info().mode == "planned"


def _head(units: int, activation: str) -> Builder:
    return lambda: _seq(L.Dense(5, activation="relu"), head=L.Dense(units, activation=activation))


class _Scaled(losses.Loss):
    """A Keras-style loss written with ops (per-sample values from `call`)."""

    def call(self, y_true: Any, y_pred: Any) -> Any:
        d = y_pred - y_true
        return ops.mean(d * d * 0.5, axis=-1)


LOSSES: dict[str, tuple[Builder, np.ndarray, Callable[[], Any]]] = {
    "mse": (_head(1, "linear"), Y_REG, lambda: "mse"),
    "mae": (_head(1, "linear"), Y_REG, lambda: "mae"),
    "huber": (_head(1, "linear"), Y_REG, lambda: losses.Huber(0.5)),
    "bce_probs": (_head(1, "sigmoid"), Y_BIN, lambda: "binary_crossentropy"),
    "bce_logits": (_head(1, "linear"), Y_BIN, lambda: losses.BinaryCrossentropy(True)),
    "bce_smoothing": (_head(1, "sigmoid"), Y_BIN, lambda: losses.BinaryCrossentropy(False, 0.1)),
    "cce_probs": (_head(3, "softmax"), Y_HOT, lambda: "categorical_crossentropy"),
    "cce_logits": (_head(3, "linear"), Y_HOT, lambda: losses.CategoricalCrossentropy(True)),
    "cce_smoothing": (
        _head(3, "softmax"),
        Y_HOT,
        lambda: losses.CategoricalCrossentropy(False, 0.2),
    ),
    "scce_probs": (_head(3, "softmax"), Y_CLS, lambda: "sparse_categorical_crossentropy"),
    "scce_logits": (_head(3, "linear"), Y_CLS, lambda: losses.SparseCategoricalCrossentropy(True)),
    "scce_ignore": (
        _head(3, "softmax"),
        Y_CLS,
        lambda: losses.SparseCategoricalCrossentropy(ignore_class=1),
    ),
    "keras_style_subclass": (_head(1, "linear"), Y_REG, lambda: _Scaled()),
    "function": (_head(1, "linear"), Y_REG, lambda: lambda t, p: ops.mean(ops.abs(p - t), axis=-1)),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_every_loss_is_bit_identical(name: str) -> None:
    build, y, loss = LOSSES[name]
    _fit_both(build, y=y, loss=loss(), metrics=None)


def test_sample_and_class_weights_regularizers_and_several_outputs() -> None:
    weights = np.linspace(0.5, 1.5, len(X)).astype(np.float32)
    _fit_both(LAYER_MODELS["Dense"], sample_weight=weights)
    _fit_both(LAYER_MODELS["Dense"], class_weight={0: 1.0, 1: 3.0})

    def regularized() -> Any:
        return _seq(
            L.Dense(5, activation="relu", kernel_regularizer="l2", bias_regularizer="l1"),
            L.Dense(3, kernel_regularizer="l1_l2"),
        )

    planned, _ = _fit_both(regularized)
    assert planned.plan_info().mode == "planned"

    def two_outputs() -> Any:
        inp = L.Input(shape=(6,))
        h = L.Dense(6, activation="relu")(inp)
        return keras.Model(
            inp, [L.Dense(1, activation="sigmoid", name="p")(h), L.Dense(1, name="r")(h)]
        )

    keras.utils.set_random_seed(0)
    runs = []
    for eager in (False, True):
        keras.utils.set_random_seed(1)
        m = two_outputs()
        m.compile(
            "adam", ["binary_crossentropy", "mse"], loss_weights=[1.0, 0.5], run_eagerly=eager
        )
        h = m.fit(X, [Y_BIN, Y_REG], epochs=2, batch_size=16, verbose=0, seed=2)
        runs.append((h.history, m.get_weights(), m.plan_info().mode))
    assert runs[0][0] == runs[1][0]
    _same_bits(runs[0][1], runs[1][1])
    assert runs[0][2] == "planned"


def test_a_partial_last_batch_gets_its_own_plan_and_shapes_rebuild_it() -> None:
    keras.utils.set_random_seed(0)
    m = LAYER_MODELS["Dense"]()
    m.compile("adam", "binary_crossentropy")
    m.fit(X, Y_BIN, epochs=2, batch_size=16, verbose=0)  # 16, 16, 8
    shapes = sorted(key[2][0] for key in m._steps.plans["train"])  # (thread, tag, x, y)
    assert shapes == [(8, 6), (16, 6)]
    m.fit(X, Y_BIN, epochs=1, batch_size=10, verbose=0)
    assert ((10, 6), np.dtype(np.float32)) in [key[2] for key in m._steps.plans["train"]]
    m.optimizer.build(m.trainable_weights)  # a new parameter buffer: the plans are stale
    before = m.optimizer.iterations
    m.train_on_batch(X[:10], Y_BIN[:10])
    assert m.optimizer.iterations == before + 1
    m.compile("sgd", "binary_crossentropy")
    assert not any(m._steps.plans.values())


def test_each_thread_gets_its_own_plans_and_input_arrays() -> None:
    keras.utils.set_random_seed(0)
    m = LAYER_MODELS["Dense"]()
    m.compile("adam", "binary_crossentropy")
    here = m.predict(X, batch_size=16, verbose=0)
    there: list[np.ndarray] = []
    worker = threading.Thread(target=lambda: there.append(m.predict(X, batch_size=16, verbose=0)))
    worker.start()
    worker.join()
    _same_bits([here], there)
    threads = {key[0] for key in m._steps.plans["predict"]}
    assert len(threads) == 2  # a predict on the GUI thread never touches a worker's arrays


class _NumpyLayer(Layer):
    """A custom layer that computes on .data with NumPy: the plan cannot see it."""

    def call(self, inputs: Any, training: bool = False) -> Any:
        x = inputs if isinstance(inputs, Tensor) else Tensor(inputs)
        return Tensor(np.tanh(x.data))


def test_an_untraceable_step_runs_eagerly_and_says_why() -> None:
    planned, _ = _fit_both(lambda: _seq(_NumpyLayer(), L.Dense(4, activation="relu")))
    info = planned.plan_info()
    assert info.mode == "eager"
    assert "computed outside the traced ops" in info.reason


def test_subclassed_train_step_and_run_eagerly_keep_eager() -> None:
    class Custom(keras.Model):
        def train_step(self, data: Any) -> Any:
            return super().train_step(data)

    inp = L.Input(shape=(6,))
    m = Custom(inp, L.Dense(1, activation="sigmoid")(inp))
    m.compile("adam", "binary_crossentropy")
    assert m.batch_buffers([((16, 6), np.float32)]) is None  # batches are not gathered in place
    m.fit(X, Y_BIN, epochs=1, batch_size=16, verbose=0)
    assert m.plan_info().mode == "planned"  # super().train_step still replays the plan
    m.compile("adam", "binary_crossentropy", run_eagerly=True)
    assert m.plan_info().reason == "compile(run_eagerly=True)"


def _mlp() -> tuple[Any, list[np.ndarray], np.ndarray]:
    x = RNG.standard_normal((4096, 16)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    m = keras.Sequential(
        [
            L.Input(shape=(16,)),
            L.Dense(64, activation="relu"),
            L.Dense(32, activation="tanh"),
            L.Dense(1, activation="sigmoid"),
        ]
    )
    return m, [x], y


def _cnn() -> tuple[Any, list[np.ndarray], np.ndarray]:
    """benchmarks/conv_rnn_speed.py's CNN, one batch."""
    x = RNG.random((64, 28, 28, 1), dtype=np.float32)
    return core_model("CNN", 0)[0], [x], RNG.integers(0, 10, 64)


def _lstm() -> tuple[Any, list[np.ndarray], np.ndarray]:
    """benchmarks/conv_rnn_speed.py's LSTM (20 tokens), one batch."""
    x = RNG.integers(1, 5000, (32, 20))
    return core_model("LSTM", 20)[0], [x], RNG.integers(0, 2, 32).astype(np.float32)


def _reviews() -> tuple[Any, list[np.ndarray], np.ndarray]:
    """The bundled reviews example (Embedding(mask_zero=True) -> LSTM -> Dense) on its own
    data: a padded batch of its training ids, and the same batch with its padding
    filled (an all-ones mask), so that steps take both of eager's loops in turn."""
    project = load_project(EXAMPLES / "reviews.lfproj", catalog=CATALOG)
    settings = TrainSettings.from_dict(project.train_config)
    dataset = load_data(project, settings=settings)
    model = build_and_compile(project.graph, dataset, settings)
    batch = settings.batch_size
    padded = dataset.x_train[:batch]
    assert (padded == 0).any()
    return model, [padded, np.where(padded == 0, 1, padded)], dataset.y_train[:batch]


#: name: (model and batches, loss, whether the step runs np.add.at: an embedding)
STEP_MODELS = {
    "mlp": (_mlp, "binary_crossentropy", False),
    "cnn": (_cnn, core_model("CNN", 0)[1], False),
    "lstm": (_lstm, "binary_crossentropy", True),
    "reviews_masked": (_reviews, "binary_crossentropy", True),
}


def _add_at_overhead() -> int:
    """What one small np.add.at call allocates for itself (traced by tracemalloc)."""
    grad, cells, g = np.zeros(64, np.float32), np.arange(64), np.ones(64, np.float32)
    np.add.at(grad, cells, g)
    tracemalloc.reset_peak()
    start, _ = tracemalloc.get_traced_memory()
    np.add.at(grad, cells, g)
    return tracemalloc.get_traced_memory()[1] - start


@pytest.mark.parametrize("name", list(STEP_MODELS))
def test_a_training_step_allocates_no_array_once_the_plan_is_built(name: str) -> None:
    keras.utils.set_random_seed(0)
    make, loss, adds_at = STEP_MODELS[name]
    m, xs, y = make()
    m.compile("adam", loss, metrics=["accuracy"])
    batches = [m.prepare(x, y) for x in xs]
    for i in range(3):  # trace, then replay
        m.train_step(batches[i % len(batches)])
    assert m.plan_info().mode == "planned" and not m.plan_info().generic
    # NumPy's ufuncs keep a transient iteration buffer of np.getbufsize() elements for
    # broadcasting (the bias add) and casting (max pooling's float * bool mask); shrink
    # it so that the smallest array the step could allocate (64 x 1 float32 at least)
    # stands above it. np.add.at (the embedding's gradient) builds a mapping iterator
    # of ~5 KiB per call (a C struct, not an array): measured here and allowed for.
    old_bufsize = np.setbufsize(16)
    tracemalloc.start()
    try:
        allowance = 8 * 1024 + (_add_at_overhead() if adds_at else 0)
        m.train_step(batches[-1])
        before = tracemalloc.take_snapshot()
        tracemalloc.reset_peak()
        start, _ = tracemalloc.get_traced_memory()
        for i in range(6):
            m.train_step(batches[i % len(batches)])
        _, peak = tracemalloc.get_traced_memory()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
        np.setbufsize(old_bufsize)
    assert peak - start < allowance, (peak - start, allowance)
    domain = [tracemalloc.DomainFilter(True, np.lib.tracemalloc_domain)]
    grown = after.filter_traces(domain).compare_to(before.filter_traces(domain), "filename")
    assert sum(s.size_diff for s in grown) <= 0


def test_trainer_events_and_reuse_of_the_plans_forward_for_validation() -> None:
    keras.utils.set_random_seed(0)
    m = LAYER_MODELS["Dense"]()
    m.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    events = list(train(m, X, Y_BIN, epochs=2, batch_size=16, validation_split=0.25))
    assert events[-1].reason == "completed"
    assert m.plan_info("test").mode == "planned"
    assert m.plan_info("train").calls >= 3
    batches = [e for e in events if isinstance(e, BatchEnded)]
    assert batches[-1] == BatchEnded(1, 1, 2, batches[-1].logs, 60)  # 30 rows: 16 + 14
    assert batch_ended(1, 2, 3, {}, 60) == BatchEnded(1, 2, 3, {}, 60)


def test_good_weights_check_one_flat_buffer_and_restore_after_a_rebuild() -> None:
    from core.engine.training import _GoodWeights

    keras.utils.set_random_seed(0)
    m = LAYER_MODELS["BatchNormalization"]()
    m.compile("adam", "binary_crossentropy")
    m.fit(X, Y_BIN, epochs=1, batch_size=16, verbose=0)
    good = _GoodWeights(m)
    assert good.sources[0] is m.optimizer.parameter_buffer
    assert len(good.sources) == 3  # the flat buffer and the two moving statistics
    saved = m.get_weights()
    m.fit(X, Y_BIN, epochs=1, batch_size=16, verbose=0)
    m.optimizer.parameter_buffer[0] = np.nan
    assert not good.finite()
    good.restore()
    _same_bits(m.get_weights(), saved)
    m.fit(X, Y_BIN, epochs=1, batch_size=16, verbose=0)
    m.optimizer.build(m.trainable_weights)  # a new buffer: restored weight by weight
    good.restore()
    _same_bits(m.get_weights(), saved)


class _CountingSGD(optimizers.SGD):
    """SGD that counts the slot values its flushes set to 0 (to show a run crossed one)."""

    flushed = 0

    def _flush_tiny_slots(self) -> None:
        m = self._m
        _CountingSGD.flushed += int(np.count_nonzero((m != 0) & (np.abs(m) < self._flush_below)))
        super()._flush_tiny_slots()


def test_flushing_tiny_slots_with_dead_units_stays_bit_identical() -> None:
    # momentum 0.1 flushes every 8 steps; a large step kills most ReLU units, whose
    # momentum then decays by 0.1 a step and is set to 0 below 1e-30
    _CountingSGD.flushed = 0
    planned, _ = _fit_both(
        lambda: _seq(L.Dense(16, activation="relu")),
        optimizer=lambda: _CountingSGD(2.0, momentum=0.1),
        epochs=12,
        batch_size=4,
    )
    assert planned.plan_info().mode == "planned"
    assert planned.optimizer.flush_every == 8
    assert _CountingSGD.flushed > 0
    m = planned.optimizer._m
    assert not np.any((np.abs(m) < np.finfo(np.float32).tiny) & (m != 0))
