"""A project's trained state: weights, optimizer state, curves and results, kept with it.

Saving a project that has a trained model writes two files, side by side:

- `name.lfproj`, the project JSON, gets a `"trained"` object (the manifest): the
  state's format version, the sidecar's file name, size and SHA-256, when it was
  saved, the epochs trained, the settings that trained it, the per-epoch curves,
  the test metrics, how the last run ended, the network the weights belong to
  (graph JSON without positions) and a signature of the data it was trained on
  (fitted preprocessing and split sizes);
- `name.lfstate.npz` (the sidecar) holds the arrays: `weights/0000`, … in the
  model's weight order, `optimizer/<slot>` (step count, moments),
  `batch/<series>` (the per-batch curves the plots show) and `hist/<part>`
  (the per-layer weight and gradient histograms of each epoch, in
  `core.evaluation.histograms.HistogramRecorder.to_arrays` form; the layer
  names are in the manifest's "histogram_layers"). It is a plain,
  uncompressed NumPy archive read with `allow_pickle=False`; every array's
  declared size is checked against the file before it is read.

The sidecar is written first and the project JSON second, each atomically
(`core.document.fileio`), so the JSON only ever names a sidecar that is
complete; the SHA-256 ties the pair together, and a sidecar that does not
match (a crash between the two writes, a file copied alone) is reported and
left out instead of being loaded. A project without a trained model has no
`"trained"` object, and a stale sidecar of that name is removed on save.

`capture_state` copies a live model's state, `restore_model` rebuilds a
compiled model from a state and the project's data, `save_with_state` /
`load_with_state` write and read the pair. `EpochSnapshots` is a training
callback that copies the weights and optimizer state at epoch ends, so that a
consistent state of a run still in progress can be autosaved from another
thread. `BatchCurves` collects the per-batch curves of runs. Qt-free: the app
and any other front end call these.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import hashlib
import json
import math
import os
import re
import threading
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from core.document.fileio import atomic_write
from core.document.graph_io import graph_from_dict, graph_to_dict
from core.document.project import PROJECT_SUFFIX, Project, load_project, save_project
from core.engine.callbacks import Callback
from core.errors import FormatError, LayerForgeError

__all__ = [
    "STATE_SUFFIX",
    "BatchCurves",
    "EpochSnapshot",
    "EpochSnapshots",
    "STATE_VERSION",
    "LoadedProject",
    "TrainedState",
    "capture_state",
    "data_signature",
    "load_with_state",
    "read_state",
    "restore_model",
    "network_matches",
    "same_network",
    "save_with_state",
    "snapshot_state",
    "state_path_for",
    "write_state",
]

STATE_SUFFIX = ".lfstate.npz"
STATE_VERSION = 1
_SHA_RE = re.compile(r"[0-9a-f]{64}")
_MEMBER_RE = re.compile(
    r"(weights/\d{4,}|optimizer/[a-z_]+|batch/[A-Za-z0-9_.\-]+|hist/[a-z_]+)\.npy"
)


@dataclass
class TrainedState:
    """What training produced for a project (see the module docstring).

    `weights` follow `model.get_weights()`; `optimizer` is the optimizer's
    `save_own_variables` store; `batch_curves` maps "epoch_pos" and each
    per-batch log name to equally long arrays; `history` maps each per-epoch
    log name to its values (None where a value was not finite); `finish`
    holds "reason", "epoch", "batch" and "summary" of the last run;
    `histograms` the per-epoch weight and gradient histograms of `histogram_layers`
    (`HistogramRecorder.to_arrays`; empty when none were recorded).
    """

    weights: list[np.ndarray]
    optimizer: dict[str, np.ndarray]
    epochs_done: int
    settings: dict[str, Any]
    network: dict[str, Any]
    data_signature: str
    history: dict[str, list[float | None]] = field(default_factory=dict)
    batch_curves: dict[str, np.ndarray] = field(default_factory=dict)
    test_metrics: dict[str, float] = field(default_factory=dict)
    finish: dict[str, Any] = field(default_factory=dict)
    saved_at: str | None = None
    histogram_layers: list[str] = field(default_factory=list)
    histograms: dict[str, np.ndarray] = field(default_factory=dict)

    def describe(self) -> str:
        """One line for a person: epochs, how the run ended, the latest loss."""
        parts = [f"{self.epochs_done} epoch{'s' if self.epochs_done != 1 else ''} trained"]
        reason = self.finish.get("reason")
        if reason and reason != "completed":
            parts.append(str(reason).replace("_", " "))
        losses = [v for v in self.history.get("loss", []) if v is not None]
        if losses:
            parts.append(f"loss {losses[-1]:.4g}")
        return ", ".join(parts)


# ------------------------------------------------------------------ live model <-> state


def _finite_or_none(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def data_signature(dataset: Any) -> str:
    """A hash of what a model was trained on: fitted preprocessing and split sizes."""
    pipeline = getattr(dataset, "pipeline", None)
    body = {
        "pipeline": pipeline.to_dict() if pipeline is not None else None,
        "rows": [len(dataset.x_train), len(dataset.x_val), len(dataset.x_test)],
        "features": int(dataset.n_features),
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def capture_state(
    model: Any,
    *,
    network: Any,
    dataset: Any,
    settings: Mapping[str, Any],
    epochs_done: int,
    history: Mapping[str, Any] | None = None,
    batch_curves: Mapping[str, Any] | None = None,
    test_metrics: Mapping[str, Any] | None = None,
    finish: Mapping[str, Any] | None = None,
    histograms: tuple[list[str], Mapping[str, np.ndarray]] | None = None,
) -> TrainedState:
    """A copy of `model`'s trained state (call it while no run changes the model).

    `network` is the graph the model was built from (a `Graph` or its dict),
    `settings` the resolved training settings as a dict, `histograms` the
    (layer names, arrays) of `HistogramRecorder.to_arrays`.
    """
    hist_layers, hist_arrays = histograms if histograms is not None else ([], {})
    net = network if isinstance(network, Mapping) else graph_to_dict(network, positions=False)
    optimizer: dict[str, np.ndarray] = {}
    opt = getattr(model, "optimizer", None)
    if opt is not None and getattr(opt, "built", False):
        opt.save_own_variables(optimizer)
    return TrainedState(
        weights=[np.array(w, copy=True) for w in model.get_weights()],
        optimizer=optimizer,
        epochs_done=int(epochs_done),
        settings=copy.deepcopy(dict(settings)),
        network=_positionless(net),
        data_signature=data_signature(dataset),
        history={str(k): [_finite_or_none(v) for v in vals] for k, vals in (history or {}).items()},
        batch_curves={
            str(k): np.array(v, dtype=np.float64) for k, v in (batch_curves or {}).items()
        },
        test_metrics={
            str(k): float(v)
            for k, v in (test_metrics or {}).items()
            if _finite_or_none(v) is not None
        },
        finish=copy.deepcopy(dict(finish or {})),
        histogram_layers=[str(n) for n in hist_layers],
        histograms={str(k): np.array(v, copy=True) for k, v in hist_arrays.items()},
    )


def _positionless(network: Mapping[str, Any]) -> dict[str, Any]:
    d = copy.deepcopy(dict(network))
    for node in d.get("nodes", []) or []:
        if isinstance(node, dict):
            node.pop("x", None)
            node.pop("y", None)
    return d


def same_network(state: TrainedState, graph: Any) -> bool:
    """True when `graph` (ignoring positions) is the network the state was trained on."""
    return network_matches(state.network, graph)


def network_matches(network: Mapping[str, Any], graph: Any) -> bool:
    """True when `graph` (ignoring positions) is the network `network` (graph JSON) describes."""
    return _positionless(graph_to_dict(graph, positions=False)) == _positionless(network)


def restore_model(state: TrainedState, dataset: Any, catalog: Any | None = None) -> Any:
    """A compiled model with the state's weights and optimizer state, ready to train on.

    It is built from the state's own network, so it matches the weights even when
    the project's network was edited after training. Raises FormatError with the
    reason when the data is not the data the model was trained on or the arrays do
    not fit the network.
    """
    from core.run import TrainSettings, build_and_compile

    if data_signature(dataset) != state.data_signature:
        raise FormatError(
            "The trained model was not restored: the data is not what it was trained on "
            "(the CSV file or the data settings changed since). Train again."
        )
    if catalog is None:
        from core.engine.layers.spec import CATALOG

        catalog = CATALOG
    try:
        graph = graph_from_dict(copy.deepcopy(state.network), catalog=catalog)
        model = build_and_compile(graph, dataset, TrainSettings.from_dict(state.settings))
        model.set_weights(state.weights)
        if state.optimizer:
            model._ensure_optimizer()  # builds the slots the saved state fills
            model.optimizer.load_own_variables(state.optimizer)
    except LayerForgeError as exc:
        raise FormatError(
            f"The trained model was not restored: {' '.join(str(exc).split())}"
        ) from None
    return model


@dataclass(frozen=True)
class EpochSnapshot:
    """Copies of a model's weights and optimizer state after `epochs_done` epochs, with the
    logs of each epoch of this run (`first_epoch` is the run's first)."""

    epochs_done: int
    weights: list[np.ndarray]
    optimizer: dict[str, np.ndarray]
    first_epoch: int = 0
    logs: tuple[dict[str, float | None], ...] = ()


class EpochSnapshots(Callback):
    """Copies the weights and optimizer state at an epoch's end, at most every `min_interval_s`.

    It runs in the training thread, between two optimizer steps, so the copy is
    consistent; `latest` (read from any thread) is the newest copy or None.
    """

    def __init__(self, min_interval_s: float = 10.0) -> None:
        super().__init__()
        self.min_interval_s = float(min_interval_s)
        self.latest: EpochSnapshot | None = None
        self._last = -math.inf
        self._lock = threading.Lock()
        self._logs: list[dict[str, float | None]] = []
        self._first: int | None = None

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if self._first is None:
            self._first = int(epoch)
        self._logs.append({str(k): _finite_or_none(v) for k, v in dict(logs or {}).items()})
        now = time.monotonic()
        if now - self._last < self.min_interval_s or self.model is None:
            return
        self._last = now
        optimizer: dict[str, np.ndarray] = {}
        opt = getattr(self.model, "optimizer", None)
        if opt is not None and getattr(opt, "built", False):
            opt.save_own_variables(optimizer)
        snap = EpochSnapshot(
            int(epoch) + 1, self.model.get_weights(), optimizer, self._first, tuple(self._logs)
        )
        with self._lock:
            self.latest = snap


def snapshot_state(snapshot: EpochSnapshot, base: TrainedState) -> TrainedState:
    """`base` (the run's metadata) with the weights of `snapshot` and curves cut to its epochs."""
    n = snapshot.epochs_done
    history = {k: list(v[: snapshot.first_epoch]) for k, v in base.history.items()}
    for i, logs in enumerate(snapshot.logs):
        for k, v in logs.items():
            values = history.setdefault(k, [])
            values.extend([None] * (snapshot.first_epoch + i - len(values)))
            values.append(v)
    curves = dict(base.batch_curves)
    pos = curves.get("epoch_pos")
    if pos is not None and len(pos):
        keep = int(np.searchsorted(pos, n, side="right"))
        curves = {k: v[:keep] for k, v in curves.items()}
    hists = dict(base.histograms)
    epochs = hists.get("epochs")
    if epochs is not None:  # every histogram array is indexed by epoch first
        hists = {k: v[epochs < n] for k, v in hists.items()}
    return TrainedState(
        weights=list(snapshot.weights),
        optimizer=dict(snapshot.optimizer),
        epochs_done=n,
        settings=copy.deepcopy(base.settings),
        network=copy.deepcopy(base.network),
        data_signature=base.data_signature,
        history=history,
        batch_curves=curves,
        test_metrics={},
        finish={
            "reason": "interrupted",
            "epoch": n - 1,
            "batch": 0,
            "summary": f"Recovered after {n} epoch(s) of a run that did not finish.",
        },
        histogram_layers=list(base.histogram_layers),
        histograms=hists,
    )


class BatchCurves:
    """The per-batch curves of a model's runs: "epoch_pos" and one array per log name."""

    def __init__(self) -> None:
        self._parts: dict[str, list[np.ndarray]] = {}
        self._size = 0

    def clear(self) -> None:
        self._parts, self._size = {}, 0

    def add(self, epoch_pos: Any, series: Mapping[str, Any]) -> None:
        """Append one delivery: positions in epochs and each log's values (NaN where absent)."""
        pos = np.asarray(epoch_pos, dtype=np.float64)
        n = int(pos.shape[0])
        if n == 0:
            return
        names = set(self._parts) | {str(k) for k in series} | {"epoch_pos"}
        for name in names:
            parts = self._parts.setdefault(name, [])
            if not parts and self._size:
                parts.append(np.full(self._size, np.nan))
            value = pos if name == "epoch_pos" else series.get(name)
            arr = np.full(n, np.nan) if value is None else np.asarray(value, dtype=np.float64)
            parts.append(arr if arr.shape == (n,) else np.full(n, np.nan))
        self._size += n

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in self._parts.items() if v}

    def load(self, curves: Mapping[str, np.ndarray]) -> None:
        """Start from saved curves (a restored model)."""
        self.clear()
        pos = curves.get("epoch_pos")
        if pos is not None:
            self.add(pos, {k: v for k, v in curves.items() if k != "epoch_pos"})


# ------------------------------------------------------------------ the sidecar file


def state_path_for(project_path: str | os.PathLike[str]) -> Path:
    """`folder/name.lfproj` -> `folder/name.lfstate.npz`."""
    p = Path(project_path)
    stem = p.name[: -len(PROJECT_SUFFIX)] if p.name.endswith(PROJECT_SUFFIX) else p.stem
    return p.with_name(stem + STATE_SUFFIX)


def _arrays(state: TrainedState) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for i, w in enumerate(state.weights):
        out[f"weights/{i:04d}"] = np.asarray(w)
    for k, v in state.optimizer.items():
        out[f"optimizer/{k}"] = np.asarray(v)
    for k, v in state.batch_curves.items():
        out[f"batch/{k}"] = np.asarray(v, dtype=np.float64)
    for k, v in state.histograms.items():
        out[f"hist/{k}"] = np.asarray(v)
    for name, arr in out.items():
        if arr.dtype.kind not in "fiub":
            raise FormatError(f"The trained state's array {name} is not numeric ({arr.dtype}).")
    return out


class _HashingWriter:
    """A write-only file wrapper that hashes and counts what passes through."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self.fh.write(data)

    def flush(self) -> None:
        self.fh.flush()


def write_state(state: TrainedState, project_path: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the sidecar of `project_path` atomically; returns the manifest for the JSON."""
    target = state_path_for(project_path)
    arrays = _arrays(state)
    info: dict[str, int | str] = {}

    def write(fh: BinaryIO) -> None:
        hw = _HashingWriter(fh)
        with zipfile.ZipFile(hw, "w", compression=zipfile.ZIP_STORED) as zf:  # type: ignore[arg-type]
            for name, arr in arrays.items():
                with zf.open(name + ".npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, arr, allow_pickle=False)
        info["sha256"] = hw.sha.hexdigest()
        info["bytes"] = hw.size

    atomic_write(target, write, action="saved")
    saved_at = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    state.saved_at = saved_at
    extra = {"histogram_layers": list(state.histogram_layers)} if state.histograms else {}
    return {
        "version": STATE_VERSION,
        "file": target.name,
        "sha256": info["sha256"],
        "bytes": info["bytes"],
        "saved_at": saved_at,
        "epochs_done": state.epochs_done,
        "weights": len(state.weights),
        "settings": copy.deepcopy(state.settings),
        "network": copy.deepcopy(state.network),
        "data_signature": state.data_signature,
        "history": copy.deepcopy(state.history),
        "test_metrics": dict(state.test_metrics),
        "finish": copy.deepcopy(state.finish),
        **extra,
    }


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_num_or_none(v: Any) -> bool:
    return v is None or _is_num(v)


def _check_manifest(m: Any) -> dict[str, Any]:
    """The manifest with every field checked; FormatError names the first bad one."""
    if not isinstance(m, dict):
        raise FormatError("'trained' must be an object.")
    version = m.get("version")
    if not _is_int(version) or version < 1:
        raise FormatError(f"'trained.version' must be a whole number >= 1. Received: {version!r}")
    if version > STATE_VERSION:
        raise FormatError(
            f"The trained state was saved by a newer LayerForge (state format {version}); "
            f"this version reads up to {STATE_VERSION}. Update LayerForge to load it."
        )

    def need(key: str, ok: Any, expected: str) -> Any:
        value = m.get(key)
        if not ok(value):
            raise FormatError(f"'trained.{key}' must be {expected}. Received: {value!r:.80}")
        return value

    name = need("file", lambda v: isinstance(v, str) and v.endswith(STATE_SUFFIX), "a file name")
    if Path(name).name != name or name.startswith(".") or "\\" in name or "\x00" in name:
        raise FormatError(f"'trained.file' must be a file name beside the project: {name!r}")
    need("sha256", lambda v: isinstance(v, str) and _SHA_RE.fullmatch(v), "a SHA-256 hex digest")
    need("bytes", lambda v: _is_int(v) and v >= 0, "a whole number >= 0")
    need("epochs_done", lambda v: _is_int(v) and v >= 0, "a whole number >= 0")
    need("weights", lambda v: _is_int(v) and v >= 0, "a whole number >= 0")
    need("settings", lambda v: isinstance(v, dict), "an object")
    need("network", lambda v: isinstance(v, dict), "an object")
    need("data_signature", lambda v: isinstance(v, str) and _SHA_RE.fullmatch(v), "a hash")
    need(
        "history",
        lambda v: (
            isinstance(v, dict)
            and all(
                isinstance(vals, list) and all(map(_is_num_or_none, vals)) for vals in v.values()
            )
        ),
        "an object of number lists",
    )
    need(
        "test_metrics",
        lambda v: isinstance(v, dict) and all(map(_is_num, v.values())),
        "an object of numbers",
    )
    need("finish", lambda v: isinstance(v, dict), "an object")
    need("saved_at", lambda v: v is None or isinstance(v, str), "a time stamp")
    if "histogram_layers" in m:
        need(
            "histogram_layers",
            lambda v: isinstance(v, list) and all(isinstance(n, str) for n in v),
            "a list of layer names",
        )
    return m


def _hash_file(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _find_sidecar(m: Mapping[str, Any], project_path: Path) -> Path:
    """The sidecar the manifest names (or the one named after the project) with its hash."""
    candidates = [project_path.with_name(m["file"]), state_path_for(project_path)]
    seen: list[Path] = []
    for cand in dict.fromkeys(candidates):
        if cand.is_file():
            seen.append(cand)
            if cand.stat().st_size == m["bytes"] and _hash_file(cand) == m["sha256"]:
                return cand
    if not seen:
        raise FormatError(
            f"The trained state file {m['file']} is missing beside {project_path.name}; "
            "the project opened without its trained model. Copy the .lfstate.npz file "
            "with the project to keep it."
        )
    raise FormatError(
        f"The trained state file {seen[0].name} does not belong to this version of "
        f"{project_path.name} (it was saved at another time); the project opened without "
        "its trained model."
    )


def _read_member_header(fh: Any) -> tuple[tuple[int, ...], np.dtype]:
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _fortran, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, _fortran, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        raise ValueError(f"unsupported .npy version {version}")
    return tuple(int(s) for s in shape), np.dtype(dtype)


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of the sidecar, each checked (name, numeric dtype, declared size) first."""
    out: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not _MEMBER_RE.fullmatch(info.filename):
                raise ValueError(f"unexpected entry {info.filename!r}")
            if info.compress_type != zipfile.ZIP_STORED:
                raise ValueError(f"entry {info.filename} is compressed")
            with zf.open(info) as fh:
                shape, dtype = _read_member_header(fh)
                if dtype.kind not in "fiub" or dtype.hasobject:
                    raise ValueError(f"{info.filename} holds {dtype}, not numbers")
                count = math.prod(shape)
                header = fh.tell()
                if count * dtype.itemsize != info.file_size - header:
                    raise ValueError(
                        f"{info.filename} declares {shape} but holds {info.file_size - header} "
                        "bytes"
                    )
                data = fh.read()
            arr = np.frombuffer(data, dtype=dtype, count=count).reshape(shape).copy()
            out[info.filename[: -len(".npy")]] = arr
    return out


def read_state(manifest: Any, project_path: str | os.PathLike[str]) -> TrainedState:
    """The trained state a project's manifest describes; FormatError says why it cannot be."""
    m = _check_manifest(manifest)
    path = _find_sidecar(m, Path(project_path))
    try:
        arrays = _read_arrays(path)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise FormatError(f"{path.name}: not a readable trained state file ({exc}).") from None
    weight_keys = sorted(k for k in arrays if k.startswith("weights/"))
    if len(weight_keys) != m["weights"]:
        raise FormatError(
            f"{path.name}: Expected {m['weights']} weight arrays. Received: {len(weight_keys)}."
        )
    curves = {k[len("batch/") :]: v for k, v in arrays.items() if k.startswith("batch/")}
    lengths = {v.shape for v in curves.values()}
    if len(lengths) > 1 or any(len(s) != 1 for s in lengths):
        raise FormatError(f"{path.name}: the per-batch curves are not equally long lists.")
    slots = {k[len("optimizer/") :]: v for k, v in arrays.items() if k.startswith("optimizer/")}
    hists = {k[len("hist/") :]: v for k, v in arrays.items() if k.startswith("hist/")}
    if hists and "histogram_layers" not in m:
        raise FormatError(f"{path.name}: histograms without 'trained.histogram_layers'.")
    return TrainedState(
        weights=[arrays[k] for k in weight_keys],
        optimizer=slots,
        epochs_done=m["epochs_done"],
        settings=copy.deepcopy(m["settings"]),
        network=copy.deepcopy(m["network"]),
        data_signature=m["data_signature"],
        history={str(k): list(v) for k, v in m["history"].items()},
        batch_curves=curves,
        test_metrics={str(k): float(v) for k, v in m["test_metrics"].items()},
        finish=copy.deepcopy(m["finish"]),
        saved_at=m.get("saved_at"),
        histogram_layers=list(m.get("histogram_layers", [])) if hists else [],
        histograms=hists,
    )


# ------------------------------------------------------------------ project + state


def save_with_state(
    project: Project, state: TrainedState | None, path: str | os.PathLike[str]
) -> None:
    """Save `project` to `path` with `state` beside it (or with none: a stale sidecar goes).

    The sidecar is written before the project JSON that names it; both atomically.
    """
    target = Path(path)
    if state is None:
        project.trained = None
        save_project(project, target)
        stale = state_path_for(target)
        with contextlib.suppress(OSError):
            if stale.is_file():
                stale.unlink()
        return
    project.trained = write_state(state, target)
    save_project(project, target)


@dataclass
class LoadedProject:
    """A project read with its trained state; `problem` says why the state was left out."""

    project: Project
    state: TrainedState | None = None
    problem: str | None = None


def load_with_state(path: str | os.PathLike[str], catalog: Any | None = None) -> LoadedProject:
    """Read a project and its trained state. A state that cannot be read never stops the
    project from opening: it is left out and `problem` says why."""
    project = load_project(path, catalog=catalog)
    if project.trained is None:
        return LoadedProject(project)
    try:
        state = read_state(project.trained, path)
    except FormatError as exc:
        return LoadedProject(project, None, " ".join(str(exc).split()))
    return LoadedProject(project, state)
