"""The `.lfproj` project file: versioned JSON read with migrations and written atomically.

A project holds the graph document (with positions), the data source (path
stored relative to the project file, resolved to an absolute path on load,
plus the data settings: `core.run.data_settings`, a `DataConfig` without its
seed, as a plain dict) and the training settings (`core.run.TrainSettings` as a
dict; that type owns the defaults). `validation_split` lives only in the data
settings and `seed` only in the training settings; format 1 files, which kept
both in both, are migrated on load.
Saving writes a temporary file in the same folder, flushes and fsyncs it and
then `os.replace`s it over the old file, so a crash mid-save never corrupts
the previous version. Loading turns every kind of bad file into a one-line
`FormatError` that names the file; a missing data file is not a load error but
is reported by `Project.data_problem()`. No pickle, no eval.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.document.fileio import atomic_write_text
from core.document.graph import Graph, LayerCatalog
from core.document.graph_io import graph_from_dict, graph_to_dict
from core.document.versioning import Migration, migrate
from core.errors import ConfigError, FormatError, LayerForgeError
from core.run import TrainSettings

__all__ = [
    "FILE_KIND",
    "FORMAT_VERSION",
    "PROJECT_MIGRATIONS",
    "PROJECT_SUFFIX",
    "Project",
    "default_train_config",
    "load_project",
    "project_from_dict",
    "project_to_dict",
    "save_project",
]

FORMAT_VERSION = 3
FILE_KIND = "layerforge-project"
PROJECT_SUFFIX = ".lfproj"


def _v1_to_v2(d: dict[str, Any]) -> dict[str, Any]:
    """Format 1 kept `validation_split` and `seed` in both the data and the training settings.

    Format 2 gives each one home: the validation share is a data setting (the value
    that ran, the data one, wins; the training one fills in where the data had none)
    and the seed is a training setting (it fixes the weights and the shuffling; the
    data seed fills in where the training had none).
    """
    data = d.get("data")
    training = d.get("training")
    if not isinstance(data, dict) or not isinstance(training, dict):
        return d  # the checks after migration report what is wrong
    config = data.get("config")
    if config is None:
        config = data["config"] = {}
    if not isinstance(config, dict):
        return d
    split = training.pop("validation_split", None)
    if "validation_split" not in config and split is not None:
        config["validation_split"] = split
    seed = config.pop("seed", None)
    if "seed" not in training and seed is not None:
        training["seed"] = seed
    for run in d.get("runs") or ():  # run records keep the training settings they used
        if isinstance(run, dict) and isinstance(run.get("settings"), dict):
            run["settings"].pop("validation_split", None)
    return d


def _v2_to_v3(d: dict[str, Any]) -> dict[str, Any]:
    """Format 3 may carry a `trained` object: the manifest of the trained state saved beside
    the file (`core.document.trained_state`). A format 2 file has none, so nothing changes;
    the new number keeps an older LayerForge from opening (and then saving without) it."""
    return d


#: version -> function turning a project dict of that version into version + 1.
PROJECT_MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2, 2: _v2_to_v3}


def default_train_config() -> dict[str, Any]:
    """A fresh copy of the default training settings (`core.run.TrainSettings` owns them;
    loss None = chosen from the task)."""
    return TrainSettings().to_dict()


@dataclass
class Project:
    """Everything a user saves about one piece of work; the trained weights live beside it
    (`trained` is their manifest, see core.document.trained_state)."""

    graph: Graph
    data_path: str | None = None
    data_config: dict[str, Any] = field(default_factory=dict)
    train_config: dict[str, Any] = field(default_factory=default_train_config)
    path: str | None = None
    #: Recorded training runs as plain JSON objects (see core.evaluation.runs).
    runs: list[dict[str, Any]] = field(default_factory=list)
    #: The manifest of the trained state saved beside the project (core.document.trained_state).
    trained: dict[str, Any] | None = None

    def data_problem(self) -> str | None:
        """Why the data file cannot be used (missing, a folder), or None if fine or unset."""
        if not self.data_path:
            return None
        p = Path(self.data_path)
        if not p.is_absolute() and self.path:
            p = Path(self.path).parent / p
        try:
            shaped = (self.data_config or {}).get("input")
            if p.is_dir() and isinstance(shaped, dict) and shaped.get("kind") == "images":
                return None
            if p.is_dir():
                return f"The data path {p} is a folder, not a data file. Choose a CSV file."
            if p.is_file():
                return None
        except OSError as exc:
            return f"The data file {p} cannot be used: {exc.strerror or exc}."
        return (
            f"The data file '{p.name}' was not found at {p}. "
            "Choose it again on the Data page or move it back."
        )


# ------------------------------------------------------------------ dict form


def _relative_data_path(data_path: str | None, project_path: str | None) -> str | None:
    if not data_path:
        return None
    if project_path is None:
        return Path(data_path).as_posix()
    base = Path(project_path).resolve().parent
    target = Path(data_path)
    if not target.is_absolute():
        return target.as_posix()
    try:
        return Path(os.path.relpath(target.resolve(), base)).as_posix()
    except ValueError:  # another drive on Windows
        return target.as_posix()


def project_to_dict(project: Project, *, path: str | None = None) -> dict[str, Any]:
    """The JSON form of `project`, with the data path relative to `path` (or project.path)."""
    where = path if path is not None else project.path
    return {
        "format": FILE_KIND,
        "format_version": FORMAT_VERSION,
        "graph": graph_to_dict(project.graph, positions=True),
        "data": {
            "path": _relative_data_path(project.data_path, where),
            "config": copy.deepcopy(project.data_config),
        },
        "training": copy.deepcopy(project.train_config),
    } | (
        ({"runs": copy.deepcopy(project.runs)} if project.runs else {})
        | ({"trained": copy.deepcopy(project.trained)} if project.trained is not None else {})
    )


def _check_train_config(cfg: dict[str, Any]) -> dict[str, Any]:
    """Fill missing settings from the defaults; refuse values of the wrong kind."""
    try:
        return TrainSettings.from_dict(cfg).to_dict()
    except ConfigError as exc:
        raise FormatError(str(exc)) from None


def project_from_dict(
    d: Any, *, path: str | None = None, catalog: LayerCatalog | None = None
) -> Project:
    """Parse (and migrate) the JSON form; the data path is resolved against `path`'s folder."""
    if not isinstance(d, dict):
        raise FormatError(
            f"Expected a LayerForge project (a JSON object). Received: {_json_kind(d)}"
        )
    kind = d.get("format")
    if kind != FILE_KIND:
        if kind is None:
            raise FormatError("This is not a LayerForge project: it has no 'format' field.")
        raise FormatError(f"This is not a LayerForge project: its format is {kind!r}.")
    d = migrate(d, FORMAT_VERSION, PROJECT_MIGRATIONS, what="project")
    if "graph" not in d:
        raise FormatError("The project has no 'graph'.")
    graph = graph_from_dict(d["graph"], catalog=catalog)
    data = d.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FormatError(f"'data' must be an object. Received: {_json_kind(data)}")
    data_path = data.get("path")
    if data_path is not None and (not isinstance(data_path, str) or "\x00" in data_path):
        raise FormatError(f"'data.path' must be text or null. Received: {data_path!r}")
    config = data.get("config", {})
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise FormatError(f"'data.config' must be an object. Received: {_json_kind(config)}")
    training = d.get("training", {})
    if training is None:
        training = {}
    if not isinstance(training, dict):
        raise FormatError(f"'training' must be an object. Received: {_json_kind(training)}")
    runs = d.get("runs") or []
    if not isinstance(runs, list) or not all(isinstance(r, dict) for r in runs):
        raise FormatError(f"'runs' must be a list of objects. Received: {_json_kind(runs)}")
    trained = d.get("trained")
    if trained is not None and not isinstance(trained, dict):
        raise FormatError(f"'trained' must be an object. Received: {_json_kind(trained)}")
    resolved: str | None = None
    if data_path:
        p = Path(data_path.replace("\\", "/")) if os.sep == "/" else Path(data_path)
        if not p.is_absolute() and path is not None:
            p = Path(path).resolve().parent / p
        resolved = os.path.normpath(str(p)) if p.is_absolute() else str(p)
    return Project(
        graph=graph,
        data_path=resolved,
        data_config=config,
        train_config=_check_train_config(training),
        path=str(Path(path).resolve()) if path is not None else None,
        runs=copy.deepcopy(runs),
        trained=copy.deepcopy(trained),
    )


def _json_kind(v: Any) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(v), type(v).__name__)


# ------------------------------------------------------------------ files


def save_project(project: Project, path: str | os.PathLike[str]) -> None:
    """Write `project` to `path` atomically and set `project.path`.

    The JSON goes to a temporary file in the same folder, is flushed and fsynced,
    then replaces the old file in one step; on any failure the old file is intact
    and the temporary file is removed.
    """
    target = Path(path)
    try:
        text = (
            json.dumps(project_to_dict(project, path=str(target)), indent=2, allow_nan=False) + "\n"
        )
    except ValueError as exc:
        raise FormatError(f"{target}: cannot be saved: {exc}") from None
    atomic_write_text(target, text)
    project.path = str(target.resolve())


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a project file")


def load_project(path: str | os.PathLike[str], catalog: LayerCatalog | None = None) -> Project:
    """Read a `.lfproj` file; every problem is a one-line FormatError naming the file."""
    p = Path(path)
    if not p.exists():
        raise FormatError(f"{p}: project file not found.")
    if p.is_dir():
        raise FormatError(f"{p}: is a folder, not a LayerForge project file.")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise FormatError(f"{p}: cannot be read: {exc.strerror or exc}") from None
    if not raw.strip():
        raise FormatError(f"{p}: the file is empty; it is not a LayerForge project.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormatError(
            f"{p}: not a LayerForge project (not a text file; expected JSON)."
        ) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            raise FormatError(
                f"{p}: the file is truncated (it ends in the middle of the JSON); "
                "it may have been cut off while copying. Restore a backup."
            ) from None
        raise FormatError(
            f"{p}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    except (ValueError, RecursionError) as exc:
        raise FormatError(f"{p}: not a valid project file: {exc}.") from None
    try:
        return project_from_dict(data, path=str(p), catalog=catalog)
    except FormatError as exc:
        raise FormatError(f"{p}: {_one_line(str(exc))}") from None
    except RecursionError:
        raise FormatError(f"{p}: the project is nested too deeply to read.") from None
    except LayerForgeError as exc:
        raise FormatError(f"{p}: {_one_line(str(exc))}") from None


def _one_line(message: str) -> str:
    return " ".join(message.split())
