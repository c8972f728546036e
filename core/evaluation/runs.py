"""Run records: every training run kept in the project, to list, compare, delete or restore.

A `RunRecord` holds what a run was and what it gave: its id, start time (UTC),
duration, seed, training settings, the network (graph JSON, positions kept)
and its fingerprint, the data it used (rows per split, task, target), the
curves (per-epoch logs), the final metrics per split and, when computed, the
evaluation summary (`Evaluation.to_json`). Weights are not kept in the
record. Records live in `Project.runs` as plain JSON objects; the functions
here read and change that list (`add_run`, `remove_run`, `insert_run`) and
give back a run's network and settings (`restore_run`) for the app to apply
as one undo step. `record_from_training` makes a record from a finished
`core.run.TrainResult`. A run that continued a trained model ("Train more"
in the app) records the model's whole curves and its total epochs, with the
epoch it started from (`first_epoch`) and the run it continued
(`continued_from`); its duration is its own. `summary_columns` and
`overlay_metric` tell a table or a chart of several runs which metrics to
show.
"""

from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import json
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.document.graph import Graph
from core.document.graph_io import graph_from_dict, graph_to_dict
from core.errors import FormatError

__all__ = [
    "RunRecord",
    "add_run",
    "epochs_text",
    "find_run",
    "insert_run",
    "network_fingerprint",
    "overlay_metric",
    "record_from_training",
    "remove_run",
    "restore_run",
    "run_for_model",
    "runs_of",
    "summary_columns",
    "summary_row",
]

RECORD_VERSION = 1
#: Evaluations of tasks with more classes keep no confusion matrix in the run record.
MAX_CLASSES = 50


def _clean(value: Any) -> Any:
    """JSON-safe copy: NaN/inf become None, NumPy scalars plain numbers, tuples lists."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if all(type(v) is float for v in value):  # a history column: no call per value
            return [v if math.isfinite(v) else None for v in value]
        return [_clean(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if hasattr(value, "tolist"):
        return _clean(value.tolist())
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


def network_fingerprint(graph: Any) -> str:
    """A short hash of the network's layers, settings and connections (not its layout)."""
    d = graph_to_dict(graph, positions=False) if isinstance(graph, Graph) else copy.deepcopy(graph)
    for node in d.get("nodes", []):
        node.pop("x", None)
        node.pop("y", None)
    text = json.dumps(_clean(d), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def new_run_id(started: _dt.datetime) -> str:
    """ "20261202-065012-3fa9": start time (UTC) and four random hex digits."""
    return started.astimezone(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


@dataclass(frozen=True)
class RunRecord:
    """One training run (see the module docstring)."""

    id: str
    started: str
    duration_s: float
    seed: int | None
    settings: dict[str, Any]
    fingerprint: str
    graph: dict[str, Any]
    epochs: int
    reason: str = "completed"
    history: dict[str, list[float | None]] = field(default_factory=dict)
    metrics: dict[str, dict[str, float | None]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    evaluation: dict[str, Any] | None = None
    source: str = "app"
    #: The epoch this run started from (0 for a fresh run; >0 when it continued a model).
    first_epoch: int = 0
    #: The id of the run whose model this one continued, when known.
    continued_from: str | None = None

    @property
    def final(self) -> dict[str, float | None]:
        """The last epoch's logs (train and val_ metrics)."""
        return {k: v[-1] for k, v in self.history.items() if v}

    def to_dict(self) -> dict[str, Any]:
        return _clean(
            {
                "version": RECORD_VERSION,
                "id": self.id,
                "started": self.started,
                "duration_s": self.duration_s,
                "seed": self.seed,
                "settings": self.settings,
                "fingerprint": self.fingerprint,
                "graph": self.graph,
                "epochs": self.epochs,
                "reason": self.reason,
                "history": self.history,
                "metrics": self.metrics,
                "data": self.data,
                "evaluation": self.evaluation,
                "source": self.source,
                "first_epoch": self.first_epoch,
                "continued_from": self.continued_from,
            }
        )

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RunRecord:
        try:
            version = int(d.get("version", 1))
            if version > RECORD_VERSION:
                raise FormatError(
                    f"run {d.get('id')!r} was recorded by a newer LayerForge (record version "
                    f"{version}); update LayerForge to read it."
                )
            seed = d.get("seed")
            return cls(
                id=str(d["id"]),
                started=str(d["started"]),
                duration_s=float(d.get("duration_s") or 0.0),
                seed=None if seed is None else int(seed),
                settings=dict(d.get("settings") or {}),
                fingerprint=str(d.get("fingerprint", "")),
                graph=dict(d.get("graph") or {}),
                epochs=int(d.get("epochs") or 0),
                reason=str(d.get("reason", "completed")),
                history={str(k): list(v) for k, v in dict(d.get("history") or {}).items()},
                metrics={str(k): dict(v) for k, v in dict(d.get("metrics") or {}).items()},
                data=dict(d.get("data") or {}),
                evaluation=dict(d["evaluation"]) if d.get("evaluation") else None,
                source=str(d.get("source", "app")),
                first_epoch=int(d.get("first_epoch") or 0),
                continued_from=_optional_text(d.get("continued_from")),
            )
        except FormatError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(
                f"Expected a run record with id, started, settings and graph. Received a "
                f"record without a usable {exc}."
            ) from None


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def record_from_training(
    result: Any,
    *,
    started: _dt.datetime | None = None,
    duration_s: float = 0.0,
    data_path: str | None = None,
    evaluation: Any | None = None,
    evaluate: bool = False,
    source: str = "cli",
    network: Mapping[str, Any] | None = None,
    reason: str | None = None,
    first_epoch: int = 0,
    continued_from: str | None = None,
) -> RunRecord:
    """The record of a finished `core.run.TrainResult` (settings, network, curves, metrics).

    `evaluation` (an `Evaluation` or its JSON) is kept as the run's results;
    `evaluate=True` computes it from the result (test split, else validation;
    none when the data has neither). `network` (graph JSON) is the network the
    model was built from when that is not `result.graph` any more (the app's
    canvas may have changed during the run); `reason` says how the run ended
    when no `TrainingFinished` event did ("error").
    """
    started = started or _now()
    if evaluation is None and evaluate:
        from core.errors import DataError
        from core.evaluation.results import evaluate_dataset

        try:
            evaluation = evaluate_dataset(result.model, result.dataset)
        except DataError:
            evaluation = None
    ds = result.dataset
    finished = getattr(result, "finished", None)
    settings = result.settings.to_dict()
    data = {
        "path": data_path,
        "task": ds.task.kind,
        "target": getattr(ds, "target", ""),
        "rows": {"train": len(ds.x_train), "validation": len(ds.x_val), "test": len(ds.x_test)},
    }
    ev = evaluation.to_json() if hasattr(evaluation, "to_json") else evaluation
    if ev is not None and len((ev.get("confusion_matrix") or {}).get("labels", ())) > MAX_CLASSES:
        # keep the project file small: the summary numbers, not K x K counts
        ev = {k: v for k, v in ev.items() if k not in ("confusion_matrix", "per_class")}
        ev["baseline"] = {
            k: v
            for k, v in dict(ev.get("baseline") or {}).items()
            if k not in ("confusion_matrix", "per_class")
        }
    if reason is None:
        reason = getattr(finished, "reason", "completed") if finished is not None else "completed"
    graph = copy.deepcopy(dict(network)) if network is not None else result.graph
    return RunRecord(
        id=new_run_id(started),
        started=started.astimezone(_dt.timezone.utc).isoformat(timespec="seconds"),
        duration_s=round(float(duration_s), 3),
        seed=settings.get("seed"),
        settings=settings,
        fingerprint=network_fingerprint(graph),
        graph=graph_to_dict(graph, positions=True) if isinstance(graph, Graph) else graph,
        epochs=int(result.epochs_run),
        reason=str(reason),
        history=_clean(result.history),
        metrics=_clean(result.metrics),
        data=_clean(data),
        evaluation=_clean(ev) if ev is not None else None,
        source=source,
        first_epoch=int(first_epoch),
        continued_from=continued_from,
    )


# ------------------------------------------------------------------ the project's list


def runs_of(project: Any) -> list[RunRecord]:
    """The project's runs, oldest first; a damaged record raises FormatError naming it."""
    out = []
    for i, d in enumerate(getattr(project, "runs", None) or []):
        try:
            out.append(RunRecord.from_dict(d))
        except FormatError as exc:
            raise FormatError(f"run {i + 1} of the project: {exc}") from None
    return out


def find_run(project: Any, run_id: str) -> RunRecord:
    """The run with id `run_id` (an id prefix that matches one run is enough)."""
    runs = runs_of(project)
    exact = [r for r in runs if r.id == run_id]
    matches = exact or [r for r in runs if r.id.startswith(run_id)]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(r.id for r in runs[-5:]) or "none"
    what = "matches several runs" if matches else "is not a run of this project"
    raise FormatError(f"Run {run_id!r} {what}. Recorded runs (latest): {known}.")


def add_run(project: Any, record: RunRecord) -> None:
    """Append `record` to the project's runs."""
    project.runs.append(record.to_dict())


def insert_run(project: Any, record: RunRecord, index: int) -> None:
    """Put `record` back at position `index` (undo of `remove_run`)."""
    project.runs.insert(index, record.to_dict())


def remove_run(project: Any, run_id: str) -> tuple[int, RunRecord]:
    """Delete a run; returns its former position and the record (for undo)."""
    record = find_run(project, run_id)
    index = next(i for i, d in enumerate(project.runs) if d.get("id") == record.id)
    del project.runs[index]
    return index, record


def run_for_model(project: Any, network: Any, epochs: int) -> str | None:
    """The id of the newest run whose model has `network` (a Graph or its JSON) and
    `epochs` epochs: the run a reopened trained model came from, if one was recorded."""
    fingerprint = network_fingerprint(network)
    for d in reversed(getattr(project, "runs", None) or []):
        if d.get("fingerprint") == fingerprint and int(d.get("epochs") or 0) == int(epochs):
            return str(d.get("id"))
    return None


def restore_run(record: RunRecord, catalog: Any | None = None) -> tuple[Any, dict[str, Any]]:
    """The run's network (a new `Graph`) and its training settings (a `train_config` dict)."""
    from core.run import TrainSettings

    if catalog is None:
        from core.engine.layers.spec import CATALOG

        catalog = CATALOG
    graph = graph_from_dict(copy.deepcopy(record.graph), catalog=catalog)
    return graph, TrainSettings.from_dict(copy.deepcopy(record.settings)).to_dict()


def _settings_text(settings: Mapping[str, Any]) -> str:
    parts = [
        f"{settings.get('optimizer', '?')} lr={settings.get('learning_rate', '?')}",
        f"batch {settings.get('batch_size', '?')}",
    ]
    if settings.get("loss"):
        parts.append(str(settings["loss"]))
    es = settings.get("early_stopping") or {}
    if es.get("enabled"):
        parts.append(f"early stop {es.get('monitor', 'val_loss')}/{es.get('patience', '?')}")
    return ", ".join(parts)


#: The order metrics are listed in (the rest follow by name).
METRIC_ORDER = ("loss", "accuracy", "precision", "recall", "auc", "mae", "mse", "r2")


def _metric_key(order: Sequence[str]) -> Any:
    def key(name: str) -> tuple[bool, int, str]:
        base = name[4:] if name.startswith("val_") else name
        return (name.startswith("val_"), order.index(base) if base in order else len(order), name)

    return key


def summary_columns(rows: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[str]]:
    """The metric columns of a table of `summary_row`s: (final-epoch names, test names),
    each every name any row has, training metrics before validation ones."""
    key = _metric_key(METRIC_ORDER)
    finals = sorted({k for r in rows for k in r["final"]}, key=key)
    tests = sorted({k for r in rows for k in r["test"]}, key=key)
    return finals, tests


def overlay_metric(records: Sequence[RunRecord]) -> str | None:
    """The metric to chart beside the loss for these runs: the first metric (in the runs'
    own settings order, then `METRIC_ORDER`) that any of them has curves for."""
    names: list[str] = []
    for r in records:
        names += [str(m) for m in r.settings.get("metrics") or () if isinstance(m, str)]
    names += list(METRIC_ORDER)
    for name in dict.fromkeys(names):
        if name != "loss" and any(r.history.get(name) for r in records):
            return name
    rest = {k for r in records for k in r.history if k != "loss" and not k.startswith("val_")}
    return min(rest) if rest else None


def epochs_text(row: Mapping[str, Any]) -> str:
    """A row's epochs in words: "60", "20+5" for a run that trained 5 more after 20,
    with how it ended when it did not complete ("12 (stopped)")."""
    epochs, first = int(row["epochs"]), int(row.get("first_epoch") or 0)
    text = f"{first}+{epochs - first}" if 0 < first < epochs else str(epochs)
    reason = str(row.get("reason") or "completed")
    return text if reason == "completed" else f"{text} ({reason.replace('_', ' ')})"


def summary_row(record: RunRecord, metric_order: Sequence[str] = METRIC_ORDER) -> dict[str, Any]:
    """The Runs table's row: id, start, epochs, settings in words, final metrics."""
    final = record.final
    names = sorted(final, key=_metric_key(list(metric_order)))
    return {
        "id": record.id,
        "started": record.started,
        "epochs": record.epochs,
        "reason": record.reason,
        "first_epoch": record.first_epoch,
        "continued_from": record.continued_from,
        "duration_s": record.duration_s,
        "seed": record.seed,
        "fingerprint": record.fingerprint,
        "settings": copy.deepcopy(record.settings),
        "settings_text": _settings_text(record.settings),
        "final": {k: final[k] for k in names},
        "test": record.metrics.get("test") or {},
    }
