"""`layerforge predict MODEL --data CSV --out PRED.csv`: predictions for new rows.

Writes the input rows plus prediction columns: `prediction` (the class label,
or the value for regression) and `probability_<label>` per class.
Columns are matched by name; extra columns are ignored.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from core.cli._common import add_debug_flag
from core.errors import FormatError


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "predict", help="predict with a trained model on a CSV",
        description="Apply a trained .lfmodel to the rows of a CSV file.",
    )
    p.add_argument("model", metavar="MODEL", help="the trained .lfmodel file")
    p.add_argument("--data", metavar="CSV", required=True, help="the rows to predict")
    p.add_argument("--out", metavar="PRED.csv",
                   help="where to write the predictions (default: print CSV to stdout)")
    add_debug_flag(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from core.bundle import load_model
    from core.data import read_csv

    bundle = load_model(args.model)
    table = read_csv(args.data)
    prediction = bundle.predict(table.df)
    pred = prediction.to_frame()
    frame = table.df.reset_index(drop=True)
    taken = {str(c) for c in frame.columns}
    renamed = {}
    for col in pred.columns:
        name = col
        while name in taken:
            name = f"{name}_"
        renamed[col] = name
        taken.add(name)
    out = pd.concat([frame, pred.rename(columns=renamed)], axis=1)
    if not args.out:
        out.to_csv(sys.stdout, index=False)
        return 0
    target = Path(args.out)
    folder = target.resolve().parent
    if not folder.is_dir():
        raise FormatError(f"{target}: cannot be written: the folder {folder} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            out.to_csv(fh, index=False)
        os.replace(tmp, target)
        tmp = ""
    finally:
        if tmp:
            os.unlink(tmp)
    print(f"Wrote {len(out)} predictions to {target}")
    return 0
