"""The predictions table that `layerforge predict --out` and the predictions export write.

The input rows come first, then the prediction columns (renamed with a
trailing `_` where an input column already has the name). Before the table
reaches a CSV, every text cell and header that a spreadsheet would run as a
formula (it begins with `=`, `+`, `-`, `@`, a tab or a carriage return) is
prefixed with a single quote, as OWASP recommends against CSV injection, and
records end in CRLF so that any cell with a line break is quoted.
Numbers are left alone: numeric columns are never touched, and a text cell
that is a plain number such as `-1.5` is not a formula.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.evaluation.predictions import spreadsheet_safe as _escape_text

__all__ = ["CSV_OPTIONS", "escape_cell", "predictions_table", "spreadsheet_safe_frame"]

#: `DataFrame.to_csv` options for predictions: CRLF records (RFC 4180), so that a
#: cell holding a carriage return is quoted instead of splitting its row.
CSV_OPTIONS: dict[str, Any] = {"index": False, "lineterminator": "\r\n"}


def escape_cell(value: Any) -> Any:
    """`value` with a leading `'` when it is text a spreadsheet would run as a formula
    (`core.evaluation.predictions.spreadsheet_safe`); anything else unchanged."""
    return _escape_text(value) if isinstance(value, str) else value


def spreadsheet_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose text cells and column names are escaped (see `escape_cell`)."""
    out = df.copy(deep=False)
    for i in range(len(df.columns)):
        s = df.iloc[:, i]
        if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            continue
        values = s.astype(object).to_numpy()
        out.isetitem(i, [escape_cell(v) for v in values])
    out.columns = [escape_cell(str(c)) for c in df.columns]
    return out


def predictions_table(rows: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """`rows` followed by the `predictions` columns, names made unique, escaped for spreadsheets."""
    frame = rows.reset_index(drop=True)
    taken = {str(c) for c in frame.columns}
    renamed: dict[Any, str] = {}
    for col in predictions.columns:
        name = str(col)
        while name in taken:
            name = f"{name}_"
        renamed[col] = name
        taken.add(name)
    pred = predictions.reset_index(drop=True).rename(columns=renamed)
    return spreadsheet_safe_frame(pd.concat([frame, pred], axis=1))
