"""Describe each column of a `Table` and suggest what to do with it.

`profile_table` gives every column a kind (numeric, categorical, boolean,
text, identifier, constant, empty), counts, range or top values, and a
suggested role (feature, target or ignore) with the reason. `detect_task`
turns the chosen target column into a task: regression, binary or
multiclass, with the class labels as the user wrote them and a suggested
output layer, loss and metrics. All statistics are vectorised; a large
numeric column's distinct count is estimated from a sample.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.data.reader import Table, cached_missing, release_free_memory
from core.errors import DataError

KINDS = ("numeric", "categorical", "boolean", "text", "identifier", "constant", "empty")
ROLES = ("feature", "target", "ignore")
TASKS = ("regression", "binary", "multiclass")
MAX_CATEGORIES = 50
MAX_CLASSES = 100
MAX_INT_CLASSES = 10
EXACT_DISTINCT_ROWS = 200_000
_ID_NAME = re.compile(
    r"(?i)^(id|idx|index|key|uuid|guid|row|rownum|row_?(id|no|num|number)|record_?id)$"
    r"|(?i:[_\s.-]id)$|[a-z](Id|ID)$"
)
_TARGET_NAMES = ("target", "label", "class", "outcome", "y", "species", "diagnosis")
#: Tables with at least this many rows are profiled and transformed by two threads.
PARALLEL_ROWS = 200_000
_TRUE = {"true", "yes", "y", "t", "1", "on"}
_FALSE = {"false", "no", "n", "f", "0", "off"}


@dataclass(frozen=True)
class ColumnProfile:
    """What one column holds and what LayerForge suggests doing with it."""

    name: str
    kind: str
    missing: int
    distinct: int
    minimum: float | None = None
    maximum: float | None = None
    mean: float | None = None
    top: tuple[tuple[str, int], ...] = ()
    suggested_role: str = "feature"
    reason: str = ""
    distinct_exact: bool = True
    non_numeric: int = 0
    integral: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["top"] = [[v, c] for v, c in self.top]
        return d


@dataclass(frozen=True)
class TaskInfo:
    """The learning task implied by a target column, and suggested outputs."""

    kind: str
    class_labels: tuple[str, ...]
    n_classes: int
    output_units: int
    output_activation: str
    loss: str
    metrics: tuple[str, ...]
    target: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["class_labels"] = list(self.class_labels)
        d["metrics"] = list(self.metrics)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TaskInfo:
        return cls(
            kind=str(d["kind"]),
            class_labels=tuple(str(c) for c in d.get("class_labels", ())),
            n_classes=int(d.get("n_classes", 0)),
            output_units=int(d["output_units"]),
            output_activation=str(d["output_activation"]),
            loss=str(d["loss"]),
            metrics=tuple(str(m) for m in d.get("metrics", ())),
            target=str(d.get("target", "")),
        )

    @classmethod
    def regression(cls, target: str = "") -> TaskInfo:
        return cls("regression", (), 0, 1, "linear", "mean_squared_error", ("mae", "r2"), target)

    @classmethod
    def classification(cls, labels: tuple[str, ...], target: str = "") -> TaskInfo:
        if len(labels) == 2:
            return cls(
                "binary", labels, 2, 1, "sigmoid", "binary_crossentropy", ("accuracy",), target
            )
        return cls(
            "multiclass",
            labels,
            len(labels),
            len(labels),
            "softmax",
            "categorical_crossentropy",
            ("accuracy",),
            target,
        )


def _workers(n_rows: int) -> int:
    """Threads for per-column work on `n_rows` rows (numpy and pandas release
    the GIL in their loops, so two threads use two cores)."""
    return max(1, min(2, os.cpu_count() or 1)) if n_rows >= PARALLEL_ROWS else 1


# ----------------------------------------------------------------------------- labels


def format_label(value: Any) -> str:
    """The text of a class label as a person wrote it: 1.0 -> "1", True -> "True"."""
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if np.isfinite(f) and f == int(f) and abs(f) < 2**53:
            return str(int(f))
        return repr(f)
    return str(value)


def _label_sort_key(labels: list[str]) -> list[str]:
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels)


def labels_of(series: pd.Series) -> pd.Series:
    """Vectorised `format_label` for a whole column (missing stays missing)."""
    if pd.api.types.is_bool_dtype(series):
        return series.map({True: "True", False: "False"})
    if pd.api.types.is_numeric_dtype(series):
        v = series.to_numpy(dtype=np.float64, na_value=np.nan)
        uniq = pd.unique(v[~np.isnan(v)])
        mapping = {u: format_label(u) for u in uniq}
        return pd.Series(v, index=series.index).map(mapping)
    return (
        series.astype(object)
        .where(series.notna(), None)
        .map(lambda x: None if x is None else str(x))
    )


def is_numeric_series(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


# ----------------------------------------------------------------------------- profile


def profile_table(table: Table, target: str | None = None) -> list[ColumnProfile]:
    """Profile every column of `table` (cached on the table).

    Without `target`, the suggested target (`suggest_target`) gets the role
    "target". With `target` (a column of the table), that column is the target
    and every other column keeps its own suggestion (feature or ignore), so the
    previously suggested target becomes a feature again.
    """
    raw = table.cache.get("raw_profiles")
    if raw is None:
        missing = cached_missing(table)

        def one(name: Any) -> ColumnProfile:
            return _profile_column(str(name), table.df[name], missing.get(str(name)))

        workers = _workers(len(table.df))
        if workers > 1 and len(table.df.columns) > 1:
            # numpy reductions and pandas hashing release the GIL: two columns at a time
            with ThreadPoolExecutor(workers) as pool:
                raw = tuple(pool.map(one, table.df.columns))
            release_free_memory()  # what the threads' temporaries left in their arenas
        else:
            raw = tuple(one(name) for name in table.df.columns)
        table.cache["raw_profiles"] = raw
    raw_list = list(raw)
    names = {p.name for p in raw_list}
    chosen = target if target is not None and target in names else None
    key = ("profiles", chosen)
    cached = table.cache.get(key)
    if cached is not None:
        return list(cached)
    out = []
    if chosen is None:
        suggested = suggest_target(raw_list)
        for p in raw_list:
            if p.name == suggested:
                p = _replace(
                    p,
                    suggested_role="target",
                    reason=p.reason + "; suggested target (" + _target_reason(p, raw_list) + ")",
                )
            out.append(p)
    else:
        for p in raw_list:
            if p.name == chosen:
                p = _replace(p, suggested_role="target", reason=p.reason + "; chosen target")
            out.append(p)
    table.cache[key] = tuple(out)
    return out


def _replace(p: ColumnProfile, **kw: Any) -> ColumnProfile:
    d = asdict(p)
    d.update(kw)
    d["top"] = tuple(tuple(t) for t in d["top"])
    return ColumnProfile(**d)


def _target_reason(p: ColumnProfile, profiles: list[ColumnProfile]) -> str:
    if p.name.strip().lower() in _TARGET_NAMES:
        return "its name"
    return "the last column that can be predicted"


def suggest_target(profiles: list[ColumnProfile]) -> str | None:
    """The column most likely meant as the target: a column named like one
    (target, label, class, outcome, ...), else the last suitable column."""
    suitable = [
        p for p in profiles if p.kind in ("numeric", "boolean", "categorical") and p.distinct >= 2
    ]
    if not suitable:
        return None
    for p in suitable:
        if p.name.strip().lower() in _TARGET_NAMES:
            return p.name
    return suitable[-1].name


def _top(counts: pd.Series, k: int = 5) -> tuple[tuple[str, int], ...]:
    return tuple((format_label(v), int(c)) for v, c in counts.head(k).items())


def _profile_column(name: str, s: pd.Series, missing: int | None = None) -> ColumnProfile:
    n = len(s)
    if missing is None:
        missing = int(s.isna().sum())
    present = n - missing
    if present == 0:
        return ColumnProfile(
            name, "empty", missing, 0, suggested_role="ignore", reason="every value is missing"
        )
    if pd.api.types.is_bool_dtype(s):
        counts = s.value_counts()
        return _categorical_like(name, s, counts, missing, present)
    if pd.api.types.is_numeric_dtype(s):
        return _numeric(name, s, missing, present)
    return _strings(name, s, missing, present)


def _numeric(
    name: str, s: pd.Series, missing: int, present: int, non_numeric: int = 0
) -> ColumnProfile:
    v = s.to_numpy() if s.dtype.kind == "f" else s.to_numpy(dtype=np.float64, na_value=np.nan)
    # float columns are read in place: no mask or copy unless cells are missing
    nan_cells = missing + non_numeric
    lo = float(np.fmin.reduce(v) if nan_cells else np.min(v))
    hi = float(np.fmax.reduce(v) if nan_cells else np.max(v))
    with np.errstate(over="ignore", invalid="ignore"):
        if not (np.isfinite(lo) and np.isfinite(hi)):
            mean = float("nan")
        elif nan_cells:
            mean = float(np.nanmean(v, dtype=np.float64))
        else:
            mean = float(np.mean(v, dtype=np.float64))
    if s.dtype == np.float32:  # show what the user wrote, not float32 noise
        lo, hi = (float(f"{x:.7g}") for x in (lo, hi))
    note = ""
    if non_numeric:
        note = f"; {non_numeric} value{'s are' if non_numeric != 1 else ' is'} not a number"
    if not (np.isfinite(lo) and np.isfinite(hi)):
        note += "; contains infinite values"
    if lo == hi:
        return ColumnProfile(
            name,
            "constant",
            missing,
            1,
            lo,
            hi,
            mean,
            ((format_label(lo), present),),
            "ignore",
            f"constant (every value is {format_label(lo)})",
            non_numeric=non_numeric,
            integral=True,
        )
    integral = bool(np.isfinite(lo) and np.isfinite(hi)) and _all_integral(v, missing)
    if integral and lo in (0.0, 1.0) and hi in (0.0, 1.0):
        counts = s.value_counts()
        return ColumnProfile(
            name,
            "boolean",
            missing,
            2,
            lo,
            hi,
            mean,
            _top(counts),
            "feature",
            "two values (0/1), used as 0/1" + note,
            non_numeric=non_numeric,
            integral=True,
        )
    distinct, exact = _distinct(s, present)
    if _ID_NAME.search(name.strip()) and integral:
        return ColumnProfile(
            name,
            "identifier",
            missing,
            distinct,
            lo,
            hi,
            mean,
            (),
            "ignore",
            "looks like an identifier (its name)",
            exact,
            non_numeric,
            True,
        )
    if integral and distinct == present and present >= 10 and s.is_monotonic_increasing:
        return ColumnProfile(
            name,
            "identifier",
            missing,
            distinct,
            lo,
            hi,
            mean,
            (),
            "ignore",
            "looks like an identifier (unique, increasing integers)",
            exact,
            non_numeric,
            True,
        )
    reason = "numbers" + (" (whole numbers)" if integral else "") + note
    return ColumnProfile(
        name,
        "numeric",
        missing,
        distinct,
        lo,
        hi,
        mean,
        (),
        "feature",
        reason,
        exact,
        non_numeric,
        integral,
    )


def _all_integral(v: np.ndarray, missing: int) -> bool:
    head = v[:1000]
    head = head[~np.isnan(head)]
    if head.size and not np.all(np.floor(head) == head):
        return False
    with np.errstate(invalid="ignore"):
        frac = np.mod(v, 1.0)
    if missing:
        return bool(np.all((frac == 0) | np.isnan(v)))
    return bool(np.all(frac == 0))


def _distinct(s: pd.Series, present: int) -> tuple[int, bool]:
    if len(s) <= EXACT_DISTINCT_ROWS:
        return int(s.nunique()), True
    step = max(1, len(s) // 50_000)
    sample = s.iloc[::step]
    d = int(sample.nunique())
    if d <= 1000:
        return int(s.nunique()), True
    # Many distinct values: scale the sample count up as an estimate.
    est = min(present, int(round(d * len(s) / max(1, len(sample)))))
    return est, False


def _strings(name: str, s: pd.Series, missing: int, present: int) -> ColumnProfile:
    nonnull = s.iloc[:1000].dropna()  # the first 200 values present, without
    if len(nonnull) < 200 and len(s) > 1000:  # copying the whole column
        nonnull = s.dropna()
    head = nonnull.iloc[:200].astype(str)
    from core.data.reader import _NUMBER  # shared pattern

    numeric_share = float(head.str.match(_NUMBER).mean()) if len(head) else 0.0
    if numeric_share >= 0.8:
        coerced = pd.to_numeric(s, errors="coerce")
        bad = int(coerced.isna().sum()) - missing
        if int(coerced.notna().sum()) > 0:
            return _numeric(name, coerced, missing, present, non_numeric=bad)
    counts = s.value_counts()
    return _categorical_like(name, s, counts, missing, present)


def _categorical_like(
    name: str, s: pd.Series, counts: pd.Series, missing: int, present: int
) -> ColumnProfile:
    distinct = len(counts)
    top = _top(counts)
    if distinct == 1:
        return ColumnProfile(
            name,
            "constant",
            missing,
            1,
            top=top,
            suggested_role="ignore",
            reason=f"constant (every value is {top[0][0]!r})",
        )
    lowered = {format_label(v).strip().lower() for v in counts.index}
    if distinct == 2 and (
        pd.api.types.is_bool_dtype(s) or (len(lowered & _TRUE) == 1 and len(lowered & _FALSE) == 1)
    ):
        return ColumnProfile(
            name,
            "boolean",
            missing,
            2,
            top=top,
            suggested_role="feature",
            reason="two values (" + "/".join(t[0] for t in top) + "), used as 0/1",
        )
    if _ID_NAME.search(name.strip()):
        return ColumnProfile(
            name,
            "identifier",
            missing,
            distinct,
            top=top,
            suggested_role="ignore",
            reason="looks like an identifier (its name)",
        )
    sample = counts.index[:1000].astype(str)
    spaces = float(np.mean([" " in x for x in sample]))
    mean_len = float(np.mean([len(x) for x in sample]))
    if distinct == present and present >= 10:
        if spaces > 0.5 or mean_len > 25:
            return ColumnProfile(
                name,
                "text",
                missing,
                distinct,
                top=top,
                suggested_role="ignore",
                reason="free text (every value differs)",
            )
        return ColumnProfile(
            name,
            "identifier",
            missing,
            distinct,
            top=top,
            suggested_role="ignore",
            reason="looks like an identifier (every value differs)",
        )
    if distinct > MAX_CATEGORIES:
        why = "free text" if spaces > 0.5 or mean_len > 25 else "too many categories"
        return ColumnProfile(
            name,
            "text",
            missing,
            distinct,
            top=top,
            suggested_role="ignore",
            reason=f"{why} ({distinct} distinct values; one-hot encoding needs "
            f"at most {MAX_CATEGORIES})",
        )
    return ColumnProfile(
        name,
        "categorical",
        missing,
        distinct,
        top=top,
        suggested_role="feature",
        reason=f"{distinct} categories, one-hot encoded",
    )


# ----------------------------------------------------------------------------- task


def column_or_error(table: Table, column: str) -> pd.Series:
    if column not in table.df.columns and column in getattr(table, "dropped_columns", ()):
        raise DataError(
            f"Expected a target column with values. Received: '{column}', which was dropped "
            "because every value is missing (empty or a missing-value marker such as NA). "
            "Choose another target, or fill in the column.",
            path=table.path,
            column=column,
        )
    if column not in table.df.columns:
        names = ", ".join(repr(str(c)) for c in list(table.df.columns)[:12])
        raise DataError(
            f"Expected a target column that exists. Received: '{column}', which is not in "
            f"the file. Columns are: {names}. Check the spelling (it is case-sensitive).",
            path=table.path,
            column=column,
        )
    return table.df[column]


def profile_of(table: Table, column: str) -> ColumnProfile:
    for p in profile_table(table):
        if p.name == column:
            return p
    column_or_error(table, column)
    raise DataError(f"Column '{column}' has no profile.", path=table.path, column=column)


def detect_task(table: Table, target: str, *, task: str | None = None) -> TaskInfo:
    """The task implied by `target` (or forced by `task`), with suggested outputs.

    `task` may be None (detect), "regression", "classification", "binary" or
    "multiclass".
    """
    if task not in (None, "regression", "classification", "binary", "multiclass"):
        raise DataError(
            "Expected task to be one of regression, classification, binary, multiclass or "
            f"None (detect). Received: {task!r}."
        )
    s = column_or_error(table, target)
    prof = profile_of(table, target)
    where = dict(path=table.path, column=target)
    if prof.kind == "empty":
        raise DataError("The target column has no values. Choose another target.", **where)
    numeric = prof.minimum is not None and not pd.api.types.is_bool_dtype(s)
    if task == "regression":
        if not numeric:
            example = str(s.dropna().iloc[0])
            raise DataError(
                "Expected numbers in the target for regression. Received: text such as "
                f"{example!r}. Choose a numeric target, or use classification for labels.",
                **where,
            )
        if prof.kind == "constant":
            raise DataError(
                "Expected a target that varies. Received: the same value in every row, so "
                "there is nothing to learn. Choose another target.",
                **where,
            )
        return TaskInfo.regression(target)
    if task is None and numeric and prof.kind != "boolean":
        distinct = prof.distinct
        if not (prof.integral and 2 <= distinct <= MAX_INT_CLASSES) and distinct != 1:
            return TaskInfo.regression(target)
    labels = _class_labels(s)
    if len(labels) < 2:
        shown = labels[0] if labels else ""
        raise DataError(
            f"Expected at least two classes in the target. Received: a single class "
            f"({shown!r}) in every row. A network cannot learn from one class: choose another "
            "target, or add rows of the other classes.",
            **where,
        )
    if len(labels) > MAX_CLASSES:
        raise DataError(
            f"Expected at most {MAX_CLASSES} classes in the target. Received: {len(labels)} "
            "distinct values. Is this the right target column? For a numeric quantity, "
            "choose regression.",
            **where,
        )
    if task == "binary" and len(labels) != 2:
        raise DataError(
            f"Expected exactly two classes for a binary task. Received: "
            f"{len(labels)} classes. Use multiclass instead.",
            **where,
        )
    if task == "multiclass" and len(labels) == 2:
        return TaskInfo(
            "multiclass", labels, 2, 2, "softmax", "categorical_crossentropy", ("accuracy",), target
        )
    return TaskInfo.classification(labels, target)


def _class_labels(s: pd.Series) -> tuple[str, ...]:
    uniq = pd.unique(s.dropna())
    labels = {format_label(u) for u in uniq}
    return tuple(_label_sort_key(list(labels)))
