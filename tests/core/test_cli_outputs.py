"""Issue 11, finding 3: an output path that is an input, or that has another format's
suffix, is refused with exit code 2 and one line, and the input is left untouched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.cli import main
from tests.core.test_cli import _csv


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse-style usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def proj(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    csv = _csv(tmp_path / "d.csv", n=40)
    out = tmp_path / "p.lfproj"
    code, _, err = run(
        capsys, "new", "--data", csv, "--target", "animal", "--hidden", "4", "--out", out
    )
    assert code == 0, err
    return out


def refused(code: int, err: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err


def test_train_out_onto_the_project_is_refused(proj: Path, capsys) -> None:
    before = proj.read_bytes()
    code, _, err = run(capsys, "train", proj, "--out", proj, "--epochs", "1", "--quiet")
    refused(code, err)
    assert "destroy" in err and proj.read_bytes() == before


def test_train_out_through_a_symlink_to_the_data_is_refused(proj: Path, capsys) -> None:
    data = proj.parent / "d.csv"
    link = proj.parent / "model.lfmodel"
    os.symlink(data, link)
    before = data.read_bytes()
    code, _, err = run(capsys, "train", proj, "--out", link, "--epochs", "1", "--quiet")
    refused(code, err)
    assert data.read_bytes() == before


def test_metrics_json_onto_the_project_is_refused(proj: Path, capsys) -> None:
    before = proj.read_bytes()
    code, _, err = run(capsys, "train", proj, "--metrics-json", proj, "--epochs", "1", "--quiet")
    refused(code, err)
    assert proj.read_bytes() == before
    assert not proj.with_suffix(".lfmodel").exists()  # refused before training


def test_metrics_json_with_a_csv_suffix_is_refused(proj: Path, capsys) -> None:
    code, _, err = run(
        capsys, "train", proj, "--metrics-json", proj.parent / "m.csv", "--epochs", "1"
    )
    refused(code, err)
    assert "m.json" in err


def test_new_onto_its_own_data_is_refused_even_with_force(tmp_path: Path, capsys) -> None:
    csv = _csv(tmp_path / "d.csv", n=40)
    before = csv.read_bytes()
    code, _, err = run(capsys, "new", "--data", csv, "--out", csv, "--force")
    refused(code, err)
    assert csv.read_bytes() == before


def test_new_with_a_model_suffix_is_refused(tmp_path: Path, capsys) -> None:
    csv = _csv(tmp_path / "d.csv", n=40)
    code, _, err = run(capsys, "new", "--data", csv, "--out", tmp_path / "x.lfmodel")
    refused(code, err)
    assert "x.lfproj" in err


def test_predict_and_export_refuse_to_overwrite_their_inputs(proj: Path, capsys) -> None:
    model = proj.with_suffix(".lfmodel")
    assert run(capsys, "train", proj, "--epochs", "1", "--quiet")[0] == 0
    data = proj.parent / "d.csv"
    before = data.read_bytes(), model.read_bytes()
    refused(*run(capsys, "predict", model, "--data", data, "--out", data)[::2])
    refused(*run(capsys, "predict", model, "--data", data, "--out", proj)[::2])
    refused(
        *run(capsys, "export", model, "--format", "predictions", "--data", data, "--out", data)[::2]
    )
    refused(*run(capsys, "export", model, "--format", "onnx", "--out", proj)[::2])
    assert (data.read_bytes(), model.read_bytes()) == before
