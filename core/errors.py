"""Typed exceptions that LayerForge raises for people, not programmers.

Every error says what was expected, what was received, where (file, row,
column, layer name) and, where possible, what to do about it. The parts travel
as fields so that a view shows what it needs without parsing text:

- `where`: the place ("Dense", "Input 'pixels'", "data.csv, row 4, column 'age'");
- `expected`, `received`: the two sides of the mismatch ("a positive integer",
  "units=0");
- `fix`: what to do ("Did you mean 'relu'?", "Drop or fill the missing targets.");
- `detail`: the message without `where`; `message` (and `str(error)`) is the whole
  text, "`where`: `detail`".

An error raised with only a message keeps that message and leaves the parts None.
`plain()` is the text a view shows next to the place it already names.
"""

from __future__ import annotations


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


class LayerForgeError(Exception):
    """Base of every error LayerForge reports to a user (see the module docstring)."""

    def __init__(
        self,
        message: str | None = None,
        *,
        where: str | None = None,
        expected: str | None = None,
        received: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.where = where
        self.expected = expected
        self.received = received
        self.fix = fix
        self.detail = message if message is not None else self._compose()
        self.message = f"{where}: {self.detail}" if where else self.detail
        super().__init__(self.message)

    def _compose(self) -> str:
        parts = []
        if self.expected is not None:
            parts.append(f"Expected {_sentence(self.expected)}")
        if self.received is not None:
            parts.append(f"Received: {_sentence(self.received)}")
        if self.fix:
            parts.append(_sentence(self.fix))
        return " ".join(parts)

    def plain(self) -> str:
        """Expected / received / fix without the place (or `detail` when they are absent)."""
        if self.expected is None and self.received is None:
            return self.detail
        return self._compose()


class ConfigError(LayerForgeError, ValueError):
    """A wrong argument to a layer, loss, optimizer or model call."""


class GraphError(LayerForgeError):
    """A refused edit or an invalid network document."""


class ShapeError(GraphError):
    """A shape mismatch at one node of the network (`node_id`, None when not known)."""

    def __init__(
        self, node_id: str | None, message: str | None = None, **parts: str | None
    ) -> None:
        super().__init__(message, **parts)
        self.node_id = node_id


class DataError(LayerForgeError, ValueError):
    """A problem with a user's data file or arrays; `where` (the call, e.g. "fit: x"),
    `path`, `row` and `column` make the place.

    The other parts (`expected`, `received`, `fix`) are keywords as for every error.
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        where: str | None = None,
        path: str | None = None,
        row: int | None = None,
        column: str | None = None,
        **parts: str | None,
    ) -> None:
        self.path = path
        self.row = row
        self.column = column
        place = [where] if where else []
        if path is not None:
            place.append(str(path))
        if row is not None:
            place.append(f"row {row}")
        if column is not None:
            place.append(f"column '{column}'")
        super().__init__(message, where=", ".join(place) or None, **parts)


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


class LoadCancelled(LayerForgeError):
    """A long load (opening a large CSV) stopped because the person cancelled it: not a
    failure, and nothing it was replacing has changed."""
