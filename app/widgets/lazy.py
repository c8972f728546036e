"""A stand-in widget that builds the real one the first time it is painted or asked for.

Pages and panels whose widget imports something slow (pyqtgraph costs a
noticeable part of the start-up time) sit in the window as a `LazyWidget`;
the real widget is made by `factory(parent)` when the placeholder is first
really on screen (painted, not merely "shown" behind another tab) or when
code reads `widget`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget


class LazyWidget(QWidget):
    """Holds the widget `factory(self)` makes, built on first paint or first use."""

    def __init__(
        self, factory: Callable[[QWidget], QWidget], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._factory = factory
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._widget: QWidget | None = None

    @property
    def built(self) -> bool:
        return self._widget is not None

    @property
    def widget(self) -> QWidget:
        """The real widget (built now if it was not yet)."""
        if self._widget is None:
            self._widget = self._factory(self)
            self._layout.addWidget(self._widget)
            if self.isVisible():
                self._widget.show()  # now, not on the layout's next turn
        return self._widget

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        # First painted: build on the next turn of the event loop, outside the paint.
        if self._widget is None:
            QTimer.singleShot(0, self._build_if_visible)
        super().paintEvent(event)

    def _build_if_visible(self) -> None:
        if self._widget is None and self.isVisible():
            self.widget  # noqa: B018 (builds it)
