"""`layerforge export MODEL --format FORMAT --out PATH`: export a trained model, verified.

Formats: onnx, keras, python (Keras training script), numpy (standalone
inference script + weights), bundle (.lfmodel) and predictions (a CSV of
predictions for `--data CSV`). Every export is re-loaded by its consumer and
checked on sample rows before it is moved into place; the command prints the
result ("checked 200 rows, max difference 3.1e-07") and every note, and
exits with code 1 (leaving no file) when the check fails.
"""

from __future__ import annotations

import argparse
from typing import Any

from core.export import FORMATS


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "export", help="export a trained model (ONNX, Keras, Python code, predictions)",
        description="Export a trained .lfmodel and check the result by re-loading it. "
                    + "; ".join(f"{k}: {v}" for k, v in FORMATS.items()) + ".",
    )
    p.add_argument("model", metavar="MODEL", help="the trained .lfmodel file")
    p.add_argument("--format", choices=tuple(FORMATS), required=True)
    p.add_argument("--out", metavar="PATH", required=True, help="the file to write")
    p.add_argument("--data", metavar="CSV",
                   help="rows to predict (predictions format) or to check the export on")
    p.add_argument("--rows", type=int, default=200, metavar="N",
                   help="how many rows to check the export on (default 200)")
    p.add_argument("--no-verify", action="store_true",
                   help="skip re-loading and checking the written file")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from core.bundle import load_model
    from core.export import export_model

    bundle = load_model(args.model)
    rows = args.data if (args.data and args.format != "predictions") else None
    report = export_model(bundle, args.format, args.out, verify=not args.no_verify,
                          rows=rows, n_rows=max(1, int(args.rows)), data=args.data)
    print(f"Wrote {', '.join(report.files)}")
    print(report.summary() + (f" ({report.consumer})" if report.consumer else ""))
    for note in report.notes:
        print(f"note: {note}")
    return 0
