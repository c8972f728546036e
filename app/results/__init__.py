"""The Results page: how good the trained model is, on the test rows (else validation).

Every number comes from `core.evaluation`; these modules only show it. One job each:
`hub` (`ResultsHub`: the current `Evaluation`, recomputed when a run ends or the
model is restored or dropped), `view` (`ResultsView`, the page), `headline` (the
sentence and model-vs-baseline metrics), `confusion` (the heat map),
`threshold` (the binary decision threshold slider), `class_table` (per-class
precision/recall/F1/support), `curves` (ROC and precision-recall plots),
`regression` (predicted against actual, residuals), `predictions` (the table of
every evaluated row, its filter and CSV export), `text` (number formats) and
`install` (the one call the main window makes). The "What it learned" page is
`learned_view` (the page and its own `install`), `learned_hub` (what it shows,
and the health badges on the canvas) and `learned_charts` (its pyqtgraph charts).
"""

from __future__ import annotations

from app.results.install import ResultsUI, install

__all__ = ["ResultsUI", "install"]
