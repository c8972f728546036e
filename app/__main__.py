"""The `layerforge` entry point: a subcommand goes to the headless CLI, else the GUI.

Subcommands are dispatched to `core.cli` before anything imports Qt, so
`layerforge train ...` is fast and works on machines with no display.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run LayerForge with command-line arguments `argv` (default: sys.argv[1:]).

    Called without `argv` it is the process's entry point, and once a subcommand
    has finished a late Ctrl+C no longer kills the exiting process.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    entry_point = argv is None
    try:  # Ctrl+C while the command line starts up: exit 130 without a traceback
        from core.cli import SUBCOMMANDS

        first = next((a for a in args if a != "--debug"), None)
        if first in SUBCOMMANDS or first in ("-h", "--help"):
            from core.cli import main as cli_main

            code = cli_main(args)
            if entry_point:
                _ignore_late_interrupts()
            return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        if entry_point:
            _ignore_late_interrupts()
        return 130
    from app.gui import run_gui

    return run_gui(args)


def _ignore_late_interrupts() -> None:
    """The command's work is done: a Ctrl+C while Python shuts down must not kill it.

    Python resets a Python-level SIGINT handler to the system default while it
    finalizes, so a late Ctrl+C would end a finished command by the signal
    (exit -2, no message) instead of its own exit code; an ignored SIGINT stays
    ignored through shutdown.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    sys.exit(main())
