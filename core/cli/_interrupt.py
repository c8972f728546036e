"""Ctrl+C during `layerforge train`: stop after the current batch and keep the model.

`StopOnInterrupt` is a training callback. While training runs, the first
SIGINT does not raise: it sets `model.stop_training`, which the trainer checks
after every batch, and notes where the run was (epoch and batch, from the
events it has seen). The command then evaluates and saves the model trained
so far, marked as interrupted. A second Ctrl+C raises `KeyboardInterrupt`
(exit 130, nothing saved). Before training starts and after `restore()`, the
previous handler is in place, so start-up interrupts stay ordinary.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

from core.engine.callbacks import Callback
from core.engine.training import BatchEnded


class StopOnInterrupt(Callback):
    """Turns the first Ctrl+C during training into a clean stop (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.interrupted = False
        #: (epoch, batch) of the last finished batch when Ctrl+C came, 0-based.
        self.at: tuple[int, int] | None = None
        self.last: tuple[int, int] = (0, -1)
        self._previous: Any = None
        self._installed = False

    def on_train_begin(self, logs: Any = None) -> None:
        if threading.current_thread() is threading.main_thread() and not self._installed:
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True

    def seen(self, event: Any) -> None:
        """Follow the trainer's events (the `on_event` hook) to know the current batch."""
        if isinstance(event, BatchEnded):
            self.last = (int(event.epoch), int(event.batch))

    def _handle(self, signum: int, frame: Any) -> None:
        if self.interrupted:
            raise KeyboardInterrupt
        self.interrupted = True
        self.at = self.last
        if self.model is not None:
            self.model.stop_training = True
        print(
            "\nInterrupted: stopping after this batch and saving the model trained so far "
            "(press Ctrl+C again to quit without saving).",
            file=sys.stderr,
            flush=True,
        )

    def restore(self) -> None:
        """Put the previous SIGINT handler back."""
        if self._installed:
            signal.signal(signal.SIGINT, self._previous or signal.default_int_handler)
            self._installed = False

    def metadata(self, finished: Any, epochs_run: int, epochs_planned: int) -> dict[str, Any]:
        """What the bundle records about the cut-short run."""
        stopped = (int(getattr(finished, "epoch", 0)), int(getattr(finished, "batch", -1)))
        at = self.at or stopped
        return {
            "interrupted": True,
            "epochs_run": epochs_run,
            "epochs_planned": epochs_planned,
            "batches_per_epoch": self.params.get("steps"),
            "interrupted_at": {"epoch": at[0] + 1, "batch": at[1] + 1},
            "stopped_at": {"epoch": stopped[0] + 1, "batch": stopped[1] + 1},
        }
