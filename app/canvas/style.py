"""Canvas look: colours per layer category, fonts, sizes, and what a card shows.

One place decides how the canvas looks (calm colours, readable fonts) and how
a layer's metadata (category, key settings, number of inputs) is read from the
layer registry, falling back to the graph catalog when a type is not
registered, so the items stay free of both styling and lookup logic.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QColor, QFont, QFontMetricsF

__all__ = [
    "CATEGORY_COLORS",
    "CanvasStyle",
    "LayerMeta",
    "NODE_HEIGHT",
    "NODE_WIDTH",
    "format_count",
    "format_shape",
    "key_settings",
    "layer_meta",
    "layer_types_by_category",
]

NODE_WIDTH = 200.0
NODE_HEIGHT = 78.0
PORT_RADIUS = 6.0
CORNER = 8.0
STRIP = 6.0

#: Muted, distinguishable colours (Tableau-like, a little desaturated).
CATEGORY_COLORS: dict[str, str] = {
    "Input": "#5B6C8F",
    "Core": "#4C78A8",
    "Activations": "#E49444",
    "Normalization & Regularization": "#59A89C",
    "Normalization": "#59A89C",
    "Regularization": "#59A89C",
    "Convolution": "#6A9F58",
    "Pooling": "#967662",
    "Reshaping": "#D1B040",
    "Merge": "#A77AB5",
    "Recurrent": "#D1615D",
    "Text": "#B5734C",
    "Output": "#5B6C8F",
}
FALLBACK_COLOR = "#8C96A3"


@dataclass(frozen=True)
class LayerMeta:
    """What the canvas needs to know about a layer type."""

    category: str
    key_params: tuple[str, ...]
    min_inputs: int
    max_inputs: int | None
    description: str = ""

    @property
    def has_input(self) -> bool:
        return self.max_inputs is None or self.max_inputs > 0

    @property
    def is_merge(self) -> bool:
        return self.max_inputs is None or self.max_inputs > 1


def layer_meta(catalog: Any, type_name: str) -> LayerMeta:
    """Metadata from the graph catalog's own hooks if it has them, else the layer registry."""
    cls = None
    own_hooks = hasattr(catalog, "category")
    with contextlib.suppress(Exception):
        if own_hooks:
            raise LookupError(type_name)
        from core.engine.layers.spec import get_layer_class

        cls = get_layer_class(type_name)
    if cls is not None:
        return LayerMeta(
            category=str(getattr(cls, "CATEGORY", "Core")),
            key_params=tuple(p.name for p in getattr(cls, "PARAMS", ()) if p.key),
            min_inputs=int(getattr(cls, "MIN_INPUTS", 1)),
            max_inputs=getattr(cls, "MAX_INPUTS", 1),
            description=str(getattr(cls, "DESCRIPTION", "")),
        )
    lo, hi = 1, 1
    with contextlib.suppress(Exception):
        lo, hi = catalog.input_arity(type_name)
    category = "Core"
    keys: tuple[str, ...] = ()
    with contextlib.suppress(Exception):
        category = catalog.category(type_name)
    with contextlib.suppress(Exception):
        keys = tuple(catalog.key_params(type_name))
    return LayerMeta(category, keys, lo, hi)


def layer_types_by_category(catalog: Any) -> dict[str, list[str]]:
    """Layer types grouped by palette category, in registry order."""
    types: list[str] = []
    with contextlib.suppress(Exception):
        import core.engine.layers  # noqa: F401
        from core.engine.layers.spec import layer_classes, type_name

        types = [type_name(c) for c in layer_classes()]
    if not types or hasattr(catalog, "category"):
        with contextlib.suppress(Exception):
            types = list(catalog.types())
    out: dict[str, list[str]] = {}
    for t in types:
        out.setdefault(layer_meta(catalog, t).category, []).append(t)
    return out


def _fmt_value(value: Any) -> str | None:
    if value is None or value is False:
        return None
    if value is True:
        return "on"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "×".join("?" if v is None else str(v) for v in value)
    return str(value)


def key_settings(params: dict[str, Any], keys: tuple[str, ...]) -> str:
    """'10 · relu' from the key parameters (None / False / 'linear' left out)."""
    parts = []
    for k in keys:
        v = params.get(k)
        if k == "activation" and v in ("linear", None):
            continue
        text = _fmt_value(v)
        if text:
            if isinstance(v, bool):
                text = k
            elif k == "axis":
                text = f"axis {text}"
            parts.append(text)
    return " · ".join(parts)


def format_shape(shape: Any) -> str:
    """Keras's (None, 10) printing; empty text when the shape is unknown."""
    if shape is None:
        return ""
    if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
        return ", ".join(format_shape(s) for s in shape)
    if isinstance(shape, (list, tuple)):
        dims = ["None" if d is None else str(d) for d in shape]
        return f"({dims[0]},)" if len(dims) == 1 else f"({', '.join(dims)})"
    return str(shape)


def format_count(n: Any) -> str:
    if n is None:
        return ""
    n = int(n)
    return f"{n:,} param{'s' if n != 1 else ''}"


class CanvasStyle:
    """Fonts, pens and colours of the canvas; built once per scene (needs a QGuiApplication)."""

    def __init__(self) -> None:
        base = QFont()
        base.setStyleHint(QFont.StyleHint.SansSerif)
        self.title_font = QFont(base)
        self.title_font.setPointSizeF(10.0)
        self.title_font.setWeight(QFont.Weight.DemiBold)
        self.name_font = QFont(base)
        self.name_font.setPointSizeF(8.8)
        self.info_font = QFont(base)
        self.info_font.setPointSizeF(8.2)
        self.badge_font = QFont(base)
        self.badge_font.setPointSizeF(9.0)
        self.badge_font.setWeight(QFont.Weight.Bold)
        self.title_metrics = QFontMetricsF(self.title_font)
        self.name_metrics = QFontMetricsF(self.name_font)
        self.info_metrics = QFontMetricsF(self.info_font)

        self.background = QColor("#F5F6F8")
        self.grid_dot = QColor("#CDD2DA")
        self.grid_line = QColor("#E6E9EE")
        self.card = QColor("#FFFFFF")
        self.card_border = QColor("#CBD1DA")
        self.card_shadow = QColor(30, 40, 60, 26)
        self.selected = QColor("#2F6FEB")
        self.problem = QColor("#D64545")
        self.problem_fill = QColor("#FFF5F5")
        self.warning = QColor("#D99A00")
        self.text = QColor("#1F2933")
        self.text_muted = QColor("#66717F")
        self.text_info = QColor("#4B5563")
        self.edge = QColor("#8792A2")
        self.edge_selected = QColor("#2F6FEB")
        self.port = QColor("#FFFFFF")
        self.port_border = QColor("#7B8694")
        self.port_valid = QColor("#2EAD5B")
        self.port_invalid = QColor("#C2C8D0")
        self.drag_edge = QColor("#2F6FEB")

    def category_color(self, category: str) -> QColor:
        return QColor(CATEGORY_COLORS.get(category, FALLBACK_COLOR))
