"""The start card shown over an empty canvas: how to begin, and the examples one click away.

A small card centred over its parent (the canvas view). It lists the bundled
example projects as buttons and says how to add a first layer; the window
hides it as soon as the network has a layer. It never covers the whole
canvas, so drops from the palette still land on the view around it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from app.theme import BORDER


class StartPage(QFrame):
    """Welcome card; emits `openExample(path)`."""

    openExample = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("startPage")
        self.setStyleSheet(
            f"#startPage {{ background: rgba(255,255,255,235); border: 1px solid {BORDER};"
            " border-radius: 10px; }"
        )
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(24, 20, 24, 20)
        self._layout.setSpacing(8)
        title = QLabel("Build a network")
        title.setProperty("role", "title")
        hint = QLabel(
            "Drag a layer from the <b>Layers</b> panel onto the canvas, or double-click it.<br>"
            "Connect layers by dragging from an output port to an input port."
        )
        hint.setProperty("role", "muted")
        hint.setWordWrap(True)
        self._layout.addWidget(title)
        self._layout.addWidget(hint)
        self._buttons: list[QPushButton] = []
        self.refresh()
        parent.installEventFilter(self)
        self._place()

    def refresh(self) -> None:
        """(Re)list the bundled examples."""
        from app.actions import example_files

        for b in self._buttons:
            b.deleteLater()
        self._buttons = []
        files = example_files()
        if files:
            head = QLabel("Or open an example:")
            head.setProperty("role", "heading")
            self._layout.addWidget(head)
            self._buttons.append(head)  # type: ignore[arg-type]
        for i, path in enumerate(files[:6]):
            b = QPushButton(path.stem.replace("_", " ").title())
            b.setObjectName(f"example_{path.stem}")
            b.setCursor(Qt.CursorShape.PointingHandCursor)
            if i == 0:
                b.setProperty("role", "primary")
            b.clicked.connect(lambda _=False, p=str(path): self.openExample.emit(p))
            self._layout.addWidget(b)
            self._buttons.append(b)
        self.adjustSize()
        self._place()

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        self.setFixedWidth(min(440, max(280, parent.width() - 40)))
        self.adjustSize()
        self.move((parent.width() - self.width()) // 2, (parent.height() - self.height()) // 3)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def setVisible(self, visible: bool) -> None:  # noqa: N802 (Qt override)
        super().setVisible(visible)
        if visible:
            self.raise_()
            self._place()
