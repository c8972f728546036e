"""The source of the "What it learned" page and of the health badges on the canvas cards.

`LearnedHub` follows the training session. During a run it only relays that a
new epoch's histograms are in (`session.histograms`, recorded in the training
thread as copies). When a run ends, and when a trained model is restored, it
takes an inspection copy of the model (`core.evaluation.learned.inspection_copy`:
the page never touches the model a later run trains) and computes, all in
`core.evaluation`: the activation health of each hidden layer on the training
rows (filed by node id for the canvas), permutation importance on the
validation rows (in a pool thread, on its own copy, when it is more than a few
milliseconds of work), and, on request, the explanation of one evaluated row
(the test rows, else validation: the rows of the Results page's predictions
table). Health is shown only while the canvas holds the network that was
trained: an edit clears the badges (moving a card does not), undoing it brings
them back; a dropped model clears everything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.background import BackgroundJobs
from app.session import describe
from core.document.graph import NodeMoved
from core.document.trained_state import network_matches
from core.errors import LayerForgeError

if TYPE_CHECKING:
    from app.session import TrainingSession
    from core.evaluation.health import LayerHealth
    from core.evaluation.importance import Importances
    from core.evaluation.learned import RowExplanation
    from core.evaluation.results import Evaluation, SplitChoice

__all__ = ["LearnedHub"]

#: Importance work (rows predicted x parameters) done on the GUI thread, at most (~10 ms).
SYNC_IMPORTANCE_WORK = 3_000_000
#: What the page says where importance cannot be measured.
NO_VALIDATION = (
    "Feature importance is measured on the validation rows, and this data has fewer than 2. "
    "Set a validation share in the Data settings and train again."
)


class LearnedHub(QObject):
    """What the trained model learned (see the module docstring).

    Signals: `histogramsChanged()` (a new epoch, or another model), `modelChanged()`
    (an inspection copy is ready, or gone: the page starts over), `importanceChanged()`
    (`importance` or `importance_note` changed), `healthChanged(dict)` (node id ->
    `LayerHealth` to show; empty to clear the badges).
    """

    histogramsChanged = Signal()
    modelChanged = Signal()
    importanceChanged = Signal()
    healthChanged = Signal(object)

    def __init__(self, session: TrainingSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.controller = session.controller
        self.jobs = BackgroundJobs(self)
        self.model: Any | None = None
        self.network: dict[str, Any] | None = None
        self.importance: Importances | None = None
        self.importance_note = ""
        self.importance_busy = False
        self.health: dict[str, LayerHealth] = {}
        self.shown_health: dict[str, LayerHealth] = {}
        self._evaluation: Evaluation | None = None
        self._split: SplitChoice | None = None
        self._runs = 0
        self._key: tuple[int, int] | None = None
        session.runStarted.connect(self._on_run_started)
        session.epochsEnded.connect(lambda _events: self.histogramsChanged.emit())
        session.runFinished.connect(lambda *_: self.refresh())
        session.errored.connect(lambda *_: self.refresh())
        session.modelChanged.connect(self.refresh)
        self.controller.graphEvent.connect(self._on_graph_event)

    # ------------------------------------------------------------------ state
    @property
    def histograms(self) -> Any:
        """The session's `HistogramRecorder` (copies; safe to read during a run)."""
        return self.session.histograms

    @property
    def ready(self) -> bool:
        """True when a trained model is there to inspect (not during a run)."""
        return self.model is not None

    def _on_run_started(self, fresh: bool) -> None:
        self._runs += 1
        self._clear()
        self.histogramsChanged.emit()

    def _clear(self) -> None:
        self.jobs.cancel("importance")
        self.model = self.network = None
        self._key = None
        self.importance, self.importance_note, self.importance_busy = None, "", False
        self._evaluation = self._split = None
        self.health = {}
        self._show_health()
        self.modelChanged.emit()
        self.importanceChanged.emit()

    def refresh(self) -> None:
        """Inspect the session's trained model anew (after a run, a restore or a drop)."""
        session = self.session
        if session.is_running():
            return
        model, dataset = session.model, session.dataset
        if model is None or dataset is None or session.model_network is None:
            if self.model is not None or self.health:
                self._clear()
            self.histogramsChanged.emit()
            return
        key = (id(model), self._runs)
        if key == self._key:
            return
        from core.evaluation.learned import health_by_node, inspection_copy, training_health

        self._clear()
        self._key = key
        self.model = inspection_copy(model)
        self.network = dict(session.model_network)
        try:
            self.health = health_by_node(training_health(self.model, dataset), self.network)
        except (LayerForgeError, ValueError, FloatingPointError) as exc:
            self.health = {}
            session.message.emit(f"Activation health was not measured: {describe(exc)}")
        self._show_health()
        self.modelChanged.emit()
        self.histogramsChanged.emit()
        self._start_importance()

    # ------------------------------------------------------------------ health
    def _on_graph_event(self, event: object) -> None:
        if not isinstance(event, NodeMoved):
            self._show_health()

    def _show_health(self) -> None:
        show = self.health if self._canvas_is_trained_network() else {}
        if show != self.shown_health:
            self.shown_health = dict(show)
            self.healthChanged.emit(dict(show))

    def _canvas_is_trained_network(self) -> bool:
        return self.network is not None and network_matches(self.network, self.controller.graph)

    # ------------------------------------------------------------------ importance
    def _start_importance(self) -> None:
        from core.evaluation.learned import importance_rows, inspection_copy, validation_importance
        from core.evaluation.results import model_predictor

        dataset = self.session.dataset
        if self.model is None or dataset is None:
            return
        if len(dataset.x_val) < 2:
            self.importance_note = NO_VALIDATION
            self.importanceChanged.emit()
            return
        copy = inspection_copy(self.model)  # the pool thread's own model

        def compute() -> Importances:
            return validation_importance(model_predictor(copy), dataset)

        work = importance_rows(dataset) * max(int(copy.count_params()), 1)
        if work <= SYNC_IMPORTANCE_WORK:
            self.jobs.call("importance", compute, self._importance_done)
            return
        self.importance_busy = True
        self.importance_note = "Measuring feature importance on the validation rows…"
        self.importanceChanged.emit()
        self.jobs.run("importance", compute, self._importance_done)

    def _importance_done(self, result: Importances | None, error: str) -> None:
        self.importance_busy = False
        self.importance = result
        self.importance_note = f"Feature importance could not be measured: {error}" if error else ""
        self.importanceChanged.emit()

    # ------------------------------------------------------------------ explanations
    def evaluation(self) -> Evaluation | None:
        """The trained model's evaluation on the test rows (else validation), made once."""
        if self.model is None or self.session.dataset is None:
            return None
        if self._evaluation is None:
            from core.evaluation.results import choose_split, evaluate_dataset

            self._split = choose_split(self.session.dataset)
            self._evaluation = evaluate_dataset(self.model, self.session.dataset)
        return self._evaluation

    def row_count(self) -> int:
        """How many rows can be explained (the evaluated rows), 0 without a model."""
        try:
            ev = self.evaluation()
        except LayerForgeError:
            return 0
        return len(ev.predictions) if ev is not None else 0

    def worst_position(self) -> int | None:
        from core.evaluation.learned import worst_position

        ev = self.evaluation()
        return worst_position(ev) if ev is not None else None

    def explain(self, position: int, method: str = "integrated_gradients") -> RowExplanation:
        """Explain evaluated row `position` (0-based); LayerForgeError says why it cannot be."""
        from core.evaluation.learned import explain_evaluated_row

        ev = self.evaluation()
        if ev is None or self._split is None or self.model is None:
            raise LayerForgeError("Train the network first: there is no trained model to explain.")
        return explain_evaluated_row(
            self.model, self._split.x, ev, position, self.session.dataset.pipeline, method=method
        )
