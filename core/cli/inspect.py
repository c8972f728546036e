"""The `layerforge inspect CSV [--target COL] [--json]` subcommand: show how
LayerForge reads a CSV file (delimiter, encoding, rows, column profile,
suggested roles and, with a target, the task and suggested output layer)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from core.data import detect_task, profile_table, read_csv, suggest_target
from core.errors import DataError


def add_parser(subparsers: Any) -> None:
    """Add the `inspect` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "inspect",
        help="show how LayerForge reads a CSV file",
        description="Show how LayerForge reads a CSV file: delimiter, encoding, rows, "
        "a profile of every column with a suggested role and, with --target, the task "
        "and the suggested output layer, loss and metrics.",
    )
    p.add_argument("csv", help="path to the CSV file")
    p.add_argument("--target", default=None, help="target column (default: suggested)")
    p.add_argument(
        "--task",
        default=None,
        choices=["regression", "classification", "binary", "multiclass"],
        help="force the task instead of detecting it",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def inspect_report(path: str, target: str | None = None, task: str | None = None) -> dict[str, Any]:
    """Everything `inspect` prints, as plain JSON types."""
    table = read_csv(path)
    suggested = suggest_target(profile_table(table))
    chosen = target or suggested
    if chosen is not None:
        info = detect_task(table, chosen, task=task)  # a missing or dropped target: DataError
    profiles = profile_table(table, chosen)
    report: dict[str, Any] = {
        "path": table.path,
        "delimiter": table.delimiter,
        "delimiter_name": table.delimiter_name,
        "encoding": table.encoding,
        "encoding_note": table.encoding_note,
        "has_header": table.has_header,
        "rows": table.n_rows,
        "columns": len(profiles),
        "notices": list(table.notices),
        "profile": [p.to_dict() for p in profiles],
        "suggested_target": suggested,
        "target": chosen,
        "task": None,
    }
    if chosen is not None:
        report["task"] = info.to_dict()
        report["suggested_output"] = _output_text(info.output_units, info.output_activation)
    return report


def _output_text(units: int, activation: str) -> str:
    return f"Dense({units})" if activation == "linear" else f"Dense({units}, {activation})"


def _fmt(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        return f"{x:.4g}"
    return str(x)


def _print_text(r: dict[str, Any]) -> None:
    out = sys.stdout
    out.write(f"file:      {r['path']}\n")
    enc = r["encoding"] + (f" ({r['encoding_note']})" if r["encoding_note"] else "")
    out.write(
        f"delimiter: {r['delimiter_name']}   encoding: {enc}   header: "
        f"{'yes' if r['has_header'] else 'no (names generated)'}\n"
    )
    out.write(f"rows:      {r['rows']}   columns: {r['columns']}\n")
    for note in r["notices"]:
        out.write(f"notice:    {note}\n")
    out.write("\n")
    header = ("column", "kind", "missing", "distinct", "range / top", "role", "reason")
    rows = []
    for p in r["profile"]:
        if p["minimum"] is not None:
            summary = f"{_fmt(p['minimum'])} .. {_fmt(p['maximum'])} (mean {_fmt(p['mean'])})"
        else:
            summary = ", ".join(f"{v} ({c})" for v, c in p["top"][:3])
        distinct = str(p["distinct"]) + ("" if p["distinct_exact"] else "~")
        rows.append(
            (
                p["name"],
                p["kind"],
                str(p["missing"]),
                distinct,
                summary,
                p["suggested_role"],
                p["reason"],
            )
        )
    widths = [
        min(40, max(len(h), *(len(row[i]) for row in rows))) for i, h in enumerate(header[:-1])
    ]
    line = "  ".join(h.ljust(w) for h, w in zip(header[:-1], widths, strict=True))
    out.write(line + "  " + header[-1] + "\n")
    for row in rows:
        cells = [
            c if len(c) <= w else c[: w - 1] + "…" for c, w in zip(row[:-1], widths, strict=True)
        ]
        out.write(
            "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
            + "  "
            + row[-1]
            + "\n"
        )
    out.write("\n")
    task = r["task"]
    if task is None:
        out.write("target:    none suggested (no column can be predicted)\n")
        return
    out.write(f"target:    {r['target']}\n")
    out.write(f"task:      {task['kind']}")
    if task["class_labels"]:
        labels = ", ".join(task["class_labels"][:10])
        more = " ..." if len(task["class_labels"]) > 10 else ""
        out.write(f" ({task['n_classes']} classes: {labels}{more})")
    out.write("\n")
    out.write(
        f"output:    {r['suggested_output']}   loss: {task['loss']}   metrics: "
        f"{', '.join(task['metrics'])}\n"
    )


def run(args: argparse.Namespace) -> int:
    """Run `inspect`; 0 on success, 1 (with a one-line message) for a refused file."""
    try:
        report = inspect_report(
            args.csv, getattr(args, "target", None), getattr(args, "task", None)
        )
    except DataError as exc:
        sys.stderr.write("error: " + " ".join(str(exc).split()) + "\n")
        return 1
    if getattr(args, "json", False):
        sys.stdout.write(
            json.dumps(_clean(report), indent=2, allow_nan=False, default=_json_default) + "\n"
        )
    else:
        _print_text(report)
    return 0


def _json_default(o: Any) -> Any:
    return str(o)


def _clean(o: Any) -> Any:
    """JSON has no NaN or infinity: write null for NaN, "inf"/"-inf" for infinities."""
    if isinstance(o, float) and not math.isfinite(o):
        return None if math.isnan(o) else ("inf" if o > 0 else "-inf")
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    return o
