"""`layerforge runs PROJECT [--json] [--delete ID]`: the training runs recorded in a project.

Every `layerforge train` (and every run in the app) records the run in the
project file. This lists them oldest first: id, start time (UTC), epochs,
the settings in words, the final epoch's metrics and the test metrics.
`--delete ID` removes one run (an unambiguous id prefix is enough).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from core.cli._common import finish_parser


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "runs",
        help="list the training runs recorded in a project",
        description="List (or delete) the training runs recorded in PROJECT (.lfproj).",
    )
    p.add_argument("project", metavar="PROJECT", help="the .lfproj project file")
    p.add_argument("--json", action="store_true", help="print the runs as JSON")
    p.add_argument("--delete", metavar="ID", help="delete the run with this id from the project")
    return finish_parser(p, run)


def _table(rows: list[dict[str, Any]]) -> str:
    from core.cli._common import format_value
    from core.evaluation.runs import epochs_text, summary_columns

    finals, tests = summary_columns(rows)
    head = ["id", "started (UTC)", "epochs", "settings"] + finals + [f"test {t}" for t in tests]
    body = []
    for r in rows:
        cells = [
            r["id"],
            r["started"].replace("T", " ").split("+")[0],
            epochs_text(r),
            r["settings_text"],
        ]
        for source, names in ((r["final"], finals), (r["test"], tests)):
            cells += [
                "-" if source.get(n) is None else format_value(float(source[n])) for n in names
            ]
        body.append(cells)
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)).rstrip() for b in body]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import core.engine.layers  # noqa: F401 - registers the layer types
    from core.document.project import load_project, save_project
    from core.engine.layers.spec import CATALOG
    from core.evaluation.runs import remove_run, runs_of, summary_row

    project = load_project(args.project, catalog=CATALOG)
    if args.delete:
        _, removed = remove_run(project, args.delete)
        save_project(project, args.project)
        print(f"Deleted run {removed.id} from {args.project}.")
        return 0
    rows = [summary_row(r) for r in runs_of(project)]
    if args.json:
        print(json.dumps({"project": str(args.project), "runs": rows}, indent=2))
        return 0
    if not rows:
        print(f"No runs recorded in {args.project} yet. Train it with `layerforge train`.")
        return 0
    plural = "run" if len(rows) == 1 else "runs"
    print(f"{len(rows)} {plural} recorded in {args.project} (oldest first):")
    print(_table(rows))
    return 0
