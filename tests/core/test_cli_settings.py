"""`layerforge new` and `train` speak the settings people change: split shares,
learning rate, optimizer, loss, metrics and early stopping, checked by argparse
(exit code 2 with a reason), saved by `new`, applied by `train`, which prints
the settings it used."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cli import main


def _csv(path: Path, n: int = 150, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    y = 50 + 10 * a - 5 * b + rng.normal(0, 1, n)
    pd.DataFrame({"a": a, "b": b, "y": y}).to_csv(path, index=False)
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def usage_error(capsys: pytest.CaptureFixture[str], *argv: object) -> str:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert info.value.code == 2, err
    return err


@pytest.fixture
def csv(tmp_path: Path) -> Path:
    return _csv(tmp_path / "data.csv")


def _new(capsys: pytest.CaptureFixture[str], csv: Path, *flags: object) -> dict:
    out = csv.parent / "p.lfproj"
    code, _, err = run_cli(capsys, "new", "--data", csv, "--out", out, "--force", *flags)
    assert code == 0, err
    return json.loads(out.read_text())


def test_new_saves_every_setting_flag_in_the_project(
    csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _new(
        capsys,
        csv,
        "--validation-split",
        "0.25",
        "--test-split",
        "0.15",
        "--learning-rate",
        "0.003",
        "--optimizer",
        "RMSprop",
        "--loss",
        "huber",
        "--metrics",
        "mae,mse",
        "--early-stopping",
        "7",
    )
    data, train = project["data"]["config"], project["training"]
    assert (data["validation_split"], data["test_split"]) == (0.25, 0.15)
    assert train["learning_rate"] == 0.003 and train["optimizer"] == "rmsprop"
    assert train["loss"] == "huber" and train["metrics"] == ["mae", "mse"]
    assert train["early_stopping"]["enabled"] is True
    assert train["early_stopping"]["patience"] == 7


def test_new_without_flags_keeps_the_starter_defaults(
    csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _new(capsys, csv)
    data, train = project["data"]["config"], project["training"]
    assert (data["validation_split"], data["test_split"], data["scale_target"]) == (0.2, 0.2, True)
    assert (train["optimizer"], train["learning_rate"], train["epochs"]) == ("adam", 0.001, 200)
    assert train["loss"] == "mean_squared_error" and train["metrics"] == ["mae", "r2"]
    assert train["early_stopping"]["enabled"] is True
    assert train["early_stopping"]["patience"] == 10
    units = [n["params"].get("units") for n in project["graph"]["nodes"][1:]]
    assert units == [16, 8, 1]


def test_early_stopping_off(csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _new(capsys, csv, "--early-stopping", "off")
    assert project["training"]["early_stopping"]["enabled"] is False


def test_train_applies_the_flags_and_prints_the_settings_it_used(
    csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _new(capsys, csv)
    project = csv.parent / "p.lfproj"
    before = project.read_text()
    code, out, err = run_cli(
        capsys,
        "train",
        project,
        "--quiet",
        "--epochs",
        "3",
        "--validation-split",
        "0.3",
        "--test-split",
        "0.1",
        "--learning-rate",
        "0.01",
        "--optimizer",
        "sgd",
        "--loss",
        "mae",
        "--metrics",
        "mse",
        "--early-stopping",
        "off",
        "--metrics-json",
        csv.parent / "m.json",
    )
    assert code == 0, err
    settings = out[out.index("Settings used:") :]
    assert "optimizer   sgd, learning rate 0.01" in settings
    assert "loss        mae" in settings and "metrics     mse" in settings
    assert "up to 3, no early stopping" in settings
    assert "90 train / 45 validation / 15 test (60% / 30% / 10%)" in settings
    assert "'y' standardized for training" in settings
    scores = json.loads((csv.parent / "m.json").read_text())
    assert set(scores["test"]) == {"loss", "mse"}
    after = json.loads(project.read_text())
    assert len(after.pop("runs")) == 1  # train records the run (issue 12) ...
    assert after == json.loads(before)  # ... and changes nothing else in the project


def test_train_early_stopping_patience(csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _new(capsys, csv, "--early-stopping", "off")
    code, out, err = run_cli(
        capsys, "train", csv.parent / "p.lfproj", "--quiet", "--early-stopping", "2"
    )
    assert code == 0, err
    assert "early stopping on val_loss after 2 epochs without improvement" in out


@pytest.mark.parametrize(
    ("flag", "value", "says"),
    [
        ("--validation-split", "1.5", "from 0 to below 1"),
        ("--validation-split", "much", "share of the rows"),
        ("--test-split", "-0.1", "from 0 to below 1"),
        ("--test-split", "nan", "from 0 to below 1"),
        ("--learning-rate", "0", "> 0"),
        ("--learning-rate", "fast", "learning rate such as"),
        ("--learning-rate", "inf", "> 0"),
        ("--optimizer", "adamm", "did you mean 'adam'"),
        ("--loss", "mean_square_error", "did you mean 'mean_squared_error'"),
        ("--metrics", "mae,accuracyy", "unknown metric 'accuracyy'"),
        ("--metrics", ",", "metric names separated by commas"),
        ("--early-stopping", "0", ">= 1"),
        ("--early-stopping", "soon", "or 'off'"),
    ],
)
@pytest.mark.parametrize("command", ["new", "train"])
def test_bad_values_are_usage_errors(
    csv: Path, capsys: pytest.CaptureFixture[str], command: str, flag: str, value: str, says: str
) -> None:
    head = (
        ["new", "--data", csv, "--out", csv.parent / "bad.lfproj"]
        if command == "new"
        else ["train", csv.parent / "missing.lfproj"]
    )
    err = usage_error(capsys, *head, f"{flag}={value}")
    assert "usage:" in err and flag in err and says in err
    assert not (csv.parent / "bad.lfproj").exists()


@pytest.mark.parametrize("command", ["new", "train"])
def test_shares_that_leave_no_training_rows_are_a_usage_error(
    csv: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    _new(capsys, csv)
    head = (
        ["new", "--data", csv, "--out", csv.parent / "bad.lfproj"]
        if command == "new"
        else ["train", csv.parent / "p.lfproj"]
    )
    err = usage_error(capsys, *head, "--validation-split", "0.6", "--test-split", "0.5")
    assert "add up to 1.1" in err and "rows are left to train on" in err
    assert not (csv.parent / "bad.lfproj").exists()


@pytest.mark.parametrize("command", ["new", "train"])
def test_help_describes_every_setting_flag(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for flag, words in [
        ("--validation-split SHARE", "held out to watch training"),
        ("--test-split SHARE", "held out for the final test"),
        ("--learning-rate RATE", "optimizer step size"),
        ("--optimizer NAME", "adam, adamw, sgd, rmsprop or adagrad"),
        ("--loss NAME", "Keras loss name"),
        ("--metrics A,B", "separated by commas"),
        ("--early-stopping PATIENCE", "has not improved for PATIENCE epochs"),
    ]:
        assert flag in text and words in text, flag
