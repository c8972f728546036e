"""Recovery copies: autosaved projects, with their trained state, kept outside the user's files.

Each running app session writes into a folder of its own, `<root>/<session id>/`:
every write is a new generation `copy-<n>.lfproj` (+ `copy-<n>.lfstate.npz`,
written by `core.document.trained_state.save_with_state`), then
`recovery.json`, atomically, naming that generation, when it was written,
the document's name and file, and what it holds (layers, epochs trained,
data file); the older generation is removed afterwards. A kill at any moment
therefore leaves `recovery.json` naming a complete copy (or no
`recovery.json` yet: nothing to offer). A clean exit removes the folder.

Whether the session that wrote a folder is still running is the caller's to
say (the app holds a lock file in it while it runs): `find_recoveries` takes
an `is_orphan(folder)` predicate. Qt-free.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.document.fileio import atomic_write_text
from core.document.project import Project
from core.document.trained_state import (
    STATE_SUFFIX,
    LoadedProject,
    TrainedState,
    load_with_state,
    save_with_state,
)
from core.errors import FormatError

__all__ = [
    "INDEX_NAME",
    "RecoveryEntry",
    "RecoveryWriter",
    "discard_recovery",
    "find_recoveries",
    "load_recovery",
]

INDEX_NAME = "recovery.json"
_KIND = "layerforge-recovery"
_COPY_RE = re.compile(r"copy-(\d+)(\.lfproj|\.lfstate\.npz)")


@dataclass(frozen=True)
class RecoveryEntry:
    """One recovery copy left behind: what it holds and when it was written."""

    folder: Path
    project_file: Path
    saved_at: _dt.datetime
    document_name: str
    original_path: str | None
    layers: int
    epochs_trained: int
    data_name: str | None
    reason: str

    def contents(self) -> list[str]:
        """What the copy holds, item by item: layers, the trained model, the data file."""
        parts = [f"{self.layers} layer{'s' if self.layers != 1 else ''}"]
        if self.epochs_trained:
            e = self.epochs_trained
            parts.append(f"a model trained for {e} epoch{'s' if e != 1 else ''}")
        else:
            parts.append("no trained model")
        if self.data_name:
            parts.append(f"the data file {self.data_name}")
        return parts

    def describe(self) -> str:
        """What the copy holds, in a line: "Untitled.lfproj: 4 layers, no trained model, …"."""
        return f"{self.document_name}: " + ", ".join(self.contents())

    def saved_text(self, now: _dt.datetime | None = None) -> str:
        """When it was saved, in local time, e.g. "today at 14:03:12" or "2026-12-01 09:15"."""
        local = self.saved_at.astimezone()
        now = (now or _dt.datetime.now(_dt.timezone.utc)).astimezone()
        if local.date() == now.date():
            return f"today at {local:%H:%M:%S}"
        return f"{local:%Y-%m-%d %H:%M}"


class RecoveryWriter:
    """Writes the recovery copies of one app session into `<root>/<session_id>/`."""

    def __init__(self, root: str | os.PathLike[str], session_id: str | None = None) -> None:
        self.root = Path(root)
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
        self.session_id = session_id or f"{stamp}-{os.getpid()}-{secrets.token_hex(3)}"
        self.folder = self.root / self.session_id
        self.generation = 0
        self.last_entry: RecoveryEntry | None = None

    def ensure_folder(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder

    def write(
        self,
        project: Project,
        state: TrainedState | None,
        *,
        document_name: str,
        original_path: str | None,
        reason: str = "autosave",
    ) -> RecoveryEntry:
        """Write a new complete copy of `project` (and `state`), then point the index at it.

        `project` itself is not changed (its path and manifest stay the document's).
        Raises FormatError when the folder cannot be written.
        """
        try:
            self.ensure_folder()
        except OSError as exc:
            raise FormatError(
                f"{self.folder}: the recovery folder cannot be created: {exc.strerror or exc}"
            ) from None
        self.generation += 1
        target = self.folder / f"copy-{self.generation}.lfproj"
        copy_of = replace(project, trained=None)
        save_with_state(copy_of, state, target)
        saved_at = _dt.datetime.now(_dt.timezone.utc)
        index = {
            "format": _KIND,
            "version": 1,
            "copy": target.name,
            "saved_at": saved_at.isoformat(timespec="seconds"),
            "document_name": document_name,
            "original_path": original_path,
            "layers": len(project.graph),
            "epochs_trained": state.epochs_done if state is not None else 0,
            "data_name": Path(project.data_path).name if project.data_path else None,
            "reason": reason,
            "pid": os.getpid(),
        }
        atomic_write_text(self.folder / INDEX_NAME, json.dumps(index, indent=2) + "\n")
        self._remove_older_than(self.generation)
        self.last_entry = _entry(self.folder, index)
        return self.last_entry

    def _remove_older_than(self, generation: int) -> None:
        for p in self.folder.iterdir():
            m = _COPY_RE.fullmatch(p.name)
            if m and int(m.group(1)) < generation:
                with contextlib.suppress(OSError):
                    p.unlink()

    def clear(self) -> None:
        """Remove this session's copies (the document was saved); the folder stays."""
        if self.folder.is_dir():
            with contextlib.suppress(OSError):
                (self.folder / INDEX_NAME).unlink(missing_ok=True)
            self._remove_older_than(self.generation + 1)
        self.last_entry = None

    def discard(self) -> None:
        """Remove this session's folder and everything LayerForge put in it (a clean exit)."""
        discard_recovery(self.folder)
        self.last_entry = None


def _entry(folder: Path, index: Any) -> RecoveryEntry:
    if not isinstance(index, dict) or index.get("format") != _KIND:
        raise FormatError(f"{folder / INDEX_NAME}: not a LayerForge recovery index.")
    try:
        name = str(index["copy"])
        if not _COPY_RE.fullmatch(name) or not name.endswith(".lfproj"):
            raise ValueError(f"copy {name!r}")
        saved_at = _dt.datetime.fromisoformat(str(index["saved_at"]))
        if saved_at.tzinfo is None:
            saved_at = saved_at.replace(tzinfo=_dt.timezone.utc)
        original = index.get("original_path")
        data_name = index.get("data_name")
        return RecoveryEntry(
            folder=folder,
            project_file=folder / name,
            saved_at=saved_at,
            document_name=str(index.get("document_name") or "Untitled.lfproj"),
            original_path=str(original) if original else None,
            layers=int(index.get("layers") or 0),
            epochs_trained=int(index.get("epochs_trained") or 0),
            data_name=str(data_name) if data_name else None,
            reason=str(index.get("reason") or "autosave"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(f"{folder / INDEX_NAME}: a damaged recovery index ({exc}).") from None


def find_recoveries(
    root: str | os.PathLike[str],
    is_orphan: Callable[[Path], bool],
    exclude: str | None = None,
) -> list[RecoveryEntry]:
    """Recovery copies under `root` whose session is gone, newest first.

    `is_orphan(folder)` says whether the session that wrote `folder` has ended
    (the app checks its lock); `exclude` is the caller's own session id. A folder
    whose index is missing or damaged and whose session is gone holds nothing usable
    and is removed.
    """
    base = Path(root)
    if not base.is_dir():
        return []
    found = []
    for folder in sorted(base.iterdir()):
        if not folder.is_dir() or folder.name == exclude:
            continue
        if not is_orphan(folder):
            continue
        index = folder / INDEX_NAME
        try:
            entry = _entry(folder, json.loads(index.read_text(encoding="utf-8")))
            if not entry.project_file.is_file():
                raise FormatError(f"{entry.project_file}: missing")
        except (OSError, ValueError, FormatError):
            discard_recovery(folder)
            continue
        found.append(entry)
    found.sort(key=lambda e: e.saved_at, reverse=True)
    return found


def load_recovery(entry: RecoveryEntry, catalog: Any | None = None) -> LoadedProject:
    """The recovered project and trained state; the project's path is its original file."""
    loaded = load_with_state(entry.project_file, catalog=catalog)
    project = loaded.project
    project.trained = None
    project.path = entry.original_path
    return loaded


def discard_recovery(folder: str | os.PathLike[str]) -> None:
    """Delete a recovery folder and what is in it (only LayerForge's own files)."""
    path = Path(folder)
    if not path.is_dir():
        return
    ours = {INDEX_NAME}
    for p in path.iterdir():
        if (
            p.name in ours
            or _COPY_RE.fullmatch(p.name)
            or p.name.endswith((".tmp", ".lock"))
            or p.name.endswith(STATE_SUFFIX)
        ):
            with contextlib.suppress(OSError):
                p.unlink()
    with contextlib.suppress(OSError):
        path.rmdir()
