"""`layerforge evaluate MODEL --data CSV [--json]`: metrics of a trained model on labelled rows.

The CSV must contain the target column the model was trained on; metrics use
Keras names (`loss`, `accuracy`, `mae`, ...).
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
        description="Loss and metrics of a trained .lfmodel on a CSV that has the target.",
    )
    add_model_and_data(p, "labelled rows")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    return finish_parser(p, run)


def run(args: argparse.Namespace) -> int:
    from core.cli._common import format_value, load_model_and_data, metric_columns

    bundle, table = load_model_and_data(args)
    metrics = bundle.evaluate(table.df)
    if args.json:
        print(json.dumps(metrics, indent=2))
        return 0
    print(f"{len(table.df)} rows of {args.data} (target '{bundle.target}'):")
    for name in metric_columns({"data": metrics}):
        print(f"  {name:<10} {format_value(metrics[name])}")
    return 0
