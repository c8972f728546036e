"""The Network page: the canvas with its own movable docks (Layers, Inspector, Summary, History).

`NetworkPage` is a `QMainWindow` used as a plain widget inside the window's
`Workspace`, so the docks that only make sense next to the canvas live on
this page and never take room on the Data, Training or Results pages. Within
the page they stay docks: movable, floatable, tabbable and closable, listed in
View ▸ Panels. The page knows the default sizes of its dock areas at
1400x900 and tidies the tab bars Qt leaves behind while docks are tabified;
its state (which dock is where) is saved and restored by the main window.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar, QWidget

Area = Qt.DockWidgetArea
#: Default dock sizes at 1400x900: left (Layers), right (Inspector), bottom (Summary/History).
LEFT_DOCK_WIDTH, RIGHT_DOCK_WIDTH, BOTTOM_DOCK_HEIGHT = 285, 330, 210


class NetworkPage(QMainWindow):
    """The canvas (`central`) with docks around it, embedded as a workspace page."""

    def __init__(self, central: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkPage")
        self.setWindowFlags(Qt.WindowType.Widget)  # a page, not a window of its own
        self.setDockOptions(
            QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AnimatedDocks
        )
        self.setCentralWidget(central)
        self.docks: dict[str, QDockWidget] = {}

    def add_dock(
        self,
        key: str,
        title: str,
        widget: QWidget,
        area: Qt.DockWidgetArea,
        tabify_with: str | None = None,
    ) -> QDockWidget:
        """Add a panel as a dock of this page; tabbed with another if asked."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        if tabify_with is not None and tabify_with in self.docks:
            self.tabifyDockWidget(self.docks[tabify_with], dock)
            self.docks[tabify_with].raise_()
        self.docks[key] = dock
        return dock

    def apply_default_dock_sizes(self) -> None:
        """Side docks wide enough for their forms; a bottom area for the summary table."""
        sides = [self.docks[k] for k in ("palette", "inspector") if k in self.docks]
        if len(sides) == 2:
            self.resizeDocks(sides, [LEFT_DOCK_WIDTH, RIGHT_DOCK_WIDTH], Qt.Orientation.Horizontal)
        if "summary" in self.docks:
            self.resizeDocks([self.docks["summary"]], [BOTTOM_DOCK_HEIGHT], Qt.Orientation.Vertical)

    def hide_stale_tab_bars(self) -> int:
        """Hide dock tab bars Qt created while tabifying but no longer uses.

        Tabifying docks into more than one area before the page is first laid out
        leaves extra QTabBars behind (visible, but placed under the docks and the
        canvas, where their base line shows as a stray stroke). A tab bar in use sits
        beside its docks; a stale one overlaps a dock or the central widget.
        Returns how many were hidden.
        """
        covers = [d.geometry() for d in self.docks.values() if d.isVisible() and not d.isFloating()]
        central = self.centralWidget()
        if central is not None:
            covers.append(central.geometry())
        hidden = 0
        for bar in self.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if bar.isVisible() and any(r.intersects(bar.geometry()) for r in covers):
                bar.hide()
                hidden += 1
        return hidden

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        QTimer.singleShot(0, self.hide_stale_tab_bars)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self.isVisible():
            QTimer.singleShot(0, self.hide_stale_tab_bars)
