"""Versioned JSON documents: check a dict's `format_version` and migrate it up to the current one.

Shared by the network document (`core.document.graph`) and the project file
(`core.document.project`). A file from a newer LayerForge is refused with a message
that says to update; an older one is brought up one version at a time by the
caller's migration table. Imports only the standard library and `core.errors`
(`core.document.graph` must stay standard-library-only).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from core.errors import FormatError

__all__ = ["Migration", "migrate"]

#: Turns a document dict of version N into version N + 1.
Migration = Callable[[dict[str, Any]], dict[str, Any]]


def migrate(
    d: dict[str, Any], target: int, migrations: Mapping[int, Migration], *, what: str
) -> dict[str, Any]:
    """A copy of `d` brought from its `format_version` up to `target` by `migrations`.

    `what` names the document in the message about a missing migration
    ("network", "project"). `d` itself is never changed.
    """
    version = d.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise FormatError(f"'format_version' must be a whole number >= 1. Received: {version!r}")
    if version > target:
        raise FormatError(
            f"This file was made by a newer LayerForge (format {version}); this version reads "
            f"up to format {target}. Update LayerForge to open it."
        )
    d = copy.deepcopy(d)
    while version < target:
        step = migrations.get(version)
        if step is None:
            raise FormatError(f"No way to read {what} format {version} (missing migration).")
        d = step(d)
        version += 1
        d["format_version"] = version
    return d
