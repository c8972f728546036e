"""A twin of the session's model that views may predict with at any time, even mid-run.

`LiveModel` follows a `TrainingSession`: when a run starts (before its
worker thread does) it builds a `core.live.TwinModel` from the run's network
(once per network; "train more" keeps it) and loads the starting weights;
during the run it loads each copy the session's `WeightTap` made in the
training thread (pulled when a batch delivery arrives, about ten a second);
when the run ends, or a trained model is restored or dropped, it loads the
session's model as it now is. Each load emits `weightsUpdated`. Views never
touch the model being trained: they call `predict`, which runs the twin in
the GUI thread. While no view holds the live model (`acquire` / `release`)
it copies and loads nothing, so a closed view costs the run nothing; the
first `acquire` catches up (mid-run, with the next copy the tap makes).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.session import PAUSED, TrainingSession
from core.errors import LayerForgeError
from core.live import TwinModel

__all__ = ["LiveModel"]


class LiveModel(QObject):
    """The session's model as views see it: a twin loaded with copied weights.

    Signals: `weightsUpdated()` after the twin took new weights (or was dropped:
    `available` is then False).
    """

    weightsUpdated = Signal()

    def __init__(self, session: TrainingSession, parent: QObject | None = None) -> None:
        super().__init__(parent or session)
        self.session = session
        self.tap = session.weight_tap
        self.twin: TwinModel | None = None
        #: Loads so far (each one emitted `weightsUpdated`).
        self.version = 0
        self._tap_version = 0
        self._users: set[int] = set()
        session.runStarted.connect(self._on_run_started)
        session.batches.connect(lambda _chunk: self._pull())
        session.stateChanged.connect(self._on_state)
        session.runFinished.connect(lambda *_a: self._from_session())
        session.errored.connect(lambda *_a: self._from_session())
        session.modelChanged.connect(self._from_session)

    # ------------------------------------------------------------------ users
    def acquire(self, user: object) -> None:
        """`user` (a view) wants the weights: copying is on while anyone does."""
        first = not self._users
        self._users.add(id(user))
        self.tap.wanted = True
        if not first:
            return
        if not self.session.is_running():
            self._from_session()
        elif self._twin_for(self.session.model_network) is not None:
            assert self.twin is not None
            self.twin.unload()  # until the tap's next copy: never another run's weights
            self._tap_version = 0
            self._pull()

    def release(self, user: object) -> None:
        self._users.discard(id(user))
        self.tap.wanted = bool(self._users)

    # ------------------------------------------------------------------ reading
    @property
    def available(self) -> bool:
        """True when the twin holds weights to predict with."""
        return self.twin is not None and self.twin.loaded

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The twin's outputs for inputs `x` (raises RuntimeError when not `available`)."""
        if self.twin is None or not self.twin.loaded:
            raise RuntimeError("There is no model to predict with yet.")
        return self.twin.predict(x)

    def get_weights(self) -> list[np.ndarray]:
        return [] if self.twin is None else self.twin.get_weights()

    def rate_note(self) -> str:
        """How closely the twin follows a run, in plain words ("" outside runs)."""
        return self.tap.describe() if self.session.is_running() else ""

    # ------------------------------------------------------------------ following
    def _twin_for(self, network: Any) -> TwinModel | None:
        if network is None:
            return None
        if self.twin is None or not self.twin.same_network(network):
            try:
                self.twin = TwinModel(network, self.session.controller.catalog)
            except LayerForgeError:
                self.twin = None
        return self.twin

    def _load(self, weights: list[np.ndarray]) -> None:
        twin = self.twin
        if twin is None:
            return
        try:
            twin.load(weights)
        except LayerForgeError:  # a network that does not match: show nothing, never stale
            self.twin = None
        self.version += 1
        self.weightsUpdated.emit()

    def _on_run_started(self, _fresh: bool) -> None:
        # Emitted before the worker thread starts: the model is not training yet.
        session = self.session
        self._tap_version = 0
        model = session.model
        if not self._users:
            if self.twin is not None:
                self.twin.unload()
            return
        if model is None or self._twin_for(session.model_network) is None:
            return
        self._load(model.get_weights())

    def _pull(self) -> None:
        snap = self.tap.latest()
        if snap is None or snap.version == self._tap_version or self.twin is None:
            return
        self._tap_version = snap.version
        self._load(list(snap.weights))

    def _on_state(self, state: str) -> None:
        if state == PAUSED:
            self._pull()  # the worker copied the weights just before it paused

    def _from_session(self) -> None:
        """The session's model as it is now (only when no run is using it)."""
        session = self.session
        if session.is_running():
            return
        if not self._users:
            if self.twin is not None:
                self.twin.unload()  # caught up by the next `acquire`
            return
        if session.model is None:
            if self.twin is not None and self.twin.loaded:
                self.twin.unload()  # kept: the next run's twin when the network is the same
                self.version += 1
                self.weightsUpdated.emit()
            return
        if self._twin_for(session.model_network) is None:
            return
        self._load(session.model.get_weights())
