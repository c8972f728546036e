"""`layerforge new --data CSV|FOLDER [--target COL] [--kind auto] [--hidden 16,8] --out P.lfproj`.

Writes a starter project for the data (`core.starters.new_project`): it says what
one sample is (a table row, pixel columns, an image folder, a text column, a time
series; `--kind` overrides the guess) and builds the network that suits it (Dense
layers, a small CNN, Embedding + pooling, an LSTM forecaster), ending in the output
layer, loss and metrics that the task suggests. The run-setting flags
(`core.cli._settings`: splits, optimizer, learning rate, loss, metrics, early
stopping) are saved in the project.
"""

from __future__ import annotations

import argparse
from typing import Any

from core.cli._common import finish_parser
from core.cli._settings import add_setting_flags, apply_to_project
from core.starters import KINDS

#: What each kind's starter is, as the summary line says it.
STARTER_NAMES = {
    "table": "table rows, a Dense network",
    "pixels": "images from pixel columns, a small CNN",
    "images": "images from a folder, a small CNN",
    "text": "text, an Embedding + pooling network",
    "series": "windows of a time series, an LSTM forecaster",
}


def hidden_sizes(text: str) -> str:
    """argparse type for --hidden: whole numbers >= 1 separated by commas (or empty).

    A bad value is a usage error (exit code 2) with the reason.
    """
    from core.errors import ConfigError
    from core.starters import parse_hidden

    try:
        parse_hidden(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(" ".join(str(exc).split())) from None
    return text


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "new",
        help="make a starter project for a CSV file or an image folder",
        description="Make a .lfproj with a sensible network for the data and its target: "
        "Dense layers for a table, a small CNN for images (an image folder, or pixel "
        "columns), Embedding + pooling for a text column, an LSTM for a time series.",
    )
    p.add_argument(
        "--data",
        metavar="CSV|FOLDER",
        required=True,
        help="the training data: a CSV file, or a folder with one sub-folder of images per class",
    )
    p.add_argument(
        "--target", metavar="COL", help="the column to predict (default: the suggested one)"
    )
    p.add_argument(
        "--kind",
        choices=KINDS,
        default="auto",
        help="what one sample is (default auto: a folder is images; dates in time order a "
        "series; a lone text column text; 64+ numeric columns making a square image pixels; "
        "else a table)",
    )
    p.add_argument(
        "--hidden",
        metavar="16,8",
        default=None,
        type=hidden_sizes,
        help="Dense layer sizes before the output, comma-separated ('' for none; default "
        "16,8 for a table, 16 for text, none for images and series)",
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
    from core.starters import new_project

    out = check_output(args.out, flag="--out", inputs=[args.data], expected=[".lfproj"])
    if out.exists() and not args.force:
        raise FormatError(
            f"{out}: already exists. Choose another --out, or pass --force to overwrite it."
        )
    project, detected = new_project(
        args.data, args.target, kind=args.kind, hidden=args.hidden, project_path=out
    )
    apply_to_project(project, args)
    save_project(project, out)
    cfg = project.data_config
    train = project.train_config
    print(
        f"Wrote {out} for {args.data} (target '{cfg.get('target')}'; loss "
        f"{train.get('loss')}; metrics {', '.join(train.get('metrics') or []) or '-'})."
    )
    how = "detected: " if args.kind == "auto" else ""
    print(
        f"Samples: {STARTER_NAMES[detected.kind]} ({how}{detected.reason})."
        + (" Pass --kind to choose another." if args.kind == "auto" else "")
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
