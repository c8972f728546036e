"""The window's central area: one page per step of the work, as tabs.

The pages follow the workflow: Network (the canvas), then the pages other
parts of the app add (Data, Training, Results, Boundary, Weights, Runs). Each
page has a stable key (`"network"`, `"results"`, ...) that menus, tests and
`layerforge --screenshot --view KEY` use; `show_page(key)` brings one forward.
The workspace only arranges pages: what a page shows is its own widget's job.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QWidget


class Workspace(QTabWidget):
    """Tabs over the pages of the work, addressed by key.

    Signals: `pageChanged(key)` when another page comes forward.
    """

    pageChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspace")
        self.setDocumentMode(True)
        self.setMovable(False)
        self._pages: dict[str, QWidget] = {}
        self.currentChanged.connect(self._on_current)

    def add_page(
        self, key: str, title: str, widget: QWidget, *, after: str | None = None, tip: str = ""
    ) -> QWidget:
        """Add `widget` as the page `key`, at the end or right after the page `after`."""
        if key in self._pages:
            raise ValueError(f"A workspace page named {key!r} exists already.")
        widget.setObjectName(widget.objectName() or f"page_{key}")
        if after is not None and after in self._pages:
            index = self.insertTab(self.indexOf(self._pages[after]) + 1, widget, title)
        else:
            index = self.addTab(widget, title)
        if tip:
            self.setTabToolTip(index, tip)
        self._pages[key] = widget
        return widget

    def keys(self) -> list[str]:
        """Page keys in tab order."""
        order = {self.indexOf(w): k for k, w in self._pages.items()}
        return [order[i] for i in sorted(order)]

    def page(self, key: str) -> QWidget:
        """The widget of page `key` (KeyError names the pages there are)."""
        try:
            return self._pages[key]
        except KeyError:
            raise KeyError(
                f"No workspace page {key!r}; the pages are: {', '.join(self.keys())}."
            ) from None

    def has_page(self, key: str) -> bool:
        return key in self._pages

    def current_key(self) -> str | None:
        widget = self.currentWidget()
        for key, page in self._pages.items():
            if page is widget:
                return key
        return None

    def show_page(self, key: str) -> None:
        """Bring page `key` forward."""
        self.setCurrentWidget(self.page(key))

    def _on_current(self, _index: int) -> None:
        key = self.current_key()
        if key is not None:
            self.pageChanged.emit(key)
