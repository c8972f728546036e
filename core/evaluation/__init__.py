"""What a trained network is worth and what it learned: Qt-free, checked against scikit-learn.

The app's Results, Boundary, Weights and Runs views and the CLI's `evaluate`
and `runs` are thin views of this package. Modules, one job each:

- `classification`: `classification_report(y_true, y_pred, labels)` ->
  `ClassificationReport` (accuracy, `matrix` counts with rows = actual and
  columns = predicted, `normalized` row shares, `per_class` precision /
  recall / F1 / support, `cell_rows(i, j)` for "click a cell, show its rows").
  A class absent from the rows keeps a zero row (support 0).
- `curves`: `roc_curve`, `pr_curve` (area = average precision) and
  `one_vs_rest_roc` (macro mean area), `one_vs_rest_pr` -> `Curve` (x, y, thresholds, auc,
  note saying why an area is undefined).
- `regression`: `regression_report(actual, predicted)` -> MAE, RMSE, R²
  (None with `r2_note` for a single-valued target) and residuals.
- `baselines`: `Baseline` (majority class / training mean), fitted with
  `baseline_from_targets`, small JSON for model bundles.
- `results`: `evaluate_dataset(model, dataset)` (test split, else validation
  with `split_note`), `evaluate_outputs(outputs, targets, kind=, labels=,
  baseline=)` and `evaluate_predictor` -> `Evaluation`: `.model` and
  `.baseline_scores` (`Scores`: classification/regression report, ROC
  curves + `roc_auc`, binary `pr`), `.predictions`, `.headline`,
  `.with_threshold(t)` (binary threshold slider: the curves are kept, the
  matrix, per-class metrics and table follow), `.pr_curves` (one-vs-rest
  precision-recall, computed once on first use), `.to_json()` (the CLI keys).
- `headline`: the sentence "82 % accurate on 154 test rows; always guessing
  'no' would get 65 %."
- `predictions`: `PredictionsTable` (actual, predicted, probability or
  error; `worst_first()`, `sort_order(col)`, `write_csv` with
  spreadsheet-formula escaping of text cells).
- `importance`: `permutation_importance(predict, x_val, y_val, kind=,
  groups=feature_groups(pipeline))` -> `Importances`, most important first.
- `explain`: `explain_row(model, row, method="integrated_gradients" |
  "gradient_x_input")` -> `Explanation` (contributions per feature,
  `grouped(groups)` per input column), via the engine's autograd.
- `boundary`: `plan_boundary(...)` / `plan_for_dataset(dataset,
  importance=...)` -> `BoundaryPlan` (two features, PCA, a curve for one
  input, or no map with a `reason`); `BoundaryRenderer(plan).render(predict,
  kind)` -> `BoundaryGrid` (cheap to redraw while training).
- `histograms`: `HistogramRecorder` (+ `.callback()` for the trainer):
  weight and gradient histograms per layer per epoch, thread-safe reads.
- `health`: `activation_health(model, x)` -> `LayerHealth` per hidden layer
  (dead ReLUs, saturated sigmoid/tanh) with a plain-words hint.
- `runs`: `RunRecord` in `Project.runs`; `record_from_training`,
  `add_run`, `remove_run` / `insert_run` (undo), `restore_run` (network +
  settings), `summary_row`.
- `from_bundle`: `evaluate_bundle(bundle, rows)`, `bundle_importance`,
  `bundle_boundary` and `explain_worst_row` for a saved `.lfmodel` (the CLI's
  `evaluate` and its report); regression values in the target's units
  (`results.target_units(pipeline)` undoes the target scaling).
- `plots` and `html_report`: Pillow charts (PNG bytes) and the self-contained HTML
  report (`write_report(path, evaluation, importance=...)`).

A predict function (`results.model_predictor(model)`) maps network inputs
(n, d) float32 to raw outputs; class codes follow the task's `class_labels`.
"""

from __future__ import annotations

from core.evaluation.baselines import Baseline, baseline_from_targets
from core.evaluation.boundary import (
    BoundaryGrid,
    BoundaryPlan,
    BoundaryRenderer,
    boundary_grid,
    plan_boundary,
    plan_for_dataset,
)
from core.evaluation.classification import ClassificationReport, classification_report
from core.evaluation.curves import Curve, one_vs_rest_pr, one_vs_rest_roc, pr_curve, roc_curve
from core.evaluation.explain import Explanation, explain_row
from core.evaluation.health import LayerHealth, activation_health
from core.evaluation.histograms import HistogramRecorder
from core.evaluation.importance import Importances, feature_groups, permutation_importance
from core.evaluation.predictions import PredictionsTable
from core.evaluation.regression import RegressionReport, regression_report
from core.evaluation.results import (
    Evaluation,
    Scores,
    choose_split,
    evaluate_dataset,
    evaluate_outputs,
    evaluate_predictor,
    model_predictor,
)
from core.evaluation.runs import (
    RunRecord,
    add_run,
    find_run,
    insert_run,
    record_from_training,
    remove_run,
    restore_run,
    runs_of,
)

__all__ = [
    "Baseline",
    "BoundaryGrid",
    "BoundaryPlan",
    "BoundaryRenderer",
    "ClassificationReport",
    "Curve",
    "Evaluation",
    "Explanation",
    "HistogramRecorder",
    "Importances",
    "LayerHealth",
    "PredictionsTable",
    "RegressionReport",
    "RunRecord",
    "Scores",
    "activation_health",
    "add_run",
    "baseline_from_targets",
    "boundary_grid",
    "choose_split",
    "classification_report",
    "evaluate_dataset",
    "evaluate_outputs",
    "evaluate_predictor",
    "explain_row",
    "feature_groups",
    "find_run",
    "insert_run",
    "model_predictor",
    "one_vs_rest_pr",
    "one_vs_rest_roc",
    "permutation_importance",
    "plan_boundary",
    "plan_for_dataset",
    "pr_curve",
    "record_from_training",
    "regression_report",
    "remove_run",
    "restore_run",
    "roc_curve",
    "runs_of",
]
