"""The layer palette: the registered layers grouped by category, with search.

Built from the layer registry (`core.engine.layers.spec.layer_classes()`, each class's
`CATEGORY` and `DESCRIPTION`). Typing in the search field filters by name and
description as you type. Dragging a layer starts a QDrag whose MIME type is
`LAYER_MIME` and whose payload is the layer type name in UTF-8 (the canvas
accepts it); double-clicking (or Enter) adds the layer at the centre of the
view through the document controller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.canvas.style import CATEGORY_COLORS as _CANVAS_COLOURS
from app.widgets.labels import make_label

#: MIME type of a palette drag; the payload is the layer type name in UTF-8.
LAYER_MIME = "application/x-layerforge-layer"

#: Categories in the order a person meets them; unknown ones follow alphabetically.
CATEGORY_ORDER = (
    "Core",
    "Activations",
    "Convolution",
    "Pooling",
    "Recurrent",
    "Text",
    "Normalization & Regularization",
    "Normalization",
    "Regularization",
    "Reshaping",
    "Merge",
)

#: A soft colour per category for the palette's dots (the canvas's colours when present).
CATEGORY_COLOURS: dict[str, str] = {
    "Core": "#3566d6",
    "Activations": "#e07b00",
    "Convolution": "#7b4fd6",
    "Pooling": "#5a7fa8",
    "Recurrent": "#c2417a",
    "Text": "#b0573a",
    "Normalization & Regularization": "#2e8b57",
    "Normalization": "#2e8b57",
    "Regularization": "#2e8b57",
    "Reshaping": "#8a6d3b",
    "Merge": "#0f8c8c",
}

CATEGORY_COLOURS.update(_CANVAS_COLOURS)

_TYPE_ROLE = Qt.ItemDataRole.UserRole
_TEXT_ROLE = Qt.ItemDataRole.UserRole + 1


def layer_entries() -> list[tuple[str, str, str]]:
    """(type name, category, description) for every registered layer, palette order."""
    import core.engine.layers  # noqa: F401  (registers the layers)
    from core.engine.layers.spec import layer_classes, type_name

    entries = []
    for cls in layer_classes():
        if getattr(cls, "HIDDEN", False):
            continue
        entries.append(
            (
                type_name(cls),
                str(getattr(cls, "CATEGORY", "") or "Other"),
                " ".join(str(getattr(cls, "DESCRIPTION", "") or "").split()),
            )
        )

    def order(cat: str) -> tuple[int, str]:
        return (CATEGORY_ORDER.index(cat) if cat in CATEGORY_ORDER else len(CATEGORY_ORDER), cat)

    cats = sorted({c for _, c, _ in entries}, key=order)
    return [e for cat in cats for e in entries if e[1] == cat]


def _dot_icon(colour: str) -> QIcon:
    pm = QPixmap(QSize(12, 12))
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(colour))
    p.drawRoundedRect(1, 1, 10, 10, 3, 3)
    p.end()
    return QIcon(pm)


class LayerTree(QTreeWidget):
    """The tree of layers; drags carry `LAYER_MIME` with the type name."""

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:
        data = QMimeData()
        names = [it.data(0, _TYPE_ROLE) for it in items if it.data(0, _TYPE_ROLE)]
        if names:
            data.setData(LAYER_MIME, names[0].encode("utf-8"))
            data.setText(names[0])
        return data


class PaletteWidget(QWidget):
    """Search field + layer tree.

    A double-click adds the layer through `add_layer(type_name)` when given (the window
    places it at the view centre), else `controller.add_node(type, *add_position())`.
    """

    layerActivated = Signal(str)

    def __init__(
        self,
        controller: Any,
        add_position: Callable[[], Any] | None = None,
        parent: QWidget | None = None,
        add_layer: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self._add_position = add_position
        self._add_layer = add_layer
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search layers…")
        self.search.setClearButtonEnabled(True)
        self.search.setObjectName("paletteSearch")
        self.tree = LayerTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(14)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setUniformRowHeights(True)
        self.empty = make_label(role="muted", hidden=True, parent=self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty)
        self.search.textChanged.connect(self.apply_filter)
        self.search.returnPressed.connect(self._add_first_match)
        self.tree.itemActivated.connect(self._on_activated)
        self.rebuild()

    # ------------------------------------------------------------------ building

    def rebuild(self) -> None:
        """(Re)build the tree from the layer registry, keeping the current filter."""
        self.tree.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        for name, cat, desc in layer_entries():
            group = groups.get(cat)
            if group is None:
                group = QTreeWidgetItem(self.tree, [cat])
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                f = group.font(0)
                f.setBold(True)
                group.setFont(0, f)
                groups[cat] = group
            item = QTreeWidgetItem(group, [name])
            item.setData(0, _TYPE_ROLE, name)
            item.setData(0, _TEXT_ROLE, f"{name} {desc}".lower())
            item.setToolTip(0, f"<b>{name}</b><br>{desc}" if desc else name)
            item.setIcon(0, _dot_icon(CATEGORY_COLOURS.get(cat, "#8a8f98")))
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDragEnabled
            )
        self.tree.expandAll()
        self.apply_filter(self.search.text())

    def type_names(self, visible_only: bool = True) -> list[str]:
        """The layer type names in the tree (only those the filter shows, by default)."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            if visible_only and group.isHidden():
                continue
            for j in range(group.childCount()):
                item = group.child(j)
                if not (visible_only and item.isHidden()):
                    out.append(item.data(0, _TYPE_ROLE))
        return out

    def item_for(self, type_name: str) -> QTreeWidgetItem | None:
        """The tree item of a layer type, or None."""
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            for j in range(group.childCount()):
                if group.child(j).data(0, _TYPE_ROLE) == type_name:
                    return group.child(j)
        return None

    # ------------------------------------------------------------------ filtering

    def apply_filter(self, text: str) -> None:
        """Show only layers whose name or description contains every word of `text`."""
        words = text.lower().split()
        shown = 0
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            any_child = False
            for j in range(group.childCount()):
                item = group.child(j)
                hay = item.data(0, _TEXT_ROLE) or ""
                match = all(w in hay for w in words)
                item.setHidden(not match)
                any_child |= match
                shown += match
            group.setHidden(not any_child)
            if words and any_child:
                group.setExpanded(True)
        if shown == 0:
            if self.tree.topLevelItemCount() == 0:
                self.empty.setText("No layers are registered yet.")
            else:
                self.empty.setText(f"No layer matches “{text.strip()}”.")
            self.empty.show()
        else:
            self.empty.hide()

    # ------------------------------------------------------------------ adding

    def _position(self) -> tuple[float, float]:
        if self._add_position is None:
            return (0.0, 0.0)
        p = self._add_position()
        if hasattr(p, "x") and callable(p.x):
            return (float(p.x()), float(p.y()))
        return (float(p[0]), float(p[1]))

    def add_layer(self, type_name: str) -> str | None:
        """Add a layer of `type_name` at the view centre; returns the new node id."""
        if self._add_layer is not None:
            node_id = self._add_layer(type_name)
        else:
            x, y = self._position()
            node_id = self.controller.add_node(type_name, x, y)
        self.layerActivated.emit(type_name)
        return node_id

    def _on_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        name = item.data(0, _TYPE_ROLE)
        if name:
            self.add_layer(name)

    def _add_first_match(self) -> None:
        names = self.type_names()
        if names and self.search.text().strip():
            self.add_layer(names[0])
