"""The `layerforge` entry point: a subcommand goes to the headless CLI, else the GUI.

Subcommands are dispatched to `core.cli` before anything imports Qt, so
`layerforge train ...` is fast and works on machines with no display.
"""

from __future__ import annotations

import os
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
    if entry_point:
        _quit_on_swallowed_interrupts()
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


def _quit_on_swallowed_interrupts() -> None:
    """A Ctrl+C that lands inside a callback Python cannot raise from (an import lock's
    weakref callback while modules load) is printed as "Exception ignored in ..." with a
    traceback and then lost. Treat it as what it was: quit quietly with exit code 130.

    Such a KeyboardInterrupt only comes from Python's default SIGINT handler, that is
    while the command starts up or after a second Ctrl+C during training (quit without
    saving); the first Ctrl+C during training is a clean stop that raises nothing.
    """
    previous = sys.unraisablehook

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            print("interrupted", file=sys.stderr, flush=True)
            sys.stdout.flush()
            os._exit(130)
        previous(unraisable)

    sys.unraisablehook = hook


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
