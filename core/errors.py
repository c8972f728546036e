"""Typed exceptions that LayerForge raises for people, not programmers.

Every message says what was expected, what was received, where (file, row,
column, layer name) and, where possible, what to do about it.
"""

from __future__ import annotations


class LayerForgeError(Exception):
    """Base of every error LayerForge reports to a user."""


class ConfigError(LayerForgeError, ValueError):
    """A wrong argument to a layer, loss, optimizer or model call."""


class GraphError(LayerForgeError):
    """A refused edit or an invalid network document."""


class ShapeError(GraphError):
    """A shape mismatch at one node of the network."""

    def __init__(self, node_id: str | None, message: str) -> None:
        super().__init__(message)
        self.node_id = node_id
        self.message = message


class DataError(LayerForgeError, ValueError):
    """A problem with a user's data file or arrays."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.path = path
        self.row = row
        self.column = column
        self.message = message
        where = []
        if path is not None:
            where.append(str(path))
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class FormatError(LayerForgeError, ValueError):
    """A project, model or export file that cannot be read or written."""


class ResourceError(LayerForgeError):
    """A network, batch or file that would not fit in this computer's memory (or is
    otherwise beyond reason); `layer` names the culprit, `need`/`available` are bytes."""

    def __init__(
        self,
        message: str,
        *,
        layer: str | None = None,
        need: int | None = None,
        available: int | None = None,
    ) -> None:
        super().__init__(message)
        self.layer = layer
        self.need = need
        self.available = available
