"""Metrics: values against scikit-learn / hand counts, running state, names, configs."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sklearn.metrics as sk

from core.engine import metrics
from core.errors import ConfigError

RNG = np.random.default_rng(1)


def test_binary_accuracy_running_over_batches() -> None:
    m = metrics.BinaryAccuracy()
    m.update_state(np.array([1, 0, 1, 1]), np.array([[0.9], [0.2], [0.4], [0.6]]))
    assert m.result() == pytest.approx(0.75)
    m.update_state(np.array([0, 0]), np.array([[0.7], [0.1]]))
    assert m.result() == pytest.approx(4 / 6)
    m.reset_state()
    assert m.result() == 0.0


def test_categorical_and_sparse_accuracy() -> None:
    p = np.array([[0.1, 0.8, 0.1], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]])
    assert metrics.CategoricalAccuracy()(np.eye(3)[[1, 1, 2]], p) == pytest.approx(2 / 3)
    assert metrics.SparseCategoricalAccuracy()(np.array([1, 1, 2]), p) == pytest.approx(2 / 3)
    assert metrics.SparseCategoricalAccuracy()(np.array([[1], [0], [2]]), p) == 1.0


def test_precision_recall_match_sklearn() -> None:
    y = (RNG.random(200) > 0.4).astype(int)
    p = np.clip(y * 0.3 + RNG.random(200) * 0.7, 0, 1)
    pr, rc = metrics.Precision(), metrics.Recall()
    for chunk in np.array_split(np.arange(200), 7):
        pr.update_state(y[chunk], p[chunk, None])
        rc.update_state(y[chunk], p[chunk, None])
    assert pr.result() == pytest.approx(sk.precision_score(y, p > 0.5))
    assert rc.result() == pytest.approx(sk.recall_score(y, p > 0.5))


def test_auc_close_to_exact_roc_auc() -> None:
    y = (RNG.random(500) > 0.5).astype(int)
    p = 1 / (1 + np.exp(-(y * 1.5 + RNG.standard_normal(500))))
    m = metrics.AUC()
    for chunk in np.array_split(np.arange(500), 4):
        m.update_state(y[chunk], p[chunk])
    assert m.result() == pytest.approx(sk.roc_auc_score(y, p), abs=5e-3)
    perfect = metrics.AUC()
    perfect.update_state(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9]))
    assert perfect.result() == pytest.approx(1.0)


def test_regression_metrics() -> None:
    y = RNG.standard_normal((50, 2))
    p = y + 0.3 * RNG.standard_normal((50, 2))
    r2 = metrics.R2Score()
    r2.update_state(y[:20], p[:20])
    r2.update_state(y[20:], p[20:])
    assert r2.result() == pytest.approx(sk.r2_score(y, p), rel=1e-9)
    assert metrics.get("mae")(y, p) == pytest.approx(np.abs(y - p).mean())
    assert metrics.get("mse")(y, p) == pytest.approx(((y - p) ** 2).mean())


def test_log_names_like_keras() -> None:
    assert metrics.get("mae").name == "mae"
    assert metrics.get("precision").name == "precision"
    assert metrics.get("auc").name == "auc"
    assert metrics.get("r2_score").name == "r2_score"
    assert metrics.MeanAbsoluteError().name == "mean_absolute_error"


def test_accuracy_resolution() -> None:
    r = metrics.resolve_accuracy
    assert isinstance(r("accuracy", "binary_crossentropy", (None, 1)), metrics.BinaryAccuracy)
    assert isinstance(
        r("accuracy", "sparse_categorical_crossentropy", (None, 3)),
        metrics.SparseCategoricalAccuracy,
    )
    assert isinstance(
        r("accuracy", "categorical_crossentropy", (None, 3)), metrics.CategoricalAccuracy
    )
    assert isinstance(
        r("acc", "mean_squared_error", (None, 3), (10,)), metrics.SparseCategoricalAccuracy
    )
    assert r("acc", "binary_crossentropy", (None, 1)).name == "acc"


def test_unknown_metric_suggests() -> None:
    with pytest.raises(ConfigError, match="Did you mean 'accuracy'"):
        metrics.get("acuracy")


@pytest.mark.parametrize("name", sorted(metrics.ALL_METRICS))
def test_config_round_trip(name: str) -> None:
    m = metrics.ALL_METRICS[name]()
    again = metrics.deserialize(json.loads(json.dumps(metrics.serialize(m))))
    assert type(again) is type(m) and again.get_config() == m.get_config()
