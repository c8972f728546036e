"""The predictor: a model read from a `.lfmodel` bundle, used on raw rows.

`BundledModel` holds the rebuilt network, its fitted preprocessing `Pipeline`
and the bundle's metadata; `predict` takes raw rows (a DataFrame, a list of
dicts, a CSV path, or a plain array; columns matched by name) and returns a
`Prediction` (labels and probabilities, or values); `evaluate` scores rows that
include the target. When a bundle holds no task, `infer_task_kind` reads it
from the output activation and the saved loss. Reading and writing the file
is `core.bundle.file_format` and `core.bundle.model_file`.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from core.bundle.inputs import ModelInputs, image_inputs
from core.errors import DataError, LayerForgeError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BundledModel",
    "Prediction",
    "infer_task_kind",
    "model_summary_text",
    "name_of",
    "output_activation_of",
]


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

    def inputs(self, source: Any) -> ModelInputs:
        """The network's input for `source` and the rows each sample belongs to.

        `source` is what `predict` takes; for a model trained on an image folder it is a
        folder of images, an image file or a list of them. An array already shaped like
        the model's samples (rows, *input_shape) is taken as already preprocessed.
        """
        spec = getattr(self.pipeline, "input_spec", None)
        if (
            spec is not None
            and isinstance(source, np.ndarray)
            and source.ndim == len(spec.input_shape) + 1
            and tuple(source.shape[1:]) == tuple(spec.input_shape)
        ):
            import pandas as pd

            n = len(source)
            return ModelInputs(pd.DataFrame(index=range(n)), source, np.arange(n))
        if getattr(spec, "kind", None) == "images":
            return image_inputs(spec, source)
        df, path = self._frame(source)
        if getattr(spec, "kind", None) == "series":
            from core.data.time_order import in_time_order

            # windows over the rows in time order; each forecast stands on its last row
            ordered, positions, _ = in_time_order(df, spec.time_column, path=path)
            x = self._table_features(ordered, path)
            return ModelInputs(df, x, positions[spec.forecast_starts(len(df)) + spec.window - 1])
        x = self._table_features(df, path)
        return ModelInputs(df, x, np.arange(len(x)))

    def features(self, rows: Any) -> np.ndarray:
        """What the network sees for `rows` (preprocessing applied; see `inputs`)."""
        return self.inputs(rows).x

    def predict_table(self, source: Any, batch_size: int = 256) -> tuple[pd.DataFrame, ModelInputs]:
        """(the prediction columns, one row per row of the inputs; the inputs): rows that give
        no sample (an unreadable image) have empty predictions."""
        inputs = self.inputs(source)
        if len(inputs.x):
            frame = self.decode(self.predict_raw(inputs.x, batch_size=batch_size)).to_frame()
        else:
            frame = self.decode(np.zeros((0, self._n_outputs()), np.float32)).to_frame()
        spec = getattr(self.pipeline, "input_spec", None)
        if getattr(spec, "kind", None) == "series":
            frame.columns = spec.prediction_names()
        return inputs.aligned(frame), inputs

    def _n_outputs(self) -> int:
        task = getattr(self.pipeline, "task", None)
        return int(getattr(task, "output_units", 1) or 1)

    def _table_features(self, df: pd.DataFrame, path: str | None) -> np.ndarray:
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
        """The network's outputs for an already preprocessed float matrix.

        Outputs that are not finite numbers (overflow to inf, or NaN) would turn into
        one class for every row and empty probabilities: they raise `DataError` instead.
        """
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below, in words
            out = np.asarray(
                self.model.predict(np.asarray(x, np.float32), batch_size=batch_size, verbose=0)
            )
        if out.dtype.kind == "f" and out.size and not np.isfinite(out).all():
            bad = ~np.isfinite(out.reshape(len(out), -1)).all(axis=1)
            first = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"The model's outputs are not finite numbers (infinite or NaN) for "
                f"{int(bad.sum())} of {len(out)} rows (first: row {first + 1}), so its "
                "predictions would be meaningless. Its weights or these input values are too "
                "large for float32 arithmetic; check the inputs, or retrain the model.",
                path=self.path,
            )
        return out

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
        x, y, _ = self.labelled(rows)
        result = self.model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)
        return {str(k): float(v) for k, v in result.items()}

    def labelled_series(self, rows: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any]:
        """`labelled` for a model trained on series windows, and the rows' `Timeline`."""
        from core.data.series_dataset import series_to_evaluate

        df, path = self._frame(rows)
        return series_to_evaluate(self.pipeline, df, path)

    def labelled(self, rows: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(inputs, targets as trained, 1-based data row numbers) of the rows with a target.

        Rows whose target cell is empty are left out.
        """
        if self.pipeline is None or self.pipeline.task is None or not self.pipeline.target:
            raise DataError(
                "This model was saved without its preprocessing and target, so it cannot read "
                "labels from a table. Evaluate it with model.evaluate(x, y) instead."
            )
        if self.pipeline.input_kind == "images":
            return self._labelled_images(rows)
        df, path = self._frame(rows)
        target = self.pipeline.target
        if getattr(self.pipeline.input_spec, "kind", None) == "series":
            from core.data.series_dataset import labelled_windows

            return labelled_windows(self.pipeline, df, path)
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
        return x, y, np.flatnonzero(keep) + 1

    def _labelled_images(self, source: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(images, targets, 1-based positions among the image files) of the images inside
        a class folder named like one of the model's classes."""
        from core.data.dataset import class_targets

        task = self.pipeline.task
        inputs = image_inputs(self.pipeline.input_spec, source)
        folders = [(inputs.labels or [])[i] for i in inputs.at]
        index = {label: k for k, label in enumerate(task.class_labels)}
        unknown = sorted({f for f in folders if f is not None and f not in index})
        if unknown:
            shown = ", ".join(f"'{c}'" for c in task.class_labels[:10])
            raise DataError(
                f"Expected class folders named like the model's classes ({shown}). Received: "
                f"{', '.join(repr(u) for u in unknown[:5])}. Rename the folders, or predict "
                "instead of evaluating.",
                path=os.fspath(source) if isinstance(source, (str, os.PathLike)) else None,
            )
        keep = np.asarray([f is not None for f in folders], dtype=bool)
        if not keep.any():
            raise DataError(
                "Expected images inside class folders to evaluate against. Received: none (the "
                "images are not in folders named after classes). Predict instead.",
                path=os.fspath(source) if isinstance(source, (str, os.PathLike)) else None,
            )
        codes = np.asarray([index[f] for f in folders if f is not None], np.int64)
        return inputs.x[keep], class_targets(codes, task), inputs.at[keep] + 1

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
    return act if isinstance(act, str) else name_of(act)


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
        with contextlib.redirect_stdout(buf):
            result = model.summary()
        lines = [buf.getvalue().rstrip("\n")]
    if isinstance(result, str) and not lines:
        return result
    return "\n".join(lines)


def name_of(obj: Any) -> str | None:
    """The `name` (or `__name__`) of a loss, metric or activation object, if it has one."""
    for attr in ("name", "__name__"):
        v = getattr(obj, attr, None)
        if isinstance(v, str):
            return v
    return None
