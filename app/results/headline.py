"""The top of the Results page: the plain sentence, then the model's metrics beside the baseline's.

The sentence is `core.evaluation.headline`; the grid has one row per metric
(accuracy, macro F1, ROC and PR areas for classification; MAE, RMSE and R² for
regression) with the model's value, the baseline's (majority class or
training mean) and a note where a value is missing (no R² for a single-valued
target, an undefined area). Below, in muted text: where the rows come from
when they are not the test rows, and classes with no evaluated rows.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from app.results.text import percent, score, value


def _label(text: str = "", role: str = "", wrap: bool = False) -> QLabel:
    lab = QLabel(text)
    if role:
        lab.setProperty("role", role)
    lab.setWordWrap(wrap)
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return lab


def metric_rows(ev: Any) -> list[tuple[str, str, str, str]]:
    """(metric, model, baseline, note) for the grid, from an `Evaluation`."""
    m, b = ev.model, ev.baseline_scores
    if not ev.is_classification:
        mr, br = m.regression, b.regression
        r2_note = mr.r2_note or br.r2_note
        return [
            ("MAE", value(mr.mae), value(br.mae), "mean absolute error, in the target's units"),
            ("RMSE", value(mr.rmse), value(br.rmse), "root mean squared error"),
            ("R²", score(mr.r2), score(br.r2), r2_note or "1 is perfect; 0 is the mean's"),
        ]
    mc, bc = m.classification, b.classification
    rows = [
        ("Accuracy", percent(mc.accuracy), percent(bc.accuracy), "share of rows predicted right"),
        ("Macro F1", score(mc.macro_f1), score(bc.macro_f1), "mean F1 over the classes"),
        ("ROC AUC", score(m.roc_auc), score(b.roc_auc), m.roc_note or _roc_hint(ev)),
    ]
    if ev.task == "binary":
        note = m.pr.note if m.pr is not None and m.pr.note else f"positive class '{ev.labels[1]}'"
        rows.append(("PR AUC", score(m.pr_auc), score(b.pr_auc), note))
    return rows


def _roc_hint(ev: Any) -> str:
    return "0.5 is chance" if ev.task == "binary" else "macro mean, one class against the rest"


class Headline(QWidget):
    """The sentence and the metrics grid; see the module docstring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsHeadline")
        self.sentence = _label(role="heading", wrap=True)
        self.sentence.setObjectName("headlineSentence")
        self.note = _label(role="muted", wrap=True)
        self.note.setObjectName("headlineNote")
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(18)
        self.grid.setVerticalSpacing(2)
        self.values: dict[tuple[str, str], QLabel] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.sentence)
        layout.addLayout(self.grid)
        layout.addWidget(self.note)

    def set_evaluation(self, ev: Any) -> None:
        self.sentence.setText(ev.headline)
        self._fill(metric_rows(ev), ev.baseline.describe())
        notes = []
        if ev.split_note:
            notes.append(ev.split_note)
        report = ev.model.classification
        if report is not None and report.absent_classes:
            names = ", ".join(f"'{c}'" for c in report.absent_classes)
            notes.append(f"No {ev.split} row is {names}: shown with support 0.")
        self.note.setText(" ".join(notes))
        self.note.setVisible(bool(notes))

    def _fill(self, rows: list[tuple[str, str, str, str]], baseline: str) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.values = {}
        for col, text in enumerate(("", "Model", "Baseline", "")):
            head = _label(text, "muted")
            if text == "Baseline":
                head.setToolTip(f"The baseline is {baseline}, fitted on the training rows.")
            self.grid.addWidget(head, 0, col)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, (name, model, base, note) in enumerate(rows, start=1):
            self.grid.addWidget(_label(name), r, 0)
            for col, (key, text) in enumerate((("model", model), ("baseline", base)), start=1):
                lab = _label(text)
                lab.setObjectName(f"{name}:{key}")
                if key == "model":
                    lab.setStyleSheet("font-weight: 600;")
                self.grid.addWidget(lab, r, col, alignment=right)
                self.values[(name, key)] = lab
            self.grid.addWidget(_label(note, "muted", wrap=True), r, 3)
        self.grid.setColumnStretch(3, 1)

    def text(self, metric: str, who: str = "model") -> str:
        """The displayed value of `metric` for "model" or "baseline" (for tests)."""
        return self.values[(metric, who)].text()
