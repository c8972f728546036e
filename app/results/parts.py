"""Layout building blocks the Results page's sections share.

`heading(text)` is a section title; `titled(owner, title, buttons, body)` lays
out a section: its title and buttons on one line over its body. `Pair(first,
second, min_width)` lays two widgets out left to right while it is at least
`min_width` pixels wide and top to bottom below that, so a chart keeps a
readable size whether the Results page fills the window or shares it with
docks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget


def heading(text: str) -> QLabel:
    """A section title in the theme's heading style."""
    label = QLabel(text)
    label.setProperty("role", "heading")
    return label


def titled(
    owner: QWidget,
    title: QWidget,
    buttons: Sequence[QWidget],
    body: Sequence[QWidget],
    grow: int = -1,
) -> QVBoxLayout:
    """Lay out `owner`: `title` and `buttons` (right-aligned) on top, then `body`, of
    which `body[grow]` takes the spare height."""
    top = QHBoxLayout()
    top.addWidget(title)
    top.addStretch(1)
    for button in buttons:
        top.addWidget(button)
    layout = QVBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addLayout(top)
    grower = body[grow]
    for widget in body:
        layout.addWidget(widget, 1 if widget is grower else 0)
    return layout


class Pair(QWidget):
    """See the module docstring; `stacked` tells which way it is laid out now."""

    def __init__(
        self, first: QWidget, second: QWidget, min_width: int, stretch: tuple[int, int] = (1, 1)
    ) -> None:
        super().__init__()
        self.min_width = min_width
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(10)
        self.box.addWidget(first, stretch[0])
        self.box.addWidget(second, stretch[1])

    @property
    def stacked(self) -> bool:
        return self.box.direction() == QBoxLayout.Direction.TopToBottom

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        wanted = (
            QBoxLayout.Direction.TopToBottom
            if event.size().width() < self.min_width
            else QBoxLayout.Direction.LeftToRight
        )
        if self.box.direction() != wanted:
            self.box.setDirection(wanted)
