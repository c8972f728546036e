"""The run bar: Train, Pause and Stop with the run's progress, on every page of the window.

`RunBar` is a movable toolbar made from the training UI's own actions (the
ones of the Training menu, so enabling, shortcuts and what they do stay in one
place) and the `TrainingPanel`'s `status_box` (progress bar and the newest
metrics, or how the run ended). A person on the Network, Data or Results page
can start, pause and stop a run without going to the Training page; while
Train is off, the bar says why.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QStyle, QToolBar, QWidget

#: Toolbar labels (icon texts) of the actions; the menu keeps its own wording.
LABELS = {"start": "Train", "pause": "Pause", "stop": "Stop"}
_ICONS = {
    "start": QStyle.StandardPixmap.SP_MediaPlay,
    "pause": QStyle.StandardPixmap.SP_MediaPause,
    "stop": QStyle.StandardPixmap.SP_MediaStop,
}


class RunBar(QToolBar):
    """Train / Pause / Stop and the run's status, always in view."""

    def __init__(
        self, actions: Mapping[str, QAction], status: QWidget, parent: QWidget | None = None
    ) -> None:
        super().__init__("Run bar", parent)
        self.setObjectName("runBar")
        self.setMovable(True)
        self.setFloatable(False)
        self.setIconSize(QSize(16, 16))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for key, label in LABELS.items():
            action = actions[key]
            action.setIconText(label)
            action.setIcon(self.style().standardIcon(_ICONS[key]))
            self.addAction(action)
            button = self.widgetForAction(action)
            if button is not None:
                button.setObjectName(f"runBar_{key}")
        self.addSeparator()
        # The status is shown and hidden by its panel: a holder keeps it out of the
        # toolbar's own visibility handling (a toolbar widget hides only through its action).
        holder = QWidget()
        holder.setObjectName("runBarStatus")
        layout = QHBoxLayout(holder)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.addWidget(status)
        self.hint = QLabel()
        self.hint.setObjectName("runBarHint")
        self.hint.setProperty("role", "muted")
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.hint.hide()
        layout.addWidget(self.hint, 1)
        holder.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(holder)

    def set_hint(self, text: str) -> None:
        """Why Train is off ("Open a CSV file…"), beside the buttons; empty hides it."""
        self.hint.setText(text)
        self.hint.setToolTip(text)
        self.hint.setVisible(bool(text))

    def button(self, key: str) -> QWidget:
        """The tool button of action `key` ("start", "pause", "stop")."""
        button = self.findChild(QWidget, f"runBar_{key}")
        if button is None:
            raise KeyError(f"No run-bar button {key!r}; the buttons are: {', '.join(LABELS)}.")
        return button
