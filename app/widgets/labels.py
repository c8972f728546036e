"""Text labels as the panels use them: styled by role, wrapped, named, hidden until needed.

One place for the handful of settings every panel gives its message labels
(inline errors, hints, read-outs), so the panels only say what differs.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QWidget

#: The colour of the error labels of the Data and Training pages.
ERROR_STYLE = "color: #b00020;"


class CollapsingLabel(QLabel):
    """A label that takes no room while it has no text (a read-out line not yet filled)."""

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        super().setText(text)
        self.setVisible(bool(text))


def make_label(
    text: str = "",
    *,
    name: str = "",
    role: str = "",
    wrap: bool = True,
    hidden: bool = False,
    selectable: bool = False,
    style: str = "",
    collapse: bool = False,
    parent: QWidget | None = None,
) -> QLabel:
    """A QLabel with the theme `role` ("error", "muted", "heading"), object `name` and flags;
    `collapse`: hidden whenever its text is empty (`CollapsingLabel`)."""
    label = CollapsingLabel(parent) if collapse else QLabel(parent)
    label.setText(text)
    if name:
        label.setObjectName(name)
    if role:
        label.setProperty("role", role)
    if wrap:
        label.setWordWrap(True)
    if style:
        label.setStyleSheet(style)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if hidden:
        label.hide()
    return label


def share_spin_box() -> QDoubleSpinBox:
    """A spin box for a share of the rows (validation or test split): 0 to 0.9 in 0.05 steps."""
    spin = QDoubleSpinBox()
    spin.setRange(0.0, 0.9)
    spin.setSingleStep(0.05)
    return spin
