"""Export a trained model to files other programs use, and prove each one works.

`export_model(bundle_or_model, fmt, path)` writes one of `FORMATS` (ONNX,
Keras `.keras`, a standalone NumPy inference script + its `.npz`, a Keras
training script + its `.json`, the `.lfmodel` bundle, a predictions CSV) to a temporary
file beside `path`, re-loads it with its real consumer and compares its
predictions with LayerForge's on sample rows (`core.export.verify`), and
only then moves it into place with `os.replace`. A failed check raises
`ExportError` and leaves nothing behind. The `ExportReport` says what was
written, what checked it, on how many rows, the largest difference, and
notes such as what preprocessing a format could not carry.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.document.fileio import replace_into, staged_path
from core.errors import FormatError, LayerForgeError
from core.export.outside import sample_inputs, without_shaped_input
from core.export.verify import DEFAULT_ROWS, Check, ExportError

__all__ = [
    "FORMATS",
    "SUFFIXES",
    "ExportError",
    "ExportReport",
    "as_bundle",
    "export_model",
]

#: format -> what it is, for menus and help texts.
FORMATS: dict[str, str] = {
    "onnx": "ONNX model with preprocessing (.onnx)",
    "keras": "Keras 3 model (.keras)",
    "numpy": "standalone NumPy inference script + weights (.py + .npz)",
    "python": "Keras training script + its model description (.py + .json)",
    "bundle": "LayerForge model bundle (.lfmodel)",
    "predictions": "predictions CSV for a data file (.csv)",
}
SUFFIXES: dict[str, str] = {
    "onnx": ".onnx",
    "keras": ".keras",
    "numpy": ".py",
    "python": ".py",
    "bundle": ".lfmodel",
    "predictions": ".csv",
}


@dataclass
class ExportReport:
    """What an export wrote and how it was checked."""

    format: str
    path: str
    max_abs_diff: float | None
    rows: int
    verified: bool
    consumer: str = ""
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people: "checked 200 rows, max difference 3.1e-07"."""
        if not self.verified:
            return "not verified: " + ("; ".join(self.notes) or "verification was turned off")
        if self.rows and self.max_abs_diff is not None:
            return f"checked {self.rows} rows, max difference {self.max_abs_diff:.2g}"
        return f"checked by {self.consumer}"

    def text(self) -> str:
        """Several lines: files, the check, and every note."""
        lines = [
            f"Exported {self.format} to {', '.join(self.files) or self.path}",
            f"Verification: {self.summary()}" + (f" ({self.consumer})" if self.consumer else ""),
        ]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


# --------------------------------------------------------------------------- inputs


def as_bundle(obj: Any, pipeline: Any | None = None) -> Any:
    """A `BundledModel` for a bundle, a `.lfmodel` path or a model (+ pipeline)."""
    from core.bundle import BundledModel, load_model

    if isinstance(obj, BundledModel):
        if pipeline is not None and obj.pipeline is None:
            obj = BundledModel(
                model=obj.model,
                pipeline=pipeline,
                metadata=obj.metadata,
                config=obj.config,
                path=obj.path,
                task=pipeline.task,
            )
        return obj
    if isinstance(obj, (str, os.PathLike)):
        return as_bundle(load_model(obj), pipeline)
    if not hasattr(obj, "predict") or not hasattr(obj, "get_weights"):
        raise FormatError(
            "Expected a trained model, a BundledModel or a .lfmodel path to "
            f"export. Received: {type(obj).__name__}."
        )
    task = getattr(pipeline, "task", None)
    from core.export.graph_ir import describe

    ir = describe(obj)
    names = (
        list(pipeline.feature_names)
        if pipeline is not None
        else [f"x{i}" for i in range(int(np.prod(ir.inputs[0][2])))]
    )
    meta = {
        "task": getattr(task, "kind", None),
        "class_labels": list(getattr(task, "class_labels", ()) or ()),
        "feature_names": names,
        "target": getattr(pipeline, "target", None),
        "input_columns": list(pipeline.input_columns) if pipeline is not None else names,
    }
    loss = getattr(obj, "loss", None)
    config = {
        "loss": loss if isinstance(loss, str) else None,
        "metrics": [m for m in getattr(obj, "_metric_specs", []) if isinstance(m, str)],
    }
    return BundledModel(model=obj, pipeline=pipeline, metadata=meta, config=config, task=task)


def _rows(bundle: Any, rows: Any, n: int) -> Any:
    from core.export.verify import sample_rows

    if rows is None:
        return sample_rows(bundle, n)
    if isinstance(rows, (str, os.PathLike)):
        from core.data import read_csv

        rows = read_csv(rows).df
    if bundle.pipeline is None:
        if hasattr(rows, "to_numpy"):
            rows = rows.to_numpy(np.float32)
        return np.asarray(rows, np.float32)[:n]
    return rows.iloc[:n].reset_index(drop=True) if hasattr(rows, "iloc") else rows


# --------------------------------------------------------------------------- writing


def _staged(target: Path, suffix: str) -> contextlib.AbstractContextManager[Path]:
    """A temporary path beside `target` (same suffix); removed unless moved into place."""
    return staged_path(target, suffix, action="written", error=ExportError)


def _commit(pairs: list[tuple[Path, Path]]) -> None:
    for tmp, final in pairs:
        replace_into(tmp, final)


def export_model(
    bundle_or_model: Any,
    fmt: str,
    path: str | os.PathLike[str],
    *,
    pipeline: Any | None = None,
    verify: bool = True,
    rows: Any | None = None,
    n_rows: int = DEFAULT_ROWS,
    data: Any | None = None,
) -> ExportReport:
    """Write `bundle_or_model` as `fmt` to `path`, verified (see module docstring).

    `rows` (a DataFrame, CSV path or array) are the rows to check on; by default
    `n_rows` rows are drawn from the fitted preprocessing. `data` (a CSV path or
    DataFrame) is what the `predictions` format predicts.
    """
    fmt = str(fmt).lower()
    if fmt not in FORMATS:
        raise ExportError(f"Unknown export format {fmt!r}. Expected one of: {', '.join(FORMATS)}.")
    bundle = as_bundle(bundle_or_model, pipeline)
    spec = getattr(bundle.pipeline, "input_spec", None)
    if spec is not None:
        # images, text or series: verified on preprocessed samples (the user's own, or drawn)
        rows = bundle.features(rows) if rows is not None else sample_inputs(spec, n_rows)
    bundle, outside = without_shaped_input(bundle, fmt)
    target = Path(path)
    if not target.suffix:
        target = target.with_suffix(SUFFIXES[fmt])
    try:
        writer = _WRITERS[fmt]
        report = writer(bundle, target, verify, rows, n_rows, data)
        report.notes[:0] = outside
        return report
    except ExportError:
        raise
    except LayerForgeError:
        raise
    except OSError as exc:
        raise ExportError(f"{target}: cannot be written: {exc.strerror or exc}") from None


def _csv_source(rows: Any, data: Any) -> str | os.PathLike[str] | None:
    """The user's data file, when the caller named one (`data` or `rows` as a path)."""
    for candidate in (data, rows):
        if isinstance(candidate, (str, os.PathLike)) and Path(candidate).is_file():
            return candidate
    return None


def _also_on_user_csv(
    fmt: str, path: Path, bundle: Any, check: Check | None, rows: Any, data: Any, n: int
) -> Check | None:
    """After the main check, run the exported script on the user's own CSV file (its
    delimiter, decimal comma, encoding and missing-value spellings) when it is known."""
    source = _csv_source(rows, data)
    if check is None or source is None:
        return check
    from core.export.verify import verify_on_user_csv

    extra = verify_on_user_csv(fmt, path, bundle, source, n)
    if extra is None:
        return check
    worst = max(check.max_abs_diff or 0.0, extra.max_abs_diff or 0.0)
    note = (
        f"also run on the first {extra.rows} rows of {Path(source).name} as written "
        f"(its own delimiter, decimals and encoding): max difference "
        f"{extra.max_abs_diff or 0.0:.2g}"
    )
    return Check(check.consumer, check.rows, worst, [*check.notes, note])


def _report(
    fmt: str, target: Path, check: Check | None, notes: list[str], files: list[Path]
) -> ExportReport:
    if check is None:
        return ExportReport(
            fmt,
            str(target),
            None,
            0,
            False,
            "",
            [str(f) for f in files],
            notes + ["verification was turned off"],
        )
    verified = check.rows > 0 or "only" not in check.consumer
    return ExportReport(
        fmt,
        str(target),
        check.max_abs_diff,
        check.rows,
        verified,
        check.consumer,
        [str(f) for f in files],
        notes + check.notes,
    )


def _write_onnx(
    bundle: Any, target: Path, verify: bool, rows: Any, n: int, data: Any
) -> ExportReport:
    from core.export.graph_ir import describe
    from core.export.onnx_export import build_onnx
    from core.export.verify import verify_onnx

    payload, notes = build_onnx(describe(bundle.model), bundle)
    with _staged(target, ".onnx") as tmp:
        tmp.write_bytes(payload)
        check = verify_onnx(tmp, bundle, _rows(bundle, rows, n)) if verify else None
        _commit([(tmp, target)])
    return _report("onnx", target, check, notes, [target])


def _write_keras(
    bundle: Any, target: Path, verify: bool, rows: Any, n: int, data: Any
) -> ExportReport:
    from core.export.keras_export import write_keras
    from core.export.verify import verify_keras

    if target.suffix != ".keras":
        raise ExportError(
            f"{target}: Keras needs the file name to end in .keras. Received: "
            f"'{target.suffix or '(none)'}'."
        )
    with _staged(target, ".keras") as tmp:
        notes = write_keras(bundle, tmp)
        check = verify_keras(tmp, bundle, _rows(bundle, rows, n)) if verify else None
        _commit([(tmp, target)])
    return _report("keras", target, check, notes, [target])


def _write_script(
    fmt: str,
    bundle: Any,
    target: Path,
    script: str,
    side: tuple[str, bytes],
    check: Callable[[Path], Check] | None,
    notes: list[str],
    source: tuple[Any, Any, int],
) -> ExportReport:
    """Write a generated script and its side file (the model it reads: suffix, bytes)
    beside `target`; check the pair, then move both into place."""
    rows, data, n = source
    if target.suffix != ".py":
        target = target.with_suffix(".py")
    side_target = target.with_suffix(side[0])
    with _staged(target, ".py") as tmp:
        tmp_side = tmp.with_suffix(side[0])
        try:
            tmp_side.write_bytes(side[1])
            tmp.write_text(script, encoding="utf-8")
            done = check(tmp) if check is not None else None
            done = _also_on_user_csv(fmt, tmp, bundle, done, rows, data, n)
            _commit([(tmp_side, side_target), (tmp, target)])
        finally:
            with contextlib.suppress(OSError):
                tmp_side.unlink()
    return _report(fmt, target, done, notes, [target, side_target])


def _write_numpy(
    bundle: Any, target: Path, verify: bool, rows: Any, n: int, data: Any
) -> ExportReport:
    from core.export.python_export import numpy_script, numpy_weights
    from core.export.verify import verify_numpy

    arrays, notes = numpy_weights(bundle)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    check = (lambda tmp: verify_numpy(tmp, bundle, _rows(bundle, rows, n))) if verify else None
    side = (".npz", buf.getvalue())
    return _write_script(
        "numpy", bundle, target, numpy_script(bundle), side, check, notes, (rows, data, n)
    )


def _write_python(
    bundle: Any, target: Path, verify: bool, rows: Any, n: int, data: Any
) -> ExportReport:
    from core.export.python_export import keras_model_json, keras_training_script
    from core.export.verify import verify_training_script

    model_text, notes = keras_model_json(bundle)
    check = (
        (lambda tmp: verify_training_script(tmp, bundle, _rows(bundle, rows, n)))
        if verify
        else None
    )
    side = (".json", model_text.encode("utf-8"))
    script = keras_training_script(bundle)
    return _write_script("python", bundle, target, script, side, check, notes, (rows, data, n))


def _write_bundle(
    bundle: Any, target: Path, verify: bool, rows: Any, n: int, data: Any
) -> ExportReport:
    from core.bundle import save_model_bundle
    from core.export.verify import verify_bundle

    meta = {
        k: v
        for k, v in bundle.metadata.items()
        if k in ("metrics", "history", "epochs_run", "train_settings")
    }
    graph = bundle.config.get("graph") if isinstance(bundle.config, dict) else None
    with _staged(target, ".lfmodel") as tmp:
        save_model_bundle(
            bundle.model,
            tmp,
            pipeline=bundle.pipeline,
            task=bundle.task,
            metadata=meta,
            graph=graph,
            compile_info={
                "loss": bundle.config.get("loss"),
                "metrics": bundle.config.get("metrics") or [],
            },
        )
        check = verify_bundle(tmp, bundle, _rows(bundle, rows, n)) if verify else None
        _commit([(tmp, target)])
    return _report("bundle", target, check, [], [target])


def _write_predictions(
    bundle: Any, target: Path, verify: bool, rows: Any, n: int, data: Any
) -> ExportReport:
    import pandas as pd

    from core.export.predictions import CSV_OPTIONS, predictions_table
    from core.export.verify import verify_predictions

    if data is None:
        raise ExportError(
            "The predictions export needs a data file. Expected --data CSV "
            "(the rows to predict). Received: none."
        )
    if bundle.pipeline is not None:
        pred, inputs = bundle.predict_table(data)
        frame = inputs.rows
    elif isinstance(data, (str, os.PathLike)):
        from core.data import read_csv

        frame = read_csv(data).df
    else:
        frame = data
    if bundle.pipeline is None:
        raw = bundle.predict_raw(frame.to_numpy(np.float32))
        raw = np.asarray(raw, np.float64).reshape(len(frame), -1)
        pred = pd.DataFrame({f"output_{i}": raw[:, i] for i in range(raw.shape[1])})
    out = predictions_table(frame, pred)
    with _staged(target, ".csv") as tmp:
        out.to_csv(tmp, float_format="%.9g", **CSV_OPTIONS)
        check = None
        if verify:
            written = out[out.columns[len(frame.columns) :]]
            check = verify_predictions(tmp, bundle, frame, written)
        _commit([(tmp, target)])
    return _report("predictions", target, check, [], [target])


_WRITERS: dict[str, Callable[..., ExportReport]] = {
    "onnx": _write_onnx,
    "keras": _write_keras,
    "numpy": _write_numpy,
    "python": _write_python,
    "bundle": _write_bundle,
    "predictions": _write_predictions,
}
