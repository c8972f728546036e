"""A standardized regression target: fitted on the training rows, stored in the
pipeline JSON, and undone for metrics, predictions and every export, so that a
user sees their own units; files from before the option keep their behaviour.
The bundled diabetes table reaches R² >= 0.35 on its test rows with
`layerforge new` + `layerforge train` at their defaults.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import core.engine.layers  # noqa: F401 - registers the layer types
from core.bundle import load_model
from core.cli import main as cli_main
from core.data import DataConfig, Pipeline, load_dataset
from core.data.preprocess import TargetScaling
from core.engine.metric_units import InTargetUnits
from core.engine.metrics import MeanAbsoluteError, R2Score
from core.errors import FormatError
from core.export import export_model
from core.export.onnx_export import onnx_inputs
from core.run import evaluate_splits, load_data, new_project_from_csv, save_trained, train_project

DIABETES = Path("resources/datasets/diabetes.csv")


def regression_csv(path: Path, n: int = 400, seed: int = 0) -> Path:
    """A target around 1000 with spread 200, from two numbers and a category."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], size=n)
    bump = np.select([color == "red", color == "green"], [0.5, -0.5], 0.0)
    y = 1000 + 200 * (0.8 * a - 0.5 * b + bump) + rng.normal(0, 10, n)
    pd.DataFrame({"a": a, "b": b, "color": color, "price": y}).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    """(csv, .lfmodel, TrainResult) of a starter project trained briefly."""
    folder = tmp_path_factory.mktemp("scaled")
    csv = regression_csv(folder / "prices.csv")
    project = new_project_from_csv(csv, "price")
    project.train_config = {**project.train_config, "epochs": 60}
    result = train_project(project)
    bundle = save_trained(result, folder / "prices.lfmodel")
    return csv, bundle, result


# ------------------------------------------------------------------ the option


def test_data_config_option_is_on_for_new_settings_and_off_for_old_files() -> None:
    assert DataConfig().scale_target is True
    assert DataConfig().to_dict()["scale_target"] is True
    assert DataConfig.from_dict({"target": "y"}).scale_target is False  # saved before it existed
    assert DataConfig.from_dict(DataConfig().to_dict()).scale_target is True
    with pytest.raises(Exception, match="scale_target"):
        DataConfig(scale_target="yes")  # type: ignore[arg-type]


def test_fitted_on_training_rows_and_stored_in_the_pipeline_json(tmp_path: Path) -> None:
    csv = regression_csv(tmp_path / "p.csv")
    ds = load_dataset(csv, DataConfig(target="price", validation_split=0.25, test_split=0.25))
    scaling = ds.pipeline.target_scaling
    raw_train = ds.pipeline.target_values(ds.y_train)
    assert scaling.offset == pytest.approx(float(raw_train.mean()), rel=1e-6)
    assert scaling.scale == pytest.approx(float(raw_train.std()), rel=1e-5)
    assert 900 < scaling.offset < 1100 and 150 < scaling.scale < 300
    # validation rows are scaled with the training rows' statistics, not their own
    raw_prices = pd.read_csv(csv)["price"].to_numpy()
    val = ds.pipeline.target_values(ds.y_val).ravel()
    assert np.abs(val[:, None] - raw_prices[None, :]).min(axis=1).max() < 1e-3
    assert abs(float(ds.y_val.mean())) > 1e-4  # not re-centred on its own mean
    d = json.loads(json.dumps(ds.pipeline.to_dict()))
    assert d["version"] == 2 and d["target_scaling"] == {
        "offset": scaling.offset,
        "scale": scaling.scale,
    }
    again = Pipeline.from_dict(d)
    assert again == ds.pipeline and again.target_scaling == scaling
    values, probs = again.decode_predictions(np.array([[0.0], [1.0]]))
    assert probs is None and values == pytest.approx(
        [scaling.offset, scaling.offset + scaling.scale]
    )


def test_a_pipeline_saved_before_the_option_has_no_scaling(tmp_path: Path) -> None:
    ds = load_dataset(
        regression_csv(tmp_path / "p.csv"), DataConfig(target="price", scale_target=False)
    )
    d = ds.pipeline.to_dict()
    assert d["version"] == 1 and d["target_scaling"] is None
    del d["target_scaling"]  # what an older LayerForge wrote
    old = Pipeline.from_dict(d)
    assert old.target_scaling is None
    assert old.decode_predictions(np.array([[3.5]]))[0] == pytest.approx([3.5])
    assert ds.y_train.mean() > 500  # trained on the raw target


def test_bad_target_scaling_in_a_file_is_refused(tmp_path: Path) -> None:
    ds = load_dataset(regression_csv(tmp_path / "p.csv"), DataConfig(target="price"))
    d = ds.pipeline.to_dict()
    d["target_scaling"] = {"offset": 1.0, "scale": 0.0}
    with pytest.raises(FormatError, match="scale > 0"):
        Pipeline.from_dict(d)
    d["target_scaling"] = {"offset": "x"}
    with pytest.raises(FormatError, match="offset"):
        Pipeline.from_dict(d)


def test_a_constant_target_keeps_scale_one() -> None:
    s = TargetScaling.fit(np.full(10, 7.0))
    assert (s.offset, s.scale) == (7.0, 1.0)


def test_classification_targets_are_never_scaled() -> None:
    ds = load_dataset(Path("resources/datasets/iris.csv"), DataConfig())
    assert ds.task.kind == "multiclass" and ds.pipeline.target_scaling is None
    assert set(np.unique(ds.y_train)) == {0.0, 1.0}


def test_old_project_without_the_option_trains_on_the_raw_target(tmp_path: Path) -> None:
    csv = regression_csv(tmp_path / "p.csv")
    project = new_project_from_csv(csv, "price")
    assert project.data_config["scale_target"] is True
    project.data_config = {k: v for k, v in project.data_config.items() if k != "scale_target"}
    ds = load_data(project)
    assert ds.pipeline.target_scaling is None and ds.y_train.mean() > 500


# ------------------------------------------------------------------ metrics


def test_wrapped_metrics_report_in_target_units() -> None:
    rng = np.random.default_rng(0)
    t, p = rng.normal(size=(50, 1)), rng.normal(size=(50, 1))
    mae = InTargetUnits("mae", offset=100.0, scale=20.0)
    mae.update_state(t, p)
    assert mae.name == "mae"
    assert mae.result() == pytest.approx(20.0 * float(np.abs(t - p).mean()))
    r2 = InTargetUnits(R2Score(name="r2"), offset=100.0, scale=20.0)
    r2.update_state(t, p)
    plain = R2Score()
    plain.update_state(t, p)
    assert r2.name == "r2" and r2.result() == pytest.approx(plain.result())
    mae.reset_state()
    assert mae.result() == 0.0


def test_run_metrics_are_in_the_target_units(trained: tuple[Path, Path, object]) -> None:
    _, _, result = trained
    ds = result.dataset
    raw_pred = result.model.predict(ds.x_test, verbose=0)
    values = ds.pipeline.target_values(raw_pred)
    truth = ds.pipeline.target_values(ds.y_test)
    want = MeanAbsoluteError()
    want.update_state(truth, values)
    metrics = evaluate_splits(result.model, ds)
    assert metrics["test"]["mae"] == pytest.approx(want.result(), rel=1e-5)
    assert metrics["test"]["mae"] > 5  # the target's units, not standard deviations
    assert metrics["test"]["r2"] > 0.8
    # the loss stays on the standardized target
    assert metrics["test"]["loss"] < 1.0
    assert "mae" in result.history and result.history["mae"][-1] > 5


def test_bundle_predicts_and_evaluates_in_target_units(trained: tuple[Path, Path, object]) -> None:
    csv, path, result = trained
    bundle = load_model(path)
    rows = pd.read_csv(csv)
    pred = bundle.predict(rows)
    assert pred.task == "regression" and 800 < float(np.mean(pred.values)) < 1200
    ds = result.dataset
    want = ds.pipeline.target_values(result.model.predict(bundle.features(rows), verbose=0))
    assert pred.values == pytest.approx(want[:, 0], rel=1e-6)
    scores = bundle.evaluate(rows)
    assert scores["mae"] == pytest.approx(
        float(np.abs(pred.values - rows["price"].to_numpy()).mean()), rel=1e-4
    )
    assert scores["r2"] > 0.8


# ------------------------------------------------------------------ exports


def _predicted(bundle: object, rows: pd.DataFrame) -> np.ndarray:
    return np.asarray(bundle.predict(rows).values, np.float64)  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", ["onnx", "numpy", "python", "bundle"])
def test_exports_verify_with_the_scaling_undone(
    trained: tuple[Path, Path, object], tmp_path: Path, fmt: str
) -> None:
    csv, path, _ = trained
    report = export_model(path, fmt, tmp_path / f"model.{fmt}", rows=csv)
    assert report.verified and report.max_abs_diff is not None


def test_onnx_graph_gives_values_in_target_units(
    trained: tuple[Path, Path, object], tmp_path: Path
) -> None:
    import onnxruntime as ort

    csv, path, _ = trained
    report = export_model(path, "onnx", tmp_path / "m.onnx")
    assert any("own units inside the graph" in n for n in report.notes)
    bundle = load_model(path)
    rows = pd.read_csv(csv).iloc[:50]
    sess = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    (value,) = sess.run(["value"], onnx_inputs(bundle.pipeline, rows))
    assert value[:, 0] == pytest.approx(_predicted(bundle, rows), rel=1e-5)


def test_numpy_script_writes_values_in_target_units(
    trained: tuple[Path, Path, object], tmp_path: Path
) -> None:
    import subprocess
    import sys

    csv, path, _ = trained
    export_model(path, "numpy", tmp_path / "predict.py")
    out = tmp_path / "pred.csv"
    subprocess.run(
        [sys.executable, str(tmp_path / "predict.py"), str(csv), "--out", str(out)], check=True
    )
    got = pd.read_csv(out)["prediction"].to_numpy()
    assert got == pytest.approx(_predicted(load_model(path), pd.read_csv(csv)), rel=1e-5)


def test_keras_export_ends_in_a_rescaling_layer(
    trained: tuple[Path, Path, object], tmp_path: Path
) -> None:
    import zipfile

    _, path, _ = trained
    target = tmp_path / "m.keras"
    report = export_model(path, "keras", target, verify=False)
    assert any("Rescaling" in n for n in report.notes)
    config = json.loads(zipfile.ZipFile(target).read("config.json"))
    last = config["config"]["layers"][-1]
    scaling = load_model(path).pipeline.target_scaling
    assert last["class_name"] == "Rescaling"
    assert (last["config"]["scale"], last["config"]["offset"]) == (scaling.scale, scaling.offset)
    assert config["config"]["output_layers"] == [last["name"], 0, 0]


def test_keras_loads_the_export_and_predicts_target_units(
    trained: tuple[Path, Path, object], tmp_path: Path
) -> None:
    keras = pytest.importorskip(
        "keras", reason='Keras 3 not installed: pip install "layerforge[keras]"'
    )
    from core.export.verify import keras_features

    csv, path, _ = trained
    report = export_model(path, "keras", tmp_path / "m.keras", rows=csv)
    assert report.verified and "Keras" in report.consumer
    bundle = load_model(path)
    rows = pd.read_csv(csv).iloc[:40]
    model = keras.saving.load_model(str(tmp_path / "m.keras"), compile=False)
    got = np.asarray(model.predict(keras_features(bundle.pipeline, rows), verbose=0))
    assert got[:, 0] == pytest.approx(_predicted(bundle, rows), rel=1e-5)


# ------------------------------------------------------------------ the defaults


def test_diabetes_learns_with_the_cli_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "diabetes.lfproj"
    metrics = tmp_path / "metrics.json"
    assert cli_main(["new", "--data", str(DIABETES), "--out", str(project)]) == 0
    assert cli_main(["train", str(project), "--quiet", "--metrics-json", str(metrics)]) == 0
    out = capsys.readouterr().out
    scores = json.loads(metrics.read_text())
    test = scores["test"]
    assert "88 test" in out  # 20% of the 442 rows, never trained or stopped on
    assert test["r2"] >= 0.35, out
    assert test["mae"] < 60  # in the target's units (mean about 152)
    assert "standardized for training" in out
    table_and_note = out[out.index("split ") :]
    assert "Note: loss (mean_squared_error) is computed on the standardized target" in (
        " ".join(table_and_note.split())
    )


def test_results_and_baseline_are_in_target_units(trained: tuple[Path, Path, object]) -> None:
    from core.evaluation.results import evaluate_dataset

    _, _, result = trained
    ds = result.dataset
    ev = evaluate_dataset(result.model, ds)
    truth = ds.pipeline.target_values(ds.y_test)[:, 0]
    values = ds.pipeline.target_values(result.model.predict(ds.x_test, verbose=0))[:, 0]
    assert ev.model.regression.mae == pytest.approx(float(np.abs(truth - values).mean()), rel=1e-5)
    mean = float(ds.pipeline.target_values(ds.y_train).mean())
    assert ev.baseline_scores.regression.mae == pytest.approx(
        float(np.abs(truth - mean).mean()), rel=1e-5
    )
    assert ev.model.regression.mae > 5  # the target's units (spread 200), not sds
