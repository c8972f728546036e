"""Read a user's CSV file into a `Table`: sniff encoding, delimiter and header
from a small sample, then parse the whole file once with pandas.

The reader never raises anything but `DataError` for a bad file: missing or
unreadable paths, empty and binary files, ragged rows, duplicate column names
and header-only files each get a message that names the file, the line or
column, and what to do. Entirely empty columns are dropped with a notice.
"""

from __future__ import annotations

import csv
import ctypes
import io
import os
import re
import stat
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError, LoadCancelled

#: Spellings read as a missing value (in addition to an empty cell).
MISSING_VALUES: tuple[str, ...] = (
    "",
    "NA",
    "N/A",
    "n/a",
    "na",
    "NaN",
    "nan",
    "NAN",
    "null",
    "NULL",
    "Null",
    "None",
    "none",
    "?",
    "-",
    "#N/A",
)
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
SAMPLE_BYTES = 64 * 1024
#: The sample grows (for wide files) until it holds this many line breaks...
SAMPLE_LINES = 21
#: ...or this many bytes. A first line (the header) longer than this is refused.
MAX_SAMPLE_BYTES = 16 * 1024 * 1024
#: Byte-order marks, longest first (the UTF-32-LE mark starts like UTF-16-LE's).
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_NUMBER = re.compile(r"^\s*[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?\s*$")
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_DECIMAL_POINT = re.compile(r"^\s*[-+]?\d*\.\d+\s*$")
_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


@dataclass
class Table:
    """A parsed CSV file and how it was read."""

    df: pd.DataFrame
    path: str
    delimiter: str
    encoding: str
    encoding_note: str | None = None
    has_header: bool = True
    notices: list[str] = field(default_factory=list)
    decimal: str = "."
    truncated: bool = False
    #: Columns of the file left out because every value is missing.
    dropped_columns: tuple[str, ...] = ()
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_rows(self) -> int:
        return int(len(self.df))

    @property
    def delimiter_name(self) -> str:
        return _DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))

    def line_of(self, position: int) -> int:
        """File line number of data row `position` (0-based), assuming no
        quoted newlines: the header is line 1 when there is one."""
        return int(position) + 1 + (1 if self.has_header else 0)


def _check_path(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if not p.exists():
        raise DataError(
            "File not found. Check the path, or pick the file again with Open.", path=str(p)
        )
    if p.is_dir():
        raise DataError(
            "Expected a CSV file. Received: a directory. Choose a .csv file inside it.",
            path=str(p),
        )
    try:
        mode = p.stat().st_mode
    except OSError as exc:
        raise DataError(
            f"The file cannot be read ({exc.strerror or exc}). Check the path.", path=str(p)
        ) from None
    if not stat.S_ISREG(mode):
        raise DataError(
            "Expected a CSV file. Received: a special file (a pipe, socket or device), which "
            "could block or never end. Save the data to a regular .csv file first.",
            path=str(p),
        )
    if not os.access(p, os.R_OK):
        raise DataError(
            "The file cannot be read (permission denied). Check its permissions "
            "or copy it somewhere you can read it.",
            path=str(p),
        )
    return p


def _read_sample(p: Path) -> bytes:
    """The start of the file: at least `SAMPLE_BYTES`, grown for wide files until it
    holds `SAMPLE_LINES` line breaks (so the whole header and some rows are in it)
    or `MAX_SAMPLE_BYTES`. A first line longer than that is refused."""
    try:
        with p.open("rb") as fh:
            sample = fh.read(SAMPLE_BYTES)
            while sample.count(b"\n") < SAMPLE_LINES and len(sample) < MAX_SAMPLE_BYTES:
                more = fh.read(min(len(sample), MAX_SAMPLE_BYTES - len(sample)))
                if not more:
                    break
                sample += more
            if b"\n" not in sample and b"\r" not in sample and fh.read(1):
                raise DataError(
                    f"Expected a CSV file with one record per line. Received: a first line "
                    f"longer than {MAX_SAMPLE_BYTES // (1024 * 1024)} MB (no line break), "
                    "which is not a table LayerForge can read. Check that the file is a CSV "
                    "export with line breaks between rows.",
                    path=str(p),
                )
            return sample
    except OSError as exc:
        raise DataError(
            f"The file cannot be read ({exc.strerror or exc}). Check that it exists "
            "and that you may read it.",
            path=str(p),
        ) from exc


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    if not sample:
        return False
    control = sum(1 for b in sample[:4096] if b < 32 and b not in (9, 10, 13, 12))
    return control > 0.05 * min(len(sample), 4096)


def _wide_encoding(sample: bytes) -> tuple[str, str] | None:
    """(codec, how it was recognised) for UTF-16/UTF-32 text, else None.

    A byte-order mark decides; without one, text whose every other byte is NUL
    (ASCII stored as UTF-16) is read as UTF-16 of that byte order.
    """
    for bom, codec, label in _BOMS:
        if sample.startswith(bom):
            return codec, f"the file starts with a {label} byte-order mark"
    head = sample[: 4096 - 4096 % 2]
    head = head[: len(head) - len(head) % 2]
    if len(head) >= 4 and b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        why = "most other bytes are NUL (UTF-16 text without a byte-order mark)"
        if odd.count(0) >= 0.8 * len(odd) and 0 not in even:
            return "utf-16-le", why
        if even.count(0) >= 0.8 * len(even) and 0 not in odd:
            return "utf-16-be", why
    return None


def _choose_encoding(sample: bytes, whole_file: bool) -> tuple[str, str | None, str]:
    """Return (pandas encoding, note, decoded sample text)."""
    wide = _wide_encoding(sample)
    if wide is not None:
        codec, why = wide
        unit = 4 if codec.startswith("utf-32") else 2
        cut = sample if whole_file else sample[: len(sample) - len(sample) % unit]
        text = cut.decode(codec, errors="replace")
        return codec, f"read as {codec.upper()} ({why})", text
    if sample.startswith(b"\xef\xbb\xbf"):
        enc = "utf-8-sig"
        note = None
    else:
        enc = "utf-8"
        note = None
    try:
        text = sample.decode(enc)
        return enc, note, text
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sample is not an error
        if not whole_file and exc.start >= len(sample) - 3:
            return enc, note, sample[: exc.start].decode(enc)
    for fallback in ("cp1252", "latin-1"):
        try:
            text = sample.decode(fallback)
        except UnicodeDecodeError:
            continue
        return fallback, _fallback_note(fallback), text
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _fallback_note(encoding: str) -> str:
    return (
        f"read as {encoding} because the file is not valid UTF-8; if accents look wrong, "
        "save the file as UTF-8 and open it again"
    )


def _records(text: str, delimiter: str, limit: int = 200) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    out: list[list[str]] = []
    try:
        for row in reader:
            if row:
                out.append(row)
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    return out


def _sniff_delimiter(text: str, whole_file: bool) -> str:
    if not whole_file:
        cut = max(text.rfind("\n"), text.rfind("\r"))
        if cut > 0:
            text = text[:cut]
    best = ","
    best_score = (0.0, 0)
    for delim in DELIMITERS:
        if delim not in text:
            continue
        rows = _records(text, delim)
        if not rows:
            continue
        counts = [len(r) for r in rows]
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        consistency = counts.count(mode) / len(counts)
        score = (round(consistency, 2), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _is_number(value: str) -> bool:
    return bool(_NUMBER.match(value))


def _detect_header(first: list[str], rest: list[list[str]]) -> bool:
    """A first row is a header unless one of its cells is a number, or it holds
    only missing-looking cells while the rows below hold values."""
    if any(_is_number(v) for v in first if v.strip() not in MISSING_VALUES):
        return False
    return True


def _detect_decimal(rows: list[list[str]], delimiter: str) -> str:
    if delimiter == ",":
        return "."
    cells = [c for r in rows[1:] for c in r]
    commas = sum(1 for c in cells if _DECIMAL_COMMA.match(c))
    points = sum(1 for c in cells if _DECIMAL_POINT.match(c))
    return "," if commas > 0 and points == 0 else "."


def _header_names(first: list[str]) -> tuple[list[str], list[str]]:
    names: list[str] = []
    notices: list[str] = []
    for i, raw in enumerate(first):
        name = raw.strip()
        if not name:
            name = f"column_{i + 1}"
            notices.append(f"column {i + 1} has no name in the header; called it '{name}'")
        names.append(name)
    return names, notices


def _duplicate(names: list[str]) -> str | None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            return n
        seen.add(n)
    return None


def _binary_error(where: str) -> DataError:
    return DataError(
        "Expected a text CSV file. Received: binary data (it looks like a spreadsheet, "
        "archive or image). Save or export it as CSV (comma-separated values) first.",
        path=where,
    )


#: Bytes the parser takes from a watched file at a time (one progress report each).
WATCH_CHUNK = 1 << 20


class _WatchedFile(io.RawIOBase):
    """The file as the parser reads it: reports the share read, stops on a cancel."""

    def __init__(
        self,
        path: Path,
        progress: Callable[[float], None] | None,
        cancel: Callable[[], bool] | None,
    ) -> None:
        super().__init__()
        self._fh = path.open("rb")
        self._size = max(path.stat().st_size, 1)
        self._done = 0
        self._progress = progress
        self._cancel = cancel

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._cancel is not None and self._cancel():
            raise LoadCancelled("Reading the file was cancelled.")  # stops the parser
        n = self._fh.readinto(buffer)
        self._done += n or 0
        if self._progress is not None:
            self._progress(min(self._done / self._size, 1.0))
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


def read_csv(
    path: str | os.PathLike[str],
    *,
    nrows: int | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Table:
    """Read a CSV file into a `Table`, or raise `DataError` saying why not.

    `nrows` reads only the first rows (for a quick preview of a large file).
    `progress(share)` is called with the share of the file parsed so far (about once a
    megabyte); `cancel()` is asked as often, and a true answer stops the read with
    `LoadCancelled`.
    """
    p = _check_path(path)
    where = str(p)
    sample = _read_sample(p)
    size = p.stat().st_size
    whole = len(sample) >= size
    if _wide_encoding(sample) is None and _looks_binary(sample):
        raise _binary_error(where)
    encoding, note, text = _choose_encoding(sample, whole)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip(" \t\r\n"):
        raise DataError(
            "The file is empty. Expected a header row and at least one data row. "
            "Export the sheet again, or choose another file.",
            path=where,
        )
    if _looks_binary(text[:4096].encode("utf-8", errors="replace")):
        raise _binary_error(where)
    delimiter = _sniff_delimiter(text, whole)
    rows = _records(text, delimiter, limit=500)
    if not rows:
        raise DataError(
            "The file has no rows. Expected a header row and at least one data row.",
            path=where,
        )
    has_header = _detect_header(rows[0], rows[1:])
    decimal = _detect_decimal(rows, delimiter)
    notices: list[str] = []
    if has_header:
        names, notices = _header_names(rows[0])
        dup = _duplicate(names)
        if dup is not None:
            raise DataError(
                "Expected each column name once. Received: two columns named "
                f"'{dup}' in the header (line 1). Rename one of them and try again.",
                path=where,
                column=dup,
            )
    else:
        width = max(len(r) for r in rows)
        names = [f"column_{i + 1}" for i in range(width)]
        notices.append(
            "the first row looks like data (it contains numbers), so columns were named "
            "column_1, column_2, ...; add a header row to name them"
        )
    checked = _check_short_rows(text, delimiter, len(names), whole, where)
    if has_header:
        checked -= 1
    body = rows[1:] if has_header else rows
    if not whole:
        body = body[:-1]
    dtypes, clean = _column_dtypes(body, names)
    skip_space = (delimiter + " ") in text
    df, encoding, note = _parse(
        p,
        names,
        has_header,
        delimiter,
        decimal,
        encoding,
        note,
        nrows,
        dtypes,
        skip_space,
        clean,
        progress,
        cancel,
    )
    if not whole and len(df.columns) > 1:
        _check_short_rows_after_sample(
            df, p, encoding, delimiter, has_header, checked, nrows, where, cancel
        )
    if len(df) == 0:
        raise DataError(
            "Expected at least one data row. Received: a header row only. Add data rows "
            "below the header, or choose another file.",
            path=where,
        )
    missing = missing_counts(df)
    empty = [str(c) for c in df.columns if missing[str(c)] == len(df)]
    if empty:
        if len(empty) == len(df.columns):
            raise DataError(
                "Every cell of the file is empty or a missing-value marker "
                f"({', '.join(repr(m) for m in MISSING_VALUES[1:6])}, ...). Expected some values.",
                path=where,
            )
        df = df.drop(columns=empty)
        for c in empty:
            notices.append(f"dropped column '{c}': every value is missing")
    truncated = nrows is not None and len(df) >= nrows
    release_free_memory()
    table = Table(
        df=df,
        path=where,
        delimiter=delimiter,
        encoding=encoding,
        encoding_note=note,
        has_header=has_header,
        notices=notices,
        decimal=decimal,
        truncated=truncated,
        dropped_columns=tuple(empty),
    )
    table.cache["missing"] = (df, {c: k for c, k in missing.items() if c not in empty})
    return table


def missing_counts(df: pd.DataFrame) -> dict[str, int]:
    """Missing cells per column, vectorised on the column's own storage (NaN
    for floats, code -1 for categoricals) without building a mask frame."""
    out: dict[str, int] = {}
    for name in df.columns:
        s = df[name]
        if s.dtype.kind == "f":
            out[str(name)] = int(np.count_nonzero(np.isnan(s.to_numpy())))
        elif isinstance(s.dtype, pd.CategoricalDtype):
            out[str(name)] = int(np.count_nonzero(s.cat.codes.to_numpy() < 0))
        else:
            out[str(name)] = int(s.isna().sum())
    return out


def cached_missing(table: Table) -> dict[str, int]:
    """`missing_counts` of `table.df`, from the reader's pass when the frame is
    still the one it read."""
    hit = table.cache.get("missing")
    if hit is not None and hit[0] is table.df:
        return dict(hit[1])
    counts = missing_counts(table.df)
    table.cache["missing"] = (table.df, counts)
    return dict(counts)


def _column_dtypes(rows: list[list[str]], names: list[str]) -> tuple[dict[str, str], set[str]]:
    """Parse hints from the sample: columns of numbers with a fraction or
    exponent go straight to float32 (half the memory); text columns with few
    distinct values become pandas categoricals (codes instead of strings).

    Also returns the float32 columns whose sampled cells hold no missing-value
    marker other than an empty cell: they are parsed without the marker lookup
    (see `_parse`)."""
    out: dict[str, str] = {}
    clean: set[str] = set()
    missing = set(MISSING_VALUES)
    for j, name in enumerate(names):
        raw = [r[j].strip() for r in rows if j < len(r)]
        cells = [c for c in raw if c not in missing]
        if not cells:
            continue
        marked = len(cells) + raw.count("") < len(raw)
        numbers = [_is_number(c) for c in cells]
        if all(numbers):
            if max(abs(float(c.replace(",", "."))) for c in cells) > 1e30:
                continue  # keep float64 so the value is reported as written
            if any(("." in c or "," in c or "e" in c or "E" in c) for c in cells):
                out[name] = "float32"
                if not marked:
                    clean.add(name)
        elif not any(numbers) and len(cells) >= 20:
            distinct = len(set(cells))
            low = {c.lower() for c in cells}
            if distinct <= 50 and distinct * 2 <= len(cells) and not low <= _BOOL_WORDS:
                out[name] = "category"
    return out, clean


_BOOL_WORDS = {"true", "false"}
#: pandas' own default missing-value spellings (read as missing too, with ours).
_PANDAS_NA: tuple[str, ...] = (
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


def _parse(
    p: Path,
    names: list[str],
    has_header: bool,
    delimiter: str,
    decimal: str,
    encoding: str,
    note: str | None,
    nrows: int | None,
    dtypes: dict[str, str] | None = None,
    skip_space: bool = True,
    clean: set[str] | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> tuple[pd.DataFrame, str, str | None]:
    """Parse the whole file once with the pandas C parser.

    Looking every cell up in the set of missing-value markers costs about half
    of the parse. Float32 columns whose sample held no marker but empty cells
    (`clean`) are therefore parsed with only the empty cell as missing. No
    marker other than the empty cell parses as a number, so that parse either
    gives exactly what the full lookup gives or fails (a marker or text further
    down the file); then the file is parsed again with the full lookup.
    """
    where = str(p)
    fast_na: dict[str, list[str]] | None = None
    if clean and dtypes:
        full = sorted(set(MISSING_VALUES) | set(_PANDAS_NA))
        fast_na = {n: ([""] if n in clean else full) for n in names}
    kwargs: dict[str, Any] = dict(
        sep=delimiter,
        header=0 if has_header else None,
        names=names,
        skipinitialspace=skip_space,
        skip_blank_lines=True,
        decimal=decimal,
        nrows=nrows,
        engine="c",
        on_bad_lines="error",
        # never memory-map: a file truncated while it is read would kill the
        # process with SIGBUS instead of raising an error
        memory_map=False,
    )
    for _attempt in range(5):
        if fast_na is not None:
            na: dict[str, Any] = dict(na_values=fast_na, keep_default_na=False)
        else:
            na = dict(na_values=list(MISSING_VALUES), keep_default_na=True)
        # Always an open file, never the path: given a path, pandas 3.1 parses big
        # files in parallel over a memory map of the file, and a file truncated while
        # it is read then kills the process with SIGBUS (and bad-line errors name
        # chunk-relative line numbers).
        watched = io.BufferedReader(_WatchedFile(p, progress, cancel), WATCH_CHUNK)
        try:
            with warnings.catch_warnings():
                # float32 overflow of a huge value: it becomes inf and is refused later
                warnings.simplefilter("ignore", RuntimeWarning)
                df = pd.read_csv(watched, encoding=encoding, dtype=dtypes or None, **na, **kwargs)
            return df, encoding, note
        except UnicodeDecodeError:
            if encoding.startswith("utf-8"):
                encoding, note = "cp1252", _fallback_note("cp1252")
            else:
                encoding, note = "latin-1", _fallback_note("latin-1")
        except pd.errors.EmptyDataError as exc:
            raise DataError(
                "The file has no rows. Expected a header row and at least one data row.",
                path=where,
            ) from exc
        except pd.errors.ParserError as exc:
            raise _parser_error(exc, where, len(names)) from exc
        except (ValueError, TypeError, OverflowError, csv.Error) as exc:
            if fast_na is not None:
                # a missing-value marker (or text) past the sample: full lookup
                fast_na = None
                continue
            if dtypes:
                # a column that looked numeric in the sample holds text further down
                dtypes = None
                continue
            raise DataError(
                f"The file could not be parsed as CSV ({_short(exc)}). Check that it is a "
                "plain CSV export with one record per line.",
                path=where,
            ) from exc
        finally:
            watched.close()
    raise DataError(  # pragma: no cover
        "The file's text encoding could not be read. Save it as UTF-8.", path=where
    )


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:160] + ("..." if len(text) > 160 else "")


def _parser_error(exc: Exception, where: str, width: int) -> DataError:
    m = _RAGGED.search(str(exc))
    if m:
        expected, line, saw = m.groups()
        return DataError(
            f"Expected {expected} fields on every line (like the first line). Received: "
            f"{saw} fields on line {line}. Check that line for an extra delimiter or a "
            'missing closing quote ("), then try again.',
            path=where,
            row=int(line),
        )
    if "EOF" in str(exc):
        return DataError(
            'A quoted field is never closed (a " without its partner). Received: '
            f"{_short(exc)}. Close or remove the stray quote and try again.",
            path=where,
        )
    return DataError(
        f"The file could not be parsed as CSV ({_short(exc)}). Expected {width} fields "
        "on every line. Check the line it names.",
        path=where,
    )


def _short_row_error(width: int, got: int, line: int, where: str) -> DataError:
    return DataError(
        f"Expected {width} fields on every line (like the first line). Received: "
        f"{got} field{'s' if got != 1 else ''} on line {line}. "
        "Add the missing delimiters (an empty cell is fine) or remove that line.",
        path=where,
        row=line,
    )


def _is_short(row: list[str], width: int) -> bool:
    return (
        bool(row) and 1 < len(row) < width or (width > 1 and len(row) == 1 and bool(row[0].strip()))
    )


def _check_short_rows(text: str, delimiter: str, width: int, whole: bool, where: str) -> int:
    """Short rows are padded with missing values by pandas; within the sampled
    start of the file we refuse them instead, naming the line. Returns how many
    records (header included) the sample held."""
    if not whole:
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[:cut] if cut > 0 else text
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    records = 0
    try:
        for row in reader:
            if _is_short(row, width):
                raise _short_row_error(width, len(row), reader.line_num, where)
            if row:
                records += 1
    except csv.Error:
        return 0
    return records


def _check_short_rows_after_sample(
    df: pd.DataFrame,
    p: Path,
    encoding: str,
    delimiter: str,
    has_header: bool,
    checked: int,
    nrows: int | None,
    where: str,
    cancel: Callable[[], bool] | None = None,
) -> None:
    """Refuse a short row beyond the sampled start of the file, naming its line.

    The C parser pads a short row with missing values, so every short row has a
    missing value in the last column. That column is checked first (one
    vectorised pass over data already in memory); only when it has a missing
    cell past the rows the sample already checked is the file re-read with the
    `csv` module to tell a short row from a legitimately empty last cell.
    """
    last = df.iloc[:, -1]
    missing = last.isna().to_numpy()
    if checked > 0:
        missing = missing[checked:]
    if not missing.any():
        return
    width = len(df.columns)
    limit = None if nrows is None else nrows + (1 if has_header else 0)
    try:
        with open(p, encoding=encoding, errors="replace", newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter, skipinitialspace=True)
            records = 0
            for row in reader:
                if _is_short(row, width):
                    raise _short_row_error(width, len(row), reader.line_num, where)
                if row:
                    records += 1
                    if limit is not None and records >= limit:
                        return
                    if cancel is not None and records % 65536 == 0 and cancel():
                        raise LoadCancelled("Reading the file was cancelled.")
    except (csv.Error, OSError):
        return


def release_free_memory() -> None:
    """Hand the parser's freed buffers back to the operating system (glibc only)
    so that building the training matrix next does not stack on top of them."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        return
