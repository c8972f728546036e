"""Reading CSV files: sniffing, encodings, missing spellings, and every bad
file refused with a DataError that names the file and what is wrong."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from core.data import DataConfig, DataError, load_dataset, read_csv


def write(tmp_path: Path, content: bytes | str, name: str = "data.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return p


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path: Path, delim: str) -> None:
    rows = ["a", "b", "c"], ["1", "x", "2.5"], ["3", "y", "4.5"], ["5", "x", "6.5"]
    p = write(tmp_path, "\n".join(delim.join(r) for r in rows) + "\n")
    t = read_csv(p)
    assert t.delimiter == delim
    assert list(t.df.columns) == ["a", "b", "c"]
    assert t.df["c"].tolist() == [2.5, 4.5, 6.5]


def test_semicolon_file_with_decimal_comma(tmp_path: Path) -> None:
    t = read_csv(write(tmp_path, "a;b\n1,5;2\n3,25;4\n"))
    assert t.delimiter == ";" and t.decimal == ","
    assert t.df["a"].tolist() == [1.5, 3.25]


def test_utf8_bom(tmp_path: Path) -> None:
    t = read_csv(write(tmp_path, b"\xef\xbb\xbfname,value\ncaf\xc3\xa9,1\nb,2\n"))
    assert list(t.df.columns) == ["name", "value"]
    assert t.df["name"].iloc[0] == "café"
    assert t.encoding_note is None


def test_cp1252_fallback_is_reported(tmp_path: Path) -> None:
    t = read_csv(write(tmp_path, "name,value\ncafé,1\nœuvre,2\n".encode("cp1252")))
    assert t.encoding == "cp1252"
    assert t.encoding_note is not None and "cp1252" in t.encoding_note
    assert t.df["name"].tolist() == ["café", "œuvre"]


def test_non_utf8_byte_after_the_sample_falls_back(tmp_path: Path) -> None:
    body = "".join(f"{i},abc\n" for i in range(20000))
    p = write(tmp_path, ("n,s\n" + body).encode() + "9,café\n".encode("cp1252"))
    t = read_csv(p)
    assert t.encoding == "cp1252" and t.df["s"].iloc[-1] == "café"


def test_quoted_fields_with_delimiters_and_newlines_and_crlf(tmp_path: Path) -> None:
    p = write(tmp_path, b'id,text,v\r\n1,"a, b",1\r\n2,"line1\r\nline2",2\r\n3,"say ""hi""",3\r\n')
    t = read_csv(p)
    assert t.df["text"].tolist() == ["a, b", "line1\r\nline2", 'say "hi"']
    assert t.df["v"].tolist() == [1, 2, 3]


def test_no_header_gets_generated_names(tmp_path: Path) -> None:
    t = read_csv(write(tmp_path, "1,2,3\n4,5,6\n"))
    assert not t.has_header
    assert list(t.df.columns) == ["column_1", "column_2", "column_3"]
    assert len(t.df) == 2
    assert any("column_1" in n for n in t.notices)


@pytest.mark.parametrize("marker", ["", "NA", "N/A", "null", "?", "nan"])
def test_missing_value_spellings(tmp_path: Path, marker: str) -> None:
    t = read_csv(write(tmp_path, f"a,b\n1,{marker}\n2,3\n4,5\n"))
    assert np.isnan(t.df["b"].iloc[0])
    assert t.df["b"].dtype.kind == "f"


def test_nrows_preview(tmp_path: Path) -> None:
    p = write(tmp_path, "a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(1000)))
    t = read_csv(p, nrows=10)
    assert len(t.df) == 10 and t.truncated


def test_all_missing_column_is_dropped_with_notice(tmp_path: Path) -> None:
    t = read_csv(write(tmp_path, "a,empty,b\n1,,x\n2,NA,y\n3,,x\n"))
    assert list(t.df.columns) == ["a", "b"]
    assert any("empty" in n and "dropped" in n for n in t.notices)


# ------------------------------------------------------------------ bad files


def assert_error(exc: pytest.ExceptionInfo[DataError], path: Path, *words: str) -> None:
    msg = str(exc.value)
    assert str(path) in msg, msg
    for w in words:
        assert w.lower() in msg.lower(), msg


def test_empty_file(tmp_path: Path) -> None:
    p = write(tmp_path, b"")
    with pytest.raises(DataError) as e:
        read_csv(p)
    assert_error(e, p, "empty")


def test_whitespace_only_file(tmp_path: Path) -> None:
    p = write(tmp_path, b"\r\n  \n")
    with pytest.raises(DataError) as e:
        read_csv(p)
    assert_error(e, p, "empty")


def test_header_without_rows(tmp_path: Path) -> None:
    p = write(tmp_path, "a,b,c\n")
    with pytest.raises(DataError) as e:
        read_csv(p)
    assert_error(e, p, "header row only", "add data rows")


def test_ragged_row_too_many_fields_names_line(tmp_path: Path) -> None:
    p = write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n")
    with pytest.raises(DataError) as e:
        read_csv(p)
    assert_error(e, p, "line 4", "Expected 3 fields")
    assert e.value.row == 4


def test_ragged_row_too_few_fields_names_line(tmp_path: Path) -> None:
    p = write(tmp_path, "a,b,c\n1,2,3\n4,5\n")
    with pytest.raises(DataError) as e:
        read_csv(p)
    assert_error(e, p, "line 3", "2 fields")


def test_ragged_row_far_down_the_file(tmp_path: Path) -> None:
    body = "".join(f"{i},{i}\n" for i in range(30000))
    p = write(tmp_path, "a,b\n" + body + "1,2,3\n")
    with pytest.raises(DataError) as e:
        read_csv(p)
    assert_error(e, p, "line 30002")


def test_short_row_far_down_the_file_names_line(tmp_path: Path) -> None:
    """Beyond the sampled first 64 KB, pandas would pad a short row with NaN silently."""
    body = "".join(f"{i},{i * 0.5},x\n" for i in range(30000))
    p = write(tmp_path, "a,b,c\n" + body + "7,8\n" + "1,2,y\n")
    assert p.stat().st_size > 64 * 1024 * 4
    with pytest.raises(DataError) as e:
        read_csv(p)
    assert_error(e, p, "line 30002", "2 fields")
    assert e.value.row == 30002
    with pytest.raises(DataError):  # a preview that reaches the line refuses it too
        read_csv(p, nrows=30005)
    assert len(read_csv(p, nrows=1000).df) == 1000


def test_empty_last_cells_far_down_are_not_short_rows(tmp_path: Path) -> None:
    body = "".join(f"{i},{i * 0.5},x\n" for i in range(30000))
    p = write(tmp_path, "a,b,c\n" + body + "7,8,\n" + "7,8,NA\n" + '"7",8,""\n')
    t = read_csv(p)
    assert len(t.df) == 30003 and int(t.df["c"].isna().sum()) == 3


def test_binary_file(tmp_path: Path) -> None:
    p = write(tmp_path, b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4, "book.xlsx")
    with pytest.raises(DataError) as e:
        read_csv(p)
    assert_error(e, p, "binary", "CSV")


def test_duplicate_column_names(tmp_path: Path) -> None:
    p = write(tmp_path, "a,b,a\n1,2,3\n4,5,6\n")
    with pytest.raises(DataError) as e:
        read_csv(p)
    assert_error(e, p, "'a'", "rename")
    assert e.value.column == "a"


def test_missing_path(tmp_path: Path) -> None:
    p = tmp_path / "nope.csv"
    with pytest.raises(DataError) as e:
        read_csv(p)
    assert_error(e, p, "not found")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(DataError) as e:
        read_csv(tmp_path)
    assert_error(e, tmp_path, "directory")


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0,
    reason="root can read anything; no chmod semantics on Windows",
)
def test_unreadable(tmp_path: Path) -> None:
    p = write(tmp_path, "a,b\n1,2\n")
    p.chmod(0)
    try:
        with pytest.raises(DataError) as e:
            read_csv(p)
        assert_error(e, p, "permission")
    finally:
        p.chmod(0o600)


def test_unreadable_via_oserror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = write(tmp_path, "a,b\n1,2\n")

    def deny(self: Path, *a: object, **k: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", deny)
    with pytest.raises(DataError) as e:
        read_csv(p)
    assert_error(e, p, "cannot be read")


def test_unclosed_quote(tmp_path: Path) -> None:
    p = write(tmp_path, 'a,b\n1,"oops\n2,3\n')
    with pytest.raises(DataError) as e:
        load_dataset(p, DataConfig(target="a"))
    assert str(p) in str(e.value)


def test_every_column_missing(tmp_path: Path) -> None:
    p = write(tmp_path, "a,b\nNA,\n?,null\n")
    with pytest.raises(DataError) as e:
        read_csv(p)
    assert_error(e, p, "missing")


def test_text_after_the_sample_in_a_float_column(tmp_path: Path) -> None:
    body = "".join(f"{i}.25,{'a' if i % 2 else 'b'}\n" for i in range(20000))
    p = write(tmp_path, "x,y\n" + body + "oops,a\n")
    t = read_csv(p)  # the float32 hint fails; the reader parses again without hints
    assert len(t.df) == 20001 and t.df["x"].iloc[-1] == "oops"
    with pytest.raises(DataError) as e:
        load_dataset(p, DataConfig(target="y"))
    assert "'oops'" in str(e.value) and "row 20001" in str(e.value)


@pytest.mark.parametrize("word", ["NA", "?", "null", "N/A"])
def test_missing_word_past_the_sniffed_sample_in_a_numeric_column(
    tmp_path: Path, word: str
) -> None:
    # The sample decides a column is plain numeric; a missing-value word far below
    # it must still read as missing, not fail and not become text.
    rows = [f"{i * 0.5:.3f},{i % 7},{'yes' if i % 2 else 'no'}" for i in range(8000)]
    rows[7000] = f"{word},3,no"
    path = tmp_path / "late_na.csv"
    path.write_text("x,k,flag\n" + "\n".join(rows) + "\n")
    assert path.stat().st_size > 64 * 1024
    table = read_csv(path)
    x = table.df["x"]
    assert x.dtype.kind == "f"
    assert int(x.isna().sum()) == 1 and np.isnan(x.iloc[7000])
    assert x.iloc[6999] == pytest.approx(6999 * 0.5)
