"""`layerforge summary PROJECT|MODEL`: the Keras-style table of layers, shapes and parameters.

A `.lfproj` is analysed without training (shapes and parameter counts from
the graph, plus any problems in plain words); a `.lfmodel` prints the saved
model's own summary and what it was trained on.
"""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path
from typing import Any

from core.cli._common import finish_parser


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "summary",
        help="print the layer table of a project or a trained model",
        description="Print layers, output shapes and parameter counts of a .lfproj or .lfmodel.",
    )
    p.add_argument("path", metavar="PROJECT|MODEL", help="a .lfproj or .lfmodel file")
    return finish_parser(p, run)


def _keras_type(layer_type: str) -> str:
    """The type name Keras's summary shows: the canvas's Input node is an InputLayer,
    as in a trained model's own summary."""
    return "InputLayer" if layer_type == "Input" else layer_type


def graph_summary_text(title: str, analysis: Any) -> str:
    """A Keras-style table from `Analysis.summary_rows()` (the engine's look).

    "Connected to" is shown when the network is not a simple chain.
    """
    rows = analysis.summary_rows()
    chain = all(len(v) <= 1 for v in analysis.inputs.values()) and len(
        [s for v in analysis.inputs.values() for s in v]
    ) == len({s for v in analysis.inputs.values() for s in v})
    heads = ["Layer (type)", "Output Shape", "Param #"] + ([] if chain else ["Connected to"])
    cells = [
        [
            f"{r.layer} ({_keras_type(r.type)})",
            r.output_shape,
            "?" if r.params is None else f"{r.params:,}",
            r.connected_to or "-",
        ][: len(heads)]
        for r in rows
    ]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) + 2 for i, h in enumerate(heads)]
    widths = [max(w, m) for w, m in zip(widths, [31, 22, 13, 18], strict=False)]

    def rule(left: str, mid: str, right: str, fill: str) -> str:
        return left + mid.join(fill * w for w in widths) + right

    def line(values: list[str], sep: str) -> str:
        out = [
            " " + (v.rjust(w - 2) if i == 2 else v.ljust(w - 2)) + " "
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        return sep + sep.join(out) + sep

    out = [
        f'Model: "{title}"',
        rule("┏", "┳", "┓", "━"),
        line(heads, "┃"),
        rule("┡", "╇", "┩", "━"),
    ]
    for i, c in enumerate(cells):
        out.append(line(c, "│"))
        if i < len(cells) - 1:
            out.append(rule("├", "┼", "┤", "─"))
    out.append(rule("└", "┴", "┘", "─"))
    out.append(f" Total params: {analysis.total_params:,}")
    return "\n".join(out)


def _is_zip(path: Path) -> bool:
    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def run(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.suffix.lower() == ".lfmodel" or (path.is_file() and _is_zip(path)):
        return _model_summary(path)
    return _project_summary(path)


def _project_summary(path: Path) -> int:
    import core.engine.layers  # noqa: F401 - registers the layer types
    from core.document.analysis import analyze
    from core.document.project import load_project
    from core.engine.layers.spec import CATALOG

    project = load_project(path, catalog=CATALOG)
    analysis = analyze(project.graph)
    print(graph_summary_text(path.stem, analysis))
    if analysis.problems:
        print(f"\n{len(analysis.problems)} problem(s) to fix before training:")
        for p in analysis.problems:
            print(f"  - {' '.join(p.message.split())}")
    return 0


def _model_summary(path: Path) -> int:
    from core.cli._common import load_model_file, metrics_table

    bundle = load_model_file(str(path))
    print(bundle.summary())
    meta = bundle.metadata
    print(
        f"\nTask: {meta.get('task') or 'unknown'}"
        + (f" (target '{bundle.target}')" if bundle.target else "")
    )
    cols = bundle.input_columns
    if cols:
        shown = ", ".join(cols[:12]) + (f", … ({len(cols)} in all)" if len(cols) > 12 else "")
        print(f"Input columns: {shown}")
    if bundle.class_labels:
        print(f"Classes: {', '.join(bundle.class_labels)}")
    metrics = meta.get("metrics")
    if isinstance(metrics, dict) and any(isinstance(v, dict) and v for v in metrics.values()):
        print("\nMetrics when saved:")
        print(metrics_table({k: v for k, v in metrics.items() if isinstance(v, dict)}))
    print(f"\nSaved {meta.get('created', '?')} by LayerForge {meta.get('layerforge_version', '?')}")
    return 0
