"""core.evaluation metrics agree with sklearn.metrics (property tests with hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from core.evaluation.baselines import baseline_from_targets
from core.evaluation.classification import classification_report, confusion_matrix
from core.evaluation.curves import one_vs_rest_pr, one_vs_rest_roc, pr_curve, roc_curve
from core.evaluation.regression import regression_report
from core.evaluation.results import evaluate_outputs


@st.composite
def class_rows(draw: st.DrawFn, max_classes: int = 5) -> tuple[np.ndarray, np.ndarray, int]:
    k = draw(st.integers(2, max_classes))
    n = draw(st.integers(1, 60))
    y_true = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    y_pred = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    return y_true, y_pred, k


@st.composite
def scored_rows(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(2, 80))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    # few distinct scores so that ties are common
    scores = (
        np.array(draw(st.lists(st.integers(0, 12), min_size=n, max_size=n)), dtype=np.float64)
        / 12.0
    )
    return y, scores


@given(class_rows())
@settings(max_examples=120, deadline=None)
def test_confusion_matrix_and_per_class_match_sklearn(rows) -> None:
    y_true, y_pred, k = rows
    labels = [f"c{i}" for i in range(k)]
    report = classification_report(y_true, y_pred, labels)
    expected = skm.confusion_matrix(y_true, y_pred, labels=list(range(k)))
    np.testing.assert_array_equal(report.matrix, expected)
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, k), expected)
    p, r, f, s = skm.precision_recall_fscore_support(
        y_true, y_pred, labels=list(range(k)), zero_division=0
    )
    np.testing.assert_allclose(report.precision, p)
    np.testing.assert_allclose(report.recall, r)
    np.testing.assert_allclose(report.f1, f)
    np.testing.assert_array_equal(report.support, s)
    assert report.accuracy == pytest.approx(skm.accuracy_score(y_true, y_pred))
    norm = skm.confusion_matrix(y_true, y_pred, labels=list(range(k)), normalize="true")
    np.testing.assert_allclose(report.normalized, np.nan_to_num(norm))
    for label, m in report.per_class.items():
        i = labels.index(label)
        assert (m.precision, m.recall, m.f1, m.support) == pytest.approx((p[i], r[i], f[i], s[i]))


@given(scored_rows())
@settings(max_examples=150, deadline=None)
def test_binary_roc_and_pr_match_sklearn(rows) -> None:
    y, scores = rows
    roc = roc_curve(y, scores)
    pr = pr_curve(y, scores)
    if 0 < y.sum() < len(y):
        fpr, tpr, thr = skm.roc_curve(y, scores, drop_intermediate=False)
        np.testing.assert_allclose(roc.x, fpr)
        np.testing.assert_allclose(roc.y, tpr)
        np.testing.assert_allclose(roc.thresholds[1:], thr[1:])
        assert roc.auc == pytest.approx(skm.roc_auc_score(y, scores))
    else:
        assert roc.auc is None and "no " in roc.note
    if y.sum() > 0:
        precision, recall, _ = skm.precision_recall_curve(y, scores)
        np.testing.assert_allclose(pr.x, recall[::-1])
        np.testing.assert_allclose(pr.y, precision[::-1])
        assert pr.auc == pytest.approx(skm.average_precision_score(y, scores))
    else:
        assert pr.auc is None and "no positive rows" in pr.note


@given(st.integers(3, 5), st.integers(0, 10_000))
@settings(max_examples=60, deadline=None)
def test_macro_one_vs_rest_auc_matches_sklearn(k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(k * 3, 80))
    y = np.r_[np.arange(k), rng.integers(0, k, n - k)]  # every class present
    logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y] * rng.random()
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    probs = np.round(probs, 2)  # ties
    probs /= probs.sum(axis=1, keepdims=True)
    curves, auc, note = one_vs_rest_roc(y, probs, [str(i) for i in range(k)])
    expected = skm.roc_auc_score(y, probs, multi_class="ovr", average="macro")
    assert auc == pytest.approx(expected)
    assert note == "" and len(curves) == k


@given(st.integers(3, 5), st.integers(0, 10_000))
@settings(max_examples=40, deadline=None)
def test_one_vs_rest_pr_areas_match_sklearn(k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(k * 3, 80))
    y = rng.integers(0, k - 1, n)  # the last class is absent
    probs = np.round(rng.dirichlet(np.ones(k), n), 2)
    curves = one_vs_rest_pr(y, probs, [str(i) for i in range(k)])
    assert list(curves) == [str(i) for i in range(k)]
    for c in range(k - 1):
        if (y == c).any():
            expected = skm.average_precision_score(y == c, probs[:, c])
            assert curves[str(c)].auc == pytest.approx(expected)
    assert curves[str(k - 1)].auc is None and "no positive rows" in curves[str(k - 1)].note


@given(
    st.lists(st.floats(-1e3, 1e3).map(lambda v: round(v, 3)), min_size=2, max_size=50),
    st.integers(0, 1000),
)
@settings(max_examples=150, deadline=None)
def test_regression_metrics_match_sklearn(actual: list[float], seed: int) -> None:
    y = np.asarray(actual)
    pred = y + np.random.default_rng(seed).normal(scale=5.0, size=len(y))
    report = regression_report(y, pred)
    assert report.mae == pytest.approx(skm.mean_absolute_error(y, pred))
    assert report.rmse == pytest.approx(np.sqrt(skm.mean_squared_error(y, pred)))
    if np.sum((y - y.mean()) ** 2) > 0 and np.ptp(y) > 0:
        assert report.r2 == pytest.approx(skm.r2_score(y, pred), rel=1e-9, abs=1e-9)
    else:
        assert report.r2 is None
    np.testing.assert_allclose(report.residuals, pred - y)


def test_single_valued_target_gives_no_r2_and_says_why() -> None:
    report = regression_report([3.0, 3.0, 3.0], [2.0, 3.5, 3.0])
    assert report.r2 is None
    assert "every one of the 3 evaluated rows has the target value 3" in report.r2_note
    assert report.to_dict()["r2"] is None and "r2_note" in report.to_dict()


def test_class_missing_from_rows_keeps_a_zero_support_row() -> None:
    labels = ["setosa", "versicolor", "virginica"]
    y = np.array([0, 0, 1, 1, 0])  # no virginica among the rows
    probs = np.array(
        [[0.8, 0.1, 0.1], [0.2, 0.2, 0.6], [0.1, 0.8, 0.1], [0.3, 0.6, 0.1], [0.7, 0.2, 0.1]]
    )
    base = baseline_from_targets("multiclass", labels, np.eye(3)[[0, 1, 2, 2, 2]])
    ev = evaluate_outputs(probs, np.eye(3)[y], kind="multiclass", labels=labels, baseline=base)
    report = ev.model.classification
    assert report.matrix.shape == (3, 3)
    assert report.matrix[2].tolist() == [0, 0, 0]
    assert report.per_class["virginica"].support == 0
    assert report.absent_classes == ("virginica",)
    np.testing.assert_array_equal(report.normalized[2], [0.0, 0.0, 0.0])
    # the ROC mean leaves the class out and says so
    assert ev.model.roc_auc == pytest.approx(
        np.mean([skm.roc_auc_score(y == 0, probs[:, 0]), skm.roc_auc_score(y == 1, probs[:, 1])])
    )
    assert "'virginica' left out" in ev.model.roc_note
    out = ev.to_json()
    assert out["confusion_matrix"]["labels"] == labels
    assert out["per_class"]["virginica"]["support"] == 0
    assert out["baseline"]["predictor"] == "always guessing 'virginica'"


def test_binary_threshold_changes_counts_like_sklearn() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 200)
    p = np.clip(0.3 * y + 0.7 * rng.random(200), 0, 1)
    base = baseline_from_targets("binary", ["no", "yes"], y.reshape(-1, 1))
    ev = evaluate_outputs(
        p.reshape(-1, 1), y.reshape(-1, 1), kind="binary", labels=["no", "yes"], baseline=base
    )
    assert ev.threshold == 0.5
    for t in (0.2, 0.5, 0.8):
        at = ev.with_threshold(t)
        expected = skm.confusion_matrix(y, (p >= t).astype(int))
        np.testing.assert_array_equal(at.model.classification.matrix, expected)
        assert at.threshold == t
        assert at.model.roc_auc == pytest.approx(skm.roc_auc_score(y, p))
        assert at.model.pr_auc == pytest.approx(skm.average_precision_score(y, p))
        assert (at.predictions.predicted == np.where(p >= t, "yes", "no")).all()
    assert ev.with_threshold(0.3).pr_curves["yes"] is ev.model.pr  # curves are kept
    lo, hi = ev.with_threshold(0.2), ev.with_threshold(0.8)
    assert lo.model.classification.matrix[:, 1].sum() > hi.model.classification.matrix[:, 1].sum()


@given(st.text(min_size=1, max_size=12))
@settings(max_examples=200, deadline=None)
def test_csv_cells_never_start_a_formula(label: str) -> None:
    import csv
    import io

    from core.evaluation.predictions import PredictionsTable, spreadsheet_safe

    table = PredictionsTable(
        "binary",
        np.array([1]),
        np.array([label], dtype=object),
        np.array([label], dtype=object),
        np.array([0.25]),
        np.array([0.75]),
        np.array([0.75]),
    )
    buf = io.StringIO()
    table.write_csv(buf)
    row = next(iter(csv.DictReader(io.StringIO(buf.getvalue(), newline=""))))
    for cell in (row["actual"], row["predicted"]):
        assert cell == spreadsheet_safe(label)
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
            float(cell)  # only a plain number may start that way
        else:
            assert cell in (label, "'" + label)


def test_non_finite_outputs_are_refused_in_plain_words() -> None:
    from core.errors import DataError

    base = baseline_from_targets("binary", ["no", "yes"], np.array([[0], [1]]))
    with pytest.raises(DataError, match=r"NaN or infinity for 1 of the 3 test rows"):
        evaluate_outputs(
            np.array([[0.2], [np.nan], [0.9]]),
            np.array([[0], [1], [1]]),
            kind="binary",
            labels=["no", "yes"],
            baseline=base,
            split="test",
        )
