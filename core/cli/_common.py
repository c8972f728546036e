"""Shared pieces of the headless subcommands: common arguments, loading, metric tables, progress.

The progress bar writes to stderr (a redrawn line on a terminal, one line per
epoch otherwise) so that stdout carries only results that scripts can read.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from core.engine.training import BatchEnded, EpochEnded, Event, TrainingFinished

if TYPE_CHECKING:
    from core.bundle import BundledModel
    from core.data import Table


class UsageError(Exception):
    """A wrong combination of command-line arguments: exit code 2 and the message."""


def add_debug_flag(parser: argparse.ArgumentParser) -> None:
    """Accept `--debug` after the subcommand too (`layerforge train P --debug`)."""
    parser.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show full tracebacks on errors",
    )


def finish_parser(
    parser: argparse.ArgumentParser, run: Callable[[argparse.Namespace], int]
) -> argparse.ArgumentParser:
    """Add `--debug` after the subcommand's own options and make `run` its function."""
    add_debug_flag(parser)
    parser.set_defaults(func=run)
    return parser


def add_model_and_data(parser: argparse.ArgumentParser, data_help: str) -> None:
    """The positional trained `MODEL` and the required `--data CSV` of model subcommands."""
    parser.add_argument("model", metavar="MODEL", help="the trained .lfmodel file")
    parser.add_argument("--data", metavar="CSV", required=True, help=data_help)


def load_model_and_data(args: argparse.Namespace) -> tuple[BundledModel, Table]:
    """The bundle named by `args.model` and the table read from `args.data`."""
    from core.data import read_csv

    return load_model_file(args.model), read_csv(args.data)


def load_model_file(path: str) -> BundledModel:
    """`core.bundle.load_model`, but a project file gets "train it first" instead."""
    from pathlib import Path

    from core.bundle import load_model
    from core.errors import FormatError

    p = Path(path)
    if p.suffix.lower() == ".lfproj" or (p.is_file() and _looks_like_project(p)):
        raise FormatError(
            f"{p} is a project; train it first with `layerforge train {p}` and pass the "
            ".lfmodel it writes."
        )
    return load_model(p)


def _looks_like_project(p: Any) -> bool:
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return head.lstrip()[:1] == b"{" and b"layerforge-project" in head


#: Keras metric names in the order tables show them.
_ORDER = ("loss", "accuracy", "precision", "recall", "auc", "mae", "mse", "r2")


def metric_columns(rows: Mapping[str, Mapping[str, float]]) -> list[str]:
    """The metric names present in any row, `loss` first, then the usual order."""
    names: list[str] = []
    for values in rows.values():
        for k in values:
            if k not in names:
                names.append(k)
    known = [n for n in _ORDER if n in names]
    return known + sorted(n for n in names if n not in known)


def format_value(value: float) -> str:
    if value != value:  # NaN
        return "nan"
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.4f}"
    return f"{value:.4g}"


def metrics_table(rows: Mapping[str, Mapping[str, float]]) -> str:
    """A plain text table: one row per split, one column per metric."""
    cols = metric_columns(rows)
    width0 = max([len("split")] + [len(r) for r in rows])
    widths = [max(len(c), 10) for c in cols]
    head = [f"{c:>{w}}" for c, w in zip(cols, widths, strict=False)]
    lines = ["  ".join([f"{'split':<{width0}}"] + head)]
    for name, values in rows.items():
        if not values:
            lines.append(f"{name:<{width0}}  " + "(no rows)")
            continue
        cells = [format_value(values[c]) if c in values else "-" for c in cols]
        padded = [f"{v:>{w}}" for v, w in zip(cells, widths, strict=False)]
        lines.append("  ".join([f"{name:<{width0}}"] + padded))
    return "\n".join(lines)


def _logs_text(logs: Mapping[str, Any], limit: int = 6) -> str:
    parts = []
    for k, v in list(logs.items())[:limit]:
        try:
            parts.append(f"{k} {format_value(float(v))}")
        except (TypeError, ValueError):
            continue
    return " - ".join(parts)


class ProgressBar:
    """Prints training events as a progress bar on `stream` (default stderr)."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        width: int = 24,
        interval: float = 0.1,
        enabled: bool = True,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.interval = interval
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0
        self._epochs: int | None = None
        self._dirty = False

    def __call__(self, event: Event) -> None:
        if not self.enabled:
            return
        if isinstance(event, BatchEnded):
            self._batch(event)
        elif isinstance(event, EpochEnded):
            self._epoch(event)
        elif isinstance(event, TrainingFinished):
            self._finish(event)

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def _batch(self, e: BatchEnded) -> None:
        if not self.tty:
            return
        now = time.monotonic()
        last = e.batch + 1 >= e.batches
        if not last and now - self._last < self.interval:
            return
        self._last = now
        done = int(self.width * (e.batch + 1) / max(e.batches, 1))
        bar = "=" * max(done - 1, 0) + (">" if done < self.width else "=")
        epochs = f"/{self._epochs}" if self._epochs else ""
        line = (
            f"\rEpoch {e.epoch + 1}{epochs} [{bar:<{self.width}}] "
            f"{e.batch + 1}/{e.batches} - {_logs_text(e.logs, 3)}"
        )
        self._write(line[:160].ljust(80))
        self._dirty = True

    def _epoch(self, e: EpochEnded) -> None:
        self._epochs = e.epochs
        prefix = "\r" if self.tty and self._dirty else ""
        self._dirty = False
        line = f"Epoch {e.epoch + 1}/{e.epochs} - {e.elapsed:.1f}s - {_logs_text(e.logs)}"
        self._write(prefix + line.ljust(80 if self.tty else 0) + "\n")

    def _finish(self, e: TrainingFinished) -> None:
        if self.tty and self._dirty:
            self._write("\n")
        if e.reason != "completed" and e.message:
            self._write(f"{e.message}\n")
