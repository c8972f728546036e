"""Generate Python code from a trained model: NumPy inference and Keras training.

The scripts are the real Python files in `core.export.templates` (ruff and the
tests see them); the CSV-format code they share is inlined so that each
written script stands alone. Everything that comes from the user (model,
layer, column and class names, the fitted preprocessing, the settings) goes
into a side file the script reads, never into its source:

- `numpy_script` + `numpy_weights`: a standalone inference script (NumPy and
  the standard library only, no LayerForge import) and its `.npz`: the
  weights plus the model's description as JSON bytes (`layerforge_model`).
  CSV in, predictions CSV out, with the fitted preprocessing (fill missing
  values, scale, yes/no and one-hot encoding).
- `keras_training_script` + `keras_model_json`: a Keras 3 script and its
  `.json` that read a CSV with the same preprocessing, rebuild the same
  architecture with the functional API (names Keras cannot hold are changed,
  see `keras_export.keras_safe`) and train it with the same optimizer,
  learning rate, loss, metrics, epochs, batch size and validation split.
  Keras is imported inside its functions so that its preprocessing can be
  checked without Keras.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import numpy as np

from core.errors import FormatError
from core.export.graph_ir import NetIR, check_supported, describe
from core.export.keras_export import (
    KERAS_EXTRA_LAYERS,
    _layer_config,
    keras_safe,
    refuse_shared,
)
from core.export.numpy_network import (
    LAYERS_IMPORT,
    check_numpy,
    layer_source,
    network_json,
    weight_arrays,
)

__all__ = [
    "MODEL_KEY",
    "keras_model_json",
    "keras_training_script",
    "numpy_script",
    "numpy_weights",
]

#: The `.npz` entry of the NumPy script's model description (must match the template).
MODEL_KEY = "layerforge_model"
#: Layer types the Keras training script builds beyond those every format supports
#: (the ones .keras files carry; the template's LAYER_KINDS lists them all).
KERAS_CODE_EXTRA_LAYERS: tuple[str, ...] = KERAS_EXTRA_LAYERS
#: The template line that the shared CSV-format code replaces.
_INLINE_IMPORT = (
    "from core.export.templates.csv_format import read_text, sniff_format  # inlined on export"
)


def _template(name: str) -> str:
    return resources.files("core.export.templates").joinpath(name).read_text(encoding="utf-8")


def _inline_block(text: str) -> str:
    begin, end = "# --- inline: begin ---\n", "# --- inline: end ---"
    return text[text.index(begin) + len(begin) : text.index(end)].rstrip("\n")


#: How the generated scripts recognise a CSV's format (see templates/csv_format.py).
_CSV_FORMAT_SOURCE = _inline_block(_template("csv_format.py"))


def _script(name: str) -> str:
    """The template `name` with the CSV-format code inlined: a standalone script."""
    text = _template(name)
    if text.count(_INLINE_IMPORT) != 1:
        raise RuntimeError(f"templates/{name} must import csv_format exactly once")
    return text.replace(_INLINE_IMPORT, _CSV_FORMAT_SOURCE)


def _json(value: Any) -> str:
    try:
        return json.dumps(value, allow_nan=False, indent=1)
    except ValueError as exc:
        raise FormatError(f"The model cannot be written for a script: {exc}.") from None


def _missing_values() -> list[str]:
    """Every spelling core.data reads as missing (its own list and pandas's defaults)."""
    from core.data.reader import MISSING_VALUES

    return sorted(set(MISSING_VALUES) | set(_PANDAS_DEFAULT_MISSING))


#: pandas reads these as missing too (its default na_values, used by core.data).
_PANDAS_DEFAULT_MISSING = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
)

# --------------------------------------------------------------------------- NumPy inference


def _task_json(bundle: Any) -> dict[str, Any]:
    task = getattr(bundle.pipeline, "task", None) if bundle.pipeline is not None else None
    return {
        "kind": getattr(task, "kind", None),
        "class_labels": list(getattr(task, "class_labels", ()) or ()),
        "target": getattr(bundle.pipeline, "target", None) if bundle.pipeline else None,
        "feature_names": list(bundle.feature_names),
    }


def numpy_weights(bundle: Any) -> tuple[dict[str, np.ndarray], list[str]]:
    """The `.npz` arrays: weights as `w<step>_<name>` float32, and the model description."""
    ir = describe(bundle.model)
    check_numpy(ir)
    arrays = weight_arrays(ir)
    description = {
        "network": network_json(ir),
        "pipeline": bundle.pipeline.to_dict() if bundle.pipeline is not None else None,
        "task": _task_json(bundle),
        "missing": _missing_values(),
    }
    arrays[MODEL_KEY] = np.frombuffer(_json(description).encode("utf-8"), dtype=np.uint8)
    return arrays, []


def numpy_script(bundle: Any) -> str:
    """The text of the standalone inference script (it reads the `.npz` beside it), with
    the functions of the layer types its model uses."""
    ir = describe(bundle.model)
    check_numpy(ir)
    text = _script("numpy_predict.py")
    if text.count(LAYERS_IMPORT) != 1:
        raise RuntimeError("templates/numpy_predict.py must import LAYERS exactly once")
    return text.replace(LAYERS_IMPORT, layer_source(ir))


# --------------------------------------------------------------------------- Keras training


def _keras_network(ir: NetIR) -> dict[str, Any]:
    steps = []
    for step in ir.steps:
        cfg = _layer_config(step)
        for key in ("name", "trainable", "dtype"):
            cfg.pop(key, None)
        steps.append(
            {
                "kind": step.kind,
                "name": step.name,
                "config": cfg,
                "ins": list(step.ins),
                "out": step.out,
            }
        )
    return {
        "name": ir.name,
        "inputs": [[slot, name, list(shape)] for slot, name, shape in ir.inputs],
        "steps": steps,
        "outputs": list(ir.outputs),
    }


def _settings(bundle: Any) -> tuple[dict[str, Any], list[str]]:
    notes: list[str] = []
    saved = dict(bundle.metadata.get("train_settings") or {})
    task = getattr(bundle.pipeline, "task", None) if bundle.pipeline is not None else None
    loss = saved.get("loss") or (bundle.config or {}).get("loss") or getattr(task, "loss", None)
    metrics = list(
        saved.get("metrics")
        or (bundle.config or {}).get("metrics")
        or list(getattr(task, "metrics", ()) or ())
    )
    if not saved:
        notes.append(
            "no training settings were saved with this model; the script uses "
            "Keras defaults (adam, learning rate 0.001, 20 epochs, batch 32)"
        )
    if saved.get("optimizer_settings"):
        notes.append(
            "optimizer settings other than the learning rate "
            f"({', '.join(saved['optimizer_settings'])}) are not carried over"
        )
    es = saved.get("early_stopping") or {}
    if isinstance(es, dict) and es.get("enabled"):
        notes.append(
            "early stopping is not part of the generated script; add "
            "keras.callbacks.EarlyStopping to model.fit if you need it"
        )
    return {
        "optimizer": str(saved.get("optimizer") or "adam"),
        "learning_rate": float(saved.get("learning_rate") or 0.001),
        "loss": loss or "mean_squared_error",
        "metrics": [m for m in metrics if isinstance(m, str)],
        "epochs": int(saved.get("epochs") or 20),
        "batch_size": int(saved.get("batch_size") or 32),
        "validation_split": float(saved.get("validation_split") or 0.0),
        "seed": saved.get("seed"),
    }, notes


def keras_model_json(bundle: Any) -> tuple[str, list[str]]:
    """(the training script's `.json` text, notes): architecture, settings, preprocessing."""
    ir = describe(bundle.model)
    check_supported(ir, "Keras code", KERAS_CODE_EXTRA_LAYERS)
    refuse_shared(ir, "Keras code")
    ir, notes = keras_safe(ir)
    settings, more = _settings(bundle)
    description = {
        "network": _keras_network(ir),
        "settings": settings,
        "pipeline": bundle.pipeline.to_dict() if bundle.pipeline is not None else None,
        "task": _task_json(bundle),
        "missing": _missing_values(),
    }
    notes = [*notes, *more]
    reuse = (
        "reuses the preprocessing fitted in LayerForge"
        if bundle.pipeline is not None
        else "has no preprocessing"
    )
    notes.append(
        f"the script {reuse} and trains the network from scratch; it does not load "
        "LayerForge's trained weights"
    )
    return _json(description), notes


def keras_training_script(bundle: Any) -> str:
    """The text of the Keras 3 training script (it reads the `.json` beside it)."""
    check_supported(describe(bundle.model), "Keras code", KERAS_CODE_EXTRA_LAYERS)
    return _script("keras_train.py")
