"""The one shared path from a project to a trained model, for the CLI and the GUI.

`TrainSettings` is the typed form of a project's training configuration and
the one owner of its defaults; `project_data_config` is the `DataConfig` a
project's data is prepared with (its data settings plus the project's one
seed); `load_data` turns the project's data source into a `Dataset`;
`check_graph` and `build_and_compile` check the graph against that data (in
plain words, analysed once) and build and compile the model;
`training_events` wraps `core.engine.training.train` with the validation
split and early stopping from the settings (and `initial_epoch` for "train
more"); `evaluate_splits` measures the trained model on every split under
Keras metric names. `train_project` strings them together for headless use,
`save_trained` writes the `.lfmodel` bundle, and `new_project_from_csv`
makes the table starter project (`core.starters` makes every kind).
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from core.errors import ConfigError, DataError, GraphError
from core.resources import MAX_BATCH_SIZE, MAX_EPOCHS, check_graph_memory

if TYPE_CHECKING:
    from core.data import DataConfig, Dataset
    from core.data.profile import TaskInfo
    from core.document.analysis import Analysis
    from core.document.graph import Graph
    from core.document.project import Project
    from core.engine.callbacks import Callback
    from core.engine.models import Model
    from core.engine.optimizers import Optimizer
    from core.engine.training import EpochEnded, Event, TrainingFinished

__all__ = [
    "EarlyStoppingSettings",
    "TrainResult",
    "Trainer",
    "TrainSettings",
    "build_and_compile",
    "check_graph",
    "data_settings",
    "early_stopping_callback",
    "evaluate_arrays",
    "evaluate_splits",
    "load_data",
    "loss_note",
    "make_optimizer",
    "new_project_from_csv",
    "project_data_config",
    "record_epoch",
    "save_trained",
    "settings_record",
    "split_seed",
    "train_project",
    "training_events",
    "user_unit_metrics",
]

SPLIT_NAMES = ("train", "validation", "test")


# --------------------------------------------------------------------------- settings


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_num(v: Any) -> bool:
    return (
        isinstance(v, (int, float, np.integer, np.floating))
        and not isinstance(v, (bool, np.bool_))
        and math.isfinite(float(v))
    )


@dataclass(frozen=True)
class EarlyStoppingSettings:
    """Stop when `monitor` has not improved for `patience` epochs (Keras EarlyStopping)."""

    enabled: bool = False
    monitor: str = "val_loss"
    patience: int = 5
    restore_best_weights: bool = True
    min_delta: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "monitor": self.monitor,
            "patience": self.patience,
            "restore_best_weights": self.restore_best_weights,
            "min_delta": self.min_delta,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> EarlyStoppingSettings:
        kw = _checked(
            dict(d or {}),
            _EARLY_STOPPING_FIELDS,
            lambda k: f"training setting 'early_stopping.{k}'",
        )
        return cls(**kw)


def _is_name(v: Any) -> bool:
    return isinstance(v, str) and bool(v)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


#: key -> (accepts value, what was expected, conversion), for `_checked`.
Rule = tuple[Callable[[Any], bool], str, Callable[[Any], Any]]

_EARLY_STOPPING_FIELDS: dict[str, Rule] = {
    "enabled": (_is_bool, "true or false", bool),
    "monitor": (_is_name, "a metric name such as 'val_loss'", str),
    "patience": (lambda v: _is_int(v) and v >= 0, "a whole number >= 0", int),
    "restore_best_weights": (_is_bool, "true or false", bool),
    "min_delta": (lambda v: _is_num(v) and v >= 0, "a number >= 0", float),
}


def _checked(
    d: Mapping[str, Any], rules: Mapping[str, Rule], label: Callable[[str], str]
) -> dict[str, Any]:
    """The present keys of `d` that have a rule, checked and converted (ConfigError if not)."""
    kw: dict[str, Any] = {}
    for key, (accepts, expected, convert) in rules.items():
        if key in d:
            if not accepts(d[key]):
                raise ConfigError(f"{label(key)}: Expected {expected}. Received: {d[key]!r}.")
            kw[key] = convert(d[key])
    return kw


@dataclass(frozen=True)
class TrainSettings:
    """A project's training configuration (`Project.train_config`) as typed values.

    The one owner of the training defaults: the project file, the CLI and every
    view read them from here. `loss` None and empty `metrics` mean "the ones the
    task suggests" (see `resolved`). `seed` is the project's one seed: it fixes
    the data split, the initial weights and the shuffling (None: random weights
    and shuffling, split with seed 0). The validation share is a data setting
    (`DataConfig.validation_split`, the project's `data_config`), not a training one.
    """

    optimizer: str = "adam"
    learning_rate: float = 0.001
    optimizer_settings: Mapping[str, Any] = field(default_factory=dict)
    loss: str | None = None
    metrics: tuple[str, ...] = ()
    epochs: int = 20
    batch_size: int = 32
    seed: int | None = 0
    early_stopping: EarlyStoppingSettings = field(default_factory=EarlyStoppingSettings)

    def to_dict(self) -> dict[str, Any]:
        """The project's `train_config` form (JSON types)."""
        return {
            "optimizer": self.optimizer,
            "optimizer_settings": copy.deepcopy(dict(self.optimizer_settings)),
            "learning_rate": self.learning_rate,
            "loss": self.loss,
            "metrics": list(self.metrics),
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "early_stopping": self.early_stopping.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> TrainSettings:
        """Parse a `train_config` dict; missing keys take the defaults, wrong or unknown
        ones raise ConfigError."""
        d = dict(d or {})
        unknown = sorted(set(d) - set(_TRAIN_FIELDS))
        if unknown:
            where = (
                " The validation share is a data setting (the Data page, or the project's "
                "data.config.validation_split)."
                if "validation_split" in unknown
                else ""
            )
            raise ConfigError(
                f"training settings: Expected keys among {sorted(_TRAIN_FIELDS)}. "
                f"Received unknown keys: {unknown}.{where}"
            )
        if isinstance(d.get("metrics"), str):
            d["metrics"] = [d["metrics"]]
        if d.get("optimizer_settings") is None:
            d.pop("optimizer_settings", None)
        kw = _checked(d, _TRAIN_FIELDS, lambda k: f"training setting '{k}'")
        return cls(**kw)

    def with_overrides(self, **changes: Any) -> TrainSettings:
        """A copy with the non-None `changes` applied and checked (CLI flags)."""
        d = self.to_dict()
        d.update({k: v for k, v in changes.items() if v is not None})
        return TrainSettings.from_dict(d)

    def resolved(self, task: TaskInfo | None) -> TrainSettings:
        """Loss and metrics filled in from the task's suggestion where unset."""
        if task is None:
            return self
        loss = self.loss or task.loss
        metrics = self.metrics or tuple(task.metrics)
        return replace(self, loss=loss, metrics=tuple(metrics))


_TRAIN_FIELDS: dict[str, Rule] = {
    "optimizer": (_is_name, "an optimizer name such as 'adam'", str),
    "learning_rate": (lambda v: _is_num(v) and v > 0, "a number > 0", float),
    "optimizer_settings": (
        lambda v: isinstance(v, Mapping),
        "an object of optimizer settings",
        lambda v: copy.deepcopy(dict(v)),
    ),
    "loss": (lambda v: v is None or _is_name(v), "a loss name or null", lambda v: v),
    "metrics": (
        lambda v: isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v),
        "a list of metric names",
        tuple,
    ),
    "epochs": (
        lambda v: _is_int(v) and 1 <= v <= MAX_EPOCHS,
        f"a whole number from 1 to {MAX_EPOCHS:,}",
        int,
    ),
    "batch_size": (
        lambda v: _is_int(v) and 1 <= v <= MAX_BATCH_SIZE,
        f"a whole number from 1 to {MAX_BATCH_SIZE:,}",
        int,
    ),
    "seed": (
        lambda v: v is None or (_is_int(v) and 0 <= v < 2**63),
        "a whole number from 0 to 2**63 - 1, or null",
        lambda v: None if v is None else int(v),
    ),
    "early_stopping": (
        lambda v: v is None or isinstance(v, Mapping),
        "an object",
        EarlyStoppingSettings.from_dict,
    ),
}


def make_optimizer(settings: TrainSettings) -> Optimizer:
    """The optimizer object the settings name, with learning rate and extra settings."""
    from core.engine import optimizers

    cls = optimizers.ALL_OPTIMIZERS.get(settings.optimizer.lower())
    if cls is None:
        optimizers.get(settings.optimizer)  # raises ConfigError with a suggestion
        raise ConfigError(f"Unknown optimizer {settings.optimizer!r}.")
    extra = dict(settings.optimizer_settings)
    extra.pop("learning_rate", None)
    try:
        return cls(learning_rate=settings.learning_rate, **extra)
    except TypeError as exc:
        raise ConfigError(
            f"optimizer '{settings.optimizer}': Expected its own settings (see the Keras "
            f"documentation of {cls.__name__}). Received: {sorted(extra)} ({exc})."
        ) from None


# --------------------------------------------------------------------------- data


def data_settings(config: DataConfig) -> dict[str, Any]:
    """The project's `data_config` form of `config`: its JSON form without the seed (the
    seed's one home is the training settings, see `TrainSettings.seed`)."""
    d = config.to_dict()
    d.pop("seed", None)
    return d


def split_seed(settings: TrainSettings) -> int:
    """The seed the data split uses: the project's seed, or 0 when it is unset."""
    return 0 if settings.seed is None else int(settings.seed)


def project_data_config(project: Project, settings: TrainSettings | None = None) -> DataConfig:
    """The `DataConfig` the project's data is prepared with: its data settings, split with
    the project's seed (a stray `seed` key in the data settings is ignored)."""
    settings = settings or TrainSettings.from_dict(project.train_config)
    return data_config_from(project.data_config or {}, settings)


def data_config_from(data: Mapping[str, Any], settings: TrainSettings) -> DataConfig:
    """The `DataConfig` of data settings (a project's `data_config` form) under the
    training settings' seed; ConfigError when the settings are not valid."""
    from core.data import DataConfig

    raw = {k: v for k, v in data.items() if k != "seed"}
    raw["seed"] = split_seed(settings)
    try:
        return DataConfig.from_dict(raw)
    except TypeError as exc:
        raise ConfigError(f"The project's data settings are not valid: {exc}.") from None


def load_data(
    project: Project,
    data_path: str | os.PathLike[str] | None = None,
    settings: TrainSettings | None = None,
) -> Dataset:
    """The project's `Dataset`: its CSV (or `data_path`) read and prepared by
    `project_data_config`."""
    from core.data.dataset import load_dataset

    settings = settings or TrainSettings.from_dict(project.train_config)
    path = data_path if data_path is not None else project.data_path
    if not path:
        raise DataError(
            "Expected a data file for this project. Received: none is set. Choose a CSV in "
            "the Data page, or pass --data FILE.csv on the command line."
        )
    if data_path is None:
        problem = project.data_problem()
        if problem:
            raise DataError(problem + " Or pass --data FILE.csv on the command line.")
    return load_dataset(path, project_data_config(project, settings))


# --------------------------------------------------------------------------- model


def check_graph(graph: Graph, dataset: Dataset, analysis: Analysis | None = None) -> Analysis:
    """The graph's analysis against the data; a GraphError listing every problem.

    `analysis` is that analysis when the caller already has it (the GUI's controller
    keeps one up to date with the data's feature count and task); else it is made here.
    Every `Problem` of an analysis blocks training (`Analysis.ok`), so all are listed.
    """
    from core.document.analysis import analyze

    if analysis is None:
        analysis = analyze(
            graph,
            input_shape=dataset.input_shape,
            task=dataset.task,
            vocabulary_size=dataset.vocabulary_size,
        )
    if analysis.problems:
        lines = [p.message for p in analysis.problems]
        plural = "s" if len(lines) > 1 else ""
        raise GraphError(
            f"The network cannot be trained on this data ({len(lines)} problem{plural}): "
            + "; ".join(lines)
        )
    return analysis


def build_and_compile(
    graph: Graph, dataset: Dataset, settings: TrainSettings, analysis: Analysis | None = None
) -> Model:
    """A compiled model for `graph`, checked against `dataset` first (see `check_graph`,
    which takes `analysis` when the caller has it); the graph is analysed at most once."""
    from core.document.analysis import build_model

    analysis = check_graph(graph, dataset, analysis)
    settings = settings.resolved(dataset.task)
    check_graph_memory(
        graph,
        analysis=analysis,
        batch_size=min(settings.batch_size, max(len(dataset.x_train), 1)),
        optimizer=settings.optimizer,
    )
    model = build_model(graph, seed=settings.seed, analysis=analysis)
    model.compile(
        optimizer=make_optimizer(settings),
        loss=settings.loss,
        metrics=user_unit_metrics(settings.metrics, dataset.pipeline),
    )
    return model


def user_unit_metrics(metrics: Sequence[Any], pipeline: Any | None) -> list[Any]:
    """`metrics` as compile() takes them, reporting in the target's own units when the
    pipeline standardizes a regression target (the loss stays on the standardized
    target: see `loss_note`)."""
    from core.engine.metric_units import in_target_units

    return in_target_units(list(metrics), getattr(pipeline, "target_scaling", None))


def loss_note(pipeline: Any | None, loss: str | None) -> str | None:
    """A sentence saying what unit the loss is in, when it is not the target's own."""
    scaling = getattr(pipeline, "target_scaling", None)
    if scaling is None:
        return None
    target = getattr(pipeline, "target", None) or "the target"
    return (
        f"loss ({loss or 'the loss'}) is computed on the standardized target '{target}' "
        f"(value - {scaling.offset:.4g}) / {scaling.scale:.4g}; the other metrics and all "
        "predictions are in the target's own units"
    )


# --------------------------------------------------------------------------- training


def early_stopping_callback(settings: TrainSettings, has_validation: bool) -> Callback | None:
    """The `EarlyStopping` callback the settings ask for, or None when it is off.

    Without validation rows, a monitor `val_x` watches `x` instead.
    """
    es = settings.early_stopping
    if not es.enabled:
        return None
    from core.engine.callbacks import EarlyStopping

    monitor = es.monitor
    if monitor.startswith("val_") and not has_validation:
        monitor = monitor[4:]
    return EarlyStopping(
        monitor=monitor,
        patience=es.patience,
        min_delta=es.min_delta,
        restore_best_weights=es.restore_best_weights,
    )


class Trainer(Protocol):
    """What runs a training: `training_events` (the GUI session takes another in tests)."""

    def __call__(
        self,
        model: Model,
        dataset: Dataset,
        settings: TrainSettings,
        callbacks: Iterable[Callback] = (),
        *,
        initial_epoch: int = 0,
    ) -> Iterator[Event]: ...


def training_events(
    model: Model,
    dataset: Dataset,
    settings: TrainSettings,
    callbacks: Iterable[Callback] = (),
    *,
    initial_epoch: int = 0,
) -> Iterator[Event]:
    """`core.engine.training.train` on the training split with validation data and early stopping.

    Yields the trainer's frozen events (BatchEnded, EpochEnded, TrainingFinished).
    As in Keras, `settings.epochs` is the epoch to stop after and `initial_epoch`
    the one to start from: "train 5 more" after 20 runs epochs 20..24 with
    `initial_epoch=20` and `epochs=25`, numbering its events from 20.
    """
    from core.engine.training import train

    has_val = len(dataset.x_val) > 0
    cbs = list(callbacks)
    stopper = early_stopping_callback(settings, has_val)
    if stopper is not None:
        cbs.insert(0, stopper)
    return train(
        model,
        dataset.x_train,
        dataset.y_train,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        validation_data=(dataset.x_val, dataset.y_val) if has_val else None,
        callbacks=cbs,
        shuffle=True,
        seed=settings.seed,
        initial_epoch=initial_epoch,
    )


def evaluate_arrays(
    model: Any, x: np.ndarray, y: np.ndarray, batch_size: int = 256
) -> dict[str, float]:
    """`model.evaluate` as a dict keyed by Keras metric names (loss, accuracy, mae, ...)."""
    if len(x) == 0:
        return {}
    try:
        result = model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)
    except TypeError:
        result = model.evaluate(x, y, batch_size=batch_size, verbose=0)
    if isinstance(result, Mapping):
        return {str(k): float(v) for k, v in result.items()}
    names = list(getattr(model, "metrics_names", None) or ["loss"])
    values = [result] if np.isscalar(result) else list(result)
    return {str(n): float(v) for n, v in zip(names, values, strict=False)}


def evaluate_splits(model: Any, dataset: Any, batch_size: int = 256) -> dict[str, dict[str, float]]:
    """Metrics on every split: {"train": {...}, "validation": {...}, "test": {...}}.

    An empty split gives an empty dict.
    """
    return {
        "train": evaluate_arrays(model, dataset.x_train, dataset.y_train, batch_size),
        "validation": evaluate_arrays(model, dataset.x_val, dataset.y_val, batch_size),
        "test": evaluate_arrays(model, dataset.x_test, dataset.y_test, batch_size),
    }


@dataclass
class TrainResult:
    """Everything a finished run produced (headless, or the GUI session's current model)."""

    model: Model
    dataset: Dataset
    settings: TrainSettings
    graph: Graph
    history: dict[str, list[float]]
    metrics: dict[str, dict[str, float]]
    finished: TrainingFinished | None = None
    epochs_run: int = 0
    data_config: DataConfig | None = None
    #: The run's `core.evaluation.runs.RunRecord` (settings, network, curves, metrics).
    run: Any | None = None
    #: The run's `core.evaluation.histograms.HistogramRecorder` (weights and gradients of
    #: each layer at each epoch's end), or None.
    histograms: Any | None = None


def record_epoch(history: dict[str, list[float]], event: EpochEnded) -> None:
    """Append an epoch's logs to `history` (Keras's `History.history` layout)."""
    for k, v in dict(event.logs).items():
        try:
            history.setdefault(str(k), []).append(float(v))
        except (TypeError, ValueError):
            continue


def train_project(
    project: Project,
    *,
    data_path: str | os.PathLike[str] | None = None,
    settings: TrainSettings | None = None,
    callbacks: Sequence[Callback] = (),
    on_event: Callable[[Event], None] | None = None,
) -> TrainResult:
    """Load data, build, train and evaluate a project headless (the CLI's `train`).

    The result's `run` is the run's record, ready for `core.evaluation.runs.add_run`;
    its `histograms` hold each layer's weight and gradient histograms per epoch.
    """
    import datetime as _dt
    import time

    from core.engine.training import EpochEnded, TrainingFinished
    from core.evaluation.histograms import HistogramRecorder

    started, clock = _dt.datetime.now(_dt.timezone.utc), time.perf_counter()
    settings = settings or TrainSettings.from_dict(project.train_config)
    dataset = load_data(project, data_path, settings)
    model = build_and_compile(project.graph, dataset, settings)
    if project.path:
        model.name = Path(project.path).stem  # the summary's title, as in the GUI
    history: dict[str, list[float]] = {}
    finished = None
    epochs_run = 0
    histograms = HistogramRecorder()
    callbacks = [*callbacks, histograms.callback()]
    for event in training_events(model, dataset, settings, callbacks):
        if isinstance(event, EpochEnded):
            epochs_run += 1
            record_epoch(history, event)
        elif isinstance(event, TrainingFinished):
            finished = event
        if on_event is not None:
            on_event(event)
    metrics = evaluate_splits(model, dataset)
    result = TrainResult(
        model=model,
        dataset=dataset,
        settings=settings.resolved(dataset.task),
        graph=project.graph,
        history=history,
        metrics=metrics,
        finished=finished,
        epochs_run=epochs_run,
        data_config=project_data_config(project, settings),
        histograms=histograms,
    )
    from core.evaluation.runs import record_from_training

    result.run = record_from_training(
        result,
        started=started,
        duration_s=time.perf_counter() - clock,
        data_path=os.fspath(data_path) if data_path is not None else project.data_path,
        evaluate=True,
    )
    return result


def settings_record(settings: TrainSettings, data_config: DataConfig | None) -> dict[str, Any]:
    """The training settings a bundle records: the run's settings plus the validation share
    its data split used (generated training scripts read it as `validation_split`)."""
    record = settings.to_dict()
    if data_config is not None:
        record["validation_split"] = float(data_config.validation_split)
    return record


def save_trained(
    result: TrainResult, path: str | os.PathLike[str], metadata: Mapping[str, Any] | None = None
) -> Path:
    """Write a finished run as a `.lfmodel` bundle (weights, preprocessing, metrics)."""
    from core.bundle import save_model_bundle
    from core.evaluation.baselines import training_baseline

    meta: dict[str, Any] = {
        "metrics": result.metrics,
        "history": result.history,
        "epochs_run": result.epochs_run,
        "train_settings": settings_record(result.settings, result.data_config),
        "baseline": training_baseline(result.dataset).to_dict(),
    }
    if metadata:
        meta.update(metadata)
    return save_model_bundle(
        result.model,
        path,
        pipeline=result.dataset.pipeline,
        task=result.dataset.task,
        metadata=meta,
        graph=result.graph,
        compile_info={"loss": result.settings.loss, "metrics": list(result.settings.metrics)},
    )


# --------------------------------------------------------------------------- new project


def new_project_from_csv(
    csv_path: str | os.PathLike[str],
    target: str | None = None,
    *,
    hidden: Sequence[int] | str | None = None,
    project_path: str | os.PathLike[str] | None = None,
    data_config: Mapping[str, Any] | None = None,
) -> Project:
    """The table starter for a CSV (`core.starters.new_project` with kind "table"): Input
    sized to the encoded features, hidden Dense relu layers (`hidden` None: 16, 8), the
    output layer, loss and metrics the task suggests, and the starter training settings."""
    from core.starters import new_project

    project, _ = new_project(
        csv_path,
        target,
        kind="table",
        hidden=hidden,
        project_path=project_path,
        data_config=dict(data_config or {}),
    )
    return project
