"""`layerforge train PROJECT`: train a project headless and write the model bundle.

Shows a progress bar on stderr, prints the settings it used and the final
train/validation/test metrics on stdout, writes the `.lfmodel` bundle (default: next to the project)
and, with `--metrics-json FILE`, the metrics as JSON keyed by split and Keras
metric name. Unless `--no-record`, the run is recorded in the project file and,
when it trained on the project's own data and split, the trained model is kept
with the project (`core.keep_run`), so the app opens it trained. Uses the same
path as the GUI (`core.run`). Ctrl+C stops after
the current batch and saves the model trained so far, marked as interrupted
in its metadata (exit code 130; see `core.cli._interrupt`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.cli._common import finish_parser
from core.cli._settings import add_setting_flags, apply_to_project, settings_text
from core.document.fileio import atomic_write_text

if TYPE_CHECKING:
    from core.cli._interrupt import StopOnInterrupt


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train",
        help="train a project headless and save the trained model",
        description="Train PROJECT (.lfproj) on its data and write a .lfmodel bundle.",
    )
    p.add_argument("project", metavar="PROJECT", help="the .lfproj project file")
    p.add_argument("--data", metavar="CSV", help="train on this CSV instead of the project's")
    p.add_argument("--epochs", type=_positive, metavar="N", help="number of epochs")
    p.add_argument("--batch-size", type=_positive, metavar="N", help="rows per batch")
    p.add_argument("--seed", type=int, metavar="N", help="random seed (same seed, same model)")
    p.add_argument(
        "--out",
        metavar="MODEL.lfmodel",
        help="where to write the trained model (default: next to the project)",
    )
    p.add_argument(
        "--metrics-json", metavar="FILE", help="also write the final metrics as JSON to FILE"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_setting_flags(
        p, saved="unset flags take the project's settings, which these flags do not change"
    )
    p.add_argument(
        "--no-record",
        action="store_true",
        help="leave the project file as it is: no run record (see `layerforge runs`), "
        "no trained model kept with it",
    )
    return finish_parser(p, run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    """Write `data` as JSON to `path` atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, allow_nan=True) + "\n", action="written")


def _checked_outputs(args: argparse.Namespace, project: Any) -> Path:
    """The model path; `UsageError` when an output would overwrite an input or another output."""
    from core.cli._outputs import check_output

    inputs = [args.project, args.data or getattr(project, "data_path", None)]
    out = Path(args.out) if args.out else Path(args.project).with_suffix(".lfmodel")
    check_output(out, flag="--out", inputs=inputs, expected=[".lfmodel"])
    if args.metrics_json:
        check_output(
            args.metrics_json, flag="--metrics-json", inputs=[*inputs, out], expected=[".json"]
        )
    return out


def run(args: argparse.Namespace) -> int:
    import core.engine.layers  # noqa: F401 - registers the layer types
    from core.cli._common import ProgressBar
    from core.cli._interrupt import StopOnInterrupt
    from core.document.project import load_project
    from core.engine.layers.spec import CATALOG
    from core.run import TrainSettings, train_project

    project = load_project(args.project, catalog=CATALOG)
    apply_to_project(project, args)
    out = _checked_outputs(args, project)
    settings = TrainSettings.from_dict(project.train_config).with_overrides(
        epochs=args.epochs, batch_size=args.batch_size, seed=args.seed
    )
    bar = ProgressBar(enabled=not args.quiet)
    stopper = StopOnInterrupt()

    def on_event(event: Any) -> None:
        stopper.seen(event)
        bar(event)

    start = time.perf_counter()
    try:
        result = train_project(
            project,
            data_path=args.data,
            settings=settings,
            callbacks=[stopper],
            on_event=on_event,
        )
        elapsed = time.perf_counter() - start
        return _report_and_save(args, result, out, elapsed, stopper, settings.epochs)
    finally:
        stopper.restore()


def _report_and_save(
    args: argparse.Namespace,
    result: Any,
    out: Path,
    elapsed: float,
    stopper: StopOnInterrupt,
    epochs_planned: int,
) -> int:
    from core.cli._common import metrics_table
    from core.run import loss_note, save_trained

    ds = result.dataset
    for notice in getattr(ds, "notices", []) or []:
        print(f"note: {notice}", file=sys.stderr)
    reason = getattr(result.finished, "reason", "completed") if result.finished else "completed"
    if stopper.interrupted:
        reason = "interrupted"
    print(
        f"Trained {result.epochs_run} epoch{'s' if result.epochs_run != 1 else ''} "
        f"({reason}) in {elapsed:.1f} s on {len(ds.x_train)} rows "
        f"({len(ds.x_val)} validation, {len(ds.x_test)} test); task: {ds.task.kind}."
    )
    print(settings_text(result))
    print(metrics_table(result.metrics))
    note = loss_note(result.dataset.pipeline, result.settings.loss)
    if note:
        print(f"Note: {note}.")
    extra = (
        stopper.metadata(result.finished, result.epochs_run, epochs_planned)
        if stopper.interrupted
        else None
    )
    written = save_trained(result, out, metadata=extra)
    kind = "interrupted" if stopper.interrupted else "trained"
    print(f"Saved the {kind} model to {written}")
    if args.metrics_json:
        write_json(args.metrics_json, result.metrics)
        print(f"Wrote the metrics to {args.metrics_json}")
    if not args.no_record:
        from core.keep_run import keep_in_project

        for line in keep_in_project(
            args.project, result, data_path=args.data, interrupted=stopper.interrupted
        ):
            print(line)
    return 130 if stopper.interrupted else 0
