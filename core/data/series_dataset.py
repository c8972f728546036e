"""A time series table -> a `Dataset` of windows: the rows are put in the order of
the table's date/time column when it has one (`core.data.time_order`), else they
stay in the file's order; the last shares of rows become validation and test (split by time,
never shuffled across), every numeric column chosen is standardized on the
training rows only, and each window of `window` rows is paired with the next
`horizon` values of the target (a regression with `horizon` outputs, the
target standardized as for any regression). The fitted preprocessing is a
`Pipeline` of the series columns whose input spec is the `Windowing`; the
dataset's `timeline` is the target along time, for the forecast plot."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from core.data.dataset import DataConfig, Dataset, scaled_target
from core.data.preprocess import Pipeline, numeric_values
from core.data.profile import TaskInfo, profile_table
from core.data.reader import Table
from core.data.split import split_sizes
from core.data.time_order import find_time_column, in_time_order, order_by_time
from core.data.timeline import Timeline
from core.data.windows import SeriesOptions, Windowing, WindowSplit, split_windows
from core.errors import DataError


def forecast_task(target: str, horizon: int) -> TaskInfo:
    """A regression with one output per step ahead."""
    return TaskInfo(
        "regression", (), 0, horizon, "linear", "mean_squared_error", ("mae", "r2"), target
    )


def series_columns(
    table: Table, options: SeriesOptions, config: DataConfig
) -> tuple[tuple[str, ...], str]:
    """(the columns each time step holds, the target to forecast)."""
    names = [str(c) for c in table.df.columns]
    for name in list(options.columns or ()) + ([config.target] if config.target else []):
        if name not in names:
            shown = ", ".join(repr(n) for n in names[:8])
            raise DataError(
                f"Expected a series column named '{name}'. Received: a table with the columns "
                f"{shown}. Choose one of them.",
                path=table.path,
                column=name,
            )
    if options.columns is not None:
        columns = options.columns
    else:
        # every numeric column whose role is not ignore (an index or a counter is ignored
        # unless its role says otherwise), and always the target itself
        columns = tuple(
            p.name
            for p in profile_table(table)
            if p.minimum is not None
            and p.kind in ("numeric", "identifier", "constant")
            and (p.name == config.target or config.roles.get(p.name, p.suggested_role) != "ignore")
        )
    target = config.target or (columns[-1] if columns else None)
    if not columns or target is None:
        raise DataError(
            "Expected at least one numeric column in time order to forecast. Received: none "
            "(no column holds numbers). Check that the file is the right one.",
            path=table.path,
        )
    return tuple(columns), target


def prepare_series(table: Table, config: DataConfig) -> Dataset:
    """The `Dataset` of forecasting windows over `table` (rows in time order)."""
    options = config.input_options
    if not isinstance(options, SeriesOptions):
        options = SeriesOptions()
    if config.task not in (None, "regression"):
        raise DataError(
            f"Expected a regression task for a series forecast. Received: task "
            f"{config.task!r}. Clear the task setting.",
            path=table.path,
        )
    columns, target = series_columns(table, options, config)
    time_column = find_time_column(table.df, skip=columns)
    order = None
    if time_column is not None:
        order = order_by_time(table.df, time_column, path=table.path)
        df = table.df.iloc[order.order].reset_index(drop=True) if order.moved else table.df
        table = replace(table, df=df, notices=[*table.notices, order.notice()], cache={})
    windowing = Windowing(
        columns, target, options.window, options.horizon, options.stride, time_column
    )
    n = len(table.df)
    windowing.check_length(n, path=table.path)
    _, n_val, n_test = split_sizes(n, config.validation_split, config.test_split)
    split = split_windows(windowing, n, n_val, n_test)
    _check_splits(table, windowing, split, n, n_val, n_test)
    where = dict(path=table.path, header_lines=1 if table.has_header else 0)
    task = forecast_task(target, options.horizon)
    train_rows = np.arange(split.a)
    pipeline = Pipeline.fit(
        table.df,
        [(c, "numeric") for c in columns],
        rows=train_rows,
        impute="median" if config.impute == "median" else "mean",
        scale=config.scale,
        task=task,
        target=target,
        **where,
    ).with_input(windowing)
    pipeline = scaled_target(table, config, pipeline, train_rows)
    steps = np.empty((n, pipeline.n_features), dtype=np.float32)
    pipeline._fill(table.df, steps, None, **where)
    raw = numeric_values(table.df[target], target, **where).astype(np.float64)
    values = raw if pipeline.target_scaling is None else pipeline.target_scaling.encode(raw)
    notices = list(table.notices) + [_split_notice(split, n, time_column)]
    parts = []
    for name, starts in (
        ("training", split.train),
        ("validation", split.val),
        ("test", split.test),
    ):
        y = windowing.targets(values, starts)
        known = ~np.isnan(y).any(axis=1)
        if not known.all():
            notices.append(
                f"left out {int((~known).sum())} {name} window(s) whose target '{target}' has "
                "an empty cell"
            )
        parts.append((starts[known], y[known]))
    if not len(parts[0][0]):
        raise DataError(
            f"Expected training windows with a value of '{target}' in each target row. "
            "Received: none. Fill the empty cells of the target column.",
            path=table.path,
            column=target,
        )
    starts = np.concatenate([p[0] for p in parts])
    x = windowing.windows(steps, starts)
    y = np.concatenate([p[1] for p in parts]).astype(np.float32)
    a, b = len(parts[0][0]), len(parts[0][0]) + len(parts[1][0])
    dataset = Dataset.from_splits(x, y, a, b, pipeline, notices)
    dataset.time_ordered = True
    dataset.timeline = Timeline(
        target,
        raw,
        windowing.window,
        windowing.horizon,
        tuple(
            (name, lo, hi)
            for name, lo, hi in (
                ("training", 0, split.a),
                ("validation", split.a, split.b),
                ("test", split.b, n),
            )
            if hi > lo
        ),
        {"train": parts[0][0], "validation": parts[1][0], "test": parts[2][0]},
        None if order is None else order.times,
        time_column,
        None if order is None or not order.moved else order.order + 1,
    )
    return dataset


def labelled_windows(
    pipeline: Pipeline, df: pd.DataFrame, path: str | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(windows, targets as trained, 1-based row of each window's last input row) of every
    window of `df` whose `horizon` target values are all known: a series to evaluate on."""
    x, y, rows, _ = series_to_evaluate(pipeline, df, path)
    return x, y, rows


def series_to_evaluate(
    pipeline: Pipeline, df: pd.DataFrame, path: str | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Timeline]:
    """`labelled_windows` and the `Timeline` of `df` (the rows in the trained time order
    when the table has the time column), whose one part is the evaluated data."""
    spec = pipeline.input_spec
    if not isinstance(spec, Windowing) or pipeline.target is None:
        raise DataError("Expected a model trained on series windows.", path=path)
    n = len(df)
    spec.check_length(n, path=path)
    pipeline.check_columns(df, path=path)
    if spec.target not in {str(c) for c in df.columns}:
        raise DataError(
            f"Expected the target column '{spec.target}' to evaluate against. Received: a "
            "table without it. Add the column with the true values.",
            path=path,
            column=spec.target,
        )
    df, positions, order = in_time_order(df, spec.time_column, path=path)
    steps = np.empty((n, pipeline.n_features), dtype=np.float32)
    pipeline._fill(df, steps, None, path=path, header_lines=1)
    raw = numeric_values(df[spec.target], spec.target, path=path).astype(np.float64)
    values = raw if pipeline.target_scaling is None else pipeline.target_scaling.encode(raw)
    starts = np.arange(n - spec.span + 1)
    y = spec.targets(values, starts)
    known = ~np.isnan(y).any(axis=1)
    if not known.any():
        raise DataError(
            f"Expected true values of '{spec.target}' after at least one window. Received: "
            "none. Add the column's values.",
            path=path,
            column=spec.target,
        )
    starts = starts[known]
    timeline = Timeline(
        spec.target,
        raw,
        spec.window,
        spec.horizon,
        (),
        {"data": starts},
        None if order is None else order.times,
        None if order is None else spec.time_column,
        positions + 1,
    )
    rows = timeline.window_rows("data")
    return spec.windows(steps, starts), y[known].astype(np.float32), rows, timeline


def _rows(lo: int, hi: int) -> str:
    return f"rows {lo + 1}-{hi}" if hi > lo + 1 else f"row {hi}"


def _split_notice(split: WindowSplit, n: int, time_column: str | None) -> str:
    parts = [f"{_rows(0, split.a)} train"]
    if split.b > split.a:
        parts.append(f"{_rows(split.a, split.b)} validation")
    if n > split.b:
        parts.append(f"{_rows(split.b, n)} test")
    return (
        "split by time, in "
        + (f"the order of '{time_column}'" if time_column else "the file's row order")
        + ": "
        + ", ".join(parts)
        + f" ({len(split.train)}, "
        f"{len(split.val)} and {len(split.test)} windows; a window belongs to the part its "
        "targets fall in, and one whose targets cross a boundary is left out)"
    )


def _check_splits(
    table: Table, w: Windowing, split: WindowSplit, n: int, n_val: int, n_test: int
) -> None:
    """DataError naming the numbers when a split that should have windows has none."""
    if not len(split.train):
        raise DataError(
            f"Expected training rows for at least one window: window + horizon = "
            f"{w.window} + {w.horizon} = {w.span} rows. Received: {split.a} training row(s) "
            f"of {n} (the last {n - split.a} are validation and test). Make the window or "
            "the horizon shorter, lower the validation and test shares, or add rows.",
            path=table.path,
        )
    for name, count, rows in (
        ("validation", len(split.val), n_val),
        ("test", len(split.test), n_test),
    ):
        if rows and not count:
            raise DataError(
                f"Expected at least one {name} window: its targets need horizon = {w.horizon} "
                f"row(s) inside the {name} part. Received: a {name} part of {rows} row(s) "
                f"with stride {w.stride}. Raise the {name} share, or shorten the horizon or "
                "the stride.",
                path=table.path,
            )
