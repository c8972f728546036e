"""The list of recently opened project files, kept in QSettings.

Most recent first, no duplicates (paths are compared after making them
absolute), at most `MAX_RECENT` entries; files that no longer exist are
dropped when the list is read.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings

MAX_RECENT = 10
_KEY = "recentFiles"


def _settings() -> QSettings:
    return QSettings()


def recent_files(settings: QSettings | None = None) -> list[str]:
    """The remembered project paths that still exist, most recent first."""
    s = settings or _settings()
    value = s.value(_KEY, [])
    if isinstance(value, str):  # QSettings returns a bare string for a one-element list
        value = [value]
    paths = [str(p) for p in (value or []) if p]
    return [p for p in paths if os.path.isfile(p)][:MAX_RECENT]


def add_recent_file(path: str, settings: QSettings | None = None) -> list[str]:
    """Put `path` at the top of the list; returns the new list."""
    s = settings or _settings()
    path = os.path.abspath(path)
    paths = [p for p in recent_files(s) if os.path.abspath(p) != path]
    paths.insert(0, path)
    paths = paths[:MAX_RECENT]
    s.setValue(_KEY, paths)
    return paths


def clear_recent_files(settings: QSettings | None = None) -> None:
    """Forget every recent file."""
    (settings or _settings()).setValue(_KEY, [])
