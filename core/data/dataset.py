"""Turn a `Table` and a `DataConfig` into a `Dataset`: choose target and
features, drop unusable rows, split, fit the `Pipeline` on the training rows
and build the float32 matrices in one pass (the splits are views of one
array, so the data is materialised once)."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.data.inputs import InputOptions, parse_options
from core.data.pixels import PixelLayout, PixelOptions, pixel_range, shared_pixel_scaling
from core.data.preprocess import (
    IMPUTE,
    MAX_ONEHOT,
    SCALE,
    Pipeline,
    TargetScaling,
    numeric_values,
    target_codes,
)
from core.data.profile import ROLES, TaskInfo, detect_task, profile_table, suggest_target
from core.data.reader import Table, read_csv, release_free_memory
from core.data.split import split_indices
from core.data.timeline import Timeline
from core.errors import ConfigError, DataError

_TASKS = (None, "regression", "classification", "binary", "multiclass")


@dataclass
class DataConfig:
    """How to turn a table into training data (saved in the project file).

    `scale_target` standardizes a regression target with the training rows' mean
    and standard deviation (undone for predictions, exports and metrics). It is on
    for new settings; a saved dict without the key (a project from before the
    option existed) reads as off, so that old projects keep their behaviour.
    """

    target: str | None = None
    roles: dict[str, str] = field(default_factory=dict)
    impute: str = "mean"
    scale: str = "standardize"
    validation_split: float = 0.2
    test_split: float = 0.0
    seed: int = 0
    stratify: bool = True
    task: str | None = None
    scale_target: bool = True
    #: What one sample is beyond a flat row (see `core.data.inputs`): pixel columns as
    #: images, an image folder, a text column or series windows; None for a table.
    input: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.target == "":
            self.target = None
        if self.target is not None and not isinstance(self.target, str):
            raise ConfigError(
                f"Expected the target as a column name (text) or null. Received: {self.target!r}."
            )
        if not isinstance(self.roles, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.roles.items()
        ):
            raise ConfigError(
                "Expected roles as an object of column name -> 'feature', 'target' or "
                f"'ignore'. Received: {_short_repr(self.roles)}."
            )
        if not _is_whole(self.seed) or not 0 <= self.seed < 2**63:
            raise ConfigError(
                f"Expected the data seed as a whole number from 0 to 2**63 - 1. "
                f"Received: {_short_repr(self.seed)}."
            )
        for flag in ("stratify", "scale_target"):
            if not isinstance(getattr(self, flag), bool):
                raise ConfigError(
                    f"Expected {flag} true or false. Received: {_short_repr(getattr(self, flag))}."
                )
        if self.impute not in IMPUTE:
            raise ConfigError(f"Expected impute in {IMPUTE}. Received: {self.impute!r}.")
        if self.scale not in SCALE:
            raise ConfigError(f"Expected scale in {SCALE}. Received: {self.scale!r}.")
        if not isinstance(self.scale_target, bool):
            raise ConfigError(
                f"Expected scale_target true or false. Received: {self.scale_target!r}."
            )
        if self.task not in _TASKS:
            raise ConfigError(f"Expected task in {_TASKS}. Received: {self.task!r}.")
        for col, role in self.roles.items():
            if role not in ROLES:
                raise ConfigError(
                    f"Expected a role in {ROLES} for column '{col}'. Received: {role!r}."
                )
        for name in ("validation_split", "test_split"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not 0.0 <= float(value) < 1.0
            ):
                raise ConfigError(f"Expected {name} in [0, 1). Received: {value!r}.")
        if self.validation_split + self.test_split >= 1.0:
            raise ConfigError(
                "Expected validation_split + test_split < 1. Received: "
                f"{self.validation_split} + {self.test_split}."
            )
        parse_options(self.input)  # wrong input settings are refused now, not at training

    @property
    def input_options(self) -> InputOptions | None:
        """The typed `input` settings (None: the table's rows are the samples)."""
        return parse_options(self.input)

    @property
    def input_kind(self) -> str:
        """ "table", or the kind of the `input` settings ("pixels", "images", ...)."""
        return str(self.input["kind"]) if self.input is not None else "table"

    def to_dict(self) -> dict[str, Any]:
        out = {
            "target": self.target,
            "roles": dict(self.roles),
            "impute": self.impute,
            "scale": self.scale,
            "validation_split": float(self.validation_split),
            "test_split": float(self.test_split),
            "seed": int(self.seed),
            "stratify": bool(self.stratify),
            "task": self.task,
            "scale_target": self.scale_target,
        }
        if self.input is not None:
            out["input"] = copy.deepcopy(self.input)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DataConfig:
        if not isinstance(d, dict):
            raise ConfigError(
                f"Expected the data settings as an object. Received: {_short_repr(d)}."
            )
        known = set(cls.__dataclass_fields__)
        unknown = sorted(str(k) for k in set(d) - known)
        if unknown:
            raise ConfigError(
                f"Expected data settings among {sorted(known)}. Received unknown keys: {unknown}."
            )
        values = dict(d)
        if isinstance(values.get("roles"), dict):
            values["roles"] = dict(values["roles"])
        elif values.get("roles") is None:
            values.pop("roles", None)
        values.setdefault("scale_target", False)  # saved before the option existed
        return cls(**values)


def _is_whole(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _short_repr(v: Any, limit: int = 60) -> str:
    text = repr(v)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class Dataset:
    """Training, validation and test arrays plus everything to reproduce them."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    feature_names: list[str]
    input_columns: list[str]
    task: TaskInfo
    pipeline: Pipeline
    notices: list[str] = field(default_factory=list)
    target: str = ""
    #: True when the splits follow each other in time (a series): never shuffled across.
    time_ordered: bool = False
    #: A series' target along time (the forecast plot); None for other data.
    timeline: Timeline | None = None

    @property
    def n_features(self) -> int:
        """Numbers per sample (height x width x channels for images)."""
        return int(np.prod(self.x_train.shape[1:]))

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one sample (no batch dimension): (features,), (h, w, c), ..."""
        return tuple(int(d) for d in self.x_train.shape[1:])

    @property
    def vocabulary_size(self) -> int | None:
        """The ids a text's tokenizer gives (an Embedding's input_dim); None for other data."""
        return getattr(self.pipeline.input_spec, "vocabulary_size", None)

    @classmethod
    def from_splits(
        cls,
        x: np.ndarray,
        y: np.ndarray,
        a: int,
        b: int,
        pipeline: Pipeline,
        notices: list[str],
    ) -> Dataset:
        """A dataset whose splits are `x[:a]`, `x[a:b]`, `x[b:]` (and the same of `y`)."""
        return cls(
            x_train=x[:a],
            y_train=y[:a],
            x_val=x[a:b],
            y_val=y[a:b],
            x_test=x[b:],
            y_test=y[b:],
            feature_names=pipeline.feature_names,
            input_columns=pipeline.input_columns,
            task=pipeline.task,  # type: ignore[arg-type]
            pipeline=pipeline,
            notices=notices,
            target=pipeline.target or "",
        )

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in ("train", "val", "test"):
            raise ConfigError(f"Expected split train, val or test. Received: {name!r}.")
        return getattr(self, f"x_{name}"), getattr(self, f"y_{name}")

    def batches(
        self,
        batch_size: int,
        rng: np.random.Generator | None,
        *,
        split: str = "train",
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Mini-batches of one split; shuffled when `rng` is given."""
        if batch_size < 1:
            raise ConfigError(f"Expected batch_size >= 1. Received: {batch_size}.")
        x, y = self.split(split)
        n = len(x)
        order = rng.permutation(n) if rng is not None else None
        for start in range(0, n, batch_size):
            if order is None:
                yield x[start : start + batch_size], y[start : start + batch_size]
            else:
                idx = order[start : start + batch_size]
                yield x[idx], y[idx]


def _features(
    table: Table, target: str, config: DataConfig, notices: list[str]
) -> list[tuple[str, str]]:
    names = {str(c) for c in table.df.columns}
    for col in config.roles:
        if col not in names:
            notices.append(f"a role was set for column '{col}', which is not in the file; ignored")
    feats: list[tuple[str, str]] = []
    pixels = config.input_kind == "pixels"
    for p in profile_table(table, target):
        if p.name == target:
            continue
        role = config.roles.get(p.name, p.suggested_role)
        if pixels and p.name not in config.roles:
            # every column but the target is a pixel, constant (a blank border) or not
            role = "feature"
        if role != "feature":
            continue
        kind = p.kind
        if pixels:
            feats.append((p.name, "numeric"))
            continue
        if kind in ("identifier", "text", "constant"):
            if p.name not in config.roles:
                continue
            kind = "numeric" if p.minimum is not None else "categorical"
            if kind == "categorical" and p.distinct > MAX_ONEHOT:
                raise DataError(
                    f"Expected at most {MAX_ONEHOT} categories in a one-hot encoded feature. "
                    f"Received: {p.distinct} distinct values. Set this column's role to "
                    "ignore.",
                    path=table.path,
                    column=p.name,
                )
        elif kind == "empty":
            continue
        feats.append((p.name, kind))
    if not feats:
        raise DataError(
            f"Expected at least one feature column besides the target '{target}'. Received: "
            "none usable (the others are identifiers, free text, constant or ignored). Add "
            "feature columns or change their roles.",
            path=table.path,
        )
    return feats


@dataclass
class SplitRows:
    """Which table rows go to which split: `order` holds train | val | test positions
    (`order[:a]`, `order[a:b]`, `order[b:]`); `codes` the class code of every table row
    (None for regression)."""

    order: np.ndarray
    a: int
    b: int
    codes: np.ndarray | None


def target_and_task(table: Table, config: DataConfig) -> tuple[str, TaskInfo]:
    """The target column (the configured one, or the suggested one) and its task."""
    target = config.target or suggest_target(profile_table(table))
    if target is None:
        raise DataError(
            "Expected a column that can be a target (numbers, categories or yes/no). "
            "Received: none (every column is text, an identifier, constant or empty). "
            "Check that the file is the right one.",
            path=table.path,
        )
    return target, detect_task(table, target, task=config.task)


def split_rows(
    table: Table,
    config: DataConfig,
    target: str,
    task: TaskInfo,
    notices: list[str],
    required: list[str] | None = None,
) -> SplitRows:
    """Drop the rows without a target (and, with impute = drop, those missing one of the
    `required` columns), then split the rest at random (stratified by class when asked)."""
    df = table.df
    where = dict(path=table.path, header_lines=1 if table.has_header else 0)
    tcodes: np.ndarray | None = None
    if task.kind == "regression":
        keep = df[target].notna().to_numpy()
    else:
        tcodes = target_codes(df[target], task, column=target, **where)
        keep = tcodes >= 0
    dropped_target = int(len(df) - keep.sum())
    if dropped_target:
        notices.append(f"dropped {dropped_target} row(s) with no value in the target '{target}'")
    if config.impute == "drop" and required:
        before = int(keep.sum())
        for name in required:
            keep &= df[name].notna().to_numpy()
        if before - int(keep.sum()):
            notices.append(
                f"dropped {before - int(keep.sum())} row(s) with a missing "
                "feature value (impute = drop)"
            )
    # every row usable (the usual case): positions are the rows themselves, so
    # no position array, no gathered strata and no second copy of the order
    rows = None if keep.all() else np.flatnonzero(keep)
    n_rows = len(df) if rows is None else len(rows)
    if n_rows < 2:
        raise DataError(
            f"Expected at least 2 usable data rows to train on. Received: {n_rows} "
            "(after removing rows with a missing target"
            + (" or feature" if config.impute == "drop" else "")
            + "). Add rows to the file.",
            path=table.path,
        )
    strata = None
    if tcodes is not None and config.stratify:
        strata = tcodes if rows is None else tcodes[rows]
    try:
        tr, va, te = split_indices(
            n_rows,
            validation_split=config.validation_split,
            test_split=config.test_split,
            rng=np.random.default_rng(config.seed),
            strata=strata,
        )
    except DataError as exc:
        raise DataError(exc.detail, path=table.path, row=exc.row, column=exc.column) from exc
    del strata
    a, b = len(tr), len(tr) + len(va)
    # one position array, train | val | test; each split is a slice of it
    order = np.concatenate([tr, va, te])
    del tr, va, te
    if rows is not None:
        order = rows[order]
    return SplitRows(order, a, b, tcodes)


def class_targets(codes: np.ndarray, task: TaskInfo) -> np.ndarray:
    """Training targets from class codes: (n, 1) 0/1 for binary, else one-hot (n, K)."""
    if task.kind == "binary":
        return codes.astype(np.float32).reshape(-1, 1)
    return np.take(np.eye(task.n_classes, dtype=np.float32), codes, axis=0)


def prepare(table: Table, config: DataConfig) -> Dataset:
    """Build the `Dataset` for `table` as described by `config`."""
    kind = config.input_kind
    if kind == "images":
        raise DataError(
            "Expected an image folder for image settings. Received: a table. Open a folder "
            "with one sub-folder per class, or clear the image settings.",
            path=table.path,
        )
    if kind == "text":
        from core.data.text_dataset import prepare_text

        return prepare_text(table, config)
    if kind == "series":
        from core.data.series_dataset import prepare_series

        return prepare_series(table, config)
    notices = list(table.notices)
    if table.truncated:
        notices.append("only the first rows of the file were read (preview)")
    target, task = target_and_task(table, config)
    features = _features(table, target, config, notices)
    df = table.df
    where = dict(path=table.path, header_lines=1 if table.has_header else 0)
    split = split_rows(table, config, target, task, notices, [name for name, _ in features])
    order, a, b, tcodes = split.order, split.a, split.b, split.codes
    options = config.input_options
    cache: dict[str, np.ndarray] = {}
    pipeline = Pipeline.fit(
        df,
        features,
        rows=order[:a],
        impute=config.impute,
        scale="none" if isinstance(options, PixelOptions) else config.scale,
        task=task,
        target=target,
        cache=cache,
        **where,
    )
    if isinstance(options, PixelOptions):
        pipeline = _pixel_pipeline(table, pipeline, options, order[:a])
    pipeline = scaled_target(table, config, pipeline, order[:a])
    if tcodes is not None and task.n_classes < 2**15:
        tcodes = tcodes.astype(np.int16)  # 2 bytes a row from here on, not 8
    # hand back what the fit's temporaries (and its threads' arenas) left free
    # before the matrix, the largest allocation, is made
    release_free_memory()
    x = np.empty((len(order), pipeline.n_features), dtype=np.float32)
    pipeline._fill(df, x, order, cache=cache, **where)
    if isinstance(pipeline.input_spec, PixelLayout):
        x = pipeline.input_spec.reshape(x)
    y = split_targets(table, pipeline, order, tcodes)
    del tcodes
    return Dataset.from_splits(x, y, a, b, pipeline, notices)


def scaled_target(
    table: Table, config: DataConfig, pipeline: Pipeline, train_rows: np.ndarray
) -> Pipeline:
    """`pipeline` with its regression target standardized on the training rows when the
    settings ask for it (`scale_target`); unchanged otherwise."""
    task, target = pipeline.task, pipeline.target
    if task is None or task.kind != "regression" or not config.scale_target or not target:
        return pipeline
    where = dict(path=table.path, header_lines=1 if table.has_header else 0)
    values = numeric_values(table.df[target], target, **where)
    return pipeline.with_target_scaling(TargetScaling.fit(values[train_rows]))


def split_targets(
    table: Table, pipeline: Pipeline, order: np.ndarray, codes: np.ndarray | None
) -> np.ndarray:
    """The training targets of the rows at `order`: from the class `codes` of every row
    (classification) or the target column as the pipeline encodes it (regression)."""
    if codes is not None:
        return class_targets(codes[order], pipeline.task)  # type: ignore[arg-type]
    where = dict(path=table.path, header_lines=1 if table.has_header else 0)
    return pipeline.encode_target(table.df[str(pipeline.target)], rows=order, **where)


def _pixel_pipeline(
    table: Table, pipeline: Pipeline, options: PixelOptions, train_rows: np.ndarray
) -> Pipeline:
    """`pipeline` (fitted without scaling) with every pixel column scaled to [0, 1] by the
    training rows' range, and its samples arranged as images of the chosen shape."""
    layout = PixelLayout(options.shape)
    layout.check_width(pipeline.n_features, path=table.path)
    not_numbers = [c.column for c in pipeline.columns if c.kind != "numeric"]
    if not_numbers:
        raise DataError(
            f"Expected only numeric pixel columns for images. Received: {len(not_numbers)} "
            f"column(s) of categories or yes/no values ('{not_numbers[0]}'"
            + (" and more" if len(not_numbers) > 1 else "")
            + "). Set their role to ignore, or clear the image shape.",
            path=table.path,
            column=not_numbers[0],
        )
    header_lines = 1 if table.has_header else 0
    values = [
        numeric_values(table.df[c.column], c.column, path=table.path, header_lines=header_lines)[
            train_rows
        ]
        for c in pipeline.columns
    ]
    scaled = shared_pixel_scaling(pipeline.columns, *pixel_range(values))
    return Pipeline(scaled, task=pipeline.task, target=pipeline.target, input_spec=layout)


def load_dataset(path: str | os.PathLike[str], config: DataConfig | None = None) -> Dataset:
    """Read `path` (a CSV file, or an image folder under image settings) and prepare it
    with `config` (defaults: suggested target, 80/20 split)."""
    config = config or DataConfig()
    if config.input_kind == "images":
        from core.data.image_dataset import prepare_image_folder

        return prepare_image_folder(path, config)
    return prepare(read_csv(path), config)
