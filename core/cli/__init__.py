"""The headless command line: `layerforge SUBCOMMAND ...` without importing Qt.

Each subcommand lives in its own module of this package and exposes
`add_parser(subparsers)` (which sets `func=run` as the parser default) and
`run(args) -> int`. This module builds the parser, dispatches, and turns every
LayerForge error into a one-line message with exit code 1 (a traceback only
with `--debug`); argparse reports usage errors with exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

from core.errors import LayerForgeError

#: Subcommand names, in the order `--help` lists them; each is core.cli.<name>.
SUBCOMMANDS: tuple[str, ...] = (
    "new",
    "inspect",
    "train",
    "evaluate",
    "runs",
    "predict",
    "summary",
    "export",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="layerforge",
        description=(
            "LayerForge: build, train and export neural networks. Run `layerforge` alone "
            "(optionally with a .lfproj file) to open the desktop app, or "
            "`layerforge --screenshot OUT.png [PROJECT]` to render the window to a PNG."
        ),
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"core.cli.{name}").add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv`, run the subcommand, and return the process exit code."""
    from core.cli._startup import held_interrupts

    try:
        with held_interrupts():  # a Ctrl+C inside an extension module's init is lost
            parser = build_parser()
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        return run_parsed(parser, args)
    except KeyboardInterrupt:  # Ctrl+C while starting up: quiet, exit 130
        print("interrupted", file=sys.stderr)
        return 130


def _printable_streams() -> None:
    """Text that the terminal cannot encode (a lone surrogate in a layer name) is
    printed as a backslash escape instead of raising UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError, TypeError):
                pass


def run_parsed(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run the parsed subcommand `args`: errors become one line and an exit code."""
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    from core.cli._common import UsageError

    _printable_streams()
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        parser.exit(2, f"{parser.prog} {args.command}: error: {_one_line(str(exc))}\n")
    except LayerForgeError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return 1
    except OSError as exc:
        if args.debug:
            traceback.print_exc()
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _one_line(message: str) -> str:
    return " ".join(message.split())


if __name__ == "__main__":
    sys.exit(main())
