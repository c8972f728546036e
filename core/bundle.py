"""The trained-model bundle (`.lfmodel`): save a model with everything needed to use it.

A bundle is a zip file in the spirit of Keras's `.keras`: `metadata.json`
(format version, LayerForge version, creation time, task, feature names,
class labels, training metrics), `config.json` (the architecture as the
model's own config and, when it came from the canvas, the graph without
positions; the fitted preprocessing `Pipeline`; loss and metrics) and
`weights.npz` (read with `allow_pickle=False`). Files are written atomically
(temporary file + `os.replace`). `load_model` gives a `BundledModel` whose
`predict` takes raw rows (a DataFrame, a list of dicts or a CSV path; columns
matched by name) and returns labels and probabilities or values. Every bad
file becomes a one-line `FormatError` naming the file. No pickle, no eval.
"""

from __future__ import annotations

import copy
import datetime as _dt
import io
import json
import math
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from core.document.fileio import atomic_write
from core.errors import DataError, FormatError, LayerForgeError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BUNDLE_SUFFIX",
    "FORMAT",
    "FORMAT_VERSION",
    "BundledModel",
    "Prediction",
    "load_model",
    "read_bundle_info",
    "save_model_bundle",
]

FORMAT = "layerforge-model"
FORMAT_VERSION = 1
BUNDLE_SUFFIX = ".lfmodel"
MEMBERS = ("metadata.json", "config.json", "weights.npz")
#: Refuse members bigger than this when unpacked (a damaged or hostile file).
MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_WEIGHTS_BYTES = 4 * 1024 * 1024 * 1024


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("layerforge")
    except Exception:  # noqa: BLE001 - metadata missing in a source checkout
        return "0.1.0"


# --------------------------------------------------------------------------- JSON helpers


def _jsonable(value: Any) -> Any:
    """`value` as plain JSON types (NumPy scalars and arrays, tuples converted)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.bool_):
        return bool(value)
    return str(value)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


# --------------------------------------------------------------------------- predictions


@dataclass
class Prediction:
    """What a trained model says about some rows.

    Classification: `labels` (one class label per row) and `probabilities`
    (n, K) in the order of `class_labels`. Regression: `values` (n,).
    """

    task: str
    labels: np.ndarray | None = None
    probabilities: np.ndarray | None = None
    class_labels: tuple[str, ...] = ()
    values: np.ndarray | None = None
    target: str = ""

    def __len__(self) -> int:
        arr = self.values if self.values is not None else self.labels
        return 0 if arr is None else int(len(arr))

    def to_frame(self) -> pd.DataFrame:
        """One row per input: `prediction`, plus `probability_<label>` per class."""
        import pandas as pd

        if self.values is not None:
            values = np.asarray(self.values, dtype=np.float64)
            if values.ndim == 2 and values.shape[1] == 1:
                values = values[:, 0]
            if values.ndim == 2:
                return pd.DataFrame(
                    {f"prediction_{k}": values[:, k] for k in range(values.shape[1])}
                )
            return pd.DataFrame({"prediction": values})
        cols: dict[str, Any] = {"prediction": list(self.labels if self.labels is not None else [])}
        if self.probabilities is not None:
            for k, label in enumerate(self.class_labels):
                cols[f"probability_{label}"] = np.asarray(self.probabilities[:, k], np.float64)
        return pd.DataFrame(cols)


# --------------------------------------------------------------------------- the loaded model


@dataclass
class BundledModel:
    """A model read from a `.lfmodel` file, with its preprocessing and metadata."""

    model: Any
    pipeline: Any | None
    metadata: dict[str, Any]
    config: dict[str, Any]
    path: str | None = None
    task: Any | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def feature_names(self) -> list[str]:
        return list(self.metadata.get("feature_names") or [])

    @property
    def input_columns(self) -> list[str]:
        if self.pipeline is not None:
            return list(self.pipeline.input_columns)
        return self.feature_names

    @property
    def class_labels(self) -> tuple[str, ...]:
        return tuple(self.metadata.get("class_labels") or ())

    @property
    def target(self) -> str:
        return str(self.metadata.get("target") or "")

    @property
    def task_kind(self) -> str | None:
        return self.metadata.get("task")

    # ------------------------------------------------------------------ inputs

    def _frame(self, rows: Any) -> tuple[pd.DataFrame, str | None]:
        """Rows as a DataFrame (and the CSV path they came from, if any)."""
        import pandas as pd

        if isinstance(rows, pd.DataFrame):
            return rows, None
        if isinstance(rows, (str, os.PathLike)):
            from core.data import read_csv

            table = read_csv(rows)
            return table.df, table.path
        if isinstance(rows, Mapping):
            rows = [rows]
        if isinstance(rows, np.ndarray):
            arr = rows.reshape(1, -1) if rows.ndim == 1 else rows
            cols = self.input_columns
            if arr.ndim != 2 or arr.shape[1] != len(cols):
                raise DataError(
                    f"Expected rows with {len(cols)} values ({', '.join(cols[:8])}). "
                    f"Received: an array of shape {tuple(rows.shape)}. Pass a table with "
                    "named columns instead."
                )
            return pd.DataFrame(arr, columns=cols), None
        if isinstance(rows, Sequence) and all(isinstance(r, Mapping) for r in rows):
            if not rows:
                raise DataError("Expected at least one row to predict. Received: none.")
            return pd.DataFrame.from_records(list(rows)), None
        raise DataError(
            "Expected rows as a pandas DataFrame, a list of dicts (column -> value) or a CSV "
            f"file path. Received: {type(rows).__name__}."
        )

    def features(self, rows: Any) -> np.ndarray:
        """The float32 matrix the network sees for `rows` (preprocessing applied)."""
        df, path = self._frame(rows)
        if self.pipeline is not None:
            return self.pipeline.transform(df, path=path)
        names = self.feature_names
        missing = [c for c in names if c not in {str(c) for c in df.columns}]
        if missing:
            raise DataError(
                f"Expected the columns the model was trained on. Received: a table without "
                f"{', '.join(repr(m) for m in missing[:8])}.",
                path=path,
                column=missing[0],
            )
        try:
            return df[names].to_numpy(dtype=np.float32) if names else df.to_numpy(np.float32)
        except (TypeError, ValueError) as exc:
            raise DataError(
                f"Expected numbers in every column. Received: {exc}.", path=path
            ) from None

    # ------------------------------------------------------------------ use

    def predict_raw(self, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """The network's outputs for an already preprocessed float matrix."""
        return np.asarray(
            self.model.predict(np.asarray(x, np.float32), batch_size=batch_size, verbose=0)
        )

    def predict(self, rows: Any, batch_size: int = 256) -> Prediction:
        """Labels and probabilities (classification) or values (regression) for raw rows."""
        raw = self.predict_raw(self.features(rows), batch_size=batch_size)
        return self.decode(raw)

    def decode(self, raw: np.ndarray) -> Prediction:
        """A `Prediction` from the network's raw outputs.

        With a fitted pipeline its task decides. Without one, the stored task
        kind is used, or else it is inferred from the output layer's activation
        and the saved loss (`infer_task_kind`): K > 1 softmax (or categorical
        loss) outputs give the argmax label and `probability_<label>` per class;
        a single sigmoid (or binary cross-entropy) output gives a binary label
        at threshold 0.5 and both probabilities; a linear output gives values.
        Labels are `class_labels` when they are known and fit, else class indices.
        """
        if self.pipeline is not None and self.pipeline.task is not None:
            kind = self.task_kind or self.pipeline.task.kind
            labels, probs = self.pipeline.decode_predictions(raw)
            if probs is None:
                return Prediction(
                    "regression", values=np.asarray(labels, np.float64), target=self.target
                )
            return Prediction(
                kind,
                labels=labels,
                probabilities=probs,
                class_labels=self.class_labels,
                target=self.target,
            )
        raw = np.asarray(raw, np.float64)
        if raw.ndim == 1:
            raw = raw.reshape(-1, 1)
        k = int(raw.shape[1])
        kind = self.task_kind or self.infer_task_kind(k)
        if kind == "regression":
            values = raw[:, 0].copy() if k == 1 else raw.copy()
            return Prediction("regression", values=values, target=self.target)
        n_classes = 2 if k == 1 else k
        known = tuple(str(c) for c in self.class_labels)
        if len(known) == n_classes:
            class_labels = known
            names = np.asarray(known, dtype=object)
        else:
            class_labels = tuple(str(i) for i in range(n_classes))
            names = np.arange(n_classes, dtype=np.int64)
        if k == 1:
            p = np.clip(raw[:, 0], 0.0, 1.0)
            probs = np.column_stack([1.0 - p, p])
            index = (p >= 0.5).astype(np.int64)
        else:
            probs = raw
            index = np.argmax(raw, axis=1)
        return Prediction(
            kind,
            labels=names[index],
            probabilities=probs,
            class_labels=class_labels,
            target=self.target,
        )

    def output_activation(self) -> str | None:
        """The activation of the model's (first) output layer, or None when unknown."""
        return output_activation_of(self.model)

    def infer_task_kind(self, n_outputs: int) -> str:
        """'multiclass', 'binary' or 'regression' from the output activation and saved loss."""
        loss = self.config.get("loss") if isinstance(self.config, dict) else None
        return infer_task_kind(
            self.output_activation(), loss if isinstance(loss, str) else None, n_outputs
        )

    def evaluate(self, rows: Any, batch_size: int = 256) -> dict[str, float]:
        """Loss and metrics (Keras names) on rows that include the target column."""
        if self.pipeline is None or self.pipeline.task is None or not self.pipeline.target:
            raise DataError(
                "This model was saved without its preprocessing and target, so it cannot read "
                "labels from a table. Evaluate it with model.evaluate(x, y) instead."
            )
        df, path = self._frame(rows)
        target = self.pipeline.target
        if target not in {str(c) for c in df.columns}:
            raise DataError(
                f"Expected the target column '{target}' to evaluate against. Received: a "
                "table without it. Add the column with the true values.",
                path=path,
                column=target,
            )
        keep = df[target].notna().to_numpy()
        if not keep.any():
            raise DataError(
                f"Expected true values in the target column '{target}'. "
                "Received: only missing values.",
                path=path,
                column=target,
            )
        df = df.loc[keep]
        x = self.pipeline.transform(df, path=path)
        y = self.pipeline.encode_target(df[target], path=path)
        from core.run import evaluate_arrays

        return evaluate_arrays(self.model, x, y, batch_size=batch_size)

    def summary(self) -> str:
        """The Keras-style table of layers, output shapes and parameter counts."""
        return model_summary_text(self.model)


#: Losses that mean "one of K classes" / "yes or no" when no task was stored.
_MULTICLASS_LOSSES = frozenset(
    {
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "categorical_hinge",
        "kl_divergence",
        "kld",
    }
)
_BINARY_LOSSES = frozenset(
    {"binary_crossentropy", "binary_focal_crossentropy", "hinge", "squared_hinge"}
)


def output_activation_of(model: Any) -> str | None:
    """The activation name of `model`'s first output layer ("linear" when it has none).

    Returns None when the output layer cannot be found or its activation is not a
    plain name.
    """
    layer = None
    outputs = getattr(model, "outputs", None)
    try:
        if isinstance(outputs, (list, tuple)) and outputs:
            layer = getattr(outputs[0], "layer", None)
        if layer is None:
            layers = list(getattr(model, "layers", None) or [])
            layer = layers[-1] if layers else None
    except (AttributeError, TypeError, ValueError, LayerForgeError):
        return None
    if layer is None:
        return None
    act = getattr(layer, "output_activation", None)
    if act is None:
        try:
            act = layer.get_config().get("activation", "linear")
        except (AttributeError, TypeError, ValueError, NotImplementedError):
            return None
    if act is None:
        return "linear"
    return act if isinstance(act, str) else _name_of(act)


def infer_task_kind(activation: str | None, loss: str | None, n_outputs: int) -> str:
    """The task a model was trained for, read from its output activation and loss.

    Rule: softmax, a categorical loss, or K > 1 outputs with nothing known
    -> "multiclass"; one sigmoid output or a binary loss -> "binary"; a linear
    (or other) activation with a regression or no loss -> "regression".
    """
    act = (activation or "").lower() or None
    loss_name = (loss or "").lower() or None
    if n_outputs > 1:
        if act in ("softmax", "sigmoid") or loss_name in _MULTICLASS_LOSSES:
            return "multiclass"
        if act is None and loss_name is None:
            return "multiclass"
        return "regression"
    if act == "sigmoid" or loss_name in _BINARY_LOSSES:
        return "binary"
    return "regression"


def model_summary_text(model: Any) -> str:
    """`model.summary()` as text, whether it prints or returns the table."""
    lines: list[str] = []
    try:
        result = model.summary(print_fn=lines.append)
    except TypeError:
        buf = io.StringIO()
        import contextlib

        with contextlib.redirect_stdout(buf):
            result = model.summary()
        lines = [buf.getvalue().rstrip("\n")]
    if isinstance(result, str) and not lines:
        return result
    return "\n".join(lines)


# --------------------------------------------------------------------------- saving


def _compile_info(model: Any) -> dict[str, Any]:
    """Loss and metric names of a compiled model, as far as they are plain names."""
    info: dict[str, Any] = {"loss": None, "metrics": []}
    loss = getattr(model, "loss", None)
    if loss is not None:
        info["loss"] = loss if isinstance(loss, str) else _name_of(loss)
    metrics = getattr(model, "_metric_specs", None)
    if isinstance(metrics, (list, tuple)):
        info["metrics"] = [m if isinstance(m, str) else _name_of(m) for m in metrics]
    return info


def _name_of(obj: Any) -> str | None:
    for attr in ("name", "__name__"):
        v = getattr(obj, attr, None)
        if isinstance(v, str):
            return v
    return None


def _model_config(model: Any) -> dict[str, Any]:
    try:
        cfg = model.get_config()
    except (AttributeError, NotImplementedError, TypeError, ValueError):
        return {}
    return {"class_name": type(model).__name__, "config": _jsonable(cfg)}


def save_model_bundle(
    model: Any,
    path: str | os.PathLike[str],
    *,
    pipeline: Any | None = None,
    task: Any | None = None,
    metadata: Mapping[str, Any] | None = None,
    graph: Any | None = None,
    compile_info: Mapping[str, Any] | None = None,
) -> Path:
    """Write `model` (with its fitted `pipeline`, `task` and extra `metadata`) to `path`.

    `graph` (a `core.document.graph.Graph` or its dict) is kept so that the network can be
    reopened on the canvas; `metadata` may hold e.g. `{"metrics": {...}}` (the
    final train/validation/test metrics). The file is replaced atomically.
    Returns the path written.
    """
    target = Path(path)
    if task is None and pipeline is not None:
        task = getattr(pipeline, "task", None)
    weights = [np.asarray(w) for w in model.get_weights()]
    feature_names = list(pipeline.feature_names) if pipeline is not None else []
    n_features = int(pipeline.n_features) if pipeline is not None else None
    if n_features is None:
        shape = _input_shape(model)
        n_features = shape[-1] if shape else None
    if not feature_names and metadata and metadata.get("feature_names"):
        feature_names = [str(f) for f in metadata["feature_names"]]
    if not feature_names and n_features:
        feature_names = [f"x{i}" for i in range(n_features)]
    graph_dict = None
    if graph is not None:
        graph_dict = graph.to_dict(positions=False) if hasattr(graph, "to_dict") else dict(graph)
        graph_dict = copy.deepcopy(graph_dict)
        for node in graph_dict.get("nodes", []):
            node.pop("x", None)
            node.pop("y", None)
    comp = dict(_compile_info(model))
    if compile_info:
        comp.update(compile_info)
    meta: dict[str, Any] = {}
    if metadata:
        meta.update(_jsonable(dict(metadata)))
    meta.update(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "layerforge_version": _version(),
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "task": getattr(task, "kind", None),
            "target": getattr(pipeline, "target", None) or getattr(task, "target", None) or None,
            "feature_names": feature_names,
            "input_columns": list(pipeline.input_columns)
            if pipeline is not None
            else feature_names,
            "class_labels": [
                str(c)
                for c in (getattr(task, "class_labels", ()) or () or meta.get("class_labels") or ())
            ],
            "n_features": n_features,
            "n_weights": len(weights),
            "n_params": int(sum(int(w.size) for w in weights)),
        }
    )
    meta.setdefault("metrics", {})
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": _model_config(model),
        "graph": graph_dict,
        "input_shape": [n_features] if n_features else None,
        "pipeline": pipeline.to_dict() if pipeline is not None else None,
        "task": task.to_dict() if task is not None and hasattr(task, "to_dict") else None,
        "loss": comp.get("loss"),
        "metrics": list(comp.get("metrics") or []),
    }
    buf = io.BytesIO()
    np.savez(buf, **{f"w{i:04d}": w for i, w in enumerate(weights)})
    try:
        meta_text = json.dumps(meta, indent=2, allow_nan=False)
        config_text = json.dumps(_jsonable(config), indent=2, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise FormatError(f"{target}: cannot be saved: {exc}") from None

    def write(fh: BinaryIO) -> None:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("metadata.json", meta_text)
            zf.writestr("config.json", config_text)
            zf.writestr("weights.npz", buf.getvalue())

    atomic_write(target, write)
    return target


def _input_shape(model: Any) -> tuple[int, ...] | None:
    for attr in ("input_shape", "_input_shape"):
        try:
            shape = getattr(model, attr, None)
        except (AttributeError, ValueError, LayerForgeError):
            shape = None
        if isinstance(shape, (list, tuple)) and shape:
            if isinstance(shape[0], (list, tuple)):
                shape = shape[0]
            dims = (
                [d for d in shape[1:] if isinstance(d, int)]
                if shape[0] is None
                else [d for d in shape if isinstance(d, int)]
            )
            if dims:
                return tuple(dims)
    return None


# --------------------------------------------------------------------------- loading


def _read_zip(p: Path) -> dict[str, bytes]:
    if not p.exists():
        raise FormatError(f"{p}: model file not found.")
    if p.is_dir():
        raise FormatError(f"{p}: is a folder, not a LayerForge model file.")
    try:
        zf = zipfile.ZipFile(p)
    except zipfile.BadZipFile:
        raise FormatError(
            f"{p}: not a LayerForge model (not a zip archive, or the file is truncated)."
        ) from None
    except OSError as exc:
        raise FormatError(f"{p}: cannot be read: {exc.strerror or exc}") from None
    except Exception as exc:  # noqa: BLE001 - NotImplementedError, ValueError... on damage
        raise FormatError(f"{p}: the model file is damaged ({_one_line(str(exc))}).") from None
    out: dict[str, bytes] = {}
    try:
        with zf:
            names = set(zf.namelist())
            missing = [m for m in MEMBERS if m not in names]
            if missing:
                raise FormatError(
                    f"{p}: not a complete LayerForge model: {', '.join(missing)} "
                    f"{'is' if len(missing) == 1 else 'are'} missing from the archive."
                )
            for name in MEMBERS:
                info = zf.getinfo(name)
                limit = MAX_WEIGHTS_BYTES if name == "weights.npz" else MAX_JSON_BYTES
                if info.file_size > limit:
                    raise FormatError(
                        f"{p}: {name} is implausibly large ({info.file_size} "
                        "bytes); the file is damaged."
                    )
                with zf.open(info) as fh:
                    data = fh.read(limit + 1)
                if len(data) > limit:
                    raise FormatError(f"{p}: {name} is implausibly large; the file is damaged.")
                out[name] = data
    except FormatError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise FormatError(f"{p}: the model file is damaged ({_one_line(str(exc))}).") from None
    except Exception as exc:  # noqa: BLE001 - zlib.error and friends from damaged data
        raise FormatError(f"{p}: the model file is damaged ({_one_line(str(exc))}).") from None
    return out


def _read_json(p: Path, name: str, data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FormatError(f"{p}: {name} is not valid JSON ({_one_line(str(exc))}).") from None
    if not isinstance(value, dict):
        raise FormatError(f"{p}: {name} must hold a JSON object. Received: {type(value).__name__}.")
    return value


def _check_envelope(p: Path, name: str, d: dict[str, Any]) -> None:
    if d.get("format") != FORMAT:
        raise FormatError(
            f"{p}: {name} is not a LayerForge model description "
            f"(format {d.get('format')!r}, expected {FORMAT!r})."
        )
    version = d.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise FormatError(
            f"{p}: {name}: 'format_version' must be a whole number >= 1. Received: {version!r}."
        )
    if version > FORMAT_VERSION:
        raise FormatError(
            f"{p}: this model was saved by a newer LayerForge (format {version}); this "
            f"version reads up to format {FORMAT_VERSION}. Update LayerForge to open it."
        )


def read_bundle_info(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The bundle's metadata.json (checked), without building the model."""
    p = Path(path)
    members = _read_zip(p)
    meta = _read_json(p, "metadata.json", members["metadata.json"])
    _check_envelope(p, "metadata.json", meta)
    return meta


def _read_weights(p: Path, data: bytes) -> list[np.ndarray]:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            keys = sorted(npz.files)
            expected = [f"w{i:04d}" for i in range(len(keys))]
            if keys != expected:
                raise FormatError(
                    f"{p}: weights.npz holds unexpected arrays "
                    f"({', '.join(keys[:5])}); the file is damaged."
                )
            arrays = [np.asarray(npz[k]) for k in keys]
    except FormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - np.load raises many kinds on damaged data
        raise FormatError(
            f"{p}: weights.npz cannot be read ({_one_line(str(exc))}); the file is damaged."
        ) from None
    for i, a in enumerate(arrays):
        if a.dtype.kind not in "fiu":
            raise FormatError(f"{p}: weight array {i} holds {a.dtype} values, expected numbers.")
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise FormatError(
                f"{p}: weight array {i} contains NaN or infinite values; the "
                "model cannot be used. Retrain it."
            )
    return arrays


def _build(p: Path, config: dict[str, Any]) -> Any:
    """The untrained model described by config.json."""
    import core.engine.layers  # noqa: F401 - registers the layer classes

    errors: list[str] = []
    model_cfg = config.get("model")
    graph_dict = config.get("graph")
    if isinstance(model_cfg, dict) and model_cfg.get("config") is not None:
        try:
            return _model_from_config(model_cfg)
        except (
            LayerForgeError,
            KeyError,
            TypeError,
            ValueError,
            AttributeError,
            IndexError,
        ) as exc:
            errors.append(_one_line(str(exc)))
            if not isinstance(graph_dict, dict):
                raise FormatError(f"{p}: the architecture cannot be rebuilt: {errors[0]}") from None
    if isinstance(graph_dict, dict):
        from core.document.analysis import build_model
        from core.document.graph import Graph
        from core.engine.layers.spec import CATALOG

        try:
            graph = Graph.from_dict(graph_dict, catalog=CATALOG)
            return build_model(graph)
        except (
            LayerForgeError,
            KeyError,
            TypeError,
            ValueError,
            AttributeError,
            IndexError,
        ) as exc:
            raise FormatError(
                f"{p}: the architecture cannot be rebuilt: {_one_line(str(exc))}"
            ) from None
    raise FormatError(f"{p}: config.json describes no architecture (no 'model' or 'graph').")


def _model_from_config(model_cfg: dict[str, Any]) -> Any:
    import core.engine.models as models

    class_name = model_cfg.get("class_name")
    cfg = copy.deepcopy(model_cfg.get("config"))
    factory = getattr(models, "model_from_config", None)
    if callable(factory):
        return factory({"class_name": class_name, "config": cfg})
    cls = getattr(models, str(class_name), None)
    if cls is None or not hasattr(cls, "from_config"):
        raise FormatError(f"unknown model class {class_name!r}")
    return cls.from_config(cfg)


def _ensure_built(model: Any, input_shape: Any) -> None:
    built = getattr(model, "built", True)
    if built:
        return
    if isinstance(input_shape, list) and input_shape:
        model.build((None, *[int(d) for d in input_shape]))


def load_model(path: str | os.PathLike[str]) -> BundledModel:
    """Read a `.lfmodel` file; every problem is a one-line FormatError naming the file."""
    p = Path(path)
    members = _read_zip(p)
    meta = _read_json(p, "metadata.json", members["metadata.json"])
    config = _read_json(p, "config.json", members["config.json"])
    _check_envelope(p, "metadata.json", meta)
    _check_envelope(p, "config.json", config)
    for key, kind in (("feature_names", list), ("class_labels", list), ("input_columns", list)):
        value = meta.get(key)
        if value is not None and (
            not isinstance(value, kind) or not all(isinstance(v, str) for v in value)
        ):
            raise FormatError(f"{p}: metadata.json: '{key}' must be a list of names.")
    task_kind = meta.get("task")
    if task_kind not in (None, "regression", "binary", "multiclass"):
        raise FormatError(f"{p}: metadata.json: unknown task {task_kind!r}.")
    weights = _read_weights(p, members["weights.npz"])
    pipeline = None
    task = None
    try:
        if config.get("pipeline") is not None:
            from core.data import Pipeline

            pipeline = Pipeline.from_dict(config["pipeline"])
            task = pipeline.task
        if task is None and isinstance(config.get("task"), dict):
            from core.data import TaskInfo

            task = TaskInfo.from_dict(config["task"])
    except (LayerForgeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FormatError(f"{p}: the preprocessing cannot be read: {_one_line(str(exc))}") from None
    model = _build(p, config)
    try:
        _ensure_built(model, config.get("input_shape"))
        current = [np.asarray(w) for w in model.get_weights()]
    except (LayerForgeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FormatError(f"{p}: the architecture cannot be built: {_one_line(str(exc))}") from None
    if len(current) != len(weights):
        raise FormatError(
            f"{p}: the weights do not fit the architecture: expected {len(current)} arrays, "
            f"the file has {len(weights)}."
        )
    for i, (want, got) in enumerate(zip(current, weights, strict=True)):
        if tuple(want.shape) != tuple(got.shape):
            raise FormatError(
                f"{p}: the weights do not fit the architecture: array {i} should have shape "
                f"{tuple(want.shape)}, the file has {tuple(got.shape)}."
            )
    try:
        model.set_weights(
            [w.astype(c.dtype, copy=False) for w, c in zip(weights, current, strict=True)]
        )
    except (LayerForgeError, TypeError, ValueError) as exc:
        raise FormatError(f"{p}: the weights cannot be loaded: {_one_line(str(exc))}") from None
    loss = config.get("loss") or (task.loss if task is not None else None)
    metrics = config.get("metrics") or (list(task.metrics) if task is not None else [])
    if isinstance(loss, str) and isinstance(metrics, list):
        try:
            model.compile(
                optimizer="adam", loss=loss, metrics=[m for m in metrics if isinstance(m, str)]
            )
        except (LayerForgeError, TypeError, ValueError) as exc:
            raise FormatError(
                f"{p}: the saved loss or metrics are not known: {_one_line(str(exc))}"
            ) from None
    return BundledModel(
        model=model, pipeline=pipeline, metadata=meta, config=config, path=str(p), task=task
    )


def _one_line(message: str) -> str:
    return " ".join(message.split())[:300]
