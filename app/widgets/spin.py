"""A double spin box that shows numbers the way people write them (0.001, 1e-07, 0.5).

QDoubleSpinBox pads to a fixed number of decimals ("0.500000") and rounds
small values such as an epsilon of 1e-7 to zero; `FloatSpinBox` keeps full
precision and formats with `%g`.
"""

from __future__ import annotations

import math

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QWidget


class FloatSpinBox(QDoubleSpinBox):
    """QDoubleSpinBox with `%g` text, many decimals and a step that suits the value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(12)
        self.setRange(-1e12, 1e12)
        self.setKeyboardTracking(True)

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt override)
        return f"{value:.10g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802 (Qt override)
        try:
            return float(text.strip())
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> object:
        t = text.strip()
        if t in ("", "-", "+", ".", "-.", "+.") or t.lower().endswith(("e", "e-", "e+")):
            return (QValidator.State.Intermediate, text, pos)
        try:
            v = float(t)
        except ValueError:
            return (QValidator.State.Invalid, text, pos)
        if not math.isfinite(v):
            return (QValidator.State.Invalid, text, pos)
        if v < self.minimum() or v > self.maximum():
            return (QValidator.State.Intermediate, text, pos)
        return (QValidator.State.Acceptable, text, pos)

    def stepBy(self, steps: int) -> None:  # noqa: N802 (Qt override)
        v = abs(self.value())
        step = 10 ** math.floor(math.log10(v)) / 10 if v > 0 else 0.1
        self.setSingleStep(step if step > 0 else 0.1)
        super().stepBy(steps)
