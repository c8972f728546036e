"""Generate Python code from a trained model: NumPy inference and Keras training.

`numpy_script` + `numpy_weights` give a standalone inference script (NumPy
and the standard library only, no LayerForge import) and its weights `.npz`:
CSV in, predictions CSV out, with the fitted preprocessing (fill missing
values, scale, yes/no and one-hot encoding) embedded as JSON.
`keras_training_script` gives a Keras 3 script that reads a CSV with the
same preprocessing, rebuilds the same architecture with the functional API
and trains it with the same optimizer, learning rate, loss, metrics, epochs,
batch size and validation split; Keras is imported inside its functions so
that its preprocessing can be checked without Keras.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from core.export.graph_ir import NetIR, check_supported, describe
from core.export.keras_export import _layer_config

__all__ = ["keras_training_script", "numpy_script", "numpy_weights"]

_SELU = (1.6732632423543772, 1.0507009873554805)


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

#: How the generated scripts recognise a CSV's format, as core.data.reader does for
#: the common cases: encoding (UTF-8, UTF-8 with BOM, else cp1252), the delimiter
#: (the most consistent field count among , ; tab |, in the first 64 KB) and a
#: decimal comma (delimiter not ',' and numbers like 0,126 but none like 0.126).
#: Plain stdlib; inserted verbatim into both scripts.
_CSV_FORMAT_SOURCE = r'''
DELIMITERS = (",", ";", "\t", "|")
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_DECIMAL_POINT = re.compile(r"^\s*[-+]?\d*\.\d+\s*$")


def read_text(path):
    """(text, encoding) of a file: UTF-8 (a BOM is dropped), else cp1252, else Latin-1."""
    with open(path, "rb") as fh:
        data = fh.read()
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1", errors="replace"), "latin-1"


def _records(text, delimiter, limit=500):
    out = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True):
            if row:
                out.append(row)
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    return out


def sniff_format(text):
    """(delimiter, decimal) of CSV text, judged on its first 64 KB."""
    sample = text[:65536]
    if len(text) > len(sample):
        cut = max(sample.rfind("\n"), sample.rfind("\r"))
        sample = sample[:cut] if cut > 0 else sample
    best, best_score = ",", (0.0, 0)
    for delim in DELIMITERS:
        if delim not in sample:
            continue
        counts = [len(r) for r in _records(sample, delim, limit=200)]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (round(counts.count(mode) / len(counts), 2), mode)
        if score > best_score:
            best, best_score = delim, score
    decimal = "."
    if best != ",":
        cells = [c for r in _records(sample, best)[1:] for c in r]
        commas = sum(1 for c in cells if _DECIMAL_COMMA.match(c))
        points = sum(1 for c in cells if _DECIMAL_POINT.match(c))
        decimal = "," if commas > 0 and points == 0 else "."
    return best, decimal
'''


def numpy_weights(bundle: Any) -> tuple[dict[str, np.ndarray], list[str]]:
    """The weights as `w<step>_<name>` float32 arrays, and notes."""
    ir = describe(bundle.model)
    check_supported(ir, "NumPy code")
    arrays = {
        f"w{i:03d}_{k}": np.asarray(v, np.float32)
        for i, step in enumerate(ir.steps)
        for k, v in step.weights.items()
    }
    return arrays, []


def _network_json(ir: NetIR) -> dict[str, Any]:
    steps = []
    for i, s in enumerate(ir.steps):
        cfg = {
            k: s.config[k]
            for k in ("activation", "axis", "epsilon", "target_shape")
            if k in s.config
        }
        steps.append(
            {
                "kind": s.kind,
                "name": s.name,
                "config": cfg,
                "ins": list(s.ins),
                "out": s.out,
                "weights": {k: f"w{i:03d}_{k}" for k in s.weights},
                "in_shape": [None if d is None else int(d) for d in s.in_shapes[0]],
            }
        )
    return {
        "inputs": [[slot, name, list(shape)] for slot, name, shape in ir.inputs],
        "steps": steps,
        "outputs": list(ir.outputs),
    }


def _task_json(bundle: Any) -> dict[str, Any]:
    task = getattr(bundle.pipeline, "task", None) if bundle.pipeline is not None else None
    return {
        "kind": getattr(task, "kind", None),
        "class_labels": list(getattr(task, "class_labels", ()) or ()),
        "target": getattr(bundle.pipeline, "target", None) if bundle.pipeline else None,
        "feature_names": list(bundle.feature_names),
    }


def _literal(value: Any) -> str:
    """A Python expression that rebuilds `value` from JSON text."""
    return f"json.loads({json.dumps(value, allow_nan=False)!r})"


_NUMPY_TEMPLATE = '''#!/usr/bin/env python3
"""Standalone NumPy inference for the LayerForge model {name!r}.

Generated by LayerForge; needs only Python 3.10+ and NumPy (no LayerForge).
The preprocessing fitted in LayerForge is embedded below (PIPELINE): missing
numbers are filled, numbers scaled as (x - offset) / scale, yes/no columns
become 0/1 and categories one-hot (an unknown category gives all zeros).

    python {script} data.csv [--out predictions.csv] [--weights {weights}]

Writes `prediction` (the class label, or the value in the target's own units)
and, for classifiers, `probability_<label>` per class. Columns are matched by name.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import re
import sys
from pathlib import Path

import numpy as np

PIPELINE = {pipeline}
NETWORK = {network}
TASK = {task}
MISSING = set({missing})
WEIGHTS_FILE = {weights!r}
SELU_ALPHA, SELU_SCALE = {selu!r}


{csv_format}

DECIMAL = "."


def read_csv(path):
    """(header, rows) of a CSV file, read the way LayerForge reads it (see sniff_format)."""
    global DECIMAL
    text, _encoding = read_text(path)
    delimiter, DECIMAL = sniff_format(text)
    skip_space = (delimiter + " ") in text
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                            skipinitialspace=skip_space)
        header = next(reader, None)
        if header is None:
            sys.exit(f"error: {{path}}: the file is empty")
        rows = [r for r in reader if any(cell.strip() for cell in r)]
    except csv.Error as exc:
        sys.exit(f"error: {{path}}: not a readable CSV file ({{exc}})")
    return [h.strip() for h in header], rows


def _number(text, column, row):
    text = text.strip()
    if text in MISSING:
        return math.nan
    if DECIMAL == ",":
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        sys.exit(f"error: column {{column!r}}, data row {{row}}: expected a number, got {{text!r}}")


def _label(text):
    try:
        f = float(text)
    except ValueError:
        return text
    if math.isfinite(f) and f == int(f) and abs(f) < 2**53:
        return str(int(f))
    return repr(f)


def preprocess(header, rows):
    """The float32 matrix the network sees (LayerForge's fitted preprocessing)."""
    if PIPELINE is None:
        return np.asarray([[_number(v, header[k] if k < len(header) else k, i + 1)
                            for k, v in enumerate(r)] for i, r in enumerate(rows)],
                          dtype=np.float64).astype(np.float32)
    where = {{name: i for i, name in enumerate(header)}}
    missing = [c["column"] for c in PIPELINE["columns"] if c["column"] not in where]
    if missing:
        sys.exit(f"error: the data lacks the column(s) {{', '.join(missing)}}")
    width = sum(len(c["categories"]) if c["kind"] == "categorical" else 1
                for c in PIPELINE["columns"])
    out = np.zeros((len(rows), width), dtype=np.float32)
    j = 0
    for c in PIPELINE["columns"]:
        k = where[c["column"]]
        cells = [r[k] if k < len(r) else "" for r in rows]
        fill = np.float32(c["impute_value"] if c["impute_value"] is not None else 0.0)
        if c["kind"] == "numeric":
            v = np.asarray([_number(t, c["column"], i + 1) for i, t in enumerate(cells)],
                           dtype=np.float64).astype(np.float32)
            v[np.isnan(v)] = fill
            v -= np.float32(c["scale"]["offset"])
            v /= np.float32(c["scale"]["scale"])
            out[:, j] = v
            j += 1
        elif c["kind"] == "boolean":
            lo, hi = [x.strip().lower() for x in c["categories"]]
            v = np.full(len(rows), fill, dtype=np.float32)
            for i, t in enumerate(cells):
                t = t.strip()
                key = t.lower()
                if key == hi or (t and _label(t) == _label(hi) and t not in MISSING):
                    v[i] = 1.0
                elif key == lo or (t and _label(t) == _label(lo) and t not in MISSING):
                    v[i] = 0.0
            out[:, j] = v
            j += 1
        else:
            index = {{cat: n for n, cat in enumerate(c["categories"])}}
            for i, t in enumerate(cells):
                n = index.get(t, index.get(t.strip(), index.get(_label(t.strip()))))
                if n is not None and t.strip() not in MISSING:
                    out[i, j + n] = 1.0
                elif n is not None and t in index:
                    out[i, j + n] = 1.0
            j += len(c["categories"])
    return out


def _sigmoid(z):
    return (np.tanh(z * np.float32(0.5)) * np.float32(0.5) + np.float32(0.5)).astype(z.dtype)


def _erf(z):
    return np.frompyfunc(math.erf, 1, 1)(z).astype(z.dtype)


def activation(z, name):
    if name in (None, "linear"):
        return z
    if name == "relu":
        return np.maximum(z, 0)
    if name == "sigmoid":
        return _sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        y = np.exp(z - z.max(axis=-1, keepdims=True))
        return y / y.sum(axis=-1, keepdims=True)
    if name in ("elu", "selu"):
        alpha = 1.0 if name == "elu" else SELU_ALPHA
        y = np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0))).astype(z.dtype)
        return y if name == "elu" else (y * SELU_SCALE).astype(z.dtype)
    if name == "leaky_relu":
        return np.where(z > 0, z, z * 0.2).astype(z.dtype)
    if name == "softplus":
        return (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))).astype(z.dtype)
    if name == "softsign":
        return z / (1 + np.abs(z))
    if name in ("swish", "silu"):
        return z * _sigmoid(z)
    if name == "exponential":
        return np.exp(z)
    if name == "hard_sigmoid":
        return np.clip(z * (1 / 6) + 0.5, 0, 1).astype(z.dtype)
    if name == "gelu":
        return (0.5 * z * (1 + _erf(z * 0.7071067811865476))).astype(z.dtype)
    raise ValueError(f"unknown activation {{name!r}}")


def _bshape(step):
    shape = step["in_shape"]
    ndim = len(shape)
    axis = step["config"].get("axis", -1)
    axes = sorted({{a % ndim for a in ([axis] if isinstance(axis, int) else axis)}})
    return tuple(axes), tuple(int(shape[i]) if i in axes else 1 for i in range(ndim))


def forward(x, w):
    """The network's raw outputs for the preprocessed float32 matrix `x`."""
    vals = {{NETWORK["inputs"][0][0]: x.reshape((len(x), *NETWORK["inputs"][0][2]))}}
    for s in NETWORK["steps"]:
        xs = [vals[i] for i in s["ins"]]
        kind, cfg, ws = s["kind"], s["config"], {{k: w[v] for k, v in s["weights"].items()}}
        if kind == "Dense":
            z = xs[0] @ ws["kernel"]
            if "bias" in ws:
                z = z + ws["bias"]
            y = activation(z, cfg.get("activation"))
        elif kind == "Activation":
            y = activation(xs[0], cfg.get("activation"))
        elif kind == "Dropout":
            y = xs[0]
        elif kind == "Flatten":
            y = xs[0].reshape(len(xs[0]), -1)
        elif kind == "Reshape":
            y = xs[0].reshape((len(xs[0]), *cfg["target_shape"]))
        elif kind == "Add":
            y = xs[0] + xs[1]
            for other in xs[2:]:
                y = y + other
        elif kind == "Concatenate":
            y = np.concatenate(xs, axis=cfg.get("axis", -1))
        elif kind == "BatchNormalization":
            _, b = _bshape(s)
            inv = np.float32(1.0) / np.sqrt(ws["moving_variance"] + np.float32(cfg["epsilon"]))
            y = xs[0] * inv.reshape(b) + (-ws["moving_mean"] * inv).reshape(b)
            if "gamma" in ws:
                y = y * ws["gamma"].reshape(b)
            if "beta" in ws:
                y = y + ws["beta"].reshape(b)
        elif kind == "LayerNormalization":
            axes, b = _bshape(s)
            xc = xs[0] - xs[0].mean(axis=axes, keepdims=True)
            var = np.mean(xc * xc, axis=axes, keepdims=True)
            y = xc * (1.0 / np.sqrt(var + cfg["epsilon"]))
            if "gamma" in ws:
                y = y * ws["gamma"].reshape(b)
            if "beta" in ws:
                y = y + ws["beta"].reshape(b)
        else:
            raise ValueError(f"unknown layer {{kind!r}}")
        vals[s["out"]] = y.astype(np.float32, copy=False)
    return vals[NETWORK["outputs"][0]]


def predict(path, weights_path=None):
    """(column names, rows) of predictions for the CSV file at `path`."""
    weights_path = weights_path or Path(__file__).with_suffix(".npz")
    with np.load(weights_path, allow_pickle=False) as npz:
        w = {{k: npz[k] for k in npz.files}}
    header, rows = read_csv(path)
    raw = forward(preprocess(header, rows), w).reshape(len(rows), -1).astype(np.float64)
    scaling = (PIPELINE or {{}}).get("target_scaling")
    if TASK["kind"] == "regression" and scaling:
        # the network learned the standardized target: back to the target's own units
        raw = raw * scaling["scale"] + scaling["offset"]
    labels = TASK["class_labels"]
    if TASK["kind"] in ("binary", "multiclass"):
        if raw.shape[1] == 1:
            p = np.clip(raw[:, 0], 0.0, 1.0)
            probs = np.column_stack([1.0 - p, p])
            idx = (p >= 0.5).astype(int)
        else:
            probs = raw
            idx = probs.argmax(axis=1)
        cols = ["prediction"] + [f"probability_{{lab}}" for lab in labels]
        out = [[labels[i]] + [repr(float(v)) for v in pr] for i, pr in zip(idx, probs)]
        return cols, out
    if TASK["kind"] == "regression" and raw.shape[1] == 1:
        return ["prediction"], [[repr(float(v))] for v in raw[:, 0]]
    cols = [f"output_{{i}}" for i in range(raw.shape[1])]
    return cols, [[repr(float(v)) for v in r] for r in raw]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="CSV file with the input columns")
    parser.add_argument("--out", help="predictions CSV (default: standard output)")
    parser.add_argument("--weights", help="weights .npz (default: next to this script)")
    args = parser.parse_args(argv)
    cols, rows = predict(args.data, args.weights)
    fh = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout
    try:
        writer = csv.writer(fh)
        writer.writerow(cols)
        writer.writerows(rows)
    finally:
        if args.out:
            fh.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def numpy_script(bundle: Any, weights_name: str) -> str:
    """The text of the standalone inference script (weights file `weights_name`)."""
    ir = describe(bundle.model)
    check_supported(ir, "NumPy code")
    if len(ir.inputs) != 1 or len(ir.outputs) != 1:
        from core.errors import FormatError

        raise FormatError(
            "The NumPy script supports models with one input and one output. "
            f"Received: {len(ir.inputs)} inputs, {len(ir.outputs)} outputs."
        )
    pipeline = bundle.pipeline.to_dict() if bundle.pipeline is not None else None
    script = weights_name.rsplit(".", 1)[0] + ".py"
    return _NUMPY_TEMPLATE.format(
        name=ir.name,
        script=script,
        weights=weights_name,
        pipeline=_literal(pipeline),
        network=_literal(_network_json(ir)),
        task=_literal(_task_json(bundle)),
        missing=repr(_missing_values()),
        selu=_SELU,
        csv_format=_CSV_FORMAT_SOURCE.strip("\n"),
    )


# --------------------------------------------------------------------------- Keras training


_KERAS_TEMPLATE = '''#!/usr/bin/env python3
"""Keras 3 training script for the LayerForge model {name!r}.

Generated by LayerForge: the same architecture, preprocessing and training
settings, for training at scale with TensorFlow, JAX or PyTorch.

    pip install keras pandas  (plus a backend: tensorflow, jax or torch)
    python {script} data.csv [--epochs N] [--out model.keras]

The preprocessing fitted in LayerForge is reused as is (PIPELINE): missing
numbers are filled, numbers scaled as (x - offset) / scale, yes/no columns
become 0/1 and categories one-hot (an unknown category gives all zeros).
A regression target standardized in LayerForge (PIPELINE["target_scaling"])
is standardized here too, so the loss and metrics printed while training are
on that scale; the saved model ends in a Rescaling layer that gives values in
the target's own units.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import re
import sys

import numpy as np
import pandas as pd

PIPELINE = {pipeline}
TASK = {task}
SETTINGS = {settings}
MISSING = {missing}


{csv_format}


def read_table(path):
    """The CSV as a DataFrame, read the way LayerForge reads it (see sniff_format):
    delimiter, decimal comma, encoding and LayerForge's missing-value markers."""
    text, encoding = read_text(path)
    delimiter, decimal = sniff_format(text)
    return pd.read_csv(io.StringIO(text), sep=delimiter, decimal=decimal, na_values=MISSING,
                       keep_default_na=True, skipinitialspace=(delimiter + " ") in text,
                       skip_blank_lines=True)


def _label(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return str(int(f)) if math.isfinite(f) and f == int(f) and abs(f) < 2**53 else repr(f)
    return str(value)


def preprocess(df):
    """The float32 matrix the network sees for the rows of `df`."""
    if PIPELINE is None:
        return df.to_numpy(dtype=np.float32)
    cols = PIPELINE["columns"]
    width = sum(len(c["categories"]) if c["kind"] == "categorical" else 1 for c in cols)
    out = np.zeros((len(df), width), dtype=np.float32)
    j = 0
    for c in cols:
        s = df[c["column"]]
        fill = np.float32(c["impute_value"] if c["impute_value"] is not None else 0.0)
        if c["kind"] == "numeric":
            v = pd.to_numeric(s).to_numpy(dtype=np.float64, na_value=np.nan).astype(np.float32)
            v[np.isnan(v)] = fill
            v -= np.float32(c["scale"]["offset"])
            v /= np.float32(c["scale"]["scale"])
            out[:, j] = v
            j += 1
        elif c["kind"] == "boolean":
            lo, hi = c["categories"]
            if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
                x = s.to_numpy(dtype=np.float64, na_value=np.nan)
                try:
                    code = np.where(x == float(hi), 1, np.where(x == float(lo), 0, -1))
                except ValueError:
                    code = np.full(len(s), -1)
            else:
                low = [None if t is None else t.strip().lower() for t in map(_label, s)]
                code = np.asarray([1 if t == hi.strip().lower() else
                                   0 if t == lo.strip().lower() else -1 for t in low])
            v = code.astype(np.float32)
            v[code < 0] = fill
            out[:, j] = v
            j += 1
        else:
            index = {{cat: n for n, cat in enumerate(c["categories"])}}
            text = s if s.dtype == object or pd.api.types.is_string_dtype(s) else s.map(_label)
            for i, t in enumerate(text.tolist()):
                n = index.get(t) if isinstance(t, str) else None
                if n is not None:
                    out[i, j + n] = 1.0
            j += len(c["categories"])
    return out


def encode_target(df):
    """(rows to keep, training targets) for the target column."""
    target = TASK["target"]
    if TASK["kind"] == "regression":
        y = pd.to_numeric(df[target]).to_numpy(dtype=np.float64, na_value=np.nan)
        keep = ~np.isnan(y)
        y = y[keep]
        scaling = (PIPELINE or {{}}).get("target_scaling")
        if scaling:  # standardized, as the network learned it in LayerForge
            y = (y - scaling["offset"]) / scaling["scale"]
        return keep, y.astype(np.float32).reshape(-1, 1)
    index = {{lab: n for n, lab in enumerate(TASK["class_labels"])}}
    codes = np.asarray([index.get(_label(v), -1) for v in df[target].tolist()])
    keep = codes >= 0
    codes = codes[keep]
    if TASK["kind"] == "binary":
        return keep, codes.astype(np.float32).reshape(-1, 1)
    y = np.zeros((len(codes), len(TASK["class_labels"])), dtype=np.float32)
    y[np.arange(len(codes)), codes] = 1.0
    return keep, y


def build_model():
    """The network, layer for layer as in LayerForge (same names)."""
    import keras
    from keras import layers

{body}


def _metric(name):
    import keras

    objects = {{"auc": keras.metrics.AUC, "precision": keras.metrics.Precision,
               "recall": keras.metrics.Recall, "r2": keras.metrics.R2Score}}
    return objects[name]() if name in objects else name


def main(argv=None):
    import keras

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="CSV file with the input columns and the target")
    parser.add_argument("--epochs", type=int, default=SETTINGS["epochs"])
    parser.add_argument("--batch-size", type=int, default=SETTINGS["batch_size"])
    parser.add_argument("--out", default="model.keras", help="where to save the trained model")
    args = parser.parse_args(argv)
    if SETTINGS.get("seed") is not None:
        keras.utils.set_random_seed(SETTINGS["seed"])
    df = read_table(args.data)
    keep, y = encode_target(df)
    x = preprocess(df.loc[keep].reset_index(drop=True))
    model = build_model()
    optimizer = keras.optimizers.get(SETTINGS["optimizer"])
    optimizer.learning_rate = SETTINGS["learning_rate"]
    model.compile(optimizer=optimizer, loss=SETTINGS["loss"],
                  metrics=[_metric(m) for m in SETTINGS["metrics"]])
    model.fit(x, y, epochs=args.epochs, batch_size=args.batch_size,
              validation_split=SETTINGS["validation_split"], verbose=2)
    scaling = (PIPELINE or {{}}).get("target_scaling")
    if TASK["kind"] == "regression" and scaling:
        # saved with the way back to the target's own units as its last layer
        value = keras.layers.Rescaling(scaling["scale"], scaling["offset"],
                                       name="target_units")(model.outputs[0])
        model = keras.Model(model.inputs, value, name=model.name)
    model.save(args.out)
    print(f"saved {{args.out}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def _py(value: Any) -> str:
    return repr(value)


def _model_body(ir: NetIR) -> str:
    lines: list[str] = []
    var: dict[int, str] = {}
    for k, (slot, name, shape) in enumerate(ir.inputs):
        v = f"inputs_{k}"
        var[slot] = v
        lines.append(f"    {v} = keras.Input(shape={tuple(shape)!r}, name={name!r})")
    for i, step in enumerate(ir.steps):
        cfg = _layer_config(step)
        for key in ("name", "trainable", "dtype"):
            cfg.pop(key, None)
        args = ", ".join(f"{k}={_py(v)}" for k, v in cfg.items())
        args = f"{args}, name={step.name!r}" if args else f"name={step.name!r}"
        ins = [var[s] for s in step.ins]
        call = f"[{', '.join(ins)}]" if step.kind in ("Add", "Concatenate") else ins[0]
        v = f"x{i}"
        lines.append(f"    {v} = layers.{step.kind}({args})({call})")
        var[step.out] = v
    ins = [var[s] for s, _, _ in ir.inputs]
    outs = [var[o] for o in ir.outputs]
    i_expr = ins[0] if len(ins) == 1 else f"[{', '.join(ins)}]"
    o_expr = outs[0] if len(outs) == 1 else f"[{', '.join(outs)}]"
    lines.append(f"    return keras.Model({i_expr}, {o_expr}, name={ir.name!r})")
    return "\n".join(lines)


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


def keras_training_script(bundle: Any) -> tuple[str, list[str]]:
    """(script text, notes) for a Keras 3 script that retrains the same network."""
    ir = describe(bundle.model)
    check_supported(ir, "Keras code")
    settings, notes = _settings(bundle)
    pipeline = bundle.pipeline.to_dict() if bundle.pipeline is not None else None
    name = ir.name
    text = _KERAS_TEMPLATE.format(
        name=name,
        script="train_keras.py",
        pipeline=_literal(pipeline),
        task=_literal(_task_json(bundle)),
        settings=_literal(settings),
        missing=repr(_missing_values()),
        body=_model_body(ir),
        csv_format=_CSV_FORMAT_SOURCE.strip("\n"),
    )
    notes.append(
        "the script reuses the preprocessing fitted in LayerForge and trains the "
        "network from scratch; it does not load LayerForge's trained weights"
    )
    return text, notes
