"""One evaluation of a model on one set of rows: every metric, the baseline, the table.

`evaluate_outputs` takes the network's raw outputs (sigmoid column, softmax
rows or values) and the targets as the model was trained on them, and builds
an `Evaluation`; `evaluate_predictor` runs a predict function first;
`evaluate_dataset` picks the split (test, else validation, and says so) of a
`core.data.Dataset` and fits the baseline on its training rows; for a series it
adds the forecasts along time (`core.evaluation.forecast`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from core.errors import DataError
from core.evaluation.baselines import Baseline, class_codes, training_baseline
from core.evaluation.classification import (
    ClassificationReport,
    classification_report,
    predict_classes,
)
from core.evaluation.curves import Curve, one_vs_rest_pr, one_vs_rest_roc, pr_curve
from core.evaluation.forecast import Forecast, forecast_of
from core.evaluation.predictions import PredictionsTable
from core.evaluation.regression import RegressionReport, regression_report

__all__ = [
    "Evaluation",
    "Scores",
    "SplitChoice",
    "choose_split",
    "evaluate_dataset",
    "evaluate_outputs",
    "evaluate_predictor",
    "model_predictor",
    "probabilities_from_outputs",
    "target_units",
]

Predict = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Scores:
    """The metrics of one predictor (the model or its baseline) on the evaluated rows."""

    classification: ClassificationReport | None = None
    regression: RegressionReport | None = None
    roc: dict[str, Curve] = field(default_factory=dict)
    roc_auc: float | None = None
    roc_note: str = ""
    pr: Curve | None = None

    @property
    def pr_auc(self) -> float | None:
        return self.pr.auc if self.pr is not None else None

    @property
    def accuracy(self) -> float | None:
        return self.classification.accuracy if self.classification is not None else None

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON keys: classification or regression metrics."""
        if self.regression is not None:
            return self.regression.to_dict()
        assert self.classification is not None
        d = self.classification.to_dict()
        d["roc_auc"] = self.roc_auc
        if self.roc_note:
            d["roc_auc_note"] = self.roc_note
        if self.pr is not None:
            d["pr_auc"] = self.pr.auc
            if self.pr.note:
                d["pr_auc_note"] = self.pr.note
        return d


def target_units(pipeline: Any | None) -> Callable[[Any], np.ndarray]:
    """Regression outputs or targets (n, 1) -> values in the target's own units.

    Undoes the pipeline's target scaling (the network learns a standardised
    target); for classification, or without scaling, values pass unchanged.
    """
    task = getattr(pipeline, "task", None)
    decode = getattr(pipeline, "target_values", None)
    if decode is None or task is None or task.kind != "regression":
        return lambda a: np.asarray(a)

    def to_units(a: Any) -> np.ndarray:
        arr = np.asarray(a, dtype=np.float64)
        return decode(arr.reshape(len(arr), -1))

    return to_units


def probabilities_from_outputs(outputs: Any, kind: str) -> np.ndarray:
    """Class probabilities (n, K) from network outputs: a sigmoid column becomes [1-p, p]."""
    raw = np.asarray(outputs, dtype=np.float64)
    if raw.ndim == 1:
        raw = raw.reshape(-1, 1)
    if kind == "binary" and raw.shape[1] == 1:
        p = np.clip(raw[:, 0], 0.0, 1.0)
        return np.column_stack([1.0 - p, p])
    return raw


def _class_scores(
    codes: np.ndarray,
    probs: np.ndarray,
    labels: Sequence[str],
    threshold: float | None,
    predicted: np.ndarray | None = None,
) -> Scores:
    pred = predict_classes(probs, threshold) if predicted is None else predicted
    report = classification_report(codes, pred, labels, threshold)
    curves, auc, note = one_vs_rest_roc(codes, probs, labels)
    pr = pr_curve(codes == 1, probs[:, 1]) if len(labels) == 2 else None
    return Scores(classification=report, roc=curves, roc_auc=auc, roc_note=note, pr=pr)


@dataclass(frozen=True)
class Evaluation:
    """Everything the Results view and `layerforge evaluate` show about one evaluation.

    `probabilities` (n, K) for classification or `values` (n,) for regression
    are the model's outputs; `actual` holds class codes or values. `model` and
    `baseline_scores` are `Scores`; `predictions` is the table.
    """

    task: str
    labels: tuple[str, ...]
    split: str
    split_note: str
    actual: np.ndarray
    model: Scores
    baseline: Baseline
    baseline_scores: Scores
    predictions: PredictionsTable
    probabilities: np.ndarray | None = None
    values: np.ndarray | None = None
    threshold: float | None = None
    target: str = ""
    #: A series' forecasts along time (every step ahead); None for other data.
    forecast: Forecast | None = None

    @property
    def n_rows(self) -> int:
        return int(len(self.actual))

    @property
    def is_classification(self) -> bool:
        return self.task != "regression"

    @property
    def headline(self) -> str:
        from core.evaluation.headline import headline

        return headline(self)

    @cached_property
    def pr_curves(self) -> dict[str, Curve]:
        """Precision-recall curve per class, one-vs-rest (binary: the positive class only).

        Computed on first use (one sort of the scores per class) and kept.
        """
        if self.probabilities is None:
            return {}
        if self.model.pr is not None and len(self.labels) == 2:
            return {self.labels[1]: self.model.pr}
        return one_vs_rest_pr(self.actual, self.probabilities, self.labels)

    def with_threshold(self, threshold: float) -> Evaluation:
        """The same evaluation with another decision threshold (binary tasks only)."""
        if self.task != "binary" or self.probabilities is None:
            raise DataError(
                f"A decision threshold applies to two-class tasks. This one is {self.task}."
            )
        if not 0.0 <= float(threshold) <= 1.0:
            raise DataError(f"Expected a threshold from 0 to 1. Received {threshold}.")
        assert self.model.classification is not None
        y_pred = predict_classes(self.probabilities, float(threshold))
        report = classification_report(self.actual, y_pred, self.labels, float(threshold))
        scores = replace(self.model, classification=report)  # the curves do not depend on it
        table = _table(
            self.task,
            self.labels,
            self.actual,
            self.probabilities,
            None,
            scores,
            self.predictions.row,
        )
        return replace(self, model=scores, predictions=table, threshold=float(threshold))

    def to_json(self) -> dict[str, Any]:
        """`task`, the model's metrics, `baseline` (the same metrics), split and headline."""
        d: dict[str, Any] = {"task": self.task, "split": self.split, "rows": self.n_rows}
        d.update(self.model.to_dict())
        if self.threshold is not None:
            d["threshold"] = self.threshold
        base = self.baseline_scores.to_dict()
        base["predictor"] = self.baseline.describe()
        d["baseline"] = base
        d["headline"] = self.headline
        if self.split_note:
            d["split_note"] = self.split_note
        return d


def _table(
    kind: str,
    labels: Sequence[str],
    actual: np.ndarray,
    probs: np.ndarray | None,
    values: np.ndarray | None,
    scores: Scores,
    rows: np.ndarray | None,
) -> PredictionsTable:
    n = len(actual)
    row = np.arange(1, n + 1) if rows is None else np.asarray(rows, dtype=np.int64)
    if kind == "regression":
        assert values is not None
        return PredictionsTable(kind, row, actual, values, values - actual)
    assert probs is not None and scores.classification is not None
    names = np.asarray(labels, dtype=object)
    pred = scores.classification.y_pred
    p_pred = probs[np.arange(n), pred]
    p_actual = probs[np.arange(n), actual]
    return PredictionsTable(kind, row, names[actual], names[pred], 1.0 - p_actual, p_pred, p_actual)


def evaluate_outputs(
    outputs: Any,
    targets: Any,
    *,
    kind: str,
    labels: Sequence[str] = (),
    baseline: Baseline,
    split: str = "data",
    split_note: str = "",
    threshold: float | None = None,
    rows: Any = None,
    target: str = "",
) -> Evaluation:
    """Evaluate raw network `outputs` against `targets` encoded as for training.

    `kind` is "binary", "multiclass" or "regression"; `rows` are the row
    numbers to show in the predictions table (default 1..n).
    """
    labels = tuple(str(lab) for lab in labels)
    n = len(np.asarray(targets))
    if n == 0:
        raise DataError(
            f"Expected at least one row to evaluate in the {split} rows. Received none."
        )
    if len(np.asarray(outputs)) != n:
        raise DataError(
            f"Expected one prediction per row. Received {len(np.asarray(outputs))} for {n} rows."
        )
    finite = np.isfinite(np.asarray(outputs, dtype=np.float64))
    if not finite.all():
        bad = int(np.count_nonzero(~finite.reshape(n, -1).all(axis=1)))
        raise DataError(
            f"Expected the model's outputs to be numbers. Received NaN or infinity for {bad} "
            f"of the {n} {split} rows: the weights have diverged. Train again with a lower "
            "learning rate, or reset the weights."
        )
    if kind == "regression":
        actual = np.asarray(targets, dtype=np.float64).reshape(n, -1)[:, 0]
        values = np.asarray(outputs, dtype=np.float64).reshape(n, -1)[:, 0]
        scores = Scores(regression=regression_report(actual, values))
        base = Scores(regression=regression_report(actual, baseline.predicted_values(n)))
        table = _table(kind, labels, actual, None, values, scores, rows)
        return Evaluation(
            kind,
            labels,
            split,
            split_note,
            actual,
            scores,
            baseline,
            base,
            table,
            values=values,
            target=target,
        )
    if kind == "binary" and threshold is None:
        threshold = 0.5
    actual = class_codes(targets, kind)
    probs = probabilities_from_outputs(outputs, kind)
    if probs.shape[1] != len(labels):
        raise DataError(
            f"Expected {len(labels)} probability columns (one per class: "
            f"{', '.join(labels[:6])}). Received {probs.shape[1]}."
        )
    scores = _class_scores(actual, probs, labels, threshold)
    base = _class_scores(
        actual, baseline.probabilities(n), labels, None, baseline.predicted_classes(n)
    )
    table = _table(kind, labels, actual, probs, None, scores, rows)
    return Evaluation(
        kind,
        labels,
        split,
        split_note,
        actual,
        scores,
        baseline,
        base,
        table,
        probabilities=probs,
        threshold=threshold,
        target=target,
    )


def evaluate_predictor(predict: Predict, x: np.ndarray, y: np.ndarray, **kwargs: Any) -> Evaluation:
    """`evaluate_outputs(predict(x), y, ...)`."""
    return evaluate_outputs(predict(np.asarray(x, dtype=np.float32)), y, **kwargs)


@dataclass(frozen=True)
class SplitChoice:
    """The rows a result is computed on, and a sentence when they are not the test rows."""

    name: str
    x: np.ndarray
    y: np.ndarray
    note: str = ""


def choose_split(dataset: Any) -> SplitChoice:
    """The test split; without test rows the validation split (and a note saying so)."""
    if len(dataset.x_test):
        return SplitChoice("test", dataset.x_test, dataset.y_test)
    if len(dataset.x_val):
        return SplitChoice(
            "validation",
            dataset.x_val,
            dataset.y_val,
            "There is no test split, so these results are on the validation rows, which "
            "also steered training (early stopping, your choices); expect the model to do "
            "a little worse on new data. Set a test split in the Data settings to measure it.",
        )
    raise DataError(
        "Expected test or validation rows to measure the model on. Received none: every row "
        "is used for training. Set a validation or test split in the Data settings."
    )


def model_predictor(model: Any, batch_size: int = 8192) -> Predict:
    """A predict function for a `core` model (large batches, no gradients)."""

    def predict(x: np.ndarray) -> np.ndarray:
        return np.asarray(model.predict(x, batch_size=batch_size, verbose=0))

    return predict


def evaluate_dataset(
    model: Any, dataset: Any, *, threshold: float | None = None, predict: Predict | None = None
) -> Evaluation:
    """Evaluate a trained `core` model on a `Dataset`'s test (else validation) rows.

    The baseline is fitted on the training rows; regression values are in the
    target's own units (the target scaling undone).
    """
    task = dataset.task
    choice = choose_split(dataset)
    baseline = training_baseline(dataset)
    units = target_units(getattr(dataset, "pipeline", None))
    predict = predict or model_predictor(model)
    outputs = units(predict(np.asarray(choice.x, dtype=np.float32)))
    timeline = getattr(dataset, "timeline", None)
    ev = evaluate_outputs(
        outputs,
        units(choice.y),
        kind=task.kind,
        labels=task.class_labels,
        baseline=baseline,
        split=choice.name,
        split_note=choice.note,
        threshold=threshold,
        target=getattr(dataset, "target", "") or "",
        # a series' windows by the file row their forecast is made on
        rows=None if timeline is None else timeline.window_rows(choice.name),
    )
    if timeline is None:
        return ev
    return replace(ev, forecast=forecast_of(timeline, choice.name, outputs))
