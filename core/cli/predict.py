"""`layerforge predict MODEL --data CSV --out PRED.csv`: predictions for new rows.

Writes the input rows plus prediction columns: `prediction` (the class label,
or the value for regression) and `probability_<label>` per class.
Columns are matched by name; extra columns are ignored. A model trained on an
image folder takes a folder of images (or one image) as `--data` and writes one
row per image file (its path and folder first). Text cells that a
spreadsheet would run as formulas are escaped (`core.export.predictions`).
"""

from __future__ import annotations

import argparse
import io
import sys
from typing import Any, BinaryIO

from core.cli._common import add_model_and_data, finish_parser


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "predict",
        help="predict with a trained model on a CSV",
        description="Apply a trained .lfmodel to the rows of a CSV file.",
    )
    add_model_and_data(p, "the rows to predict (a folder of images for an image model)")
    p.add_argument(
        "--out",
        metavar="PRED.csv",
        help="where to write the predictions (default: print CSV to stdout)",
    )
    return finish_parser(p, run)


def run(args: argparse.Namespace) -> int:
    from core.cli._common import load_model_file
    from core.document.fileio import atomic_write
    from core.export.predictions import CSV_OPTIONS, predictions_table

    if args.out:
        from core.cli._outputs import check_output

        check_output(args.out, flag="--out", inputs=[args.model, args.data], expected=[".csv"])
    bundle = load_model_file(args.model)
    prediction, inputs = bundle.predict_table(args.data)
    out = predictions_table(inputs.rows, prediction)
    for notice in inputs.notices:
        print(f"Note: {notice}", file=sys.stderr)
    if not args.out:
        out.to_csv(sys.stdout, **CSV_OPTIONS)
        return 0

    def write(fh: BinaryIO) -> None:
        text = io.TextIOWrapper(fh, encoding="utf-8", newline="")
        out.to_csv(text, **CSV_OPTIONS)
        text.flush()
        text.detach()

    target = atomic_write(args.out, write, action="written")
    print(f"Wrote {len(out)} predictions to {target}")
    return 0
