"""Result charts drawn with Pillow as PNG bytes: confusion matrix, ROC, PR, scatter, bars.

No plotting library: a small `Chart` draws axes with round-number ticks,
lines, points, bars and a legend at twice the displayed size (crisp on
high-density screens; the HTML report shows them at half size). Colours are
the Okabe-Ito palette, which colour-blind readers can tell apart.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "Chart",
    "bars_png",
    "boundary_png",
    "confusion_png",
    "histogram_png",
    "nice_ticks",
    "pr_png",
    "roc_png",
    "scatter_png",
]

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
INK, MUTED, GRID, BG = "#1f2933", "#616e7c", "#e4e7eb", "#ffffff"
SCALE = 2


def _font(size: int) -> Any:
    try:
        return ImageFont.load_default(size=size * SCALE)
    except TypeError:  # Pillow < 10.1: a fixed bitmap font
        return ImageFont.load_default()


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About `n` round tick values covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = start
    while v <= hi + step * 1e-9:
        ticks.append(0.0 if abs(v) < step * 1e-9 else v)
        v += step
    return ticks


def _tick_text(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1e4 or abs(v) < 1e-3:
        return f"{v:.1e}"
    return f"{v:.4g}"


class Chart:
    """A plot area with axes; data coordinates in, PNG bytes out."""

    def __init__(
        self,
        width: int = 460,
        height: int = 340,
        *,
        title: str = "",
        xlabel: str = "",
        ylabel: str = "",
        xlim: tuple[float, float] = (0.0, 1.0),
        ylim: tuple[float, float] = (0.0, 1.0),
        square: bool = False,
    ) -> None:
        self.w, self.h = width * SCALE, height * SCALE
        self.img = Image.new("RGB", (self.w, self.h), BG)
        self.draw = ImageDraw.Draw(self.img)
        self.font, self.small, self.bold = _font(12), _font(11), _font(14)
        self.xlim, self.ylim = xlim, ylim
        left, top, right, bottom = 62, 34 if title else 14, 16, 48
        self.box = [left * SCALE, top * SCALE, self.w - right * SCALE, self.h - bottom * SCALE]
        if square:
            side = min(self.box[2] - self.box[0], self.box[3] - self.box[1])
            self.box[2], self.box[3] = self.box[0] + side, self.box[1] + side
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel

    # ------------------------------------------------------------ coordinates
    def px(self, x: Any) -> np.ndarray:
        x0, x1 = self.xlim
        return self.box[0] + (np.asarray(x, np.float64) - x0) / (x1 - x0 or 1) * (
            self.box[2] - self.box[0]
        )

    def py(self, y: Any) -> np.ndarray:
        y0, y1 = self.ylim
        return self.box[3] - (np.asarray(y, np.float64) - y0) / (y1 - y0 or 1) * (
            self.box[3] - self.box[1]
        )

    # ------------------------------------------------------------ pieces
    def axes(self, xticks: Sequence[float] | None = None, yticks: Sequence[float] | None = None):
        d, (l, t, r, b) = self.draw, self.box
        for v in yticks if yticks is not None else nice_ticks(*self.ylim):
            y = float(self.py(v))
            d.line([(l, y), (r, y)], fill=GRID, width=SCALE)
            d.text((l - 6 * SCALE, y), _tick_text(v), font=self.small, fill=MUTED, anchor="rm")
        for v in xticks if xticks is not None else nice_ticks(*self.xlim):
            x = float(self.px(v))
            d.line([(x, t), (x, b)], fill=GRID, width=SCALE)
            d.text((x, b + 5 * SCALE), _tick_text(v), font=self.small, fill=MUTED, anchor="mt")
        d.rectangle([l, t, r, b], outline="#9aa5b1", width=SCALE)
        if self.title:
            d.text((l, 8 * SCALE), self.title, font=self.bold, fill=INK)
        if self.xlabel:
            d.text(
                ((l + r) / 2, self.h - 8 * SCALE),
                self.xlabel,
                font=self.font,
                fill=INK,
                anchor="mb",
            )
        if self.ylabel:
            label = Image.new("RGBA", (int(self.h), 20 * SCALE), (255, 255, 255, 0))
            ImageDraw.Draw(label).text(
                (label.width / 2, 0), self.ylabel, font=self.font, fill=INK, anchor="mt"
            )
            label = label.rotate(90, expand=True)
            self.img.paste(label, (4 * SCALE, int((t + b) / 2 - label.height / 2)), label)
        return self

    def line(self, xs: Any, ys: Any, color: str, width: int = 2, dashed: bool = False) -> None:
        pts = list(zip(self.px(xs).tolist(), self.py(ys).tolist(), strict=True))
        if len(pts) < 2:
            return
        if not dashed:
            self.draw.line(pts, fill=color, width=width * SCALE, joint="curve")
            return
        for (x0, y0), (x1, y1) in zip(pts[:-1], pts[1:], strict=True):
            n = max(1, int(math.hypot(x1 - x0, y1 - y0) / (8 * SCALE)))
            for k in range(0, n, 2):
                a, b = k / n, min(1.0, (k + 1) / n)
                self.draw.line(
                    [
                        (x0 + (x1 - x0) * a, y0 + (y1 - y0) * a),
                        (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b),
                    ],
                    fill=color,
                    width=width * SCALE,
                )

    def points(
        self, xs: Any, ys: Any, color: str, radius: float = 2.5, outline: str | None = None
    ) -> None:
        r = radius * SCALE
        layer = Image.new("RGBA", self.img.size, (0, 0, 0, 0))
        d = ImageDraw.Draw(layer)
        rgb = Image.new("RGB", (1, 1), color).getpixel((0, 0))
        for x, y in zip(self.px(xs).tolist(), self.py(ys).tolist(), strict=True):
            if outline is None:
                d.ellipse([x - r, y - r, x + r, y + r], fill=(*rgb, 150))
            else:
                d.ellipse(
                    [x - r, y - r, x + r, y + r], fill=(*rgb, 235), outline=outline, width=SCALE
                )
        self.img.paste(layer, (0, 0), layer)
        self.draw = ImageDraw.Draw(self.img)

    def bar(self, x0: float, x1: float, y0: float, y1: float, color: str) -> None:
        box = [float(self.px(x0)), float(self.py(y1)), float(self.px(x1)), float(self.py(y0))]
        box = [min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3])]
        self.draw.rectangle(box, fill=color)

    def legend(self, items: Sequence[tuple[str, str]], corner: str = "br") -> None:
        if not items:
            return
        pad, row = 8 * SCALE, 18 * SCALE
        width = max(self.draw.textlength(t, font=self.small) for t, _ in items) + 30 * SCALE
        height = row * len(items) + pad
        l, t, r, b = self.box
        x = r - width - pad if corner.endswith("r") else l + pad
        y = b - height - pad if corner.startswith("b") else t + pad
        self.draw.rounded_rectangle(
            [x, y, x + width, y + height],
            radius=4 * SCALE,
            fill="#ffffffe6",
            outline=GRID,
            width=SCALE,
        )
        for i, (text, color) in enumerate(items):
            cy = y + pad / 2 + row * i + row / 2
            self.draw.line([(x + 6 * SCALE, cy), (x + 20 * SCALE, cy)], fill=color, width=3 * SCALE)
            self.draw.text((x + 25 * SCALE, cy), text, font=self.small, fill=INK, anchor="lm")

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.img.save(buf, format="PNG", optimize=True)
        return buf.getvalue()


def _auc_text(auc: float | None) -> str:
    return "n/a" if auc is None else f"{auc:.3f}"


def roc_png(curves: dict[str, Any], macro_auc: float | None = None) -> bytes:
    """ROC curves (one per class for one-vs-rest) with the chance diagonal."""
    title = "ROC curve" + (
        f" (macro AUC {macro_auc:.3f})" if macro_auc is not None and len(curves) > 1 else ""
    )
    c = Chart(
        title=title,
        xlabel="false positive rate",
        ylabel="true positive rate",
        xlim=(0, 1),
        ylim=(0, 1.0),
        square=False,
    ).axes()
    c.line([0, 1], [0, 1], "#9aa5b1", 1, dashed=True)
    items = []
    for i, (label, curve) in enumerate(curves.items()):
        color = PALETTE[i % len(PALETTE)]
        c.line(curve.x, curve.y, color)
        items.append((f"{label}  AUC {_auc_text(curve.auc)}", color))
    c.legend(items[:8])
    return c.png()


def pr_png(curve: Any, positive: str, prevalence: float) -> bytes:
    """Precision against recall for the positive class, with the chance level."""
    c = Chart(
        title=f"Precision-recall ('{positive}')",
        xlabel="recall",
        ylabel="precision",
        xlim=(0, 1),
        ylim=(0, 1.0),
    ).axes()
    c.line([0, 1], [prevalence, prevalence], "#9aa5b1", 1, dashed=True)
    c.line(curve.x, curve.y, PALETTE[0])
    c.legend(
        [(f"AP {_auc_text(curve.auc)}", PALETTE[0]), (f"chance {prevalence:.2f}", "#9aa5b1")],
        corner="bl",
    )
    return c.png()


def _blend(share: float) -> tuple[int, int, int]:
    lo, hi = np.array([247, 251, 255]), np.array([8, 69, 148])
    return tuple(int(v) for v in lo + (hi - lo) * min(max(share, 0.0), 1.0))


def confusion_png(labels: Sequence[str], counts: np.ndarray, shares: np.ndarray) -> bytes:
    """The confusion matrix: colour = row share, text = count and row percentage."""
    k = len(labels)
    short = [str(lab) if len(str(lab)) <= 18 else str(lab)[:17] + "…" for lab in labels]
    font, small, bold = _font(12), _font(10), _font(14)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    text_w = max(probe.textlength(lab, font=font) for lab in short) / SCALE
    cell = max(34, min(84, 420 // max(k, 1)))
    label_w = int(text_w) + 24
    below = int(text_w * 0.72) + 40
    width, height = max(label_w + cell * k + 30, 420), 46 + cell * k + below
    img = Image.new("RGB", (width * SCALE, height * SCALE), BG)
    d = ImageDraw.Draw(img)
    x0, y0, s = (label_w + 10) * SCALE, 46 * SCALE, cell * SCALE
    d.text(
        (10 * SCALE, 10 * SCALE),
        "Confusion matrix (rows: actual, columns: predicted)",
        font=bold,
        fill=INK,
    )
    for i in range(k):
        for j in range(k):
            share = float(shares[i, j])
            box = [x0 + j * s, y0 + i * s, x0 + (j + 1) * s - SCALE, y0 + (i + 1) * s - SCALE]
            d.rectangle(box, fill=_blend(share), outline="#ffffff")
            ink = "#ffffff" if share > 0.5 else INK
            cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            if cell >= 40:
                d.text(
                    (cx, cy - 2 * SCALE), str(int(counts[i, j])), font=font, fill=ink, anchor="mb"
                )
                d.text(
                    (cx, cy + 2 * SCALE), f"{share * 100:.0f} %", font=small, fill=ink, anchor="mt"
                )
            else:
                d.text((cx, cy), str(int(counts[i, j])), font=small, fill=ink, anchor="mm")
            if i == j:
                d.rectangle(box, outline="#E69F00", width=2 * SCALE)
    for i, lab in enumerate(short):
        d.text((x0 - 6 * SCALE, y0 + i * s + s / 2), lab, font=font, fill=INK, anchor="rm")
        col = Image.new("RGBA", (int((text_w + 8) * SCALE), 16 * SCALE), (255, 255, 255, 0))
        ImageDraw.Draw(col).text((col.width, 0), lab, font=font, fill=INK, anchor="ra")
        col = col.rotate(40, expand=True, resample=Image.BICUBIC)
        img.paste(col, (int(x0 + i * s + s / 2 - col.width + 8 * SCALE), int(y0 + k * s)), col)
    d.text(
        (x0 + k * s / 2, height * SCALE - 6 * SCALE),
        "predicted",
        font=small,
        fill=MUTED,
        anchor="mb",
    )
    return _png(img)


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def scatter_png(actual: np.ndarray, predicted: np.ndarray, target: str = "value") -> bytes:
    """Predicted against actual, with the identity line (perfect predictions lie on it)."""
    lo = float(min(np.min(actual), np.min(predicted)))
    hi = float(max(np.max(actual), np.max(predicted)))
    pad = (hi - lo) * 0.05 or 1.0
    lim = (lo - pad, hi + pad)
    c = Chart(
        title="Predicted against actual",
        xlabel=f"actual {target}",
        ylabel=f"predicted {target}",
        xlim=lim,
        ylim=lim,
    ).axes()
    c.line(lim, lim, "#9aa5b1", 1, dashed=True)
    idx = np.arange(len(actual))
    if len(idx) > 4000:
        idx = np.random.default_rng(0).choice(len(idx), 4000, replace=False)
    c.points(actual[idx], predicted[idx], PALETTE[0])
    c.legend([("rows", PALETTE[0]), ("perfect prediction", "#9aa5b1")], corner="tl")
    return c.png()


def histogram_png(values: np.ndarray, title: str, xlabel: str, bins: int = 30) -> bytes:
    """A histogram (residuals) with a line at zero."""
    v = np.asarray(values, np.float64)
    lo, hi = float(v.min()), float(v.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(v, bins=bins, range=(lo, hi))
    c = Chart(
        title=title,
        xlabel=xlabel,
        ylabel="rows",
        xlim=(lo, hi),
        ylim=(0, max(1, int(counts.max())) * 1.1),
    ).axes()
    for n, a, b in zip(counts, edges[:-1], edges[1:], strict=True):
        if n:
            c.bar(a + (b - a) * 0.06, b - (b - a) * 0.06, 0, n, PALETTE[4])
    if lo < 0 < hi:
        c.line([0, 0], [0, counts.max() * 1.1], PALETTE[5], 1, dashed=True)
    return c.png()


def bars_png(
    names: Sequence[str], values: Sequence[float], errors: Sequence[float], title: str, xlabel: str
) -> bytes:
    """Horizontal bars, largest first (feature importance), with spread whiskers."""
    names, values = list(names)[:15], np.asarray(values[:15], np.float64)
    errors = np.asarray(errors[: len(values)], np.float64)
    k = len(names)
    hi = float(max(np.max(values + errors), 0.0)) or 1.0
    lo = float(min(np.min(values - errors), 0.0))
    label_w = max(70, min(200, max(len(n) for n in names) * 7 + 14))
    c = Chart(
        width=480,
        height=60 + 26 * k + 30,
        title=title,
        xlabel=xlabel,
        xlim=(lo * 1.08, hi * 1.08),
        ylim=(k, 0),
    )
    c.box[0] = label_w * SCALE
    c.axes(yticks=[])
    for i, (n, v, e) in enumerate(zip(names, values, errors, strict=True)):
        c.bar(0, v, i + 0.2, i + 0.8, PALETTE[0] if v >= 0 else PALETTE[5])
        if e > 0:
            c.line([v - e, v + e], [i + 0.5, i + 0.5], INK, 1)
        c.draw.text(
            (c.box[0] - 6 * SCALE, float(c.py(i + 0.5))), n, font=c.small, fill=INK, anchor="rm"
        )
    return c.png()


def _rgb(color: str) -> np.ndarray:
    return np.array(Image.new("RGB", (1, 1), color).getpixel((0, 0)), dtype=np.float64)


#: A perceptually ordered ramp (viridis key colours) for regression maps.
_RAMP = np.array(
    [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], np.float64
)


def _ramp(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0) * (len(_RAMP) - 1)
    lo = np.floor(t).astype(int).clip(0, len(_RAMP) - 2)
    f = (t - lo)[..., None]
    return _RAMP[lo] * (1 - f) + _RAMP[lo + 1] * f


def class_rgb(n: int) -> np.ndarray:
    """The colours (n, 3) of classes 0..n-1, as every chart and the Boundary view use them."""
    return np.array([_rgb(PALETTE[k % len(PALETTE)]) for k in range(n)])


def value_rgb(values: np.ndarray, value_range: tuple[float, float]) -> np.ndarray:
    """Regression values as colours (..., 3) on the value ramp over `value_range`."""
    lo, hi = value_range
    return _ramp((np.asarray(values, dtype=np.float64) - lo) / ((hi - lo) or 1.0))


def boundary_rgb(grid: Any, value_range: tuple[float, float] | None = None) -> np.ndarray:
    """The colours (ny, nx, 3), floats 0..255, of a `BoundaryGrid`'s cells.

    Classification: the predicted class's colour, paler where the model is unsure
    (two classes blend by the second class's probability). Regression: the value
    ramp over `value_range` (default: the grid's own range).
    """
    if grid.kind == "regression":
        pred = grid.predicted
        if value_range is None:
            value_range = (float(np.min(pred)), float(np.max(pred)))
        return value_rgb(pred, value_range)
    white = np.array([255.0, 255.0, 255.0])
    colors = class_rgb(max(2, len(grid.labels)))
    if grid.confidence is not None and colors.shape[0] == 2:
        p = grid.confidence[..., None]  # probability of the second class
        rgb = colors[0] * (1 - p) + colors[1] * p
        strength = np.abs(2 * p - 1)
    else:
        rgb = colors[grid.predicted]
        conf = grid.confidence if grid.confidence is not None else np.ones(grid.predicted.shape)
        strength = ((conf - 1 / len(colors)) / (1 - 1 / len(colors)))[..., None]
    return white * (1 - 0.55 * strength) + rgb * 0.55 * strength


def boundary_png(grid: Any, plan: Any, title: str | None = None) -> bytes:
    """A `BoundaryGrid` as a map (class colour, paler where the model is unsure; or a
    value ramp for regression) with the plan's training points on top."""
    (x0, x1), (y0, y1) = plan.ranges[0], plan.ranges[1]
    if title is None:
        title = "Predicted value" if grid.kind == "regression" else "Decision boundary"
    c = Chart(
        width=460,
        height=400,
        title=title,
        xlabel=plan.axis_names[0],
        ylabel=plan.axis_names[1],
        xlim=(x0, x1),
        ylim=(y0, y1),
    )
    pts, targets = plan.points, plan.point_targets
    lo = hi = 0.0
    if grid.kind == "regression":
        values = [grid.predicted.ravel()] + ([targets] if pts is not None and len(pts) else [])
        lo, hi = float(min(v.min() for v in values)), float(max(v.max() for v in values))
    rgb = boundary_rgb(grid, (lo, hi))
    img = Image.fromarray(np.flipud(rgb).clip(0, 255).astype(np.uint8), "RGB")
    l, t, r, b = (int(v) for v in c.box)
    c.img.paste(img.resize((r - l, b - t), Image.BILINEAR), (l, t))
    c.axes()
    if pts is not None and len(pts):
        if grid.kind == "regression":
            edges = np.linspace(lo, hi, 9)
            legend = []
            for k in range(len(edges) - 1):
                sel = (targets >= edges[k]) & (targets <= edges[k + 1])
                shade = _ramp(np.array([(k + 0.5) / (len(edges) - 1)]))[0]
                hexcolor = "#{:02x}{:02x}{:02x}".format(*(int(v) for v in shade))
                c.points(pts[sel, 0], pts[sel, 1], hexcolor, radius=3.2, outline="#ffffff")
                if k in (0, len(edges) - 2):
                    legend.append((f"{edges[k]:.4g} to {edges[k + 1]:.4g}", hexcolor))
            c.legend(legend, corner="tr")
        else:
            items = []
            for k, label in enumerate(
                grid.labels or [str(i) for i in range(int(targets.max()) + 1)]
            ):
                sel = targets == k
                color = PALETTE[k % len(PALETTE)]
                c.points(pts[sel, 0], pts[sel, 1], color, radius=3.2, outline="#ffffff")
                items.append((str(label), color))
            c.legend(items[:8], corner="tr")
    return c.png()
