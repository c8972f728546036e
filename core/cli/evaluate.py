"""`layerforge evaluate MODEL --data CSV [--json] [--report OUT.html]`: how good a trained model is.

The CSV must contain the target column the model was trained on. Prints the
Keras metrics (`loss`, `accuracy`, `mae`, ...) and the full evaluation from
`core.evaluation`: the task, the confusion matrix, per-class precision /
recall / F1 / support, ROC AUC (macro one-vs-rest for several classes), PR
AUC for two classes, or MAE / RMSE / R², each next to the baseline
(majority class or training mean). `--report` writes a self-contained HTML
report with charts; `--predictions` the per-row table, worst rows first.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from core.cli._common import add_model_and_data, finish_parser


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "evaluate",
        help="measure a trained model on labelled data",
        description=(
            "Metrics of a trained .lfmodel on a CSV that has the target, next to a baseline "
            "(the majority class or the training mean)."
        ),
    )
    add_model_and_data(p, "labelled rows")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--report", metavar="OUT.html", help="also write an HTML report with charts")
    p.add_argument(
        "--predictions", metavar="OUT.csv", help="also write every row's prediction, worst first"
    )
    p.add_argument(
        "--threshold",
        type=_unit,
        metavar="T",
        help="decision threshold for two-class models (default 0.5)",
    )
    return finish_parser(p, run)


def _unit(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {value}")
    return value


def _text(ev: Any) -> list[str]:
    from core.cli._common import format_value

    lines = [ev.headline]
    if ev.is_classification:
        c = ev.model.classification
        width = max(8, *(len(lab) for lab in c.labels))
        lines.append("Confusion matrix (rows: actual, columns: predicted):")
        lines.append(" " * (width + 2) + "  ".join(f"{lab:>{width}}" for lab in c.labels))
        for lab, row in zip(c.labels, c.matrix, strict=True):
            lines.append(f"  {lab:<{width}}" + "  ".join(f"{int(v):>{width}}" for v in row))
        lines.append(f"  {'class':<{width}}  precision     recall         f1  support")
        for lab, m in c.per_class.items():
            lines.append(
                f"  {lab:<{width}}  {m.precision:>9.4f}  {m.recall:>9.4f}  {m.f1:>9.4f}  "
                f"{m.support:>7}"
            )
    scores = ev.model.to_dict()
    base = ev.baseline_scores.to_dict()
    names = ["roc_auc", "pr_auc"] if ev.is_classification else ["mae", "rmse", "r2"]
    lines.append(f"  {'metric':<10} {'model':>10} {'baseline':>10}")
    for n in names:
        if n in scores:
            a, b = scores[n], base.get(n)
            fa = "-" if a is None else format_value(a)
            fb = "-" if b is None else format_value(b)
            lines.append(f"  {n:<10} {fa:>10} {fb:>10}")
    for note in (scores.get("roc_auc_note"), scores.get("r2_note")):
        if note:
            lines.append(f"  note: {note}")
    return lines


def run(args: argparse.Namespace) -> int:
    from core.cli._common import format_value, load_model_and_data, load_model_file, metric_columns
    from core.evaluation.from_bundle import (
        bundle_boundary,
        bundle_importance,
        evaluate_bundle,
        explain_worst_row,
    )

    bundle = load_model_file(args.model)
    # a table's rows, or (images, text, series) the source as the model reads it
    shaped = getattr(bundle.pipeline, "input_spec", None) is not None
    if getattr(bundle.pipeline, "input_kind", None) == "images":
        source: Any = args.data
    else:
        source = load_model_and_data(args)[1].df
    metrics = bundle.evaluate(source)
    ev = evaluate_bundle(bundle, source, threshold=args.threshold)
    if args.report:
        from core.evaluation.html_report import write_report

        # importance, the boundary and explanations are per input column: tables only
        importance = None if shaped else bundle_importance(bundle, source)
        write_report(
            args.report,
            ev,
            title=f"Evaluation of {_name(args.model)}",
            facts={"model": _name(args.model), "data": _name(args.data), "target": bundle.target},
            importance=importance,
            boundary=None if shaped else bundle_boundary(bundle, source, importance),
            explanation=None if shaped else explain_worst_row(bundle, source, ev),
        )
    if args.predictions:
        ev.predictions.write_csv(args.predictions, ev.predictions.worst_first())
    if args.json:
        print(json.dumps({**metrics, **ev.to_json()}, indent=2))
        return 0
    count = f"{len(ev.predictions)} samples" if shaped else f"{len(source)} rows"
    print(f"{count} of {args.data} (target '{bundle.target}'):")
    for name in metric_columns({"data": metrics}):
        print(f"  {name:<10} {format_value(metrics[name])}")
    print("\n".join(_text(ev)))
    if args.report:
        print(f"Wrote the report to {args.report}")
    if args.predictions:
        print(f"Wrote {len(ev.predictions)} predictions (worst first) to {args.predictions}")
    return 0


def _name(path: str) -> str:
    from pathlib import Path

    return Path(path).name
