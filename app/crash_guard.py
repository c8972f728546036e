"""Last-resort handling of unexpected errors while the app runs.

An exception that escapes a slot or an event handler would otherwise only be
printed to a terminal the user never sees. `install(window)` replaces
`sys.excepthook` for the running app: the traceback still goes to stderr, and
the person sees a non-blocking message saying what happened, that the app
keeps running and nothing was lost, with the technical details on demand.
At most one such message is open at a time, so a repeating error cannot bury
the window under dialogs.
"""

from __future__ import annotations

import sys
import traceback
from types import TracebackType
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

_TITLE = "Something went wrong"


def describe(exc: BaseException) -> str:
    """The plain-words part of the message for `exc`."""
    detail = " ".join(str(exc).split()) or type(exc).__name__
    return (
        f"LayerForge ran into an unexpected problem: {detail}\n\n"
        "The app keeps running and your network is unchanged. Save your project "
        "(Ctrl+S) to be safe; the details below help us fix it."
    )


def install(window: QWidget) -> None:
    """Route uncaught exceptions to stderr plus a message over `window`."""
    previous = sys.excepthook
    state: dict[str, Any] = {"box": None}

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        sys.stderr.write(details)
        box = state["box"]
        if box is not None and box.isVisible():
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning, _TITLE, describe(exc), QMessageBox.StandardButton.Ok, window
        )
        box.setDetailedText(details)
        box.setModal(False)
        box.setObjectName("unexpectedErrorBox")
        state["box"] = box
        box.show()

    sys.excepthook = hook
