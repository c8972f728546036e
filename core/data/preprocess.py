"""The fitted preprocessing pipeline: turn named columns into a float32 matrix
and a target column into training targets, and back from predictions.

A `Pipeline` is data, not code: per input column it stores the kind
(numeric, boolean, categorical), the value that fills a missing cell, an
affine scale `(x - offset) / scale` and the categories. It is fitted on the
training split only, serialises to plain JSON types, and re-applies to a new
table by column name so that exporters, `predict` and the GUI all agree.
Unknown categories become an all-zero one-hot row rather than an error.

A regression target can be standardized too (`TargetScaling`, fitted on the
training rows): the network then learns `(y - offset) / scale`, and
`decode_predictions` / `target_values` turn its outputs back into the
target's own units. A pipeline saved without it (older files) has none.

When a sample is more than a flat row, `input_spec` (see `core.data.inputs`)
says what it is: pixel columns arranged as images, an image folder, a
tokenized text column or windows over a series. `input_shape` is then the
shape of one sample, and `transform` hands the flat features (if any) to the
spec to shape them.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.data.inputs import InputSpec, spec_from_dict
from core.data.profile import _FALSE, TaskInfo, _workers, format_label, labels_of
from core.errors import DataError, FormatError

FORMAT = "layerforge.pipeline"
#: Version 2 added `target_scaling`, version 3 `input` (a shaped sample); a pipeline
#: is written with the oldest version that holds it, so that only files an older reader
#: would misread are refused by it.
VERSION = 3
IMPUTE = ("mean", "median", "drop")
SCALE = ("standardize", "minmax", "none")
FEATURE_KINDS = ("numeric", "boolean", "categorical")
#: Values beyond this magnitude are refused: they overflow float32 or the statistics.
MAX_ABS = 1e30
#: Most categories one column may be one-hot encoded into (training refuses more, and
#: a saved pipeline with more is refused as damaged).
MAX_ONEHOT = 1000
BLOCK_ROWS = 8_192


@dataclass(frozen=True)
class ColumnSpec:
    """How one input column becomes one or more features."""

    column: str
    kind: str
    impute_value: float | None = None
    offset: float = 0.0
    scale: float = 1.0
    categories: tuple[str, ...] = ()

    @property
    def width(self) -> int:
        return len(self.categories) if self.kind == "categorical" else 1

    @property
    def feature_names(self) -> list[str]:
        if self.kind == "categorical":
            return [f"{self.column}={c}" for c in self.categories]
        return [self.column]

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "kind": self.kind,
            "impute_value": self.impute_value,
            "scale": {"offset": self.offset, "scale": self.scale},
            "categories": list(self.categories),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ColumnSpec:
        try:
            kind = str(d["kind"])
            if kind not in FEATURE_KINDS:
                raise FormatError(f"Expected a column kind in {FEATURE_KINDS}. Received: {kind!r}.")
            scale = d.get("scale") or {"offset": 0.0, "scale": 1.0}
            iv = d.get("impute_value")
            cats = d.get("categories", ())
            if not isinstance(cats, (list, tuple)) or len(cats) > MAX_ONEHOT:
                got = f"{len(cats):,} categories" if isinstance(cats, list) else type(cats).__name__
                raise FormatError(
                    f"Expected at most {MAX_ONEHOT} categories for column "
                    f"{str(d.get('column'))[:80]!r}. Received: {got}. The file is damaged."
                )
            return cls(
                column=str(d["column"]),
                kind=kind,
                impute_value=None if iv is None else float(iv),
                offset=float(scale["offset"]),
                scale=float(scale["scale"]),
                categories=tuple(str(c) for c in cats),
            )
        except FormatError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            shown = repr(d)
            shown = shown if len(shown) <= 200 else shown[:197] + "..."
            raise FormatError(
                f"Expected a preprocessing column entry with column, kind, impute_value, "
                f"scale and categories. Received: {shown} ({exc})."
            ) from exc


@dataclass(frozen=True)
class TargetScaling:
    """A standardized regression target: the network learns `(y - offset) / scale`."""

    offset: float
    scale: float

    @classmethod
    def fit(cls, values: np.ndarray) -> TargetScaling:
        """Mean and standard deviation of the (training) target values; scale 1 if constant."""
        v = np.asarray(values, dtype=np.float64).reshape(-1)
        v = v[~np.isnan(v)]
        if v.size == 0:
            return cls(0.0, 1.0)
        offset, scale = float(v.mean()), float(v.std())
        if not np.isfinite(scale) or scale <= 0.0:
            scale = 1.0
        return cls(offset, scale)

    def encode(self, y: np.ndarray) -> np.ndarray:
        """Target values in the user's units -> what the network learns."""
        return (np.asarray(y, dtype=np.float64) - self.offset) / self.scale

    def decode(self, raw: np.ndarray) -> np.ndarray:
        """Network outputs -> values in the target's own units."""
        return np.asarray(raw, dtype=np.float64) * self.scale + self.offset

    def to_dict(self) -> dict[str, float]:
        return {"offset": self.offset, "scale": self.scale}

    @classmethod
    def from_dict(cls, d: Any) -> TargetScaling:
        try:
            offset, scale = float(d["offset"]), float(d["scale"])
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(
                f"Expected target_scaling with a number 'offset' and 'scale'. Received: {d!r} "
                f"({exc})."
            ) from None
        if not (np.isfinite(offset) and np.isfinite(scale)) or scale <= 0.0:
            raise FormatError(
                "Expected a finite target_scaling offset and a scale > 0. Received: "
                f"offset {offset!r}, scale {scale!r}."
            )
        return cls(offset, scale)


def _where(path: str | None, column: str | None = None, row: int | None = None) -> dict[str, Any]:
    return {"path": path, "column": column, "row": row}


def numeric_values(
    s: pd.Series, column: str, *, path: str | None = None, header_lines: int = 1
) -> np.ndarray:
    """Column values as float64 (missing = NaN); refuses text, inf and huge values."""
    if pd.api.types.is_bool_dtype(s):
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
    elif pd.api.types.is_numeric_dtype(s):
        if s.dtype.kind == "f":
            v = s.to_numpy()
        else:
            v = s.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        coerced = pd.to_numeric(s, errors="coerce")
        bad = coerced.isna().to_numpy() & s.notna().to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"Expected a number. Received: {str(s.iloc[pos])!r} on data row {pos + 1} "
                f"(line {pos + 1 + header_lines}); {int(bad.sum())} value(s) in this column "
                "are not numbers. Fix them, or leave the cells empty (or NA) to mark them "
                "missing, or set the column's role to ignore.",
                **_where(path, column, pos + 1),
            )
        v = coerced.to_numpy(dtype=np.float64, na_value=np.nan)
    if v.size == 0:
        return v
    lo, hi = np.fmin.reduce(v), np.fmax.reduce(v)
    if lo >= -MAX_ABS and hi <= MAX_ABS or np.isnan(lo):
        return v
    with np.errstate(invalid="ignore"):
        too_big = np.abs(v) > MAX_ABS
    if too_big.any():
        pos = int(np.flatnonzero(too_big)[0])
        raise DataError(
            f"Expected a finite number of magnitude at most {MAX_ABS:g}. Received: "
            f"{format_label(v[pos])} on data row {pos + 1} (line {pos + 1 + header_lines}). "
            "Such values are usually an export error or a placeholder: fix them, or leave "
            "the cells empty to mark them missing.",
            **_where(path, column, pos + 1),
        )
    return v


def _bool_order(labels: Sequence[str]) -> tuple[str, str]:
    a, b = sorted(labels, key=lambda x: (x.strip().lower() not in _FALSE, x))
    return a, b


class Pipeline:
    """Fitted preprocessing for inputs and target (see module docstring)."""

    def __init__(
        self,
        columns: Sequence[ColumnSpec],
        *,
        task: TaskInfo | None = None,
        target: str | None = None,
        target_scaling: TargetScaling | None = None,
        input_spec: InputSpec | None = None,
    ) -> None:
        self.columns: tuple[ColumnSpec, ...] = tuple(columns)
        self._task = task
        self.target = target
        self.target_scaling = target_scaling
        self.input_spec = input_spec

    # ------------------------------------------------------------------ properties
    @property
    def input_columns(self) -> list[str]:
        extra = getattr(self.input_spec, "column", None)
        return [c.column for c in self.columns] + ([extra] if extra else [])

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one sample as the network sees it (no batch dimension)."""
        if self.input_spec is not None:
            return tuple(self.input_spec.input_shape)
        return (self.n_features,)

    @property
    def input_kind(self) -> str:
        """ "table" for flat rows, else the input spec's kind ("pixels", "images", ...)."""
        return self.input_spec.kind if self.input_spec is not None else "table"

    @property
    def feature_names(self) -> list[str]:
        return [n for c in self.columns for n in c.feature_names]

    @property
    def n_features(self) -> int:
        return sum(c.width for c in self.columns)

    @property
    def class_labels(self) -> tuple[str, ...]:
        return self._task.class_labels if self._task is not None else ()

    @property
    def task(self) -> TaskInfo | None:
        return self._task

    def with_target_scaling(self, scaling: TargetScaling | None) -> Pipeline:
        """The same pipeline with `scaling` for its (regression) target."""
        return Pipeline(
            self.columns,
            task=self._task,
            target=self.target,
            target_scaling=scaling,
            input_spec=self.input_spec,
        )

    def with_input(self, spec: InputSpec | None) -> Pipeline:
        """The same pipeline whose samples are shaped by `spec`."""
        return Pipeline(
            self.columns,
            task=self._task,
            target=self.target,
            target_scaling=self.target_scaling,
            input_spec=spec,
        )

    # ------------------------------------------------------------------ fit
    @classmethod
    def fit(
        cls,
        df: pd.DataFrame,
        features: Sequence[tuple[str, str]],
        *,
        rows: np.ndarray,
        impute: str = "mean",
        scale: str = "standardize",
        task: TaskInfo | None = None,
        target: str | None = None,
        path: str | None = None,
        header_lines: int = 1,
        cache: dict[str, np.ndarray] | None = None,
    ) -> Pipeline:
        """Fit on the rows at positions `rows` (the training split) only."""
        if impute not in IMPUTE:
            raise DataError(f"Expected impute in {IMPUTE}. Received: {impute!r}.")
        if scale not in SCALE:
            raise DataError(f"Expected scale in {SCALE}. Received: {scale!r}.")
        specs: list[ColumnSpec | None] = []
        numeric: list[tuple[int, str, np.ndarray]] = []
        for name, kind in features:
            s = df[name]
            if kind == "numeric":
                v = numeric_values(s, name, path=path, header_lines=header_lines)
                numeric.append((len(specs), name, v))
                specs.append(None)  # fitted below
            elif kind == "boolean":
                specs.append(_fit_boolean(name, s, rows, impute))
            elif kind == "categorical":
                cats = _present_labels(s, rows)
                specs.append(ColumnSpec(name, "categorical", None, 0.0, 1.0, tuple(cats)))
            else:
                raise DataError(
                    f"Expected a feature kind in {FEATURE_KINDS}. Received: {kind!r}.",
                    path=path,
                    column=name,
                )

        def fit_one(job: tuple[int, str, np.ndarray]) -> tuple[int, ColumnSpec]:
            i, name, v = job
            return i, _fit_numeric(name, v[rows], impute, scale)

        workers = _workers(len(rows))
        if workers > 1 and len(numeric) > 1:
            # gathers and reductions release the GIL: columns fit two at a time
            with ThreadPoolExecutor(workers) as pool:
                fitted = list(pool.map(fit_one, numeric))
        else:
            fitted = [fit_one(job) for job in numeric]
        for i, spec in fitted:
            specs[i] = spec
        return cls([sp for sp in specs if sp is not None], task=task, target=target)

    # ------------------------------------------------------------------ transform
    def transform(
        self, df: pd.DataFrame, *, path: str | None = None, header_lines: int = 1
    ) -> np.ndarray:
        """The network's input for `df`, columns matched by name: the float32 matrix
        (n_rows, n_features), shaped by the input spec when there is one."""
        from core.resources import check_allocation

        self.check_columns(df, path=path)
        check_allocation(
            "the preprocessing",
            "feature table",
            (len(df), self.n_features),
            fix="Predict fewer rows at a time.",
        )
        out = np.empty((len(df), self.n_features), dtype=np.float32)
        if self.columns:
            self._fill(df, out, None, path=path, header_lines=header_lines)
        if self.input_spec is None:
            return out
        return self.input_spec.shape_table(df, out, path=path, header_lines=header_lines)

    def check_columns(self, df: pd.DataFrame, *, path: str | None = None) -> None:
        present = {str(c) for c in df.columns}
        missing = [c for c in self.input_columns if c not in present]
        if missing:
            shown = ", ".join(repr(m) for m in missing[:8])
            raise DataError(
                f"Expected the columns the model was trained on. Received: a table without "
                f"{shown}. Add {'that column' if len(missing) == 1 else 'those columns'} "
                "(same names as in training; extra columns are ignored).",
                path=path,
                column=missing[0],
            )

    def _fill(
        self,
        df: pd.DataFrame,
        out: np.ndarray,
        rows: np.ndarray | None,
        *,
        path: str | None,
        header_lines: int,
        cache: dict[str, np.ndarray] | None = None,
    ) -> None:
        """Write the features of `df` (at positions `rows`, or all) into `out`
        in place, a block of rows at a time: each block of `out` is a contiguous
        piece of memory that stays in cache while every column is written into it.

        Per block, every numeric column is gathered into one row of a small
        (numeric columns x block) buffer; impute, shift and scale are then one
        vectorised operation each over the whole buffer, which is copied into
        the block once. A one-hot column is zeroed and its ones scattered by
        category code (code -1, missing or unknown, stays all zero). Every cell
        of `out` is written, so `out` may come uninitialised.
        """
        num_src: list[np.ndarray] = []
        num_j: list[int] = []
        num_spec: list[ColumnSpec] = []
        others: list[tuple[str, int, np.ndarray, Any]] = []
        j = 0
        for spec in self.columns:
            s = df[spec.column]
            fill = np.float32(spec.impute_value if spec.impute_value is not None else 0.0)
            if spec.kind == "numeric":
                if s.dtype.kind == "f" and cache is not None:
                    v = s.to_numpy()  # already checked while fitting
                else:
                    v = numeric_values(s, spec.column, path=path, header_lines=header_lines)
                num_src.append(v if v.dtype == np.float32 else v.astype(np.float32))
                num_j.append(j)
                num_spec.append(spec)
            elif spec.kind == "boolean":
                table = np.array([0.0, 1.0, fill], dtype=np.float32)  # code -1 -> fill
                others.append(("lookup", j, _bool_codes(s, spec.categories), table))
            else:
                others.append(("onehot", j, codes_for(s, spec.categories), spec.width))
            j += spec.width
        k = len(num_src)
        off = np.array([sp.offset for sp in num_spec], dtype=np.float32).reshape(k, 1)
        scale = np.array([sp.scale for sp in num_spec], dtype=np.float32).reshape(k, 1)
        fill = np.array(
            [sp.impute_value if sp.impute_value is not None else 0.0 for sp in num_spec],
            dtype=np.float32,
        ).reshape(k, 1)
        # a column with no NaN anywhere (min keeps NaN) skips the impute step
        any_nan = any(len(v) and np.isnan(v.min()) for v in num_src)
        contiguous = num_j == list(range(num_j[0], num_j[0] + k)) if k else True
        target: Any = slice(num_j[0], num_j[0] + k) if k and contiguous else num_j
        n = len(out)
        block = max(1, min(n, BLOCK_ROWS))
        ar = np.arange(block)

        def run(lo: int, hi: int) -> None:
            buf = np.empty((k, block), dtype=np.float32)
            for b0 in range(lo, hi, block):
                b1 = min(hi, b0 + block)
                m = b1 - b0
                part = out[b0:b1]
                idx = rows[b0:b1] if rows is not None else None
                if k:
                    tmp = buf[:, :m]
                    for r, src in enumerate(num_src):
                        if idx is None:
                            tmp[r] = src[b0:b1]
                        else:
                            np.take(src, idx, out=tmp[r])
                    if any_nan:
                        np.copyto(tmp, fill, where=np.isnan(tmp))
                    tmp -= off
                    tmp /= scale
                    part[:, target] = tmp.T
                for kind, j, src, arg in others:
                    codes = src[b0:b1] if idx is None else src[idx]
                    if kind == "lookup":
                        part[:, j] = arg[codes]
                    else:
                        cols = part[:, j : j + arg]
                        cols[...] = 0.0
                        hit = codes >= 0
                        if hit.all():
                            cols[ar[:m], codes] = 1.0
                        else:
                            cols[ar[:m][hit], codes[hit]] = 1.0

        # numpy releases the GIL in the gathers and arithmetic: halves of the
        # rows (whole blocks each) are written by two threads when it pays off
        workers = _workers(n)
        if workers == 1:
            run(0, n)
            return
        step = -(-n // (workers * block)) * block
        with ThreadPoolExecutor(workers) as pool:
            for f in [pool.submit(run, lo, min(n, lo + step)) for lo in range(0, n, step)]:
                f.result()

    # ------------------------------------------------------------------ target
    def target_codes(
        self, s: pd.Series, *, path: str | None = None, header_lines: int = 1
    ) -> np.ndarray:
        """Class index per row (-1 for missing); unknown labels are refused."""
        return target_codes(
            s, self._require_task(), path=path, header_lines=header_lines, column=self.target
        )

    def encode_target(
        self,
        s: pd.Series,
        *,
        rows: np.ndarray | None = None,
        path: str | None = None,
        header_lines: int = 1,
    ) -> np.ndarray:
        """Training targets: (n,1) 0/1 for binary, one-hot (n,K), or (n,1) float
        (standardized when the pipeline has target scaling)."""
        task = self._require_task()
        if task.kind == "regression":
            v = numeric_values(s, self.target or str(s.name), path=path, header_lines=header_lines)
            v = v[rows] if rows is not None else v
            if np.isnan(v).any():
                pos = int(np.flatnonzero(np.isnan(v))[0])
                raise DataError(
                    "Expected a target value in every row. Received: a missing "
                    "value. Remove the row or fill the value.",
                    path=path,
                    column=self.target,
                    row=pos + 1,
                )
            if self.target_scaling is not None:
                v = self.target_scaling.encode(v)
            return v.astype(np.float32).reshape(-1, 1)
        codes = self.target_codes(s, path=path, header_lines=header_lines)
        codes = codes[rows] if rows is not None else codes
        if (codes < 0).any():
            pos = int(np.flatnonzero(codes < 0)[0])
            raise DataError(
                "Expected a target value in every row. Received: a missing "
                "value. Remove the row or fill the value.",
                path=path,
                column=self.target,
                row=pos + 1,
            )
        if task.kind == "binary":
            return codes.astype(np.float32).reshape(-1, 1)
        return np.take(np.eye(task.n_classes, dtype=np.float32), codes, axis=0)

    def decode_predictions(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(labels, probabilities (n, K)) from network outputs; for regression
        (values in the target's units: (n,), or (n, outputs) for several, None)."""
        task = self._require_task()
        raw = np.asarray(raw, dtype=np.float64)
        if raw.ndim == 1:
            raw = raw.reshape(-1, 1)
        if task.kind == "regression":
            values = self.target_values(raw)
            return (values[:, 0].copy() if values.shape[1] == 1 else values), None
        labels = np.asarray(task.class_labels, dtype=object)
        if task.kind == "binary" and raw.shape[1] == 1:
            p = np.clip(raw[:, 0], 0.0, 1.0)
            probs = np.column_stack([1.0 - p, p])
            return labels[(p >= 0.5).astype(np.int64)], probs
        if raw.shape[1] != len(labels):
            raise DataError(
                f"Expected predictions with {len(labels)} columns (one per class). "
                f"Received: shape {raw.shape}."
            )
        return labels[np.argmax(raw, axis=1)], raw

    def target_values(self, raw: np.ndarray) -> np.ndarray:
        """Regression outputs (n, units) in the target's own units: the target scaling
        undone, or the outputs unchanged (as float64) without one."""
        raw = np.asarray(raw, dtype=np.float64)
        if self.target_scaling is None:
            return raw
        return self.target_scaling.decode(raw)

    def _require_task(self) -> TaskInfo:
        if self._task is None:
            raise DataError("This pipeline has no target: it was fitted without a task.")
        return self._task

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        version = 3 if self.input_spec is not None else 2 if self.target_scaling is not None else 1
        out = {
            "format": FORMAT,
            "version": version,
            "target": self.target,
            "task": self._task.to_dict() if self._task is not None else None,
            "columns": [c.to_dict() for c in self.columns],
            "feature_names": self.feature_names,
            "target_scaling": (
                self.target_scaling.to_dict() if self.target_scaling is not None else None
            ),
        }
        if self.input_spec is not None:
            out["input"] = self.input_spec.to_dict()
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Pipeline:
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            got = d.get("format") if isinstance(d, dict) else None
            raise FormatError(
                f"Expected a preprocessing pipeline (format {FORMAT!r}). Received: "
                f"{type(d).__name__} with format {got!r}."
            )
        if int(d.get("version", 0)) > VERSION:
            raise FormatError(
                f"Expected pipeline version {VERSION} or older. Received: {d.get('version')}. "
                "Update LayerForge to read this file."
            )
        cols = d.get("columns")
        if not isinstance(cols, list):
            raise FormatError(
                f"Expected a list of columns in the pipeline. Received: {type(cols).__name__}."
            )
        task = TaskInfo.from_dict(d["task"]) if d.get("task") else None
        ts = d.get("target_scaling")
        return cls(
            [ColumnSpec.from_dict(c) for c in cols],
            task=task,
            target=d.get("target"),
            target_scaling=TargetScaling.from_dict(ts) if ts is not None else None,
            input_spec=spec_from_dict(d["input"]) if d.get("input") is not None else None,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pipeline) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        shape = f", samples {self.input_shape}" if self.input_spec is not None else ""
        return f"Pipeline({len(self.columns)} columns -> {self.n_features} features{shape})"


# ---------------------------------------------------------------------- helpers


def _labels(s: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(s) or s.dtype == object:
        return s
    return labels_of(s)


def codes_for(s: pd.Series, categories: Sequence[str], *, lower: bool = False) -> np.ndarray:
    """Index of each value's label in `categories` (-1: missing or unknown)."""
    cats = [c.strip().lower() for c in categories] if lower else list(categories)
    index = pd.Index(cats, dtype=object)
    if isinstance(s.dtype, pd.CategoricalDtype):
        own = [format_label(c) for c in s.cat.categories]
        if lower:
            own = [c.strip().lower() for c in own]
        lookup = np.append(index.get_indexer(pd.Index(own, dtype=object)), -1)
        return lookup[s.cat.codes.to_numpy()].astype(np.int64, copy=False)
    lab = _labels(s)
    if lower:
        lab = lab.str.strip().str.lower()
    return np.asarray(index.get_indexer(lab), dtype=np.int64)


def _present_labels(s: pd.Series, rows: np.ndarray) -> list[str]:
    """Sorted distinct labels of `s` at positions `rows`."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()[rows]
        used = np.unique(codes[codes >= 0])
        labels = [format_label(s.cat.categories[k]) for k in used]
    else:
        labels = [str(x) for x in _labels(s.iloc[rows]).dropna().unique().tolist()]
    return sorted(labels)


def _fit_numeric(name: str, train: np.ndarray, impute: str, scale: str) -> ColumnSpec:
    nan = np.isnan(train)
    present = train[~nan] if nan.any() else train
    if present.size == 0:
        fill, offset, width = 0.0, 0.0, 1.0
    else:
        mean = float(present.mean(dtype=np.float64))
        fill = float(np.median(present)) if impute == "median" else mean
        if scale == "standardize":
            offset, width = mean, float(present.std(dtype=np.float64))
        elif scale == "minmax":
            offset, width = float(present.min()), float(present.max() - present.min())
        else:
            offset, width = 0.0, 1.0
        if not np.isfinite(width) or width <= 0.0:
            width = 1.0
    return ColumnSpec(name, "numeric", fill, offset, width, ())


def _fit_boolean(name: str, s: pd.Series, rows: np.ndarray, impute: str) -> ColumnSpec:
    labels = _present_labels(s, np.arange(len(s)))
    if len(labels) == 1:
        labels = [labels[0], "True" if labels[0] != "True" else "False"]
    cats = _bool_order(labels[:2])
    codes = _bool_codes(s.iloc[rows], cats)
    known = codes[codes >= 0]
    frac = float(known.mean()) if known.size else 0.0
    fill = float(round(frac)) if impute == "median" else frac
    return ColumnSpec(name, "boolean", fill, 0.0, 1.0, cats)


def _bool_codes(s: pd.Series, categories: Sequence[str]) -> np.ndarray:
    """0 for categories[0], 1 for categories[1], -1 for missing or anything else."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        try:
            lo, hi = float(categories[0]), float(categories[1])
        except ValueError:
            lo = hi = float("nan")
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.where(v == hi, 1, np.where(v == lo, 0, -1)).astype(np.int64)
    return codes_for(s, categories, lower=True)


def target_codes(
    s: pd.Series,
    task: TaskInfo,
    *,
    path: str | None = None,
    header_lines: int = 1,
    column: str | None = None,
) -> np.ndarray:
    """Index into `task.class_labels` per row; -1 where the value is missing."""
    labels = pd.Index(list(task.class_labels), dtype=object)
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        try:
            keys = pd.Index([float(x) for x in task.class_labels])
            codes = keys.get_indexer(s.to_numpy(dtype=np.float64, na_value=np.nan))
        except ValueError:
            codes = labels.get_indexer(labels_of(s))
    else:
        codes = codes_for(s, task.class_labels)
    unknown = (codes < 0) & s.notna().to_numpy()
    if unknown.any():
        pos = int(np.flatnonzero(unknown)[0])
        shown = ", ".join(repr(c) for c in task.class_labels[:10])
        raise DataError(
            f"Expected one of the classes the model knows ({shown}). Received: "
            f"{format_label(s.iloc[pos])!r} on data row {pos + 1} (line {pos + 1 + header_lines})."
            " Fix the label, or retrain with this class included.",
            path=path,
            column=column or str(s.name),
            row=pos + 1,
        )
    return np.asarray(codes, dtype=np.int64)
