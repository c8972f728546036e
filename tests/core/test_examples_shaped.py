"""The examples beyond tables train from the command line as shipped: a CNN on the
8x8 digits (at least 97 % accuracy on its held-out test images), an Embedding +
LSTM text classifier on the generated reviews, and an LSTM forecaster on the
generated hourly load; each predicts on its own data file. Their datasets and
projects are what the generators in resources/ make."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cli.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"
DATASETS = ROOT / "resources" / "datasets"
SHAPED = ("digits", "reviews", "forecast")


def _train(name: str, tmp_path: Path, *extra: str) -> dict[str, dict[str, float]]:
    out, metrics = tmp_path / f"{name}.lfmodel", tmp_path / f"{name}.json"
    argv = ["train", str(EXAMPLES / f"{name}.lfproj"), "--out", str(out)]
    code = main([*argv, "--metrics-json", str(metrics), "--quiet", "--no-record", *extra])
    assert code == 0
    return json.loads(metrics.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_digits_cnn_reaches_97_percent_on_held_out_images(tmp_path: Path) -> None:
    metrics = _train("digits", tmp_path)
    assert metrics["test"]["accuracy"] >= 0.97, metrics
    assert metrics["validation"]["accuracy"] >= 0.95, metrics
    project = json.loads((EXAMPLES / "digits.lfproj").read_text(encoding="utf-8"))
    types = [n["type"] for n in project["graph"]["nodes"]]
    assert types.count("Conv2D") == 2 and types.count("MaxPooling2D") == 2


def test_text_classifier_with_embedding_and_lstm(tmp_path: Path) -> None:
    metrics = _train("reviews", tmp_path)
    assert metrics["test"]["accuracy"] >= 0.9, metrics
    out = tmp_path / "pred.csv"
    data = DATASETS / "reviews.csv"
    assert (
        main(["predict", str(tmp_path / "reviews.lfmodel"), "--data", str(data), "--out", str(out)])
        == 0
    )
    written = pd.read_csv(out)
    assert len(written) == 1500
    agree = (written["prediction"] == written["sentiment"]).mean()
    assert agree >= 0.9


def test_forecaster_beats_the_mean(tmp_path: Path) -> None:
    metrics = _train("forecast", tmp_path)
    assert metrics["test"]["r2"] >= 0.5, metrics  # 0 is always guessing the mean
    out = tmp_path / "pred.csv"
    data = DATASETS / "load.csv"
    assert (
        main(
            ["predict", str(tmp_path / "forecast.lfmodel"), "--data", str(data), "--out", str(out)]
        )
        == 0
    )
    written = pd.read_csv(out)
    assert len(written) == 24 * 7 * 8
    steps = [f"prediction_t+{k}" for k in range(1, 7)]
    assert list(written.columns) == ["time", "load_mw", *steps]
    assert written[steps].iloc[:23].isna().all().all()
    assert written[steps].iloc[23:].notna().all().all()


def test_generators_reproduce_the_bundled_files(tmp_path: Path) -> None:
    from resources.datasets.make_datasets import make_load, make_reviews
    from resources.examples.make_examples import main as make

    pd.testing.assert_frame_equal(make_reviews(), pd.read_csv(DATASETS / "reviews.csv"))
    pd.testing.assert_frame_equal(make_load(), pd.read_csv(DATASETS / "load.csv"))
    digits = pd.read_csv(DATASETS / "digits.csv")
    from sklearn.datasets import load_digits

    np.testing.assert_array_equal(digits.iloc[:, :64].to_numpy(), load_digits().data)
    np.testing.assert_array_equal(digits["digit"].to_numpy(), load_digits().target)
    assert make([str(tmp_path)]) == 0
    for name in SHAPED:
        fresh = json.loads((tmp_path / f"{name}.lfproj").read_text(encoding="utf-8"))
        kept = json.loads((EXAMPLES / f"{name}.lfproj").read_text(encoding="utf-8"))
        assert fresh["graph"] == kept["graph"], name
        assert fresh["training"] == kept["training"], name
        assert fresh["data"]["config"] == kept["data"]["config"], name
        assert kept["data"]["path"] == f"../datasets/{Path(kept['data']['path']).name}"


def test_datasets_readme_names_source_and_licence() -> None:
    text = (DATASETS / "README.md").read_text(encoding="utf-8")
    for name in ("digits.csv", "reviews.csv", "load.csv"):
        assert f"`{name}`" in text
    assert "BSD-3-Clause" in text and "**generated**" in text
