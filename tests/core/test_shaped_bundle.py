"""Images, pixel tables, text and series travel into the .lfmodel bundle: a saved
model predicts on new image folders / CSVs exactly as the trained model did on
the same preprocessed samples, `layerforge predict` works as for tables, and an
export that cannot carry the preprocessing says plainly what stays outside."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.bundle import load_model
from core.cli.__main__ import main
from core.data.image_folder import scan_folder
from core.export import export_model
from core.run import save_trained, train_project
from tests.core.shaped_data import digits_csv, image_folder, project, reviews_csv, write_image

IMAGE_NET = [
    ("Input", {"shape": [8, 8, 1]}),
    ("Flatten", {}),
    ("Dense", {"units": 8, "activation": "relu"}),
    ("Dense", {"units": 1, "activation": "sigmoid"}),
]


@pytest.fixture(scope="module")
def image_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    tmp = tmp_path_factory.mktemp("images")
    root = image_folder(tmp / "imgs", per_class=10)
    result = train_project(project(root, IMAGE_NET, {"input": {"kind": "images"}}))
    path = save_trained(result, tmp / "img.lfmodel")
    return root, path, result


def test_image_bundle_predicts_like_the_trained_model(image_model: tuple) -> None:
    root, path, result = image_model
    bundle = load_model(path)
    assert bundle.pipeline == result.dataset.pipeline
    assert bundle.config["input_shape"] == [8, 8, 1]
    frame, inputs = bundle.predict_table(root)
    scan = scan_folder(root)
    assert list(inputs.rows["file"]) == [scan.relative(f) for f in scan.files]
    want = result.model.predict(inputs.x, verbose=0)[:, 0]
    np.testing.assert_allclose(frame["probability_light"].to_numpy(), want, rtol=1e-6)
    trained_on = result.dataset.pipeline.input_spec.load(scan.files).x
    np.testing.assert_array_equal(bundle.features(root), trained_on)


def test_cli_predict_on_a_new_image_folder(
    image_model: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, path, _ = image_model
    new = image_folder(tmp_path / "new", classes=("dark", "light"), per_class=2, seed=9)
    (new / "dark" / "bad.png").write_bytes(b"nope")
    write_image(new / "loose.jpg", np.full((12, 12), 220))
    out = tmp_path / "pred.csv"
    assert main(["predict", str(path), "--data", str(new), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "1 image file(s) could not be read and have no prediction (dark/bad.png)" in err
    assert "resized 1 image(s) to 8x8" in err
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns) == [
        "file",
        "folder",
        "prediction",
        "probability_dark",
        "probability_light",
    ]
    assert list(table["file"]) == [
        "loose.jpg",
        "dark/bad.png",
        "dark/dark_000.png",
        "dark/dark_001.png",
        "light/light_000.png",
        "light/light_001.png",
    ]
    assert table.loc[1, "prediction"] == "" and table.loc[0, "folder"] == ""
    assert set(table["prediction"]) <= {"", "dark", "light"}


@pytest.mark.parametrize("fmt", ["onnx", "numpy"])
def test_export_says_what_stays_outside(image_model: tuple, tmp_path: Path, fmt: str) -> None:
    _, path, _ = image_model
    report = export_model(str(path), fmt, tmp_path / f"m.{'onnx' if fmt == 'onnx' else 'py'}")
    assert report.verified
    note = report.notes[0]
    assert note.startswith("preprocessing stays outside this file: each image read with Pillow")
    assert "resized to 8x8" in note and "divided by 255" in note
    assert "input is that preprocessed float32 array of shape (N, 8, 8, 1)" in note
    assert "its output is the probability of 'light' (against 'dark')" in note


def test_bundle_and_predictions_exports_keep_the_preprocessing(
    image_model: tuple, tmp_path: Path
) -> None:
    root, path, _ = image_model
    report = export_model(str(path), "bundle", tmp_path / "copy.lfmodel")
    assert report.verified and report.notes == []
    assert load_model(tmp_path / "copy.lfmodel").pipeline.input_kind == "images"
    report = export_model(str(path), "predictions", tmp_path / "p.csv", data=str(root))
    assert report.verified and report.rows == 20


def test_pixel_csv_bundle_round_trip(tmp_path: Path) -> None:
    csv = digits_csv(tmp_path / "digits.csv", n=200)
    net = [
        ("Input", {"shape": [8, 8, 1]}),
        ("Flatten", {}),
        ("Dense", {"units": 10, "activation": "softmax"}),
    ]
    config = {"target": "digit", "input": {"kind": "pixels", "shape": [8, 8, 1]}}
    result = train_project(project(csv, net, config))
    path = save_trained(result, tmp_path / "digits.lfmodel")
    bundle = load_model(path)
    rows = pd.read_csv(csv).head(20)
    want = result.model.predict(result.dataset.pipeline.transform(rows), verbose=0)
    pred = bundle.predict(rows)
    np.testing.assert_allclose(pred.probabilities, want, rtol=1e-6)
    out = tmp_path / "pred.csv"
    assert main(["predict", str(path), "--data", str(csv), "--out", str(out)]) == 0
    written = pd.read_csv(out)
    assert len(written) == 200 and "probability_9" in written.columns


def test_text_bundle_round_trip_and_cli_predict(tmp_path: Path) -> None:
    csv = reviews_csv(tmp_path / "reviews.csv", n=60)
    config = {"target": "sentiment", "input": {"kind": "text", "sequence_length": 6}}
    net = [("Input", {"shape": [6]}), ("Dense", {"units": 1, "activation": "sigmoid"})]
    result = train_project(project(csv, net, config))
    path = save_trained(result, tmp_path / "text.lfmodel")
    bundle = load_model(path)
    assert bundle.pipeline == result.dataset.pipeline
    new = pd.DataFrame({"review": ["A great, lovely film!", "", "Dull and boring plot"]})
    x = bundle.features(new)
    assert x.dtype == np.int32 and x[1].tolist() == [0] * 6
    np.testing.assert_array_equal(x, result.dataset.pipeline.transform(new))
    want = result.model.predict(x, verbose=0)[:, 0]
    np.testing.assert_allclose(bundle.predict(new).probabilities[:, 1], want, rtol=1e-6)
    new_csv = tmp_path / "new.csv"
    new.to_csv(new_csv, index=False)
    out = tmp_path / "pred.csv"
    assert main(["predict", str(path), "--data", str(new_csv), "--out", str(out)]) == 0
    written = pd.read_csv(out, keep_default_na=False)
    assert list(written.columns[:2]) == ["review", "prediction"]
    assert len(written) == 3
    report = export_model(str(path), "onnx", tmp_path / "text.onnx")
    assert "the text column 'review' lower-cased, split into words" in report.notes[0]
    assert "input is that preprocessed" in report.notes[0]


def test_series_bundle_forecasts_from_every_window(tmp_path: Path) -> None:
    n = 120
    t = np.arange(n)
    frame = pd.DataFrame({"day": t, "load": np.round(10 + 5 * np.sin(2 * np.pi * t / 20), 4)})
    csv = tmp_path / "load.csv"
    frame.to_csv(csv, index=False)
    config = {
        "target": "load",
        "roles": {"day": "ignore"},
        "scale_target": True,
        "validation_split": 0.2,
        "input": {"kind": "series", "window": 10, "horizon": 2},
    }
    net = [("Input", {"shape": [10, 1]}), ("Flatten", {}), ("Dense", {"units": 2})]
    result = train_project(project(csv, net, config, epochs=5))
    path = save_trained(result, tmp_path / "load.lfmodel")
    bundle = load_model(path)
    assert bundle.pipeline == result.dataset.pipeline
    pred, inputs = bundle.predict_table(csv)
    assert list(pred.columns) == ["prediction_t+1", "prediction_t+2"]
    assert pred.iloc[:9].isna().all().all() and pred.iloc[9:].notna().all().all()
    # the forecast standing on row 9 comes from rows 0..9, in the target's own units
    raw = result.model.predict(result.dataset.pipeline.transform(frame)[:1], verbose=0)
    want = bundle.pipeline.target_values(raw)[0]
    np.testing.assert_allclose(pred.iloc[9].to_numpy(np.float64), want, rtol=1e-5)
    out = tmp_path / "pred.csv"
    assert main(["predict", str(path), "--data", str(csv), "--out", str(out)]) == 0
    written = pd.read_csv(out)
    assert len(written) == n and list(written.columns) == [
        "day",
        "load",
        "prediction_t+1",
        "prediction_t+2",
    ]
    metrics = bundle.evaluate(frame)
    x, y, rows = bundle.labelled(frame)
    assert len(x) == n - 12 + 1 and rows[0] == 10  # every window with both targets known
    assert set(metrics) >= {"loss", "mae"}


def test_cli_evaluate_on_a_labelled_image_folder(
    image_model: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, path, _ = image_model
    report = tmp_path / "r.html"
    assert main(["evaluate", str(path), "--data", str(root), "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert f"20 samples of {root} (target 'class')" in out
    assert "accuracy" in out and report.stat().st_size > 0
    other = image_folder(tmp_path / "other", classes=("dark", "birds"), per_class=1)
    assert main(["evaluate", str(path), "--data", str(other)]) == 1
    assert "Expected class folders named like the model's classes ('dark', 'light')" in (
        capsys.readouterr().err
    )
