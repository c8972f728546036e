"""The training session: the data, the built model and its trained weights for one window.

`TrainingSession` is the Qt-side owner of everything a run needs and
produces: the opened CSV `Table`, its column profiles, the `DataConfig` and
the prepared `Dataset`; the model built from the controller's graph and its
trained weights; the `TrainingWorker` of the current run. It offers
start/pause/resume/stop/step, "train N more epochs", reset weights, test-split
metrics after a run and saving the trained model as a `.lfmodel` bundle. The
logic lives in `core` (`core.data`, `core.run`, `core.engine.training`,
`core.bundle`); the session only sequences it, keeps the project's
`data_config` / `train_config` dicts in sync, and re-emits progress as
signals. Panels are views of the session and hold no state of their own.
"""

from __future__ import annotations

import copy
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.worker import BatchChunk, TrainingWorker
from core.errors import LayerForgeError

#: Test split offered for a freshly opened CSV (the data config's own default is 0).
DEFAULT_TEST_SPLIT = 0.1

IDLE, RUNNING, PAUSED, STOPPING = "idle", "running", "paused", "stopping"


def describe(exc: BaseException) -> str:
    """One plain line for a person: a LayerForge error's message, else type and text."""
    if isinstance(exc, LayerForgeError):
        return " ".join(str(exc).split())
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def _analysis_errors(analysis: Any) -> list[str]:
    out = []
    for p in getattr(analysis, "problems", ()) or ():
        level = getattr(p, "severity", None) or getattr(p, "level", None)
        if level is None or str(level).lower() in ("error", "fatal"):
            out.append(str(getattr(p, "message", None) or p))
    return out


class TrainingSession(QObject):
    """Data + model + run state of one window; see the module docstring.

    Signals: `dataChanged()` (table, profiles, config or dataset changed),
    `dataError(str)` (a plain-words data problem; "" when cleared),
    `stateChanged(str)` (idle/running/paused/stopping), `runStarted(bool)` (True
    for a fresh run that clears the plots, False to continue), `batches(BatchChunk)`,
    `epochEnded(event)`, `runFinished(event, str)` (the event and a plain
    summary), `errored(str, str)` (message, traceback), `testMetrics(dict)`,
    `readinessChanged(bool, str)` (can start, reason), `message(str)`,
    `trainConfigChanged()` (the project's train_config changed: an edit through
    `update_train_config`, undo/redo, New/Open).
    """

    dataChanged = Signal()
    dataError = Signal(str)
    stateChanged = Signal(str)
    runStarted = Signal(bool)
    batches = Signal(object)
    epochEnded = Signal(object)
    runFinished = Signal(object, str)
    errored = Signal(str, str)
    testMetrics = Signal(object)
    readinessChanged = Signal(bool, str)
    message = Signal(str)
    trainConfigChanged = Signal()

    def __init__(self, controller: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.table: Any = None
        self.profiles: list[Any] = []
        self.data_config: Any = None
        self.dataset: Any = None
        self.data_error = ""
        self.model: Any = None
        self.model_settings: Any = None
        self.epochs_done = 0
        self.history: dict[str, list[float]] = {}
        self.test_metrics: dict[str, float] = {}
        self.last_finished: Any = None
        self.last_error: tuple[str, str] | None = None
        self.worker: TrainingWorker | None = None
        self.state = IDLE
        self.run_started_at: float | None = None
        self.samples_seen = 0
        self._graph_changed = False
        controller.graphEvent.connect(self._on_graph_event)
        controller.documentReset.connect(self.load_from_project)
        config_changed = getattr(controller, "trainConfigChanged", None)
        if config_changed is not None:  # edits, undo/redo and New/Open all pass here
            config_changed.connect(self._on_train_config_changed)
        if hasattr(controller, "analysisChanged"):
            controller.analysisChanged.connect(lambda _a: self._emit_readiness())

    # ------------------------------------------------------------------ project sync
    @property
    def project(self) -> Any:
        return self.controller.project

    @property
    def train_config(self) -> dict[str, Any]:
        return self.project.train_config

    def update_train_config(self, changes: Mapping[str, Any], text: str = "") -> bool:
        """Merge `changes` into the project's train_config: checked by core.run, then
        applied as one undoable step through the controller (`set_train_config`).

        Raises ConfigError (nothing changed) when the result is not valid; returns False
        when nothing changed. `trainConfigChanged` follows a change.
        """
        from core.run import TrainSettings

        merged = copy.deepcopy(self.project.train_config)
        for key, value in changes.items():
            if key == "early_stopping" and isinstance(value, Mapping):
                es = dict(merged.get("early_stopping") or {})
                es.update(value)
                merged[key] = es
            else:
                merged[key] = copy.deepcopy(value)
        TrainSettings.from_dict(merged)  # raises ConfigError with a plain message
        setter = getattr(self.controller, "set_train_config", None)
        if callable(setter):
            return bool(setter(merged, text))
        if merged == self.project.train_config:  # a controller without undo support
            return False
        self.project.train_config.clear()
        self.project.train_config.update(merged)
        self._on_train_config_changed()
        return True

    def _on_train_config_changed(self) -> None:
        self._emit_readiness()
        self.trainConfigChanged.emit()

    def settings(self) -> Any:
        from core.run import TrainSettings

        return TrainSettings.from_dict(self.project.train_config)

    def load_from_project(self) -> None:
        """Re-open the project's data file (after New/Open), or clear the data."""
        if self.is_running():
            self.stop_and_wait()
        self.model = None
        self.epochs_done = 0
        path = self.project.data_path
        if path:
            p = path
            if not os.path.isabs(p) and self.project.path:
                p = os.path.join(os.path.dirname(self.project.path), p)
            self.open_csv(p, keep_config=True)
        else:
            self.table, self.profiles, self.dataset, self.data_config = None, [], None, None
            self._set_data_error("")
            self.dataChanged.emit()
            self._emit_readiness()

    # ------------------------------------------------------------------ data
    def open_csv(self, path: str | os.PathLike[str], *, keep_config: bool = False) -> bool:
        """Read and prepare a CSV; False (and `dataError`) when it cannot be used."""
        from core.data import DataConfig, profile_table, read_csv

        try:
            table = read_csv(path)
            profiles = profile_table(table)
        except (LayerForgeError, OSError, ValueError) as exc:
            self._set_data_error(describe(exc))
            self.message.emit(f"Could not open {os.path.basename(str(path))}")
            return False
        same_file = keep_config or (
            self.project.data_path
            and os.path.abspath(str(self.project.data_path)) == os.path.abspath(str(path))
        )
        config = None
        if same_file and self.project.data_config:
            try:
                config = DataConfig.from_dict(dict(self.project.data_config))
            except (LayerForgeError, TypeError, ValueError) as exc:
                self.message.emit(f"The saved data settings were reset: {describe(exc)}")
        if config is None:
            config = DataConfig(
                validation_split=float(self.project.train_config.get("validation_split", 0.2)),
                test_split=DEFAULT_TEST_SPLIT,
                seed=int(self.project.train_config.get("seed") or 0),
            )
        self.table, self.profiles = table, profiles
        self.project.data_path = str(os.path.abspath(str(path)))
        self.model = None
        self.epochs_done = 0
        self._set_data_error("")
        self.apply_data_config(config)
        self.message.emit(f"Opened {os.path.basename(str(path))}: {table.n_rows:,} rows")
        return True

    def apply_data_config(self, config: Any) -> bool:
        """Use `config` (a DataConfig): re-prepare the dataset and sync the project."""
        from core.data import prepare

        self.data_config = config
        self.project.data_config = config.to_dict()
        if self.table is None:
            self.dataChanged.emit()
            return False
        try:
            self.dataset = prepare(self.table, config)
        except (LayerForgeError, ValueError) as exc:
            self.dataset = None
            self._set_data_error(describe(exc))
            self._update_analysis_context()
            self.dataChanged.emit()
            return False
        if config.target is None:
            self.data_config = replace(config, target=self.dataset.target)
            self.project.data_config = self.data_config.to_dict()
        self._set_data_error("")
        self.model = None
        self.epochs_done = 0
        self._update_analysis_context()
        self.dataChanged.emit()
        return True

    def change_data_config(self, **changes: Any) -> bool:
        """A copy of the current DataConfig with `changes` (roles merge); re-prepares."""
        from core.data import DataConfig

        base = self.data_config or DataConfig()
        if "roles" in changes:
            roles = dict(base.roles)
            roles.update(changes.pop("roles"))
            changes["roles"] = roles
        try:
            config = replace(base, **changes)
        except (LayerForgeError, ValueError, TypeError) as exc:
            self._set_data_error(describe(exc))
            return False
        return self.apply_data_config(config)

    def set_role(self, column: str, role: str) -> bool:
        """Make `column` a feature, the target, or ignored."""
        if role == "target":
            roles = {
                k: v
                for k, v in (self.data_config.roles if self.data_config else {}).items()
                if k != column
            }
            old = self.data_config.target if self.data_config else None
            if old and old != column:
                roles[old] = "ignore" if roles.get(old) == "ignore" else "feature"
            base = self.data_config
            return self.apply_data_config(replace(base, target=column, roles=roles, task=None))
        if self.data_config is not None and self.data_config.target == column:
            return self.change_data_config(target=None, roles={column: role})
        return self.change_data_config(roles={column: role})

    def _set_data_error(self, text: str) -> None:
        self.data_error = text
        self.dataError.emit(text)
        self._emit_readiness()

    def _update_analysis_context(self) -> None:
        setter = getattr(self.controller, "set_analysis_context", None)
        if setter is None:
            return
        if self.dataset is not None:
            setter(n_features=self.dataset.n_features, task=self.dataset.task)
        else:
            setter(n_features=None, task=None)

    # ------------------------------------------------------------------ readiness
    def readiness(self) -> tuple[bool, str]:
        """(can start, reason shown next to a disabled Start)."""
        if self.is_running():
            return False, "Training is running."
        if self.table is None:
            return False, "Open a CSV file in the Data panel first."
        if self.dataset is None:
            return False, self.data_error or "The data cannot be used yet."
        errors = _analysis_errors(getattr(self.controller, "analysis", None))
        if errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            return False, f"Fix the network first: {errors[0]}{more}"
        try:
            self.settings()
        except LayerForgeError as exc:
            return False, describe(exc)
        return True, "Ready to train."

    def _emit_readiness(self) -> None:
        ok, reason = self.readiness()
        self.readinessChanged.emit(ok, reason)

    def _on_graph_event(self, _event: Any) -> None:
        self._graph_changed = True
        self._emit_readiness()

    # ------------------------------------------------------------------ runs
    def is_running(self) -> bool:
        return self.worker is not None and self.state != IDLE

    def has_model(self) -> bool:
        return self.model is not None

    def _build(self) -> Any:
        from core.run import build_and_compile

        settings = self.settings()
        model = build_and_compile(self.controller.graph, self.dataset, settings)
        self.model_settings = settings.resolved(self.dataset.task)
        self._graph_changed = False
        return model

    def _events(
        self, model: Any, settings: Any, initial_epoch: int, epochs: int
    ) -> Callable[[], Iterator[Any]]:
        """The factory the worker calls in its thread: core.engine.training.train over the split."""
        from core.run import _early_stopping

        dataset = self.dataset
        has_val = len(dataset.x_val) > 0

        def factory() -> Iterator[Any]:
            from core.engine.training import train

            cbs = []
            stopper = _early_stopping(settings, has_val)
            if stopper is not None:
                cbs.append(stopper)
            return train(
                model,
                dataset.x_train,
                dataset.y_train,
                epochs=epochs,
                batch_size=settings.batch_size,
                validation_data=(dataset.x_val, dataset.y_val) if has_val else None,
                callbacks=cbs,
                shuffle=True,
                seed=settings.seed,
                initial_epoch=initial_epoch,
            )

        return factory

    def start(self, *, paused: bool = False) -> bool:
        """Start a fresh run from newly initialised weights (the plots are cleared)."""
        return self._launch(more_epochs=None, paused=paused)

    def train_more(self, epochs: int, *, paused: bool = False) -> bool:
        """Continue from the current weights for `epochs` more epochs."""
        if self.model is None or self._graph_changed:
            self.message.emit("There are no trained weights to continue from; starting anew.")
            return self._launch(more_epochs=None, paused=paused)
        return self._launch(more_epochs=int(epochs), paused=paused)

    def _launch(self, more_epochs: int | None, paused: bool) -> bool:
        ok, reason = self.readiness()
        if not ok:
            self.message.emit(reason)
            return False
        try:
            settings = self.settings().resolved(self.dataset.task)
            if more_epochs is None:
                self.model = self._build()
                self.epochs_done = 0
                self.history = {}
                initial, final = 0, settings.epochs
            else:
                initial, final = self.epochs_done, self.epochs_done + more_epochs
        except LayerForgeError as exc:
            text = describe(exc)
            self.errored.emit(text, text)
            self.message.emit(text)
            return False
        self.last_finished = None
        self.last_error = None
        self.test_metrics = {}
        self.samples_seen = 0
        factory = self._events(self.model, settings, initial, final)
        worker = TrainingWorker(factory, self, start_paused=paused)
        worker.batches.connect(self._on_batches)
        worker.epochEnded.connect(self._on_epoch)
        worker.trainingFinished.connect(self._on_finished)
        worker.errored.connect(self._on_errored)
        worker.pausedChanged.connect(self._on_paused)
        self.worker = worker
        self.run_started_at = time.perf_counter()
        self.runStarted.emit(more_epochs is None)
        self._set_state(PAUSED if paused else RUNNING)
        worker.start()
        return True

    def pause(self) -> None:
        if self.worker is not None and self.state == RUNNING:
            self.worker.pause()

    def resume(self) -> None:
        if self.worker is not None and self.state == PAUSED:
            self.worker.resume()
            self._set_state(RUNNING)

    def step(self) -> bool:
        """Run exactly one batch, then pause (starts a paused run when idle)."""
        if self.worker is None or self.state == IDLE:
            if self.model is not None and not self._graph_changed and self.epochs_done:
                started = self.train_more(1, paused=True)
            else:
                started = self.start(paused=True)
            if not started:
                return False
        if self.worker is not None and self.state in (PAUSED, RUNNING):
            self.worker.step()
            self._set_state(RUNNING)
            return True
        return False

    def stop(self) -> None:
        """Ask the run to stop at the next batch; `runFinished` follows."""
        if self.worker is not None and self.state != IDLE:
            self.worker.stop()
            self._set_state(STOPPING)

    def stop_and_wait(self, timeout_ms: int = 5000) -> bool:
        """Stop and block until the worker thread has ended (window close, new data)."""
        worker = self.worker
        if worker is None:
            return True
        ended = worker.shutdown(timeout_ms)
        return ended

    def shutdown(self) -> None:
        """Stop any run and wait for the thread: call before the window goes away."""
        worker = self.worker
        if worker is not None:
            for sig in (
                worker.batches,
                worker.epochEnded,
                worker.trainingFinished,
                worker.errored,
                worker.pausedChanged,
            ):
                try:
                    sig.disconnect()
                except (RuntimeError, TypeError):
                    pass
            worker.shutdown(10_000)
            self.worker = None
        self.state = IDLE

    def reset_weights(self) -> None:
        """Forget the trained weights: the next Start builds freshly initialised ones."""
        if self.is_running():
            self.message.emit("Stop the run before resetting the weights.")
            return
        self.model = None
        self.epochs_done = 0
        self.history = {}
        self.test_metrics = {}
        self.message.emit("Weights reset; the next run starts from new random weights.")

    # ------------------------------------------------------------------ worker events
    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)
            self._emit_readiness()

    def _on_paused(self, paused: bool) -> None:
        if self.state == STOPPING:
            return
        self._set_state(PAUSED if paused else RUNNING)

    def _on_batches(self, chunk: BatchChunk) -> None:
        self.samples_seen = chunk.samples_seen
        self.batches.emit(chunk)

    def _on_epoch(self, event: Any) -> None:
        self.epochs_done = int(event.epoch) + 1
        for key, value in dict(event.logs).items():
            try:
                self.history.setdefault(str(key), []).append(float(value))
            except (TypeError, ValueError):
                continue
        self.epochEnded.emit(event)

    def _end_worker(self) -> None:
        worker = self.worker
        if worker is not None:
            worker.wait(5000)
            worker.deleteLater()
        self.worker = None
        self._set_state(IDLE)

    def _on_finished(self, event: Any) -> None:
        self._end_worker()
        self.last_finished = event
        summary = self.finish_summary(event)
        self.evaluate_test()
        self.runFinished.emit(event, summary)
        self.message.emit(summary)

    def _on_errored(self, message: str, details: str) -> None:
        self._end_worker()
        self.last_error = (message, details)
        self.errored.emit(message, details)
        self.message.emit(f"Training failed: {message}")

    def finish_summary(self, event: Any) -> str:
        reason = str(getattr(event, "reason", "completed"))
        epoch = int(getattr(event, "epoch", 0)) + 1
        batch = int(getattr(event, "batch", 0)) + 1
        if reason == "diverged":
            return (
                f"Training diverged at epoch {epoch}, batch {batch}: the loss became NaN or "
                "infinite. Try a lower learning rate (e.g. 10x smaller) or scale the inputs "
                "(Data panel > Scale). The weights of the last good epoch were kept."
            )
        if reason == "stopped":
            return f"Stopped at epoch {epoch}, batch {batch}."
        if reason == "early_stopping":
            return f"Early stopping after epoch {epoch}: the monitored value stopped improving."
        return f"Training finished: {self.epochs_done} epoch(s)."

    def evaluate_test(self) -> dict[str, float]:
        """Metrics of the trained model on the test split (empty when it has no rows)."""
        self.test_metrics = {}
        if self.model is None or self.dataset is None or len(self.dataset.x_test) == 0:
            self.testMetrics.emit({})
            return {}
        try:
            from core.run import evaluate_arrays

            metrics = evaluate_arrays(self.model, self.dataset.x_test, self.dataset.y_test)
        except (LayerForgeError, ValueError, FloatingPointError) as exc:
            self.message.emit(f"Could not evaluate on the test split: {describe(exc)}")
            metrics = {}
        self.test_metrics = {k: v for k, v in metrics.items() if math.isfinite(v)}
        self.testMetrics.emit(dict(self.test_metrics))
        return self.test_metrics

    # ------------------------------------------------------------------ saving
    def can_save_model(self) -> tuple[bool, str]:
        if self.model is None or self.epochs_done == 0:
            return False, "Train the network first."
        if self.is_running():
            return False, "Stop the run before saving the model."
        try:
            import core.bundle  # noqa: F401
        except ImportError:
            return False, "Saving models is not available in this version."
        return True, ""

    def save_model(self, path: str | os.PathLike[str]) -> str:
        """Write the trained model as a .lfmodel bundle; returns the path written."""
        written = self._write_bundle(path)
        self.message.emit(f"Saved the trained model to {written}")
        return written

    def _write_bundle(self, path: str | os.PathLike[str]) -> str:
        ok, reason = self.can_save_model()
        if not ok:
            raise LayerForgeError(reason)
        from core.bundle import save_model_bundle

        settings = self.model_settings or self.settings().resolved(self.dataset.task)
        meta = {
            "metrics": {"test": dict(self.test_metrics)},
            "history": {k: list(v) for k, v in self.history.items()},
            "epochs_run": self.epochs_done,
            "train_settings": settings.to_dict(),
        }
        written = save_model_bundle(
            self.model,
            path,
            pipeline=self.dataset.pipeline,
            task=self.dataset.task,
            metadata=meta,
            graph=self.controller.graph,
            compile_info={"loss": settings.loss, "metrics": list(settings.metrics)},
        )
        return str(written)

    def trained_bundle(self) -> Any:
        """The trained model as a `core.bundle.BundledModel` (for export), or None.

        It goes through a temporary `.lfmodel` file so that exports see exactly
        what a saved bundle holds (weights, preprocessing, labels).
        """
        if not self.can_save_model()[0]:
            return None
        import tempfile

        from core.bundle import load_model

        with tempfile.TemporaryDirectory(prefix="layerforge-") as tmp:
            path = os.path.join(tmp, "trained.lfmodel")
            self._write_bundle(path)
            return load_model(path)
