"""`layerforge new --data CSV --target COL [--hidden 16,8] --out PROJECT.lfproj`.

Writes a starter project for a CSV file: an Input sized to the features after
encoding, the given hidden Dense layers with relu, and the output layer, loss
and metrics that the task suggests — the same project the GUI's "new project
from CSV" makes (`core.run.new_project_from_csv`). The run-setting flags
(`core.cli._settings`: splits, optimizer, learning rate, loss, metrics, early
stopping) are saved in the project.
"""

from __future__ import annotations

import argparse
from typing import Any

from core.cli._common import finish_parser
from core.cli._settings import add_setting_flags, apply_to_project


def hidden_sizes(text: str) -> str:
    """argparse type for --hidden: whole numbers >= 1 separated by commas (or empty).

    A bad value is a usage error (exit code 2) with the reason.
    """
    from core.errors import ConfigError
    from core.run import _parse_hidden

    try:
        _parse_hidden(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(" ".join(str(exc).split())) from None
    return text


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "new",
        help="make a starter project for a CSV file",
        description="Make a .lfproj with a sensible network for a CSV file and its target.",
    )
    p.add_argument("--data", metavar="CSV", required=True, help="the training data")
    p.add_argument(
        "--target", metavar="COL", help="the column to predict (default: the suggested one)"
    )
    p.add_argument(
        "--hidden",
        metavar="16,8",
        default=None,
        type=hidden_sizes,
        help="hidden Dense layer sizes, comma-separated (default 16,8; '' for none)",
    )
    p.add_argument(
        "--out", metavar="PROJECT.lfproj", required=True, help="where to write the project"
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing project file")
    add_setting_flags(p, saved="saved in the project; unset flags take the starter defaults")
    return finish_parser(p, run)


def run(args: argparse.Namespace) -> int:
    import core.engine.layers  # noqa: F401 - registers the layer types
    from core.cli._outputs import check_output
    from core.cli.summary import graph_summary_text
    from core.document.analysis import analyze
    from core.document.project import save_project
    from core.errors import FormatError
    from core.resources import estimate_graph_memory, format_bytes
    from core.run import new_project_from_csv

    out = check_output(args.out, flag="--out", inputs=[args.data], expected=[".lfproj"])
    if out.exists() and not args.force:
        raise FormatError(
            f"{out}: already exists. Choose another --out, or pass --force to overwrite it."
        )
    project = new_project_from_csv(args.data, args.target, hidden=args.hidden, project_path=out)
    apply_to_project(project, args)
    save_project(project, out)
    cfg = project.data_config
    train = project.train_config
    print(
        f"Wrote {out} for {args.data} (target '{cfg.get('target')}'; loss "
        f"{train.get('loss')}; metrics {', '.join(train.get('metrics') or []) or '-'})."
    )
    analysis = analyze(project.graph)
    print(graph_summary_text(out.stem, analysis))
    need = estimate_graph_memory(project.graph, analysis=analysis)
    if need.total > need.available * 0.25:
        print(
            f"note: training this network needs about {format_bytes(need.total)} of the "
            f"{format_bytes(need.available)} of memory available now "
            f"({analysis.total_params:,} parameters)."
        )
    print(f"Train it with: layerforge train {out}")
    return 0
