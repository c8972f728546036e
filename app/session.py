"""The training session: a thin Qt client of `core.run` for one window.

`TrainingSession` holds what a run needs but the project does not keep: the
opened CSV (`Table` and column profiles, a cache of the project's data file),
the `Dataset` prepared from it with `core.run.project_data_config`, the model
of the current run with its trained weights, and the `TrainingWorker` running
it. It owns no project state: opening a file and every data edit (roles,
preprocessing, splits) become one undoable command of the `DocumentController`,
and the session follows the project through the controller's `projectChanged`
(edits, undo, redo) and `documentReset` (New/Open), re-reading or re-preparing
the data as needed. A CSV of `BACKGROUND_BYTES` or more is opened in a pool
thread instead (`loader`, an `app.data_loader.CsvLoader`: read, profiled and
prepared with progress and Cancel); the current data stays until it is ready,
and a cancelled load leaves everything as it was. The project's own large file
(after Open, Undo, Redo) loads the same way, and a table of `BACKGROUND_CELLS`
or more is prepared again there after a settings change. Runs go through `core.run`:
`build_and_compile`, the `trainer` (`core.run.training_events` unless a test
injects another; "train more" continues with `initial_epoch`), `evaluate_arrays`
for the test split and `save_trained` for the `.lfmodel` bundle. Progress is re-emitted as signals;
panels are views of the session and the controller.

The trained model is part of the document: after each run the session hands
a copy of its state (`core.document.trained_state.TrainedState`) to the
controller, which saves it with the project; after New/Open it restores the
model the controller loaded (weights, optimizer state, curves, test
metrics). Whenever the model is dropped or restored, `modelChanged` tells
every view to show what is there now, never a previous run's numbers.
During a run, `EpochSnapshots` keeps a consistent copy of the weights at
epoch ends for the recovery copy (`recovery_state`), `histograms` (a
`core.evaluation.histograms.HistogramRecorder`, fed in the training thread)
keeps copies of each layer's weight and gradient histograms per epoch (they
are part of the trained state too), and `weight_tap` (`core.live.WeightTap`)
copies the weights about five times a second, between two steps, for the live
views (`app.live_model.LiveModel`) when one wants them.

Every run that trained at least one epoch is recorded in the project when it
ends, completed, stopped, diverged or failed (`core.evaluation.runs.RunRecord`
through `DocumentController.record_run`), before `runFinished` / `errored`
is emitted: its settings, network, curves, final and test metrics, wall-clock
duration and seed. "Train more" records the model's whole curves, the epoch
it started from and the run it continued (`model_run_id`).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal

from app.document import DocumentController
from app.worker import BatchChunk, TrainingWorker
from core.document.trained_state import BatchCurves, EpochSnapshots, TrainedState
from core.errors import ConfigError, FormatError, LayerForgeError
from core.evaluation.histograms import RECORD_BUDGET, HistogramRecorder
from core.live import WeightTap
from core.run import (
    Trainer,
    TrainResult,
    TrainSettings,
    build_and_compile,
    data_settings,
    evaluate_arrays,
    project_data_config,
    record_epoch,
    save_trained,
    split_seed,
    training_events,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from core.bundle import BundledModel
    from core.data import ColumnProfile, DataConfig, Dataset, LoadedCsv, Table
    from core.data.image_folder import FolderReport
    from core.document.analysis import Analysis
    from core.document.project import Project
    from core.engine.models import Model
    from core.engine.training import EpochEnded, Event, TrainingFinished

#: Test split offered for a freshly opened CSV (the data config's own default is 0).
DEFAULT_TEST_SPLIT = 0.1
#: CSV files of at least this many bytes open in the background (about 30,000 rows of
#: 20 columns: reading, profiling and preparing them takes ~0.1 s on the GUI thread).
BACKGROUND_BYTES = 4 * 1024 * 1024
#: Tables of at least this many cells are prepared again (a role, a preprocessing option)
#: in the background too (1M rows x 20 columns took ~0.5 s on the GUI thread).
BACKGROUND_CELLS = 1_000_000

IDLE, RUNNING, PAUSED, STOPPING = "idle", "running", "paused", "stopping"

#: Seconds between two weight snapshots during a run (for the recovery copy).
SNAPSHOT_SECONDS = 10.0


def snapshot_interval() -> float:
    """`SNAPSHOT_SECONDS`, or a third of $LAYERFORGE_AUTOSAVE_SECONDS when that is shorter."""
    try:
        autosave = float(os.environ.get("LAYERFORGE_AUTOSAVE_SECONDS", "") or "nan")
    except ValueError:
        autosave = float("nan")
    return min(SNAPSHOT_SECONDS, autosave / 3) if autosave > 0 else SNAPSHOT_SECONDS


@dataclass(frozen=True)
class RestoredFinish:
    """How a restored model's last run ended (stands in for the trainer's event)."""

    reason: str = "completed"
    epoch: int = 0
    batch: int = 0
    message: str = ""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RestoredFinish:
        def whole(v: Any) -> int:
            return int(v) if isinstance(v, int) and not isinstance(v, bool) else 0

        return cls(
            str(d.get("reason") or "completed"),
            whole(d.get("epoch")),
            whole(d.get("batch")),
            str(d.get("summary") or ""),
        )


@dataclass(frozen=True)
class RunStart:
    """When and from where the run in progress started (for its record)."""

    started: _dt.datetime
    clock: float
    first_epoch: int
    continued_from: str | None


def describe(exc: BaseException) -> str:
    """One plain line for a person: a LayerForge error's message, else type and text."""
    if isinstance(exc, LayerForgeError):
        return " ".join(str(exc).split())
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def _same_file(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and os.path.abspath(str(a)) == os.path.abspath(str(b))


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:  # not there or not readable: the plain path says why
        return 0


def _new_settings(profiles: Sequence[ColumnProfile]) -> dict[str, Any]:
    """Data settings for a newly opened CSV: the suggested target, a test share."""
    from core.data import DataConfig, suggest_target

    config = DataConfig(test_split=DEFAULT_TEST_SPLIT, target=suggest_target(list(profiles)))
    return data_settings(config)


class TrainingSession(QObject):
    """The data cache, the model and the runs of one window; see the module docstring.

    Signals: `dataChanged()` (table, profiles, config or dataset changed),
    `dataError(str)` (a plain-words data problem; "" when cleared),
    `stateChanged(str)` (idle/running/paused/stopping), `runStarted(bool)` (True
    for a fresh run that clears the plots, False to continue), `batches(BatchChunk)`,
    `epochEnded(EpochEnded)`, `epochsEnded(tuple)` (the epochs of one delivery, after
    their `epochEnded`s: views that draw or count epochs take these, one call a
    delivery), `runFinished(TrainingFinished, str)` (the event and a
    plain summary), `errored(str, str)` (message, traceback), `testMetrics(dict)`,
    `readinessChanged(bool, str)` (can start, reason), `message(str)`.
    """

    dataChanged = Signal()
    dataError = Signal(str)
    stateChanged = Signal(str)
    runStarted = Signal(bool)
    batches = Signal(object)
    epochEnded = Signal(object)
    epochsEnded = Signal(object)
    runFinished = Signal(object, str)
    errored = Signal(str, str)
    testMetrics = Signal(object)
    readinessChanged = Signal(bool, str)
    message = Signal(str)
    modelChanged = Signal()  # the trained model was dropped or restored: views start over
    dataOpened = Signal(str)  # a CSV became the project's data (its full path)

    def __init__(
        self,
        controller: DocumentController,
        parent: QObject | None = None,
        *,
        trainer: Trainer = training_events,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.trainer = trainer
        self.table: Table | None = None
        #: What reading the project's image folder found (None: the data is a CSV, or none).
        self.images: FolderReport | None = None
        self.profiles: list[ColumnProfile] = []
        self.dataset: Dataset | None = None
        self.data_error = ""
        self._table_path: str | None = None
        self._prepared: DataConfig | None = None  # what `dataset` was prepared with
        self._config: DataConfig | None = None  # the same, with the target it used filled in
        self.model: Model | None = None
        self.model_settings: TrainSettings | None = None
        #: True while Train drops the trained model for the run it starts at once
        #: (`modelChanged` then `runStarted`): a view need not empty itself twice.
        self.replacing_model = False
        self.epochs_done = 0
        self.history: dict[str, list[float]] = {}
        self.test_metrics: dict[str, float] = {}
        self.last_finished: TrainingFinished | None = None
        self.last_error: tuple[str, str] | None = None
        self.worker: TrainingWorker | None = None
        self.state = IDLE
        self.run_started_at: float | None = None
        self.samples_seen = 0
        self._graph_changed = False
        self.model_network: dict[str, Any] | None = None  # the graph the model was built from
        self.batch_curves = BatchCurves()
        #: Weight and gradient histograms per layer per epoch of the model's runs.
        self.histograms = HistogramRecorder(budget=RECORD_BUDGET)
        self.restored_from: TrainedState | None = None  # the state the model came from
        self._snapshots: EpochSnapshots | None = None
        self._run_start: RunStart | None = None
        #: The id of the recorded run the current model came from (None: not recorded).
        self.model_run_id: str | None = None
        #: Copies of the weights during a run, for the live views (see the module docstring).
        self.weight_tap = WeightTap()
        self._loading_document = False
        from app.data_loader import CsvLoader  # app.background imports this module

        #: Opens large CSV files in a pool thread; views show its progress and Cancel.
        self.loader = CsvLoader(self)
        #: Files of at least this many bytes open through `loader` (None: never).
        self.background_bytes: int | None = BACKGROUND_BYTES
        self._preparing: DataConfig | None = None  # `loader` prepares the table with these
        self._project_load = False  # `loader` reads the project's own data file
        self._restore_after_load = False  # ... and the project's trained model waits for it
        controller.graphEvent.connect(self._on_graph_event)
        controller.documentReset.connect(self.load_from_project)
        controller.projectChanged.connect(self._on_project_changed)
        controller.analysisChanged.connect(lambda _a: self._emit_readiness())

    # ------------------------------------------------------------------ project
    @property
    def project(self) -> Project:
        return self.controller.project

    @property
    def data_config(self) -> DataConfig | None:
        """The data settings the current dataset uses (target filled in), or None."""
        return self._config if self.has_data_source() else None

    def has_data_source(self) -> bool:
        """True when a CSV or an image folder is open (whether or not it can be prepared)."""
        return self.table is not None or self._is_folder(self._table_path)

    def _is_folder(self, path: str | None) -> bool:
        return bool(path) and os.path.isdir(str(path))

    def settings(self) -> TrainSettings:
        return self.controller.train_settings()

    def load_from_project(self) -> None:
        """Re-open the project's data file (after New/Open), or clear the data; then restore
        the trained model the controller loaded with the project, if any."""
        if self.is_running():
            self.stop_and_wait()
        self._stop_loading()  # a file opened for the previous project is not wanted now
        self._loading_document = True
        try:
            self._forget_model()
            self._table_path = None
            self._sync_data()
        finally:
            self._loading_document = False
        if self.loader.is_loading():  # a large data file: the model follows its data
            self._restore_after_load = True
            self.modelChanged.emit()
            return
        self._restore_trained()

    def _restore_trained(self) -> None:
        """Restore the trained model the controller loaded with the project, if any."""
        state = self.controller.trained_state
        if state is not None:
            self.restore_state(state)
        elif self.controller.trained_problem:
            self.message.emit(self.controller.trained_problem)
        self.modelChanged.emit()

    def _on_project_changed(self, field: str) -> None:
        if field == "train_config" and self._prepared is not None:
            if self._prepared.seed == split_seed(self.settings()):
                self._emit_readiness()  # only the seed of the training settings moves the data
                return
        self._sync_data()

    def _data_file(self) -> str | None:
        path = self.project.data_path
        if path and not os.path.isabs(path) and self.project.path:
            path = os.path.join(os.path.dirname(self.project.path), path)
        return os.path.abspath(path) if path else None

    def _sync_data(self) -> None:
        """Bring the table and dataset in line with the project (a no-op when they are)."""
        path = self._data_file()
        if path is None:
            if self.has_data_source() or self.data_error:
                self._clear_data()
            return
        if os.path.isdir(path):
            self.table, self.profiles, self._table_path = None, [], path
        elif not _same_file(self._table_path, path):
            if self._opens_in_background(path):
                self._load_project_data(path)
                return
            if not self._read(path):
                return
        try:
            config = project_data_config(self.project, self.settings())
        except LayerForgeError as exc:
            self._prepare_failed(describe(exc))
            return
        if config == self._prepared and (self.dataset is not None or self.data_error):
            self._emit_readiness()
            return
        if self._prepares_in_background():
            self._prepare_in_background(config)
            return
        self._prepare(config)

    def _prepares_in_background(self) -> bool:
        table = self.table
        return (
            self.background_bytes is not None
            and table is not None
            and table.n_rows * max(len(table.df.columns), 1) >= BACKGROUND_CELLS
        )

    def _prepare_in_background(self, config: DataConfig) -> None:
        """Prepare the (large) table with the project's new settings in the pool thread;
        the dataset of the previous settings stays until it is done."""
        if self._preparing == config and self.loader.is_loading():
            return
        table = self.table
        assert table is not None
        self._preparing = config

        def done(dataset: Dataset | None, error: str) -> None:
            self._preparing = None
            if table is not self.table:
                return  # another file came meanwhile
            if dataset is None:
                self._prepared, self._config = config, config
                self._forget_model()
                self._prepare_failed(error)
            else:
                self._use_prepared(config, dataset, None)
            self._sync_data()  # the settings may have moved on meanwhile

        self.loader.prepare(table, config, done)
        self._emit_readiness()

    def _clear_data(self) -> None:
        self.table, self.profiles, self.dataset, self.images = None, [], None, None
        self._table_path, self._prepared, self._config = None, None, None
        self._forget_model()
        self._set_data_error("")
        self.controller.set_analysis_context(n_features=None, task=None)
        self.dataChanged.emit()

    def _read(self, path: str, *, keep_on_error: bool = False) -> bool:
        """Read and profile the CSV at `path`; False (and `dataError`) when it cannot be
        used, which clears the data unless `keep_on_error` (a file chosen by hand)."""
        from core.data import profile_table, read_csv

        try:
            table = read_csv(path)
            profiles = profile_table(table)
        except (LayerForgeError, OSError, ValueError) as exc:
            if not keep_on_error:
                self.table, self.profiles, self.dataset = None, [], None
                self._table_path, self._prepared, self._config = None, None, None
                self.dataChanged.emit()
            self._set_data_error(describe(exc))
            self.message.emit(f"Could not open {os.path.basename(path)}")
            return False
        self.table, self.profiles, self._table_path = table, profiles, path
        self._prepared = None
        return True

    def _prepare(self, config: DataConfig) -> None:
        from core.data import prepare

        images = None
        try:
            if self.table is not None:
                dataset, problem = prepare(self.table, config), None
            else:  # an image folder
                from core.data.image_dataset import prepare_with_report

                dataset, images = prepare_with_report(str(self._table_path), config)
                problem = None
        except (LayerForgeError, ValueError) as exc:
            dataset, problem = None, exc
        self._use_prepared(config, dataset, problem, images)

    def _use_prepared(
        self,
        config: DataConfig,
        dataset: Dataset | None,
        problem: LayerForgeError | ValueError | None,
        images: FolderReport | None = None,
    ) -> None:
        """Make `dataset` (prepared from the table with `config`) the data, or show the
        `problem` that stopped it; a run in progress and the trained model end."""
        if self.is_running():
            self.stop_and_wait()
            self.message.emit("The data changed, so the run was stopped.")
        self._prepared, self._config = config, config
        self._forget_model()
        self.images = images
        if dataset is None:
            self._prepare_failed(describe(problem) if problem is not None else "")
            return
        self.dataset = dataset
        if config.target is None:
            self._config = replace(config, target=self.dataset.target)
        self._set_data_error("")
        self.controller.set_analysis_context(
            n_features=self.dataset.n_features,
            task=self.dataset.task,
            input_shape=self.dataset.input_shape,
            vocabulary_size=self.dataset.vocabulary_size,
        )
        self.dataChanged.emit()

    def _prepare_failed(self, text: str) -> None:
        self.dataset = None
        self._set_data_error(text)
        self.controller.set_analysis_context(n_features=None, task=None)
        self.dataChanged.emit()

    # ------------------------------------------------------------------ data edits
    def open_csv(self, path: str | os.PathLike[str]) -> bool:
        """Use the CSV at `path` as the project's data: one undo step (file + settings).

        The same file as the project's keeps its settings; another one starts with the
        suggested target and a `DEFAULT_TEST_SPLIT` test share. False (and `dataError`)
        when the file cannot be used. A file of `background_bytes` or more opens in the
        background: True then means the load started (`dataOpened` says when it is done;
        `loader.cancel()` stops it and keeps the current data).
        """
        full = os.path.abspath(str(path))
        self._stop_loading()
        keep = self._kept_settings(full)
        if self._opens_in_background(full):
            return self._open_in_background(full, keep)
        if not self._read(full, keep_on_error=True):
            return False
        self._use_source(full, keep if keep is not None else _new_settings(self.profiles))
        return True

    def _stop_loading(self) -> None:
        """Drop whatever the loader is doing: the person chose other data."""
        self.loader.cancel()
        self._project_load = self._restore_after_load = False
        self._preparing = None

    def _kept_settings(self, full: str) -> dict[str, Any] | None:
        """The project's data settings when `full` is its data file already, else None."""
        if _same_file(self._data_file(), full) and self.project.data_config:
            return dict(self.project.data_config)
        return None

    def _use_source(self, full: str, settings: dict[str, Any]) -> None:
        """Make the read table at `full` the project's data with `settings` (one undo step)."""
        name = os.path.basename(full)
        try:
            changed = self.controller.set_data_source(full, settings, f"Open {name}")
        except ConfigError as exc:  # the project's saved settings do not fit any more
            self.message.emit(f"The saved data settings were reset: {describe(exc)}")
            changed = self.controller.set_data_source(full, {}, f"Open {name}")
        if not changed:
            self._sync_data()  # the same file and settings: read it again
        assert self.table is not None
        self.message.emit(f"Opened {name}: {self.table.n_rows:,} rows")
        self.dataOpened.emit(full)

    def _open_in_background(self, full: str, keep: dict[str, Any] | None) -> bool:
        from core.run import data_config_from

        settings = self.settings()

        def config_for(profiles: Sequence[ColumnProfile]) -> DataConfig:  # in the pool thread
            return data_config_from(keep if keep is not None else _new_settings(profiles), settings)

        def done(loaded: LoadedCsv | None, error: str) -> None:
            if loaded is None:
                self._set_data_error(error)
                self.message.emit(f"Could not open {os.path.basename(full)}")
                return
            self.table, self.profiles = loaded.table, list(loaded.profiles)
            self._table_path, self._prepared = full, None
            if loaded.config is not None:  # prepared as the project will be: not again
                self._use_prepared(loaded.config, loaded.dataset, loaded.problem)
            if keep is not None:
                settings = keep
            elif loaded.config is not None:
                settings = data_settings(loaded.config)
            else:
                settings = _new_settings(loaded.profiles)
            self._use_source(full, settings)

        self.loader.load(full, config_for, done)
        self.message.emit(f"Opening {os.path.basename(full)}…")
        self._emit_readiness()
        return True

    def _opens_in_background(self, path: str) -> bool:
        return self.background_bytes is not None and _size(path) >= self.background_bytes

    def _load_project_data(self, path: str) -> None:
        """Read the project's (large) data file in the background: after Open, Undo or Redo
        the project names it already; the data shown until it arrives is not its data."""
        if self.loader.is_loading() and _same_file(self.loader.path, path):
            return  # its end brings the data in line with the project again
        try:  # decided here, on the GUI thread that owns the project
            config, problem = project_data_config(self.project, self.settings()), None
        except LayerForgeError as exc:
            config, problem = None, exc

        def config_for(_profiles: Sequence[ColumnProfile]) -> DataConfig:
            if config is None:
                raise problem  # type: ignore[misc]  # the table still comes back
            return config

        self.loader.load(path, config_for, lambda loaded, error: self._loaded(path, loaded, error))
        self._project_load = True
        self.message.emit(f"Opening {os.path.basename(path)}…")
        self._emit_readiness()

    def _loaded(self, path: str, loaded: LoadedCsv | None, error: str) -> None:
        """The project's data file arrived (or could not be read)."""
        self._project_load = False
        restoring, self._restore_after_load = self._restore_after_load, False
        self._loading_document = restoring  # the model the project brought stays its own
        try:
            if loaded is None:
                self._clear_data()
                self._set_data_error(error)
                self.message.emit(f"Could not open {os.path.basename(path)}")
            else:
                self.table, self.profiles = loaded.table, list(loaded.profiles)
                self._table_path, self._prepared = path, None
                if loaded.config is not None:
                    self._use_prepared(loaded.config, loaded.dataset, loaded.problem)
                self._sync_data()  # the project may have moved on meanwhile
                self.message.emit(f"Opened {os.path.basename(path)}: {loaded.table.n_rows:,} rows")
        finally:
            self._loading_document = False
        if restoring:
            self._restore_trained()

    def cancel_open(self) -> bool:
        """Stop opening a CSV in the background. False when none was opening.

        A file the person chose: the current data stays. The project's own data file (after
        Open, Undo or Redo): no data is shown, with a message saying how to get it back.
        """
        path = os.path.basename(self.loader.path or "")
        if not self.loader.cancel():
            return False
        if self._preparing is not None:  # the data no longer fits the project's settings
            self._prepared = self._config = self._preparing
            self._preparing = None
            self._forget_model()
            self._prepare_failed(
                "Preparing the data for the new settings was stopped. Change a setting again, "
                "or Undo, to prepare it."
            )
            self.message.emit(f"Stopped preparing {path}.")
            return True
        if self._project_load:
            self._project_load = self._restore_after_load = False
            self._loading_document = True  # the project keeps its trained model
            try:
                self._clear_data()
            finally:
                self._loading_document = False
            self._set_data_error(
                f"Opening {path} was stopped, so the project's data is not loaded. Open the "
                "file again on the Data page, or Undo."
            )
            self.message.emit(f"Stopped opening {path}.")
            return True
        self.message.emit(f"Stopped opening {path}; the data stays as it was.")
        self._emit_readiness()
        return True

    def open_image_folder(self, path: str | os.PathLike[str]) -> bool:
        """Use the image folder at `path` (one sub-folder per class) as the project's data:
        one undo step (folder + image settings). The same folder keeps its settings.
        False (and `dataError`) when `path` is not a folder."""
        from core.data import DataConfig

        full = os.path.abspath(str(path))
        self._stop_loading()  # a CSV still opening would replace the folder when it arrives
        if not os.path.isdir(full):
            self._set_data_error(
                f"{full}: Expected a folder with one sub-folder per class of images. "
                "Received: a path that is not a folder."
            )
            return False
        settings = dict(self.project.data_config or {})
        if not (_same_file(self._data_file(), full) and settings.get("input")):
            config = DataConfig(test_split=DEFAULT_TEST_SPLIT, input={"kind": "images"})
            settings = data_settings(config)
        name = os.path.basename(full.rstrip(os.sep)) or full
        if not self.controller.set_data_source(full, settings, f"Open image folder {name}"):
            self._sync_data()
        if self.images is not None:
            self.message.emit(f"Opened {name}: {self.images.n_images:,} images")
        return self.dataset is not None

    def change_data_config(self, text: str = "", **changes: Any) -> bool:
        """Set data settings (`roles` merge into the current ones) as one undo step.

        False (and `dataError`) when the result is not valid; nothing changes then.
        """
        base = self.data_config
        if base is None:
            return False
        if "roles" in changes:
            changes["roles"] = {**base.roles, **changes["roles"]}
        try:
            config = replace(base, **changes)
        except (LayerForgeError, ValueError, TypeError) as exc:
            self._set_data_error(describe(exc))
            return False
        return self._edit_data(config, text)

    def set_role(self, column: str, role: str) -> bool:
        """Make `column` a feature, the target, or ignored (one undo step)."""
        base = self.data_config
        if base is None:
            return False
        text = f"Make '{column}' {'the target' if role == 'target' else 'a ' + role}"
        if role == "ignore":
            text = f"Ignore '{column}'"
        if role == "target":
            roles = {k: v for k, v in base.roles.items() if k != column}
            old = base.target
            if old and old != column:
                roles[old] = "ignore" if roles.get(old) == "ignore" else "feature"
            return self._edit_data(replace(base, target=column, roles=roles, task=None), text)
        if base.target == column:
            return self.change_data_config(text, target=None, roles={column: role})
        return self.change_data_config(text, roles={column: role})

    def _edit_data(self, config: DataConfig, text: str) -> bool:
        try:
            return self.controller.set_data_config(data_settings(config), text)
        except ConfigError as exc:
            self._set_data_error(describe(exc))
            return False

    def _set_data_error(self, text: str) -> None:
        self.data_error = text
        self.dataError.emit(text)
        self._emit_readiness()

    # ------------------------------------------------------------------ readiness
    def readiness(self) -> tuple[bool, str]:
        """(can start, reason shown next to a disabled Start)."""
        if self.is_running():
            return False, "Training is running."
        if self.loader.is_loading():
            return False, f"{self.loader.text}… (Cancel keeps the current data)"
        if not self.has_data_source():
            return False, self.data_error or "Open a CSV file on the Data page first."
        if self.dataset is None:
            return False, self.data_error or "The data cannot be used yet."
        analysis = self.controller.analysis
        problems = analysis.problems if analysis is not None else []
        if problems:  # every problem of the analysis blocks training
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            return False, f"Fix the network first: {problems[0].message}{more}"
        return True, "Ready to train."

    def _emit_readiness(self) -> None:
        ok, reason = self.readiness()
        self.readinessChanged.emit(ok, reason)

    def _on_graph_event(self, _event: object) -> None:
        self._graph_changed = True
        self._emit_readiness()

    # ------------------------------------------------------------------ runs
    def is_running(self) -> bool:
        return self.worker is not None and self.state != IDLE

    def has_model(self) -> bool:
        return self.model is not None

    def _forget_model(self) -> None:
        """Drop the trained model and its results; the document loses it too, unless the
        document itself is being replaced (New/Open)."""
        had = self.model is not None
        self.model = None
        self.model_network = None
        self.epochs_done = 0
        self.history = {}
        self.test_metrics = {}
        self.last_finished = None
        self.last_error = None
        self.restored_from = None
        self.model_run_id = None
        self.batch_curves.clear()
        self.histograms.clear()
        if self._loading_document:
            return
        self.controller.set_trained_state(None)
        if had:
            self.modelChanged.emit()

    # ------------------------------------------------------------------ trained state
    def capture_state(self) -> TrainedState | None:
        """A copy of the trained model's state for the document (None without a model)."""
        if self.model is None or self.dataset is None or self.model_network is None:
            return None
        from core.document.trained_state import capture_state

        settings = self.model_settings or self.settings().resolved(self.dataset.task)
        finish: dict[str, Any] = {}
        event = self.last_finished
        if event is not None:
            finish = {
                "reason": str(event.reason),
                "epoch": int(event.epoch),
                "batch": int(event.batch),
                "summary": self.finish_summary(event),
            }
        elif self.last_error is not None:
            finish = {"reason": "error", "summary": f"Training failed: {self.last_error[0]}"}
        return capture_state(
            self.model,
            network=self.model_network,
            dataset=self.dataset,
            settings=settings.to_dict(),
            epochs_done=self.epochs_done,
            history=self.history,
            batch_curves=self.batch_curves.arrays(),
            test_metrics=self.test_metrics,
            finish=finish,
            histograms=self.histograms.to_arrays(),
        )

    def _hand_state_to_document(self) -> None:
        if self.model is not None and self.epochs_done > 0:
            state = self.capture_state()
            if state is not None:
                self.controller.set_trained_state(state)

    def recovery_state(self) -> TrainedState | None:
        """The trained state for a recovery copy: during a run, the newest epoch snapshot
        (the weights are changing); otherwise the document's."""
        if not (self.is_running() and self._snapshots is not None):
            return self.controller.trained_state
        snap = self._snapshots.latest
        if snap is None or self.dataset is None or self.model_network is None:
            return self.controller.trained_state
        from core.document.trained_state import data_signature, snapshot_state

        settings = self.model_settings or self.settings().resolved(self.dataset.task)
        base = TrainedState(
            weights=[],
            optimizer={},
            epochs_done=self.epochs_done,
            settings=settings.to_dict(),
            network=self.model_network,
            data_signature=data_signature(self.dataset),
            history={k: list(v) for k, v in self.history.items()},
            batch_curves=self.batch_curves.arrays(),
        )
        base.histogram_layers, base.histograms = self.histograms.to_arrays()
        return snapshot_state(snap, base)

    def hand_snapshot_to_document(self) -> None:
        """During a run, make the newest epoch snapshot the document's trained state, so
        that Save keeps the weights trained so far (the run's end hands over the last)."""
        if self.is_running():
            state = self.recovery_state()
            if state is not None and state is not self.controller.trained_state:
                self.controller.set_trained_state(state)

    def restore_state(self, state: TrainedState) -> bool:
        """Rebuild the trained model from `state` (weights, optimizer, curves, results).

        False, with the reason in `message`, when the data is not open or is not the
        data the model was trained on; the document keeps the state either way.
        """
        from core.document.trained_state import restore_model, same_network

        if self.dataset is None:
            self.message.emit(
                "The trained model was not restored: open the data it was trained on first."
            )
            return False
        try:
            model = restore_model(state, self.dataset, self.controller.catalog)
        except LayerForgeError as exc:
            self.message.emit(describe(exc))
            return False
        self.model = model
        self.model_network = state.network
        self.model_settings = TrainSettings.from_dict(state.settings)
        self.epochs_done = state.epochs_done
        self.history = {
            k: [math.nan if v is None else float(v) for v in vals]
            for k, vals in state.history.items()
        }
        self.test_metrics = dict(state.test_metrics)
        self.batch_curves.load(state.batch_curves)
        try:
            self.histograms = HistogramRecorder.from_arrays(
                state.histogram_layers, state.histograms
            )
            self.histograms.budget = RECORD_BUDGET
        except FormatError as exc:  # the weights are fine; only the histograms are lost
            self.histograms = HistogramRecorder(budget=RECORD_BUDGET)
            self.message.emit(f"The weight histograms were not restored: {describe(exc)}")
        self.last_finished = RestoredFinish.from_dict(state.finish) if state.finish else None  # type: ignore[assignment]
        self.restored_from = state
        from core.evaluation.runs import run_for_model

        self.model_run_id = run_for_model(self.project, state.network, state.epochs_done)
        self._graph_changed = not same_network(state, self.controller.graph)
        self.modelChanged.emit()
        self._emit_readiness()
        self.message.emit(f"Restored the trained model: {state.describe()}.")
        return True

    def _analysis_for(self, dataset: Dataset) -> Analysis | None:
        """The controller's analysis when it is current and made for `dataset` (the build
        then need not analyse the graph again), else None."""
        analysis = self.controller.current_analysis()
        context = self.controller.analysis_context
        if (
            context.get("input_shape") == dataset.input_shape
            and context.get("vocabulary_size") == dataset.vocabulary_size
            and context.get("task") is dataset.task
        ):
            return analysis
        return None

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
        dataset = self.dataset
        assert dataset is not None
        try:
            settings = self.settings()
            if more_epochs is None:
                from core.document.graph_io import graph_to_dict

                model = build_and_compile(
                    self.controller.graph, dataset, settings, self._analysis_for(dataset)
                )
                # a fresh run replaces the trained model; views that follow the model
                # wait for `runStarted`, which comes at once (`replacing_model`)
                self.replacing_model = True
                try:
                    self._forget_model()
                finally:
                    self.replacing_model = False
                self.model = model
                self.model_network = graph_to_dict(self.controller.graph, positions=False)
                self._graph_changed = False
            else:
                settings = replace(settings, epochs=self.epochs_done + more_epochs)
        except LayerForgeError as exc:
            text = describe(exc)
            self.errored.emit(text, text)
            self.message.emit(text)
            return False
        self.model_settings = settings.resolved(dataset.task)
        self.last_finished = None
        self.last_error = None
        self.test_metrics = {}
        self.samples_seen = 0
        model, trainer, initial = self.model, self.trainer, self.epochs_done
        snapshots = EpochSnapshots(snapshot_interval())
        self._snapshots = snapshots

        callbacks = [snapshots, self.histograms.callback()]

        def events() -> Iterator[Event]:  # called in the worker thread
            return trainer(model, dataset, settings, callbacks, initial_epoch=initial)

        tap = self.weight_tap
        tap.reset()
        worker = TrainingWorker(
            events, self, start_paused=paused, on_delivery=lambda: tap.capture(model)
        )
        worker.batches.connect(self._on_batches)
        worker.epochsEnded.connect(self._on_epochs)
        worker.trainingFinished.connect(self._on_finished)
        worker.errored.connect(self._on_errored)
        worker.pausedChanged.connect(self._on_paused)
        self.worker = worker
        self.run_started_at = time.perf_counter()
        self._run_start = RunStart(
            _dt.datetime.now(_dt.timezone.utc),
            self.run_started_at,
            initial,
            self.model_run_id if more_epochs is not None else None,
        )
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
        """Run exactly one more batch, then pause (starts a paused run when idle)."""
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
        return worker.shutdown(timeout_ms)

    def finish_run_now(self, timeout_ms: int = 10_000) -> None:
        """Stop a run in progress and wait for it; its end is handled before this returns
        (the weights so far, the curves and the test metrics go to the document)."""
        worker = self.worker
        if worker is None or self.state == IDLE:
            return
        self._set_state(STOPPING)
        worker.shutdown(timeout_ms)
        # The worker's last signals are queued for this object: deliver them now.
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        if self.worker is worker:  # no end was delivered (the thread did not stop in time)
            self._end_worker()
            self._record_run("stopped")
            self._hand_state_to_document()

    def shutdown(self) -> None:
        """Stop any run and wait for the thread: call before the window goes away."""
        self.loader.cancel()
        worker = self.worker
        if worker is not None:
            for sig in (
                worker.batches,
                worker.epochsEnded,
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
        self._forget_model()
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
        self.batch_curves.add(chunk.epoch_pos, chunk.series)
        self.batches.emit(chunk)

    def _on_epochs(self, events: tuple[EpochEnded, ...]) -> None:
        for event in events:
            self.epochs_done = int(event.epoch) + 1
            record_epoch(self.history, event)
            self.epochEnded.emit(event)
        self.epochsEnded.emit(events)

    def _end_worker(self) -> None:
        worker = self.worker
        if worker is not None:
            worker.wait(5000)
            worker.deleteLater()
        self.worker = None
        self._set_state(IDLE)

    def _on_finished(self, event: TrainingFinished) -> None:
        self._end_worker()
        self.last_finished = event
        summary = self.finish_summary(event)
        self.evaluate_test()
        self._record_run()
        self._hand_state_to_document()
        self.runFinished.emit(event, summary)
        self.message.emit(summary)

    def _on_errored(self, message: str, details: str) -> None:
        self._end_worker()
        self.last_error = (message, details)
        self._record_run("error")
        self._hand_state_to_document()
        self.errored.emit(message, details)
        self.message.emit(f"Training failed: {message}")

    def _record_run(self, reason: str | None = None) -> None:
        """Record the run that just ended in the project, if it trained an epoch."""
        start, self._run_start = self._run_start, None
        if start is None or self.model is None or self.epochs_done <= start.first_epoch:
            return
        from core.evaluation.runs import network_fingerprint, record_from_training

        result = self.result()
        network = self.model_network
        if network is not None and network_fingerprint(network) == network_fingerprint(
            result.graph
        ):
            network = None  # the canvas still shows the run's network: keep its layout
        record = record_from_training(
            result,
            started=start.started,
            duration_s=time.perf_counter() - start.clock,
            data_path=self.project.data_path,
            source="app",
            network=network,
            reason=reason,
            first_epoch=start.first_epoch,
            continued_from=start.continued_from,
        )
        self.model_run_id = record.id
        self.controller.record_run(record)

    def finish_summary(self, event: TrainingFinished) -> str:
        epoch, batch = int(event.epoch) + 1, int(event.batch) + 1
        if event.reason == "diverged":
            return (
                f"Training diverged at epoch {epoch}, batch {batch}: the loss became NaN or "
                "infinite. Try a lower learning rate (e.g. 10x smaller) or scale the inputs "
                "(Data page > Scaling). The weights of the last good epoch were kept."
            )
        if event.reason == "stopped":
            return f"Stopped at epoch {epoch}, batch {batch}."
        if event.reason == "early_stopping":
            return f"Early stopping after epoch {epoch}: the monitored value stopped improving."
        return f"Training finished: {self.epochs_done} epoch(s)."

    def evaluate_test(self) -> dict[str, float]:
        """Metrics of the trained model on the test split (empty when it has no rows)."""
        self.test_metrics = {}
        if self.model is None or self.dataset is None or len(self.dataset.x_test) == 0:
            self.testMetrics.emit({})
            return {}
        try:
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
        return True, ""

    def result(self) -> TrainResult:
        """The trained model and its records as `core.run` describes a finished run."""
        ok, reason = self.can_save_model()
        if not ok:
            raise LayerForgeError(reason)
        assert self.model is not None and self.dataset is not None
        return TrainResult(
            model=self.model,
            dataset=self.dataset,
            settings=self.model_settings or self.settings().resolved(self.dataset.task),
            graph=self.controller.graph,
            history={k: list(v) for k, v in self.history.items()},
            metrics={"test": dict(self.test_metrics)},
            finished=self.last_finished,
            epochs_run=self.epochs_done,
            data_config=self._config,
        )

    def save_model(self, path: str | os.PathLike[str]) -> str:
        """Write the trained model as a .lfmodel bundle; returns the path written."""
        written = str(save_trained(self.result(), path))
        self.message.emit(f"Saved the trained model to {written}")
        return written

    def trained_bundle(self) -> BundledModel | None:
        """The trained model as a `core.bundle.BundledModel` (for export), or None.

        It goes through a temporary `.lfmodel` file so that exports see exactly
        what a saved bundle holds (weights, preprocessing, labels).
        """
        if not self.can_save_model()[0]:
            return None
        from core.bundle import load_model

        with tempfile.TemporaryDirectory(prefix="layerforge-") as tmp:
            path = save_trained(self.result(), os.path.join(tmp, "trained.lfmodel"))
            return load_model(path)
