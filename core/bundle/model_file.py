"""A trained model ↔ a `.lfmodel` file: `save_model_bundle` and `load_model`.

`save_model_bundle` gathers what a bundle keeps about a model (its weights,
its own config and, when it came from the canvas, the graph without
positions; the fitted preprocessing `Pipeline` and task; feature names,
class labels, loss and metrics) and hands it to
`core.bundle.file_format.write_bundle`. `load_model` reads a file with
`read_bundle`, rebuilds the network from config.json (the model config, else
the graph), checks every weight array against the architecture, and returns
a `core.bundle.predictor.BundledModel`. Every problem is a one-line
`FormatError` naming the file.
"""

from __future__ import annotations

import copy
import datetime as _dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from core.bundle.file_format import BundleContents, jsonable, one_line, read_bundle, write_bundle
from core.bundle.predictor import BundledModel, name_of
from core.errors import FormatError, LayerForgeError, ResourceError

__all__ = ["load_model", "save_model_bundle"]

#: What rebuilding a model from a damaged config can raise.
_BUILD_ERRORS = (
    LayerForgeError,
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    IndexError,
    RecursionError,
)


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("layerforge")
    except Exception:  # noqa: BLE001 - metadata missing in a source checkout
        return "0.1.0"


# --------------------------------------------------------------------------- saving


def _compile_info(model: Any) -> dict[str, Any]:
    """Loss and metric names of a compiled model, as far as they are plain names."""
    info: dict[str, Any] = {"loss": None, "metrics": []}
    loss = getattr(model, "loss", None)
    if loss is not None:
        info["loss"] = loss if isinstance(loss, str) else name_of(loss)
    metrics = getattr(model, "_metric_specs", None)
    if isinstance(metrics, (list, tuple)):
        info["metrics"] = [m if isinstance(m, str) else name_of(m) for m in metrics]
    return info


def _model_config(model: Any) -> dict[str, Any]:
    try:
        cfg = model.get_config()
    except (AttributeError, NotImplementedError, TypeError, ValueError):
        return {}
    return {"class_name": type(model).__name__, "config": jsonable(cfg)}


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


def _graph_without_positions(graph: Any) -> dict[str, Any]:
    from core.document.graph import Graph
    from core.document.graph_io import graph_to_dict

    if isinstance(graph, Graph):
        return graph_to_dict(graph, positions=False)
    graph_dict = copy.deepcopy(dict(graph))
    for node in graph_dict.get("nodes", []):
        node.pop("x", None)
        node.pop("y", None)
    return graph_dict


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
    if task is None and pipeline is not None:
        task = getattr(pipeline, "task", None)
    weights = [np.asarray(w) for w in model.get_weights()]
    feature_names = list(pipeline.feature_names) if pipeline is not None else []
    input_shape = tuple(pipeline.input_shape) if pipeline is not None else _input_shape(model)
    n_features = int(np.prod(input_shape)) if input_shape else None
    if not feature_names and metadata and metadata.get("feature_names"):
        feature_names = [str(f) for f in metadata["feature_names"]]
    if not feature_names and n_features:
        feature_names = [f"x{i}" for i in range(n_features)]
    comp = dict(_compile_info(model))
    if compile_info:
        comp.update(compile_info)
    meta: dict[str, Any] = dict(metadata or {})
    meta.update(
        {
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
        "model": _model_config(model),
        "graph": _graph_without_positions(graph) if graph is not None else None,
        "input_shape": list(input_shape) if input_shape else None,
        "pipeline": pipeline.to_dict() if pipeline is not None else None,
        "task": task.to_dict() if task is not None and hasattr(task, "to_dict") else None,
        "loss": comp.get("loss"),
        "metrics": list(comp.get("metrics") or []),
    }
    return write_bundle(path, BundleContents(meta, config, weights))


# --------------------------------------------------------------------------- loading


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


def _build(p: Path, config: dict[str, Any]) -> Any:
    """The untrained model described by config.json."""
    import core.engine.layers  # noqa: F401 - registers the layer classes

    errors: list[str] = []
    model_cfg = config.get("model")
    graph_dict = config.get("graph")
    if isinstance(model_cfg, dict) and model_cfg.get("config") is not None:
        try:
            return _model_from_config(model_cfg)
        except _BUILD_ERRORS as exc:
            errors.append(one_line(str(exc)))
            if not isinstance(graph_dict, dict):
                raise FormatError(f"{p}: the architecture cannot be rebuilt: {errors[0]}") from None
    if isinstance(graph_dict, dict):
        from core.document.analysis import build_model
        from core.document.graph_io import graph_from_dict
        from core.engine.layers.spec import CATALOG

        try:
            graph = graph_from_dict(graph_dict, catalog=CATALOG)
            return build_model(graph)
        except _BUILD_ERRORS as exc:
            raise FormatError(
                f"{p}: the architecture cannot be rebuilt: {one_line(str(exc))}"
            ) from None
    raise FormatError(f"{p}: config.json describes no architecture (no 'model' or 'graph').")


def _ensure_built(model: Any, input_shape: Any) -> None:
    built = getattr(model, "built", True)
    if built:
        return
    if isinstance(input_shape, list) and input_shape:
        model.build((None, *[int(d) for d in input_shape]))


def _read_preprocessing(p: Path, config: dict[str, Any]) -> tuple[Any | None, Any | None]:
    """The fitted `Pipeline` and `TaskInfo` stored in config.json (either may be None)."""
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
        raise FormatError(f"{p}: the preprocessing cannot be read: {one_line(str(exc))}") from None
    return pipeline, task


def _built_weights(p: Path, model: Any, input_shape: Any) -> list[np.ndarray]:
    """The freshly built model's own weight arrays (their shapes are what the file must hold)."""
    try:
        _ensure_built(model, input_shape)
        return [np.asarray(w) for w in model.get_weights()]
    except ResourceError:
        raise
    except (LayerForgeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FormatError(f"{p}: the architecture cannot be built: {one_line(str(exc))}") from None


def _set_weights(p: Path, model: Any, weights: list[np.ndarray], current: list[np.ndarray]) -> None:
    """Load `weights` into `model`, after checking their count and shapes."""
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
        raise FormatError(f"{p}: the weights cannot be loaded: {one_line(str(exc))}") from None


def load_model(path: str | os.PathLike[str]) -> BundledModel:
    """Read a `.lfmodel` file; every problem is a one-line FormatError naming the file."""
    p = Path(path)
    built: dict[str, Any] = {}

    def expected_shapes(config: dict[str, Any]) -> list[tuple[int, ...]]:
        # the architecture first (every weight guarded by core.resources), so that the
        # file's arrays are checked against it before any of them is read
        built["pipeline"], built["task"] = _read_preprocessing(p, config)
        built["model"] = _build(p, config)
        built["current"] = _built_weights(p, built["model"], config.get("input_shape"))
        return [tuple(w.shape) for w in built["current"]]

    contents = read_bundle(p, expected_shapes)
    config = contents.config
    pipeline, task, model = built["pipeline"], built["task"], built["model"]
    _set_weights(p, model, contents.weights, built["current"])
    loss = config.get("loss") or (task.loss if task is not None else None)
    metrics = config.get("metrics") or (list(task.metrics) if task is not None else [])
    if isinstance(loss, str) and isinstance(metrics, list):
        from core.engine.metric_units import in_target_units

        names = [m for m in metrics if isinstance(m, str)]
        scaling = getattr(pipeline, "target_scaling", None)
        try:
            # metrics in the target's own units when the network learned it standardized
            model.compile(optimizer="adam", loss=loss, metrics=in_target_units(names, scaling))
        except (LayerForgeError, TypeError, ValueError) as exc:
            raise FormatError(
                f"{p}: the saved loss or metrics are not known: {one_line(str(exc))}"
            ) from None
    return BundledModel(
        model=model,
        pipeline=pipeline,
        metadata=contents.metadata,
        config=config,
        path=str(p),
        task=task,
    )
