"""Autosave and crash recovery for a main window.

`Recovery` keeps a recovery copy of the window's document (the project with
its trained state, `core.document.recovery`) under `recovery_root()`:
QStandardPaths' AppDataLocation + "/recovery", or `$LAYERFORGE_RECOVERY_DIR`.
It writes one every `autosave_seconds()` (30 s, or
`$LAYERFORGE_AUTOSAVE_SECONDS`) while there are unsaved changes that the
last copy does not hold yet, and at the end of every run; during a run the
copy holds the weights of the newest epoch snapshot. While the app runs, its
copy's folder holds a `QLockFile`; a folder whose lock is stale (the app was
killed or crashed) is offered at the next launch by `offer_recovery`, which
says what the copy holds and when it was saved and asks Restore / Discard /
Not now. Saving the document clears the copy; closing the window removes it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from core.document.recovery import (
    RecoveryEntry,
    RecoveryWriter,
    discard_recovery,
    find_recoveries,
    load_recovery,
)
from core.errors import LayerForgeError

if TYPE_CHECKING:
    from app.main_window import MainWindow

#: Seconds between two autosaves while there are unsaved changes.
AUTOSAVE_SECONDS = 30.0
LOCK_NAME = "session.lock"
RESTORE, DISCARD, LATER = "restore", "discard", "later"


def recovery_root() -> Path:
    """Where recovery copies live: $LAYERFORGE_RECOVERY_DIR, else AppDataLocation/recovery."""
    override = os.environ.get("LAYERFORGE_RECOVERY_DIR")
    if override:
        return Path(override)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".layerforge") / "recovery"


def autosave_seconds() -> float:
    """`AUTOSAVE_SECONDS`, or $LAYERFORGE_AUTOSAVE_SECONDS when set to a number > 0."""
    try:
        value = float(os.environ.get("LAYERFORGE_AUTOSAVE_SECONDS", "") or "nan")
    except ValueError:
        return AUTOSAVE_SECONDS
    return value if value > 0 else AUTOSAVE_SECONDS


def is_orphan(folder: Path) -> bool:
    """True when no running LayerForge holds `folder`'s lock (its app ended without clean-up)."""
    lock = QLockFile(str(folder / LOCK_NAME))
    lock.setStaleLockTime(0)  # a live app keeps its lock for hours: only a dead one is stale
    if lock.tryLock(0):
        lock.unlock()
        return True
    return False


class Recovery(QObject):
    """The recovery copy of one window's document; see the module docstring."""

    def __init__(self, window: MainWindow, root: Path | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.controller = window.controller
        self.session = window.training.session
        self.root = root or recovery_root()
        self.writer = RecoveryWriter(self.root)
        self.lock: QLockFile | None = None
        self.errors: list[str] = []
        self.writes = 0
        self._written_key: tuple[Any, ...] | None = None
        self._revision = 0  # counts edits (merged undo steps change no index)
        self._active = True
        self.timer = QTimer(self)
        self.timer.setInterval(int(autosave_seconds() * 1000))
        self.timer.timeout.connect(self.autosave_if_needed)
        self.timer.start()
        self.session.runFinished.connect(lambda *_: self.autosave_if_needed("end of run"))
        self.session.errored.connect(lambda *_: self.autosave_if_needed("end of run"))
        self.controller.modifiedChanged.connect(self._on_modified)
        for signal in (
            self.controller.graphEvent,
            self.controller.trainConfigChanged,
            self.controller.runsChanged,
            self.controller.undo_stack.indexChanged,
        ):
            signal.connect(self._bump)
        window.closing.connect(self.shutdown)

    # ------------------------------------------------------------------ writing
    def _ensure_lock(self) -> bool:
        if self.lock is not None:
            return True
        try:
            folder = self.writer.ensure_folder()
        except OSError as exc:
            self._report(
                f"Autosave is off: the folder {self.writer.folder} cannot be made ({exc})."
            )
            return False
        lock = QLockFile(str(folder / LOCK_NAME))
        lock.setStaleLockTime(0)
        if not lock.tryLock(0):
            self._report(f"Autosave is off: {folder} is locked by another LayerForge.")
            return False
        self.lock = lock
        return True

    def _bump(self, *_args: Any) -> None:
        self._revision += 1

    def _key(self) -> tuple[Any, ...]:
        """What the copy would hold: it is rewritten only when this changes."""
        snapshots = getattr(self.session, "_snapshots", None)
        latest = snapshots.latest if snapshots is not None and self.session.is_running() else None
        c = self.controller
        return (
            self._revision,
            c.project.data_path,
            json.dumps(c.project.data_config, sort_keys=True, default=str),
            id(c.trained_state),
            id(latest),
            c.path,
        )

    def autosave_if_needed(self, reason: str = "autosave") -> RecoveryEntry | None:
        """Write a copy when the document has unsaved changes the last copy lacks (a run in
        progress is one: its weights are not saved anywhere yet)."""
        unsaved = self.controller.is_modified() or self.session.is_running()
        if not self._active or not unsaved:
            return None
        if self._key() == self._written_key:
            return None
        return self.autosave(reason)

    def autosave(self, reason: str = "autosave") -> RecoveryEntry | None:
        """Write a recovery copy now; None (and a status-bar note) when it cannot be."""
        if not self._active or not self._ensure_lock():
            return None
        key = self._key()
        try:
            entry = self.writer.write(
                self.controller.project,
                self.session.recovery_state(),
                document_name=self.window.document_name(),
                original_path=self.controller.path,
                reason=reason,
            )
        except (LayerForgeError, OSError) as exc:
            self._report(f"Autosave failed: {exc}")
            return None
        self._written_key = key
        self.writes += 1
        return entry

    def _report(self, text: str) -> None:
        self.errors.append(text)
        self.window.show_message(text)

    def _on_modified(self, modified: bool) -> None:
        if not modified:  # saved (or back to what the file holds): the copy is not needed
            self.writer.clear()
            self._written_key = None

    def shutdown(self) -> None:
        """A clean exit: remove this session's copy and its lock."""
        if not self._active:
            return
        self._active = False
        self.timer.stop()
        if self.lock is not None:
            self.lock.unlock()
            self.lock = None
        self.writer.discard()

    # ------------------------------------------------------------------ restoring
    def orphans(self) -> list[RecoveryEntry]:
        """Copies left by LayerForge sessions that did not end cleanly, newest first."""
        return find_recoveries(self.root, is_orphan, exclude=self.writer.session_id)

    def restore(self, entry: RecoveryEntry) -> bool:
        """Open the copy as an unsaved document (its file, if it had one, is where Save
        writes), with its trained model; then the copy becomes this session's."""
        files = self.window.files
        if not files.maybe_save():
            return False
        try:
            loaded = load_recovery(entry, catalog=self.controller.catalog)
        except (LayerForgeError, OSError) as exc:
            files.show_error("Cannot restore the recovery copy", str(exc))
            return False
        if entry.original_path is None:
            self.window.untitled_name = entry.document_name
        self.controller.load_project(
            loaded.project, entry.original_path, loaded.state, modified=True
        )
        if loaded.problem:
            self.window.show_message(loaded.problem)
        self.autosave("restored")  # our own copy first, then the old one can go
        discard_recovery(entry.folder)
        self.window.show_message(
            f"Restored “{entry.document_name}” from the recovery copy saved "
            f"{entry.saved_text()}. Save it to keep it."
        )
        self.window.fit_view()
        return True


def recovery_box(window: Any, entry: RecoveryEntry, position: str = "") -> QMessageBox:
    """The dialog that offers one recovery copy: what it holds, when it was saved, and the
    buttons Restore (default), Discard and Not now (Escape)."""
    box = QMessageBox(window)
    box.setObjectName("recoveryBox")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Recover unsaved work")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(f"<b>LayerForge did not close normally{escape(position)}.</b>")
    items = "".join(f"<li>{escape(part)}</li>" for part in entry.contents())
    if entry.original_path:
        where = (
            f"Its file: {escape(entry.original_path)}<br>"
            "(the copy has changes this file does not have)"
        )
    else:
        where = "It was never saved to a file."
    box.setInformativeText(
        f"A recovery copy of <b>{escape(entry.document_name)}</b> was saved "
        f"<b>{escape(entry.saved_text())}</b>.<br>It holds:"
        f"<ul style='margin-top:4px; margin-bottom:4px'>{items}</ul>"
        f"{where}<br><br>"
        "<b>Restore</b> opens it as an unsaved document. <b>Discard</b> deletes the copy."
    )
    # A roomy box: the file path and the list read on one line each.
    box.setStyleSheet("QLabel#qt_msgbox_informativelabel { min-width: 460px; }")
    restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    later = box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(restore)
    box.setEscapeButton(later)
    return box


def ask_about(window: Any, entry: RecoveryEntry, position: str = "") -> str:
    """Restore / Discard / Not now for one recovery copy (the `recovery_box` dialog)."""
    box = recovery_box(window, entry, position)
    box.exec()
    answers = {"Restore": RESTORE, "Discard": DISCARD}
    clicked = box.clickedButton()
    return answers.get(clicked.text(), LATER) if clicked is not None else LATER


def offer_recovery(window: Any, ask: Callable[[Any, RecoveryEntry, str], str] = ask_about) -> bool:
    """At launch: offer each copy left by a crashed or killed LayerForge, newest first.

    Restoring one ends the offer (the window shows one document). Returns True when a
    copy was restored.
    """
    recovery: Recovery | None = getattr(window, "recovery", None)
    if recovery is None:
        return False
    entries = recovery.orphans()
    for i, entry in enumerate(entries):
        position = f" ({i + 1} of {len(entries)})" if len(entries) > 1 else ""
        answer = ask(window, entry, position)
        if answer == RESTORE and recovery.restore(entry):
            return True
        if answer == DISCARD:
            discard_recovery(entry.folder)
    return False


def restore_latest(window: Any) -> bool:
    """`layerforge --recover`: restore the newest copy without asking (the dialog's Restore)."""
    return offer_recovery(window, ask=lambda *_: RESTORE)


def install(window: MainWindow) -> Recovery:
    """Give `window` autosave and recovery (`window.recovery`)."""
    return Recovery(window)
