"""The Results page's source: the current `core.evaluation.Evaluation` of the trained model.

`ResultsHub` follows the training session: when a run starts the results are
cleared ("Training…"), when it ends (or fails with weights left) and when a
trained model is restored or dropped they are computed again, on the test
rows, else the validation rows (`core.evaluation.choose_split`; the
evaluation's `split_note` says so). The network's predictions are made on the
GUI thread, where the model lives between runs (16-50 ms for 100k rows); the
metrics from those outputs (sorting the scores for every ROC/PR curve) run in
a thread pool unless the table is small (`sync_limit` rows x curves), so a
100k-row evaluation never freezes the window. Only copied arrays cross
threads, and a result that arrives after the model changed again is dropped.
`set_threshold` moves a binary task's decision threshold
(`Evaluation.with_threshold`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, Signal

from app.background import BackgroundJobs
from app.session import describe
from core.errors import LayerForgeError

if TYPE_CHECKING:
    from core.evaluation import Evaluation

#: Status values: nothing trained, a run in progress, computing, results shown, a problem.
NONE, TRAINING, COMPUTING, READY, ERROR = "none", "training", "computing", "ready", "error"
#: Rows x curves up to which the metrics are computed on the GUI thread (about 25 ms).
SYNC_LIMIT = 20_000


def _curve_count(dataset: Any) -> int:
    task = dataset.task
    if task.kind == "regression":
        return 1
    return 2 if task.kind == "binary" else len(task.class_labels)


def _compute(dataset: Any, outputs: np.ndarray) -> Evaluation:
    """Everything the page shows, from the network's outputs on the chosen split."""
    from core.evaluation import evaluate_dataset

    ev = evaluate_dataset(None, dataset, predict=lambda _x: outputs)
    ev.pr_curves  # noqa: B018 - computed here, off the GUI thread, and kept
    return ev


class ResultsHub(QObject):
    """The current evaluation and what the page should say about it.

    Signals: `changed()` whenever `evaluation`, `status` or `message` changed.
    `status` is one of NONE, TRAINING, COMPUTING, READY, ERROR; `message` is the
    sentence for it (empty when READY).
    """

    changed = Signal()

    def __init__(self, session: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.evaluation: Evaluation | None = None
        self.status = NONE
        self.message = "Train the network to see how good it is here."
        self.sync_limit = SYNC_LIMIT
        pool = QThreadPool(self)
        pool.setMaxThreadCount(1)
        self.jobs = BackgroundJobs(self, pool)
        session.runStarted.connect(self._on_run_started)
        session.runFinished.connect(lambda *_a: self.refresh())
        session.errored.connect(lambda *_a: self.refresh())
        session.modelChanged.connect(self._on_model_changed)

    # ------------------------------------------------------------------ inputs
    def _on_run_started(self, _fresh: bool) -> None:
        self._set(None, TRAINING, "Training… results update when the run ends.")

    def _on_model_changed(self) -> None:
        if not self.session.is_running():
            self.refresh()

    def refresh(self) -> None:
        """Evaluate the session's model on its data now (or say why there is nothing)."""
        session = self.session
        model, dataset = session.model, session.dataset
        if session.is_running():
            self._set(None, TRAINING, "Training… results update when the run ends.")
            return
        if model is None or dataset is None or session.epochs_done == 0:
            self._set(None, NONE, "Train the network to see how good it is here.")
            return
        from core.evaluation import choose_split, model_predictor

        try:
            choice = choose_split(dataset)
            outputs = np.array(model_predictor(model)(np.asarray(choice.x, dtype=np.float32)))
        except (LayerForgeError, ValueError, FloatingPointError) as exc:
            self._set(None, ERROR, f"The results could not be computed: {describe(exc)}")
            return
        rows = len(choice.y) * _curve_count(dataset)
        if rows <= self.sync_limit:
            self.jobs.call("results", lambda: _compute(dataset, outputs), self._on_done)
            return
        self._set(None, COMPUTING, f"Computing the results on {len(choice.y):,} rows…")
        self.jobs.run("results", lambda: _compute(dataset, outputs), self._on_done)

    def _on_done(self, ev: Evaluation | None, error: str) -> None:
        if self.session.is_running():
            return  # a run started while this was computed
        if ev is None:
            self._set(None, ERROR, f"The results could not be computed: {error}")
        else:
            self._set(ev, READY, "")

    # ------------------------------------------------------------------ threshold
    def set_threshold(self, threshold: float) -> None:
        """Move the decision threshold of a binary task; the page follows."""
        ev = self.evaluation
        if ev is None or ev.task != "binary" or ev.threshold == threshold:
            return
        self._set(ev.with_threshold(threshold), READY, "")

    # ------------------------------------------------------------------ plumbing
    def _set(self, ev: Evaluation | None, status: str, message: str) -> None:
        if ev is None and status != COMPUTING:
            self.jobs.cancel("results")  # a result still being computed is no longer wanted
        self.evaluation, self.status, self.message = ev, status, message
        self.changed.emit()

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Block until a computation in the pool has finished (window close, tests)."""
        return self.jobs.wait(timeout_ms)
