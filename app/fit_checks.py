"""Fit checks before Start: the network's problems against the data, each with its fix.

The logic is `core.document.analysis.analyze(graph, n_features=, task=)`, which the
controller re-runs after every edit and after the session tells it the data's
feature count and task. `FitChecks` lists each problem in plain words with a
one-click button that applies its `core.document.analysis.Fix` through
`controller.apply_fix` (one undoable step), plus the data problem, if any.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.session import TrainingSession
from core.document.analysis import Fix


class FitChecks(QWidget):
    """A list of the current problems with one-click fixes; hidden when all is well."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FitChecks")
        self.session = session
        self.controller = session.controller
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("<b>Before training</b>")
        self._layout.addWidget(self.title)
        self._rows: list[QWidget] = []
        self.fix_buttons: list[QPushButton] = []
        self.controller.analysisChanged.connect(lambda _a: self.refresh())
        session.dataChanged.connect(self.refresh)
        session.dataError.connect(lambda _t: self.refresh())
        self.refresh()

    def problems(self) -> list[tuple[str, Fix | None]]:
        """(message, fix or None) for each problem that blocks training: the data problem,
        then every problem of the analysis (each one blocks)."""
        out: list[tuple[str, Fix | None]] = []
        if self.session.data_error:
            out.append((self.session.data_error, None))
        analysis = self.controller.analysis
        if analysis is not None:
            out.extend((p.message, p.fix) for p in analysis.problems)
        return out

    def refresh(self) -> None:
        for row in self._rows:
            row.setParent(None)
            row.deleteLater()
        self._rows, self.fix_buttons = [], []
        problems = self.problems()
        for message, fix in problems:
            row = QWidget()
            h = QHBoxLayout(row)
            h.setContentsMargins(0, 0, 0, 0)
            label = QLabel("⚠ " + message)
            label.setWordWrap(True)
            label.setStyleSheet("color: #8a4b00;")
            h.addWidget(label, 1)
            if fix is not None:
                button = QPushButton(fix.label)
                button.setToolTip("Apply this fix (Undo reverts it)")
                button.clicked.connect(lambda _c=False, f=fix: self.controller.apply_fix(f))
                h.addWidget(button)
                self.fix_buttons.append(button)
            self._layout.addWidget(row)
            self._rows.append(row)
        self.setVisible(bool(problems))
