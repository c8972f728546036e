"""The decision threshold of a two-class task, as a slider from 0.00 to 1.00.

A row is predicted as the positive class when the model's probability for it
is at least the threshold. Moving the slider emits `thresholdChanged(t)`; the
page then shows the matrix, the metrics and the table at that threshold.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

#: Slider steps per unit of probability (0.01 per step).
STEPS = 100


class ThresholdSlider(QWidget):
    """Label, slider and a reset to 0.5; see the module docstring."""

    thresholdChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("thresholdSlider")
        self.positive = ""
        self.label = QLabel()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, STEPS)
        self.slider.setPageStep(5)
        self.slider.setValue(STEPS // 2)
        self.slider.setMinimumWidth(120)
        self.reset = QPushButton("0.5")
        self.reset.setToolTip("Back to the usual threshold, 0.5")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.reset)
        self.slider.valueChanged.connect(self._on_value)
        self.reset.clicked.connect(lambda: self.slider.setValue(STEPS // 2))
        self._show()

    @property
    def threshold(self) -> float:
        return self.slider.value() / STEPS

    def set_threshold(self, threshold: float, positive: str) -> None:
        """Show `threshold` for the positive class `positive` (no signal)."""
        self.positive = positive
        self.slider.blockSignals(True)
        self.slider.setValue(round(threshold * STEPS))
        self.slider.blockSignals(False)
        self._show()

    def _show(self) -> None:
        who = f"'{self.positive}'" if self.positive else "positive"
        self.label.setText(f"Threshold {self.threshold:.2f}")
        tip = (
            f"A row is predicted {who} when the model gives it a probability of at least "
            f"{self.threshold:.2f}. Lower it to catch more {who} rows (more false alarms); "
            "raise it for fewer false alarms (more misses)."
        )
        self.label.setToolTip(tip)
        self.slider.setToolTip(tip)

    def _on_value(self, _value: int) -> None:
        self._show()
        self.thresholdChanged.emit(self.threshold)
