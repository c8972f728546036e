"""Run settings, run controls, progress and the latest metrics of the current run.

`TrainingPanel` is a view of a `TrainingSession` and its controller: its
settings form shows the project's `core.run.TrainSettings` (which owns the
defaults) and edits them through `controller.update_train_config` (one
undoable step each; optimizer, learning rate, epochs, batch size, loss,
metrics, seed, early stopping), following `controller.trainConfigChanged`
(edits, undo/redo, New/Open); the validation share is a data setting, edited
on the Data page. Its buttons call the session (Train, Pause/Resume, Stop,
Step, Train N more, Reset weights, Save model) and it says why Train is
disabled. Two more widgets show the run and are placed by the composer
(`app.training_ui`): `readout` (epoch and batch, elapsed, ETA, samples/s, the
latest training/validation values, the test score, and how the run ended or
why it failed, in plain words) and `status_box` (progress bar and the newest
metrics or the outcome, for the run bar). Deliveries only record the newest
values; the labels are rewritten on a 5 Hz tick (each Qt call from Python
hands the GIL to the training thread and back).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.session import IDLE, PAUSED, RUNNING, STOPPING, TrainingSession, describe
from app.widgets.labels import ERROR_STYLE, make_label
from app.worker import GUI_GATE, BatchChunk
from core.engine.training import EpochEnded, TrainingFinished
from core.errors import LayerForgeError

#: How often the progress read-outs are rewritten while a run delivers data (ms).
READOUT_MS = 200
#: Width of the progress bar in the run bar (px): room for "Epoch 100/100 · batch 10/10 · 100 %".
PROGRESS_WIDTH = 280
SUMMARY_STYLE = "font-weight: 600;"

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "adagrad")
LOSSES = (
    "(from the task)",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "mean_squared_error",
    "mean_absolute_error",
    "huber",
)


def format_duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    seconds = max(0, int(round(seconds)))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_logs(logs: Mapping[str, Any]) -> str:
    parts = []
    for key, value in logs.items():
        try:
            parts.append(f"{key} {float(value):.4g}")
        except (TypeError, ValueError):
            continue
    return " · ".join(parts)


def compact_metrics(
    batch_logs: Mapping[str, Any] | None, epoch_logs: Mapping[str, Any] | None
) -> str:
    """One short line of the newest values: the running batch values of the epoch under
    way, with the last epoch's validation values (`val_…`) after them."""
    shown: dict[str, Any] = {}
    for key, value in (batch_logs or epoch_logs or {}).items():
        if not str(key).startswith("val_") and key not in ("batch", "size"):
            shown[str(key)] = value
    for key, value in (epoch_logs or {}).items():
        if str(key).startswith("val_"):
            shown[str(key)] = value
    return format_logs(shown)


class TrainingPanel(QWidget):
    """Settings, controls and read-outs of the current run; see the module docstring."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TrainingPanel")
        self.session = session
        self.controller = session.controller
        self._loading = False
        self._epochs_total = 0
        self._epoch_start = 0
        self._last_chunk: BatchChunk | None = None
        self._samples_at_start = 0
        self._error_details = ""

        # --- settings -------------------------------------------------------------------
        self.optimizer = QComboBox()
        self.optimizer.addItems(OPTIMIZERS)
        self.learning_rate = QLineEdit()
        self.learning_rate.setToolTip("Step size, e.g. 0.001 or 1e-3")
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 100_000)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 1_000_000)
        self.loss = QComboBox()
        self.loss.addItems(LOSSES)
        self.metrics = QLineEdit()
        self.metrics.setPlaceholderText("from the task, e.g. accuracy")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Fixes the data split, the initial weights and the shuffling")
        self.early_stopping = QCheckBox("Stop early")
        self.early_stopping.setToolTip(
            "Stop when the monitored value has not improved for 'patience' epochs"
        )
        self.patience = QSpinBox()
        self.patience.setRange(0, 10_000)
        self.monitor = QComboBox()
        self.monitor.setEditable(True)
        self.monitor.addItems(["val_loss", "loss", "val_accuracy"])

        form = QFormLayout()
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Loss", self.loss)
        form.addRow("Metrics", self.metrics)
        form.addRow("Seed", self.seed)
        form.addRow(self.early_stopping)
        form.addRow("Patience", self.patience)
        form.addRow("Monitor", self.monitor)
        self.patience.setToolTip("Epochs without improvement before the run stops")
        self.monitor.setToolTip("The value early stopping watches")
        # Spin boxes size themselves for their largest value (2^31 for the seed); a
        # modest minimum lets the form fit the dock.
        for spin in (self.epochs, self.batch_size, self.seed, self.patience):
            spin.setMinimumWidth(70)
            spin.setKeyboardTracking(False)  # typed digits count once, on Enter or leaving
        # Fields take the width left by the labels; rows wrap rather than push the dock wider.
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(4)
        for field in (self.optimizer, self.loss, self.monitor):
            field.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            field.setMinimumContentsLength(6)
            field.setMinimumWidth(0)
        settings_box = QGroupBox("Settings")
        settings_box.setLayout(form)
        self.settings_error = make_label(name="settingsError", style=ERROR_STYLE, hidden=True)

        # --- controls -------------------------------------------------------------------
        self.start_button = QPushButton("Train")
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("Train exactly one batch, then pause")
        self.more_epochs = QSpinBox()
        self.more_epochs.setRange(1, 100_000)
        self.more_epochs.setValue(5)
        self.more_button = QPushButton("Train more")
        self.more_button.setToolTip("Continue from the current weights for this many epochs")
        self.reset_button = QPushButton("Reset weights")
        self.save_button = QPushButton("Save model…")
        # Two rows of two, then "Train more [N]" and the weights buttons: fits a ~300 px dock.
        controls = QGridLayout()
        controls.setHorizontalSpacing(6)
        controls.setVerticalSpacing(4)
        controls.addWidget(self.start_button, 0, 0)
        controls.addWidget(self.pause_button, 0, 1)
        controls.addWidget(self.stop_button, 1, 0)
        controls.addWidget(self.step_button, 1, 1)
        more_row = QHBoxLayout()
        more_row.setSpacing(6)
        more_row.addWidget(self.more_button, 1)
        more_row.addWidget(self.more_epochs)
        controls.addLayout(more_row, 2, 0, 1, 2)
        controls.addWidget(self.reset_button, 3, 0)
        controls.addWidget(self.save_button, 3, 1)
        for button in (
            self.start_button,
            self.pause_button,
            self.stop_button,
            self.step_button,
            self.more_button,
            self.reset_button,
            self.save_button,
        ):
            button.setMinimumWidth(0)
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.more_epochs.setSuffix(" epochs")
        self.more_epochs.setMinimumWidth(90)
        self.reason = make_label(name="startReason")

        # --- progress and read-outs -----------------------------------------------------
        self.progress = QProgressBar()
        self.progress.setObjectName("runProgress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.progress.setFixedWidth(PROGRESS_WIDTH)
        # The compact read-out for the run bar: where the run is and its newest metrics.
        self.status_box = QWidget()
        self.status_box.setObjectName("runStatus")
        self.summary = make_label(name="runSummary", wrap=False)
        self.summary.setStyleSheet(SUMMARY_STYLE)
        # long metric lines are cut at the bar's edge rather than widening the window
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.summary.setMinimumWidth(0)
        status_layout = QHBoxLayout(self.status_box)
        status_layout.setContentsMargins(6, 0, 0, 0)
        status_layout.setSpacing(10)
        status_layout.addWidget(self.progress)
        status_layout.addWidget(self.summary, 1)
        self.status_box.hide()  # until the first run: before it, there is nothing to show
        # The full read-out, for the Training page: position and speed, the latest batch
        # and epoch values, the test score, and the run's outcome or failure.
        self.position = make_label("Not started", name="position", wrap=False)
        self.timing = make_label(name="timing", role="muted")
        self.latest = make_label(name="latestMetrics", collapse=True)
        self.epoch_metrics = make_label(name="epochMetrics", collapse=True)
        self.test_label = make_label(name="testMetrics", selectable=True, collapse=True)
        self.test_label.setStyleSheet("font-weight: 600; font-size: 13px;")
        self.notice = make_label(name="runNotice", selectable=True, collapse=True)
        self.readout = QWidget()
        self.readout.setObjectName("runReadout")
        place = QHBoxLayout()
        place.setSpacing(16)
        place.addWidget(self.position)
        place.addWidget(self.timing, 1)
        readout = QVBoxLayout(self.readout)
        readout.setContentsMargins(0, 0, 0, 0)
        readout.setSpacing(3)
        readout.addLayout(place)
        readout.addWidget(self.latest)
        readout.addWidget(self.epoch_metrics)
        readout.addWidget(self.test_label)
        readout.addWidget(self.notice)
        readout.addStretch(1)  # the room kept for lines not yet filled stays below them

        layout = QVBoxLayout(self)
        layout.addWidget(settings_box)
        layout.addWidget(self.settings_error)
        layout.addLayout(controls)
        layout.addWidget(self.reason)
        layout.addStretch(1)

        # --- wiring ---------------------------------------------------------------------
        self.start_button.clicked.connect(self._start)
        self.pause_button.clicked.connect(self._pause_resume)
        self.stop_button.clicked.connect(session.stop)
        self.step_button.clicked.connect(self._step)
        self.more_button.clicked.connect(self._more)
        self.reset_button.clicked.connect(session.reset_weights)
        self.save_button.clicked.connect(self._save_dialog)
        self.optimizer.currentTextChanged.connect(lambda v: self._commit({"optimizer": v}))
        self.learning_rate.editingFinished.connect(self._commit_learning_rate)
        self.epochs.valueChanged.connect(lambda v: self._commit({"epochs": int(v)}))
        self.batch_size.valueChanged.connect(lambda v: self._commit({"batch_size": int(v)}))
        self.loss.currentIndexChanged.connect(self._commit_loss)
        self.metrics.editingFinished.connect(self._commit_metrics)
        self.seed.valueChanged.connect(lambda v: self._commit({"seed": int(v)}))
        self.early_stopping.toggled.connect(self._commit_early_stopping)
        self.patience.valueChanged.connect(lambda _v: self._commit_early_stopping())
        self.monitor.currentTextChanged.connect(lambda _v: self._commit_early_stopping())

        session.stateChanged.connect(self._on_state)
        session.readinessChanged.connect(self._on_readiness)
        session.runStarted.connect(self._on_run_started)
        session.batches.connect(self._on_batches)
        session.epochsEnded.connect(lambda events: self._on_epoch(events[-1]))
        session.runFinished.connect(self._on_finished)
        session.errored.connect(self._on_error)
        session.testMetrics.connect(self._on_test_metrics)
        # Follow the project's settings wherever they change (edits, undo/redo, New/Open).
        self.controller.trainConfigChanged.connect(self.load_settings)
        session.modelChanged.connect(self.show_model)
        session.runStarted.connect(lambda _fresh: self.load_settings())
        self._last_epoch: EpochEnded | None = None
        self._readout_pending = False
        self._readout_timer = QTimer(self)
        self._readout_timer.setInterval(READOUT_MS)
        self._readout_timer.timeout.connect(self.refresh_readouts)
        self.load_settings()
        self._on_state(session.state)
        self._on_readiness(*session.readiness())

    # ------------------------------------------------------------------ settings
    def load_settings(self) -> None:
        """Show the project's training settings in the form."""
        s = self.controller.train_settings()
        self._loading = True
        try:
            self.optimizer.setCurrentText(s.optimizer)
            self.learning_rate.setText(f"{s.learning_rate:g}")
            self.epochs.setValue(s.epochs)
            self.batch_size.setValue(s.batch_size)
            if s.loss and self.loss.findText(s.loss) < 0:
                self.loss.addItem(s.loss)
            self.loss.setCurrentIndex(self.loss.findText(s.loss) if s.loss else 0)
            self.metrics.setText(", ".join(s.metrics))
            self.seed.setValue(s.seed or 0)
            self.early_stopping.setChecked(s.early_stopping.enabled)
            self.patience.setValue(s.early_stopping.patience)
            self.monitor.setCurrentText(s.early_stopping.monitor)
        finally:
            self._loading = False

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        self.load_settings()
        super().showEvent(event)

    def _commit(self, changes: Mapping[str, Any]) -> bool:
        """Apply a settings edit through the controller: checked, then one undo step."""
        if self._loading:
            return True
        self._loading = True  # the form already shows the new value
        try:
            self.controller.update_train_config(changes)
        except LayerForgeError as exc:
            self.settings_error.setText(describe(exc))
            self.settings_error.show()
            return False
        finally:
            self._loading = False
        self.settings_error.hide()
        self._on_readiness(*self.session.readiness())
        return True

    def _commit_learning_rate(self) -> None:
        text = self.learning_rate.text().strip()
        try:
            value = float(text)
        except ValueError:
            self.settings_error.setText(
                f"Learning rate: Expected a number > 0 such as 0.001. Received: {text!r}."
            )
            self.settings_error.show()
            return
        self._commit({"learning_rate": value})

    def _commit_loss(self, index: int) -> None:
        self._commit({"loss": None if index <= 0 else self.loss.currentText()})

    def _commit_metrics(self) -> None:
        names = [m.strip() for m in self.metrics.text().split(",") if m.strip()]
        self._commit({"metrics": names})

    def _commit_early_stopping(self) -> None:
        self._commit(
            {
                "early_stopping": {
                    "enabled": self.early_stopping.isChecked(),
                    "patience": int(self.patience.value()),
                    "monitor": self.monitor.currentText().strip() or "val_loss",
                }
            }
        )

    # ------------------------------------------------------------------ controls
    def _apply_pending_edits(self) -> None:
        # a value typed but not yet confirmed with Enter still counts
        self._commit_learning_rate()
        self._commit_metrics()

    def _start(self) -> None:
        self._apply_pending_edits()
        self.session.start()

    def _pause_resume(self) -> None:
        if self.session.state == PAUSED:
            self.session.resume()
        else:
            self.session.pause()

    def _step(self) -> None:
        self._apply_pending_edits()
        self.session.step()

    def _more(self) -> None:
        self._apply_pending_edits()
        self.session.train_more(int(self.more_epochs.value()))

    def _save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save trained model", "model.lfmodel", "LayerForge model (*.lfmodel)"
        )
        if not path:
            return
        if not path.endswith(".lfmodel"):
            path += ".lfmodel"
        try:
            written = self.session.save_model(path)
        except (LayerForgeError, OSError) as exc:
            self.show_notice(f"Could not save the model: {describe(exc)}", "")
            return
        self.show_notice(f"Saved the trained model to {written}.", "", error=False)

    def _on_state(self, state: str) -> None:
        running = state in (RUNNING, PAUSED, STOPPING)
        self.pause_button.setText("Resume" if state == PAUSED else "Pause")
        self.pause_button.setEnabled(state in (RUNNING, PAUSED))
        self.stop_button.setEnabled(state in (RUNNING, PAUSED))
        self.step_button.setEnabled(
            state in (IDLE, PAUSED) and (state == PAUSED or self.session.readiness()[0])
        )
        self.more_button.setEnabled(not running and self.session.has_model())
        self.reset_button.setEnabled(not running and self.session.has_model())
        ok_save, why = self.session.can_save_model()
        self.save_button.setEnabled(ok_save)
        self.save_button.setToolTip(why)
        for w in (
            self.optimizer,
            self.learning_rate,
            self.epochs,
            self.batch_size,
            self.loss,
            self.metrics,
            self.seed,
            self.early_stopping,
            self.patience,
            self.monitor,
        ):
            w.setEnabled(not running)
        if state == PAUSED:
            self.position.setText(self.position.text().split(" (paused)")[0] + " (paused)")

    def _on_readiness(self, ok: bool, reason: str) -> None:
        running = self.session.is_running()
        self.start_button.setEnabled(ok and not running)
        self.start_button.setToolTip("" if ok else reason)
        self.reason.setText("" if ok or running else reason)
        self.reason.setVisible(not ok and not running)
        if not running:
            self.step_button.setEnabled(ok)

    # ------------------------------------------------------------------ progress
    def _on_run_started(self, fresh: bool) -> None:
        self._started_at = time.perf_counter()
        self._last_chunk = None
        self._readout_pending = False
        self._epoch_start = self.session.epochs_done
        cfg_epochs = self.controller.train_settings().epochs
        self._epochs_total = (
            cfg_epochs if fresh else self._epoch_start + int(self.more_epochs.value())
        )
        self.hide_notice()
        self._reserve_readout(True)
        if fresh:
            self._last_epoch = None
            self.test_label.setText("")
            self.latest.setText("")
            self.epoch_metrics.setText("")
        self.position.setText("Starting…")
        self.summary.setText("Starting…")
        self.summary.setStyleSheet(SUMMARY_STYLE)
        self.summary.setToolTip("")
        self.timing.setText("")
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.status_box.show()
        self._readout_timer.start()

    def _on_batches(self, chunk: BatchChunk) -> None:
        # Only remember it: the labels follow on the read-out tick (`refresh_readouts`).
        self._last_chunk = chunk
        self._readout_pending = True

    def _on_epoch(self, event: EpochEnded) -> None:
        self._last_epoch = event
        self._readout_pending = True

    def refresh_readouts(self) -> None:
        """Show the newest delivered batch and epoch (the 5 Hz tick, and at the end)."""
        if not self._readout_pending:
            return
        self._readout_pending = False
        with GUI_GATE.busy():  # a handful of Qt calls: let the worker pause meanwhile
            self._show_progress()

    def _show_progress(self) -> None:
        chunk, event = self._last_chunk, self._last_epoch
        if event is not None:
            _set_text(
                self.epoch_metrics, f"Epoch {int(event.epoch) + 1}: " + format_logs(event.logs)
            )
        if chunk is None:
            return
        epoch, batch, batches = chunk.epoch, chunk.batch, max(chunk.batches, 1)
        total = max(self._epochs_total, epoch + 1)
        done_run = (epoch - self._epoch_start) + (batch + 1) / batches
        run_len = max(total - self._epoch_start, 1)
        frac = min(max(done_run / run_len, 0.0), 1.0)
        position = f"Epoch {epoch + 1}/{total} · batch {batch + 1}/{batches}"
        _set_progress(self.progress, int(frac * 1000), f"{position} · {frac * 100:.0f} %")
        paused = " (paused)" if self.session.state == PAUSED else ""
        _set_text(self.position, position + paused)
        elapsed = time.perf_counter() - self._started_at
        eta = elapsed * (1 - frac) / frac if frac > 0 else None
        rate = chunk.samples_seen / elapsed if elapsed > 0 else 0.0
        _set_text(
            self.timing,
            f"Elapsed {format_duration(elapsed)} · ETA {format_duration(eta)} · "
            f"{rate:,.0f} samples/s",
        )
        _set_text(self.latest, "Batch: " + format_logs(chunk.logs))
        in_epoch = event is None or int(event.epoch) < epoch or batch + 1 < batches
        batch_logs = chunk.logs if in_epoch else None
        _set_text(
            self.summary, compact_metrics(batch_logs, getattr(event, "logs", None)) or position
        )

    def _on_finished(self, event: TrainingFinished, summary: str) -> None:
        self._readout_timer.stop()
        self._readout_pending = True
        self.refresh_readouts()
        reason = event.reason
        # the summary already says what happened (the divergence in plain words)
        details = event.message or "" if reason != "diverged" else ""
        self.show_notice(summary, details, error=reason == "diverged")
        if reason != "completed":  # the run bar says how the run ended
            self._show_outcome(summary.split(": ")[0].rstrip("."), error=reason == "diverged")
        if reason == "completed":
            self.progress.setValue(1000)
            self.progress.setFormat(
                self.progress.format().rsplit(" · ", 1)[0] + " · 100 %"
                if self.progress.format()
                else "100 %"
            )
        self.position.setText(self.position.text().split(" (paused)")[0])
        self._on_state(self.session.state)

    def show_model(self) -> None:
        """Start over from the session's model: empty read-outs when it has none (New, Open,
        another CSV, reset weights), the restored model's numbers when it was restored."""
        s = self.session
        if s.is_running():
            return
        self._readout_timer.stop()
        self._readout_pending = False
        self._last_chunk = None
        self._last_epoch = None
        self.hide_notice()
        for label in (self.timing, self.latest, self.epoch_metrics, self.test_label):
            label.setText("")
        self._reserve_readout(s.model is not None)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.summary.setStyleSheet(SUMMARY_STYLE)
        self.summary.setToolTip("")
        if s.model is None:
            self.position.setText("Not started")
            self.summary.setText("")
            self.status_box.hide()
        else:
            n = s.epochs_done
            last = {k: v[-1] for k, v in s.history.items() if v}
            self.position.setText(f"Epoch {n}/{n} · restored")
            if last:
                self.epoch_metrics.setText(f"Epoch {n}: " + format_logs(last))
            self.summary.setText(compact_metrics(None, last) or f"Epoch {n}/{n}")
            self.progress.setValue(1000)
            self.progress.setFormat(f"Epoch {n}/{n} · restored")
            self.status_box.show()
            self._on_test_metrics(s.test_metrics)
            finish = getattr(s.last_finished, "message", "")
            self.show_notice(
                f"Trained model restored ({s.restored_from.describe()})."
                if s.restored_from is not None
                else "Trained model restored.",
                finish,
                error=False,
            )
        self._on_state(s.state)
        self._on_readiness(*s.readiness())

    def _on_error(self, message: str, details: str) -> None:
        self._readout_timer.stop()
        self._readout_pending = True
        self.refresh_readouts()
        self.show_notice(f"Training failed: {message}", details)
        self._show_outcome(f"Training failed: {message}", error=True)
        self._on_state(self.session.state)

    def _on_test_metrics(self, metrics: Mapping[str, float]) -> None:
        if metrics:
            self.test_label.setText("Test split: " + format_logs(metrics))
        elif self.session.dataset is not None and len(self.session.dataset.x_test) == 0:
            self.test_label.setText("No test split (set a test share on the Data page).")
        else:
            self.test_label.setText("")

    def _show_outcome(self, text: str, *, error: bool) -> None:
        """How the run ended, in the run bar (instead of its newest metrics)."""
        self.summary.setText(text)
        self.summary.setToolTip(text)
        self.summary.setStyleSheet(SUMMARY_STYLE + (ERROR_STYLE if error else ""))
        self.status_box.show()

    def _reserve_readout(self, on: bool) -> None:
        """Keep the read-out as tall as all its lines (on), or as its filled lines (off).

        A run fills its lines one by one (the first numbers, the test score and the
        outcome at the end); each line that appeared pushed the plots and the map below
        it down, a relayout and a repaint of every axis on the thread the run waits for.
        With the room kept from the start, the page is laid out once per run.
        """
        height = 0
        if on:
            layout = self.readout.layout()
            lines = (self.position, self.latest, self.epoch_metrics, self.test_label, self.notice)
            height = sum(_line_height(label) for label in lines)
            height += layout.spacing() * (len(lines) - 1)
        self.readout.setMinimumHeight(height)

    # ------------------------------------------------------------------ messages
    def show_notice(self, text: str, details: str, *, error: bool = True) -> None:
        """The run's outcome or failure in plain words; `details` (a traceback, say) only
        when they add to `text`, as the label's tooltip."""
        self.notice.setText(text)
        self.notice.setStyleSheet(ERROR_STYLE if error else "")
        self.notice.show()
        self._error_details = details if details and details not in text else ""
        self.notice.setToolTip(self._error_details)

    def hide_notice(self) -> None:
        self.notice.setText("")
        self.notice.setToolTip("")
        self._error_details = ""

    def details_text(self) -> str:
        """What the notice's tooltip adds to its text (empty when nothing)."""
        return self._error_details


def _line_height(label: QLabel) -> int:
    """The height `label` takes for one line of text, as QLabel measures it."""
    label.ensurePolished()  # the style sheet's font decides it
    box = label.fontMetrics().boundingRect(0, 0, 10_000, 1_000, 0, "Ag")
    margins = label.contentsMargins()
    return box.height() + margins.top() + margins.bottom() + 2 * label.margin()


def _set_progress(bar: QProgressBar, value: int, text: str) -> None:
    """Move a progress bar and its text, painted with the window's next frame.

    `QProgressBar.setValue` repaints the bar at once whenever the value moves it (~3 ms of
    the GUI thread each time in the app's window, a frame of its own); with updates held
    for the two calls the bar is only marked for repainting, and Qt paints it together
    with whatever else changed (the plots, the labels).
    """
    if bar.value() == value and bar.format() == text:
        return
    bar.setUpdatesEnabled(False)
    try:
        bar.setValue(value)
        bar.setFormat(text)
    finally:
        bar.setUpdatesEnabled(True)  # schedules one ordinary paint


def _set_text(label: QLabel, text: str) -> None:
    """Set a label's text only when it changed (each Qt call costs a GIL hand-off)."""
    if label.text() != text:
        label.setText(text)
