"""Re-load every export with the program that will consume it and compare predictions.

`sample_rows` makes the rows to check (drawn from the fitted pipeline: numbers
around each column's mean with some missing cells, every category plus an
unknown one and a missing one; without one, normal numbers, or token ids where
the input feeds an Embedding) unless the caller gives real rows;
`reference` is LayerForge's own answer for those rows (regression values in
the target's own units: a standardized target's scaling undone). One `verify_*`
function per format loads the written file with its real consumer
(onnxruntime, Keras, the generated NumPy script in a subprocess, the
bundle loader, pandas for a predictions CSV), compares, and returns a
`Check`; a difference above the tolerance raises `ExportError`.
"""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import FormatError

__all__ = [
    "KERAS_EXTRA",
    "TOLERANCE",
    "Check",
    "ExportError",
    "compare",
    "keras_available",
    "reference",
    "sample_rows",
]

#: How to get Keras and a CPU backend, for the messages that say a check was skipped.
KERAS_EXTRA = 'Keras with a CPU backend: pip install "layerforge[keras]"'

#: Largest accepted difference (relative to max(1, |value|)), float32 arithmetic.
TOLERANCE = 1e-5
DEFAULT_ROWS = 200


class ExportError(FormatError):
    """An export that could not be written or did not pass its verification."""


@dataclass
class Check:
    """What a verification found."""

    consumer: str
    rows: int = 0
    max_abs_diff: float | None = None
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- rows


def sample_rows(bundle: Any, n: int = DEFAULT_ROWS, seed: int = 0) -> Any:
    """Rows to check: a DataFrame of raw columns (with a pipeline) or a float32 matrix."""
    rng = np.random.default_rng(seed)
    pipeline = getattr(bundle, "pipeline", None)
    if getattr(pipeline, "input_spec", None) is not None:
        return pipeline.input_spec.sample(n, rng)
    if pipeline is None:
        from core.export.graph_ir import describe

        ir = describe(bundle.model)
        slot, _, shape = ir.inputs[0]
        vocabulary = [
            int(s.config["input_dim"])
            for s in ir.steps
            if s.kind == "Embedding" and s.ins == (slot,)
        ]
        if vocabulary:  # token ids, with padding zeros
            return token_rows(rng, n, shape, min(vocabulary))
        return rng.standard_normal((n, *shape)).astype(np.float32)
    import pandas as pd

    data: dict[str, Any] = {}
    for spec in pipeline.columns:
        if spec.kind == "numeric":
            v = spec.offset + spec.scale * rng.standard_normal(n)
            v = np.round(v, 4)
            v[rng.random(n) < 0.05] = np.nan
            data[spec.column] = v
        else:
            cats = list(spec.categories)
            extra = ["__unknown__"] if spec.kind == "categorical" else []
            choices = np.asarray(cats + extra + [None], dtype=object)
            p = np.full(len(choices), 1.0)
            p[-1] = 0.3
            if extra:
                p[-2] = 0.3
            data[spec.column] = rng.choice(choices, size=n, p=p / p.sum())
    return pd.DataFrame(data)


def token_rows(rng: np.random.Generator, n: int, shape: tuple[int, ...], vocab: int) -> np.ndarray:
    """`n` rows of token ids (float32) for an Embedding of `vocab` ids: ids from 1 on, a
    tail of padding zeros of random length and a few zeros inside, so masks are used."""
    if vocab < 2 or not shape:
        return np.zeros((n, *shape), np.float32)
    ids = rng.integers(1, vocab, size=(n, *shape)).astype(np.float32)
    steps = ids.reshape(n, shape[0], -1)  # a view: (row, step, rest)
    length = rng.integers(1, shape[0] + 1, size=n)
    steps[np.arange(shape[0])[None, :] >= length[:, None]] = 0.0
    steps[:, 1:][rng.random((n, shape[0] - 1)) < 0.1] = 0.0
    return ids


def reference(bundle: Any, rows: Any) -> dict[str, np.ndarray]:
    """LayerForge's predictions for `rows`: probabilities+labels, value, or output."""
    if getattr(bundle, "pipeline", None) is None:
        raw = bundle.predict_raw(np.asarray(rows, np.float32))
        return {"output": np.asarray(raw, np.float64)}
    raw = bundle.predict_raw(bundle.features(rows))
    task = bundle.pipeline.task
    if task is None:
        return {"output": np.asarray(raw, np.float64)}
    if task.kind == "regression":
        values = bundle.pipeline.target_values(np.asarray(raw, np.float64).reshape(len(raw), -1))
        return {"value": values}
    pred = bundle.decode(raw)
    return {
        "probabilities": np.asarray(pred.probabilities, np.float64),
        "label": np.asarray(pred.labels, dtype=object),
    }


def compare(
    fmt: str, got: dict[str, Any], want: dict[str, np.ndarray], tol: float = TOLERANCE
) -> float:
    """Max absolute difference between `got` and `want`; ExportError beyond `tol`."""
    worst = 0.0
    for key, ref in want.items():
        if key == "label":
            continue
        if key not in got:
            raise ExportError(
                f"The {fmt} export gave no '{key}' output. Expected "
                f"{', '.join(want)}. Received: {', '.join(got)}."
            )
        arr = np.asarray(got[key], np.float64).reshape(ref.shape)
        if not np.isfinite(arr).all():
            raise ExportError(
                f"The {fmt} export gives NaN or infinite '{key}' values where "
                "LayerForge gives numbers. The file was not kept."
            )
        diff = np.abs(arr - ref)
        worst = max(worst, float(diff.max()) if diff.size else 0.0)
        rel = diff / np.maximum(1.0, np.abs(ref))
        if rel.size and float(rel.max()) > tol:
            i = int(np.argmax(rel.max(axis=tuple(range(1, rel.ndim))) if rel.ndim > 1 else rel))
            raise ExportError(
                f"The {fmt} export does not agree with LayerForge: '{key}' differs by "
                f"{float(diff.max()):.3g} (row {i + 1}), more than the allowed {tol:g}. "
                "The file was not kept."
            )
    if "label" in want and "label" in got:
        labels = np.asarray(got["label"], dtype=object).reshape(-1)
        ref_labels = want["label"]
        probs = want["probabilities"]
        top = np.sort(probs, axis=1)
        margin = np.abs(probs[:, -1] - 0.5) if probs.shape[1] == 2 else top[:, -1] - top[:, -2]
        bad = [
            i
            for i in range(len(ref_labels))
            if str(labels[i]) != str(ref_labels[i]) and margin[i] > 1e-4
        ]
        if bad:
            i = bad[0]
            raise ExportError(
                f"The {fmt} export predicts the label {labels[i]!r} on row "
                f"{i + 1} where LayerForge predicts {ref_labels[i]!r}. The file "
                "was not kept."
            )
    return worst


def _fail(fmt: str, exc: BaseException) -> ExportError:
    text = " ".join(str(exc).split())[:400]
    return ExportError(
        f"The {fmt} file could not be re-loaded by its consumer: "
        f"{type(exc).__name__}: {text}. The file was not kept."
    )


# --------------------------------------------------------------------------- ONNX


def verify_onnx(path: Path, bundle: Any, rows: Any) -> Check:
    try:
        import onnxruntime as ort
    except ImportError:
        return Check(
            "onnx checker only",
            notes=[
                "onnxruntime is not installed, so the file was checked by the ONNX checker but "
                "not run: pip install onnxruntime"
            ],
        )
    from core.export.onnx_export import onnx_inputs

    want = reference(bundle, rows)
    try:
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        if bundle.pipeline is not None:
            feed = onnx_inputs(bundle.pipeline, rows)
        else:
            feed = {sess.get_inputs()[0].name: np.asarray(rows, np.float32)}
        names = [o.name for o in sess.get_outputs()]
        outs = dict(zip(names, sess.run(None, feed), strict=True))
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own error types
        raise _fail("ONNX", exc) from None
    diff = compare("ONNX", outs, want)
    return Check(f"onnxruntime {ort.__version__}", len(next(iter(want.values()))), diff)


# --------------------------------------------------------------------------- Keras


def keras_available() -> bool:
    """Whether Keras 3 and a backend can be imported (selects torch when no backend is set)."""
    if importlib.util.find_spec("keras") is None:
        return False
    if "keras" not in sys.modules and not os.environ.get("KERAS_BACKEND"):
        if importlib.util.find_spec("tensorflow") is None:
            if importlib.util.find_spec("torch") is not None:
                os.environ["KERAS_BACKEND"] = "torch"
            elif importlib.util.find_spec("jax") is not None:
                os.environ["KERAS_BACKEND"] = "jax"
            else:
                return False
    try:
        import keras

        return str(getattr(keras, "__version__", "0")).split(".")[0] == "3"
    except Exception:  # noqa: BLE001 - a broken backend install raises anything
        return False


def keras_features(pipeline: Any, df: Any) -> np.ndarray:
    """The `.keras` model's input for raw rows: numbers with missing values filled,
    yes/no as 0/1, categories one-hot (the Normalization layer inside does the scaling)."""
    from core.data.preprocess import _bool_codes, codes_for, numeric_values

    pipeline.check_columns(df)
    out = np.zeros((len(df), pipeline.n_features), np.float32)
    j = 0
    for spec in pipeline.columns:
        s = df[spec.column]
        if spec.kind == "numeric":
            v = numeric_values(s, spec.column).astype(np.float32)
            v[np.isnan(v)] = spec.impute_value if spec.impute_value is not None else 0.0
            out[:, j] = v
        elif spec.kind == "boolean":
            c = _bool_codes(s, spec.categories)
            v = c.astype(np.float32)
            v[c < 0] = spec.impute_value if spec.impute_value is not None else 0.0
            out[:, j] = v
        else:
            c = codes_for(s, spec.categories)
            hit = np.flatnonzero(c >= 0)
            out[hit, j + c[hit]] = 1.0
        j += spec.width
    return out


def _keras_outputs(model: Any, x: np.ndarray, bundle: Any) -> dict[str, np.ndarray]:
    raw = model.predict(x, verbose=0)
    raw = np.asarray(raw[0] if isinstance(raw, list) else raw, np.float64)
    pipeline = getattr(bundle, "pipeline", None)
    task = getattr(pipeline, "task", None)
    if task is None:
        return {"output": raw}
    if task.kind == "regression":
        return {"value": raw.reshape(len(raw), -1)}
    pred = bundle.decode(raw)
    return {"probabilities": pred.probabilities, "label": pred.labels}


def _keras_input(bundle: Any, rows: Any) -> np.ndarray:
    if bundle.pipeline is not None:
        return keras_features(bundle.pipeline, rows)
    return np.asarray(rows, np.float32)


def _reread_keras(path: Path, bundle: Any, rows: Any) -> tuple[float, str]:
    """Load the `.keras` file back with LayerForge's own reader: (max difference, note)."""
    from core.export.keras_file import load_keras

    want = reference(bundle, rows)
    try:
        model = load_keras(path, compile=False)
        got = _keras_outputs(model, _keras_input(bundle, rows), bundle)
    except Exception as exc:  # noqa: BLE001 - report any failure of the reader
        raise _fail("LayerForge .keras reader", exc) from None
    diff = compare("re-read .keras", got, want)
    return diff, (
        f"LayerForge's own .keras reader loads the file back with the same predictions "
        f"(max difference {diff:.2g})"
    )


def verify_keras(path: Path, bundle: Any, rows: Any) -> Check:
    """Load the file with Keras (when installed) and with LayerForge's own reader."""
    reread, note = _reread_keras(path, bundle, rows)
    if not keras_available():
        return Check(
            "structure and LayerForge's reader only",
            notes=[
                "Keras 3 is not installed here, so the .keras file was not loaded by Keras "
                f"(to check it, install {KERAS_EXTRA})",
                note,
            ],
        )
    import keras

    want = reference(bundle, rows)
    try:
        model = keras.saving.load_model(str(path), compile=False)
        got = _keras_outputs(model, _keras_input(bundle, rows), bundle)
    except Exception as exc:  # noqa: BLE001 - Keras raises many error types
        raise _fail("Keras", exc) from None
    diff = compare("Keras", got, want)
    return Check(
        f"Keras {keras.__version__} ({keras.backend.backend()} backend)",
        len(next(iter(want.values()))),
        max(diff, reread),
        [note],
    )


# --------------------------------------------------------------------------- NumPy script


def rows_to_csv(bundle: Any, rows: Any, path: Path) -> None:
    """Write `rows` as the CSV that the generated scripts read."""
    import pandas as pd

    if getattr(bundle, "pipeline", None) is None:
        arr = np.asarray(rows, np.float32).reshape(len(rows), -1)
        names = list(bundle.feature_names)
        if len(names) != arr.shape[1]:  # shaped samples: one column per cell
            names = [f"x{i}" for i in range(arr.shape[1])]
        frame = pd.DataFrame(arr.astype(np.float64), columns=names)
    else:
        frame = rows
    frame.to_csv(path, index=False)


def user_format_sample(csv_path: str | os.PathLike[str], n: int, dest: Path) -> None:
    """Copy the header and the first `n` records of the user's CSV to `dest` byte for
    byte (BOM, delimiter, decimal commas, quoting and line endings kept), so that an
    exported script is checked on the file format it will really meet."""
    limit = 8 * 1024 * 1024
    with open(csv_path, "rb") as fh:
        data = fh.read(limit + 1)
    complete = len(data) <= limit
    end = 0
    records = 0
    quotes = 0
    pos = 0
    while records <= n:
        nl = data.find(b"\n", pos)
        if nl < 0:
            if complete:
                end = len(data)
            break
        quotes += data.count(b'"', pos, nl)
        pos = nl + 1
        if quotes % 2 == 0:  # not inside a quoted field spanning lines
            end = pos
            if data[:nl].rsplit(b"\n", 1)[-1].strip(b" \t\r,;|"):
                records += 1
    dest.write_bytes(data[:end])


def _user_csv_rows(bundle: Any, sample: Path) -> Any:
    """LayerForge's own reading of the sample (what its reference predictions use)."""
    from core.data import read_csv

    df = read_csv(sample).df
    if getattr(bundle, "pipeline", None) is None:
        return df.to_numpy(np.float32)
    return df


def verify_on_user_csv(
    fmt: str, path: Path, bundle: Any, csv_path: str | os.PathLike[str], n: int = DEFAULT_ROWS
) -> Check | None:
    """Run an exported script on real rows of the user's CSV, in the user's own format
    (delimiter, decimal comma, BOM, missing-value spellings), and compare with
    LayerForge reading the same bytes. `fmt` is "numpy" or "python"; other formats
    take arrays LayerForge has already read, so there is nothing more to check."""
    if fmt not in ("numpy", "python"):
        return None
    with tempfile.TemporaryDirectory(prefix="lf-verify-user-") as tmp:
        sample = Path(tmp) / Path(csv_path).name
        user_format_sample(csv_path, n, sample)
        rows = _user_csv_rows(bundle, sample)
        if fmt == "numpy":
            return verify_numpy(path, bundle, rows, csv_file=sample)
        return _check_script_reads_csv(path, bundle, sample, rows)


def _check_script_reads_csv(script: Path, bundle: Any, sample: Path, rows: Any) -> Check:
    import runpy

    try:
        ns = runpy.run_path(str(script), run_name="layerforge_check")
        frame = ns["read_table"](str(sample))
        x_script = np.asarray(ns["preprocess"](frame), np.float32)
    except Exception as exc:  # noqa: BLE001 - anything the generated code raises
        raise ExportError(
            "The generated Keras training script cannot read the data file in its own "
            f"format: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}. The file "
            "was not kept."
        ) from None
    x_lf = bundle.features(rows) if bundle.pipeline is not None else np.asarray(rows, np.float32)
    if x_script.shape != x_lf.shape:
        raise ExportError(
            f"The training script reads the data file into shape "
            f"{x_script.shape}; LayerForge reads {x_lf.shape}. The file was "
            "not kept."
        )
    worst = float(np.abs(x_script - x_lf).max()) if x_lf.size else 0.0
    if not math.isfinite(worst) or worst > TOLERANCE:
        raise ExportError(
            "The training script reads the data file differently from "
            f"LayerForge (difference {worst:.3g}). The file was not kept."
        )
    return Check("the training script's CSV reading", len(x_lf), worst)


def verify_numpy(script: Path, bundle: Any, rows: Any, csv_file: Path | None = None) -> Check:
    """Run the script on `rows` (written as a plain CSV), or on `csv_file` as it is."""
    import pandas as pd

    want = reference(bundle, rows)
    with tempfile.TemporaryDirectory(prefix="lf-verify-") as tmp:
        data = Path(tmp) / "rows.csv"
        out = Path(tmp) / "predictions.csv"
        if csv_file is not None:
            data = csv_file
        else:
            rows_to_csv(bundle, rows, data)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        try:
            proc = subprocess.run(
                [sys.executable, "-I", str(script), str(data), "--out", str(out)],
                capture_output=True,
                text=True,
                timeout=120,
                env=env,
                cwd=tmp,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise _fail("NumPy script", exc) from None
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            what = (
                f"on rows of the data file {csv_file.name} in its own format"
                if csv_file is not None
                else "on sample rows"
            )
            raise ExportError(
                f"The generated NumPy script failed when run {what}: "
                f"{' '.join(tail)[:400]}. The files were not kept."
            )
        frame = pd.read_csv(out, keep_default_na=False, dtype={"prediction": str})
    got: dict[str, Any] = {}
    if "probabilities" in want:
        cols = [c for c in frame.columns if c.startswith("probability_")]
        got["probabilities"] = frame[cols].to_numpy(np.float64)
        got["label"] = frame["prediction"].astype(str).to_numpy(dtype=object)
    else:
        key = next(iter(want))
        cols = [c for c in frame.columns if c == "prediction" or c.startswith("output_")]
        got[key] = frame[cols].to_numpy(np.float64)
    diff = compare("NumPy script", got, want)
    return Check(
        f"the generated script run by Python {sys.version.split()[0]} in a subprocess",
        len(frame),
        diff,
    )


# --------------------------------------------------------------------------- Keras script


def verify_training_script(script: Path, bundle: Any, rows: Any) -> Check:
    """Compile the script; compare its preprocessing with LayerForge's; with Keras, build
    its model, load LayerForge's weights by layer name and compare predictions."""
    import runpy

    source = script.read_text(encoding="utf-8")
    try:
        compile(source, str(script), "exec")
    except SyntaxError as exc:
        raise ExportError(
            f"The generated Keras training script has a syntax error: {exc}. The file was not kept."
        ) from None
    try:
        ns = runpy.run_path(str(script), run_name="layerforge_check")
    except Exception as exc:  # noqa: BLE001 - anything the module level raises
        raise _fail("Keras training script", exc) from None
    notes: list[str] = []
    worst = 0.0
    n = 0
    if bundle.pipeline is not None:
        x_script = np.asarray(ns["preprocess"](rows), np.float32)
        x_lf = bundle.features(rows)
        if x_script.shape != x_lf.shape:
            raise ExportError(
                f"The training script's preprocessing gives shape "
                f"{x_script.shape}; LayerForge's gives {x_lf.shape}."
            )
        worst = float(np.abs(x_script - x_lf).max()) if x_lf.size else 0.0
        if worst > TOLERANCE:
            raise ExportError(
                "The training script's preprocessing does not agree with "
                f"LayerForge's (difference {worst:.3g}). The file was not kept."
            )
        n = len(x_lf)
    if not keras_available():
        notes.append(
            "Keras is not installed here, so the training script's model was not "
            f"built (to check it, install {KERAS_EXTRA})"
        )
        return Check("Python compile() and the script's preprocessing", n, worst, notes)
    import keras

    try:
        model = ns["build_model"]()
        from core.export.graph_ir import describe
        from core.export.keras_export import keras_safe

        ir, _ = keras_safe(describe(bundle.model))  # the names the script gives its layers
        for step in ir.steps:
            if step.weights:
                model.get_layer(step.name).set_weights(list(step.weights.values()))
        x = bundle.features(rows) if bundle.pipeline is not None else np.asarray(rows, np.float32)
        raw = model.predict(x, verbose=0)
    except Exception as exc:  # noqa: BLE001 - Keras raises many error types
        raise _fail("Keras training script", exc) from None
    want = {"output": np.asarray(bundle.predict_raw(x), np.float64)}
    diff = compare("Keras training script", {"output": raw}, want)
    if int(model.count_params()) != ir.n_params:
        raise ExportError(
            f"The training script's model has {model.count_params()} "
            f"parameters; LayerForge's has {ir.n_params}."
        )
    return Check(
        f"Keras {keras.__version__}: the script's model with LayerForge's weights",
        len(x),
        max(worst, diff),
        notes,
    )


# --------------------------------------------------------------------------- bundle, CSV


def verify_bundle(path: Path, bundle: Any, rows: Any) -> Check:
    from core.bundle import load_model

    want = reference(bundle, rows)
    try:
        loaded = load_model(path)
    except Exception as exc:  # noqa: BLE001 - report any failure of the loader
        raise _fail("LayerForge bundle", exc) from None
    diff = compare("bundle", reference(loaded, rows), want)
    return Check("the LayerForge bundle loader", len(next(iter(want.values()))), diff)


def verify_predictions(path: Path, bundle: Any, rows: Any, expected: Any) -> Check:
    import pandas as pd

    frame = pd.read_csv(path, keep_default_na=False, dtype={"prediction": str})
    if len(frame) != len(expected):
        raise ExportError(f"The predictions file has {len(frame)} rows; expected {len(expected)}.")
    worst = 0.0
    for col in expected.columns:
        if col not in frame.columns:
            raise ExportError(f"The predictions file lacks the column '{col}'.")
        if not pd.api.types.is_numeric_dtype(expected[col]):
            # a row without a prediction (an unreadable image) is an empty cell
            want = ["" if pd.isna(v) else str(v) for v in expected[col]]
            if [str(v) for v in frame[col]] != want:
                raise ExportError("The predictions file's labels differ from LayerForge's.")
            continue
        got = pd.to_numeric(frame[col], errors="coerce").to_numpy(np.float64)
        ref = expected[col].to_numpy(np.float64)
        if not (np.isnan(got) == np.isnan(ref)).all():
            raise ExportError(f"The predictions file's '{col}' has empty cells in other rows.")
        d = float(np.nanmax(np.abs(got - ref))) if (~np.isnan(ref)).any() else 0.0
        if not math.isfinite(d) or d > TOLERANCE * max(1.0, float(np.max(np.abs(ref)))):
            raise ExportError(
                f"The predictions file's '{col}' differs from LayerForge's by {d:.3g}."
            )
        worst = max(worst, d)
    return Check("pandas.read_csv", len(frame), worst)
