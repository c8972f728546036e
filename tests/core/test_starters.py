"""`layerforge new --data ...` makes the starter that suits the data (core.starters): a
small CNN for pixel columns and image folders, Embedding + pooling for a text column,
an LSTM forecaster for a time series, Dense layers for a table; each trains a few
epochs from the CLI on small generated data and beats the baseline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cli import main
from core.starters import detect_kind, new_project
from tests.core.shaped_data import digits_csv, image_folder, reviews_csv


def _cli(capsys: pytest.CaptureFixture[str], *argv: object) -> str:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def _new(capsys: pytest.CaptureFixture[str], data: Path) -> tuple[Path, str, dict]:
    """`layerforge new --data DATA`: the project file, what `new` said, the saved JSON."""
    proj = data.parent / f"{data.stem}.lfproj"
    out = _cli(capsys, "new", "--data", data, "--out", proj)
    return proj, out, json.loads(proj.read_text())


def _types(saved: dict) -> list[str]:
    return [n["type"] for n in saved["graph"]["nodes"]]


def _train(capsys: pytest.CaptureFixture[str], project: Path, epochs: int, batch: int = 32) -> dict:
    metrics = project.with_suffix(".json")
    argv = ("--epochs", epochs, "--batch-size", batch, "--seed", 0, "--quiet")
    argv += ("--metrics-json", metrics)
    _cli(capsys, "train", project, *argv)
    return json.loads(metrics.read_text())


def _series_csv(path: Path, n: int = 400) -> Path:
    """Hourly readings of a daily cycle with a little noise, in time order."""
    rng = np.random.default_rng(0)
    t = np.arange(n)
    load = 50 + 10 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.5, n)
    stamps = pd.date_range("2024-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M")
    pd.DataFrame({"time": stamps, "load": load.round(3)}).to_csv(path, index=False)
    return path


def test_pixel_columns_get_a_small_cnn_that_beats_the_majority(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proj, out, saved = _new(capsys, digits_csv(tmp_path / "digits.csv", n=600))
    assert "Samples: images from pixel columns, a small CNN (detected: its 64 numeric" in out
    assert _types(saved) == [
        "Input", "Conv2D", "MaxPooling2D", "Conv2D", "Flatten", "Dense",
    ]  # fmt: skip
    assert saved["data"]["config"]["input"] == {"kind": "pixels", "shape": [8, 8, 1]}
    assert saved["graph"]["nodes"][-1]["params"]["activation"] == "softmax"
    test = _train(capsys, proj, 4)["test"]
    assert test["accuracy"] > 0.6  # ten balanced digits: the majority class is ~0.1


def test_an_image_folder_gets_a_cnn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proj, out, saved = _new(capsys, image_folder(tmp_path / "shades", per_class=30, size=(12, 12)))
    assert "Samples: images from a folder, a small CNN" in out
    assert _types(saved)[:4] == ["Input", "Conv2D", "MaxPooling2D", "Conv2D"]
    test = _train(capsys, proj, 8, batch=8)["test"]
    assert test["accuracy"] > 0.75  # two balanced classes


def test_a_text_column_gets_embedding_and_pooling(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proj, out, saved = _new(capsys, reviews_csv(tmp_path / "reviews.csv", n=240))
    assert "Samples: text, an Embedding + pooling network (detected: 'review' holds text)" in out
    assert _types(saved) == ["Input", "Embedding", "GlobalAveragePooling1D", "Dense", "Dense"]
    embedding = saved["graph"]["nodes"][1]["params"]
    assert embedding["mask_zero"] is True and embedding["input_dim"] > 2
    test = _train(capsys, proj, 15)["test"]
    assert test["accuracy"] > 0.7  # two balanced classes


def test_a_series_gets_an_lstm_forecaster_better_than_the_mean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proj, out, saved = _new(capsys, _series_csv(tmp_path / "load.csv"))
    assert "an LSTM forecaster (detected: 'time' holds dates in time order)" in out
    assert _types(saved) == ["Input", "LSTM", "Dense"]
    assert saved["data"]["config"]["input"]["kind"] == "series"
    test = _train(capsys, proj, 8)["test"]
    assert test["r2"] > 0.3  # the mean of the targets scores r2 = 0


def test_kind_overrides_the_guess_and_a_table_stays_dense(tmp_path: Path) -> None:
    data = digits_csv(tmp_path / "digits.csv", n=200)
    project, detected = new_project(data, kind="table")
    assert detected.kind == "table"
    assert [n.type for n in project.graph.nodes.values()] == ["Input", "Dense", "Dense", "Dense"]
    small = tmp_path / "small.csv"
    pd.DataFrame(np.arange(17 * 30).reshape(30, 17), columns=[*"abcdefghijklmnop", "y"]).to_csv(
        small, index=False
    )
    # 16 numeric columns would make a 4x4 image, but so few stay a table unless asked
    assert detect_kind(small).kind == "table"
    project, detected = new_project(small, "y", kind="pixels")
    types = [n.type for n in project.graph.nodes.values()]
    assert detected.kind == "pixels" and types[:3] == ["Input", "Conv2D", "MaxPooling2D"]
