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
from pathlib import Path
from typing import Any

from core.cli._common import UsageError
from core.export import FORMATS, SUFFIXES


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "export",
        help="export a trained model (ONNX, Keras, Python code, predictions)",
        description="Export a trained .lfmodel and check the result by re-loading it. "
        + "; ".join(f"{k}: {v}" for k, v in FORMATS.items())
        + ".",
    )
    p.add_argument("model", metavar="MODEL", help="the trained .lfmodel file")
    p.add_argument(
        "--format",
        choices=tuple(FORMATS),
        default=None,
        help="the format (default: from the suffix of --out: .onnx, .keras, "
        ".lfmodel, .csv; a .py file needs --format numpy or python)",
    )
    p.add_argument("--out", metavar="PATH", required=True, help="the file to write")
    p.add_argument(
        "--data",
        metavar="CSV",
        help="rows to predict (predictions format) or to check the export on; "
        "the numpy and python scripts are also run on this file as written",
    )
    p.add_argument(
        "--rows",
        type=int,
        default=200,
        metavar="N",
        help="how many rows to check the export on (default 200)",
    )
    p.add_argument(
        "--no-verify", action="store_true", help="skip re-loading and checking the written file"
    )
    p.set_defaults(func=run)
    return p


def format_for(fmt: str | None, out: str) -> str:
    """The export format for `--format fmt --out out`.

    Without `fmt`, it comes from the suffix of `out`. With `fmt`, a suffix that
    belongs to another format is refused (an ONNX file named .keras helps nobody).
    Raises `UsageError` (exit code 2) with what to do.
    """
    suffix = Path(out).suffix.lower()
    owners = [name for name, s in SUFFIXES.items() if s == suffix]
    if fmt is None:
        if len(owners) == 1:
            return owners[0]
        if owners:
            raise UsageError(
                f"--out {out}: a {suffix} file can be the {' or the '.join(owners)} export. "
                f"Pass --format {' or --format '.join(owners)}."
            )
        known = ", ".join(sorted({s for s in SUFFIXES.values()}))
        raise UsageError(
            f"--out {out}: cannot tell the format from the suffix "
            f"{suffix or '(none)'}. Expected one of {known}, or pass --format."
        )
    if owners and fmt not in owners:
        raise UsageError(
            f"--format {fmt} writes a {SUFFIXES[fmt]} file, but --out {out} has the suffix "
            f"{suffix} of the {owners[0]} format. Name the file "
            f"{Path(out).with_suffix(SUFFIXES[fmt]).name}, or pass --format {owners[0]}."
        )
    return fmt


def run(args: argparse.Namespace) -> int:
    from core.cli._common import load_model_file
    from core.cli._outputs import check_output
    from core.export import export_model

    args.format = format_for(args.format, args.out)
    out = check_output(
        args.out, flag="--out", inputs=[args.model, args.data], expected=[SUFFIXES[args.format]]
    )
    if args.format == "numpy":  # the weights file beside the script
        check_output(
            out.with_suffix(".npz"), flag="--out", inputs=[args.model, args.data], expected=[".npz"]
        )
    bundle = load_model_file(args.model)
    rows = args.data if (args.data and args.format != "predictions") else None
    report = export_model(
        bundle,
        args.format,
        args.out,
        verify=not args.no_verify,
        rows=rows,
        n_rows=max(1, int(args.rows)),
        data=args.data,
    )
    print(f"Wrote {', '.join(report.files)}")
    print(report.summary() + (f" ({report.consumer})" if report.consumer else ""))
    for note in report.notes:
        print(f"note: {note}")
    return 0
