"""Hostile CSV files from issue 11: wide headers, endless lines, pipes, UTF-16/32 and a
file truncated while it is read. Each is read in full or refused with one DataError line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from core.data import DataError, read_csv
from core.data.reader import MAX_SAMPLE_BYTES, SAMPLE_BYTES

ROOT = Path(__file__).resolve().parents[2]


def cli(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`layerforge ARGV` in a real subprocess (`python -m core.cli`)."""
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wide_csv(path: Path, n_columns: int, rows: int = 12) -> list[str]:
    """A CSV whose first column is `target` (0/1) and whose header is far over 64 KB."""
    names = ["target"] + [f"feature_number_{i:05d}" for i in range(n_columns - 1)]
    rng = np.random.default_rng(0)
    lines = [",".join(names)]
    for r in range(rows):
        values = [str(r % 2)] + [f"{v:.3f}" for v in rng.random(n_columns - 1) + 2]
        lines.append(",".join(values))
    path.write_text("\n".join(lines) + "\n")
    return names


def test_header_longer_than_the_sample_is_read_whole(tmp_path: Path) -> None:
    names = wide_csv(tmp_path / "wide.csv", 6001)
    assert len(",".join(names)) > SAMPLE_BYTES
    table = read_csv(tmp_path / "wide.csv")
    assert list(table.df.columns) == names
    assert table.df["target"].tolist() == [r % 2 for r in range(12)]
    assert table.df.iloc[:, 1:].to_numpy().min() >= 2  # no column shifted into another


def test_new_on_a_wide_file_keeps_the_target_column(tmp_path: Path, capsys) -> None:
    wide_csv(tmp_path / "wide.csv", 6001)
    out = tmp_path / "wide.lfproj"
    code = main(
        ["new", "--data", str(tmp_path / "wide.csv"), "--target", "target", "--out", str(out)]
    )
    assert code == 0, capsys.readouterr().err
    import json

    doc = json.loads(out.read_text())
    shapes = [n["params"].get("shape") for n in doc["graph"]["nodes"] if n["type"] == "Input"]
    assert shapes == [[6000]]
    assert doc["data"]["config"]["target"] == "target"


def test_a_name_cut_at_the_sample_edge_is_no_false_duplicate(tmp_path: Path) -> None:
    """The 64 KB cut used to turn 'c10_late' into a second 'c10'."""
    names = [f"c{i}" for i in range(20)]
    while len(",".join(names)) < SAMPLE_BYTES - 40:
        names.append(f"n{len(names)}")
    head = ",".join(names) + ","
    names.append("x" * (SAMPLE_BYTES - len(head) - 3 - 1))  # the next name starts at 64K - 3
    head = ",".join(names) + ","
    names.append("c10_late")
    assert (",".join(names))[SAMPLE_BYTES - 3 : SAMPLE_BYTES] == "c10"
    names += [f"tail{i}" for i in range(50)]
    path = tmp_path / "cut.csv"
    path.write_text(",".join(names) + "\n" + ",".join("1" for _ in names) + "\n")
    table = read_csv(path)
    assert list(table.df.columns) == names


def test_a_single_endless_line_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "one_line.csv"
    with open(path, "wb") as fh:
        chunk = b"1," * (1024 * 1024)
        for _ in range(MAX_SAMPLE_BYTES // len(chunk) + 2):
            fh.write(chunk)
    with pytest.raises(DataError, match="first line longer than 16 MB") as info:
        read_csv(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX only")
def test_a_fifo_is_refused_instead_of_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    done = cli("inspect", str(fifo), timeout=60)
    assert done.returncode == 1
    assert "special file" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-le", "utf-16-be"])
def test_utf16_and_utf32_files_are_read(tmp_path: Path, encoding: str) -> None:
    text = "name,size,label\ncafé,1.5,yes\nœuvre,2.5,no\nnaïve,3.5,yes\n"
    path = tmp_path / "wide_chars.csv"
    path.write_bytes(text.encode(encoding))
    table = read_csv(path)
    assert list(table.df.columns) == ["name", "size", "label"]
    assert table.df["name"].tolist() == ["café", "œuvre", "naïve"]
    assert table.df["size"].tolist() == [1.5, 2.5, 3.5]
    assert table.encoding_note and encoding[:6].upper() in table.encoding_note.upper()


def test_a_real_binary_file_starting_like_a_bom_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.csv"
    path.write_bytes(b"\xff\xfe" + bytes(range(256)) * 8)
    with pytest.raises(DataError):
        read_csv(path)


def test_truncating_the_file_while_it_is_read_never_kills_the_process(tmp_path: Path) -> None:
    """Was SIGBUS (memory-mapped reading): now every trial exits 0 or with a DataError."""
    rng = np.random.default_rng(7)
    path = tmp_path / "victim.csv"
    body = "\n".join(",".join(f"{v:.4f}" for v in row) for row in rng.random((150_000, 6)))
    original = "a,b,c,d,e,f\n" + body + "\n"
    script = (
        "import sys\nfrom core.data import read_csv\nfrom core.errors import DataError\n"
        "print('go', flush=True)\n"
        "try:\n    read_csv(sys.argv[1])\nexcept DataError as e:\n    print(e)\n"
    )
    for trial in range(4):
        path.write_text(original)
        proc = subprocess.Popen(
            [sys.executable, "-c", script, str(path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        proc.stdout.readline()
        with open(path, "r+b") as fh:
            fh.truncate(int(rng.integers(0, 400_000)) + trial)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, (trial, proc.returncode, err[-500:])
