"""The `layerforge` entry point: a subcommand goes to the headless CLI, else the GUI.

Subcommands are dispatched to `core.cli` before anything imports Qt, so
`layerforge train ...` is fast and works on machines with no display.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run LayerForge with command-line arguments `argv` (default: sys.argv[1:])."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:  # Ctrl+C while the command line starts up: exit 130 without a traceback
        from core.cli import SUBCOMMANDS

        first = next((a for a in args if a != "--debug"), None)
        if first in SUBCOMMANDS or first in ("-h", "--help"):
            from core.cli import main as cli_main

            return cli_main(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    from app.gui import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
