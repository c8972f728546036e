"""`layerforge evaluate` (JSON keys, HTML report, predictions CSV) and `layerforge runs`."""

from __future__ import annotations

import base64
import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn import metrics as skm

from core.bundle import load_model
from core.cli import main
from tests.core.evaluation_data import text_only_csv


def cli(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _classes(path: Path, n: int = 240, seed: int = 0, labels=("cat", "dog", "=fox")) -> Path:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    label = np.array(labels)[np.digitize(a + 0.5 * b, [-0.5, 0.5])]
    pd.DataFrame({"a": a, "b": b, "animal": label}).to_csv(path, index=False)
    return path


def _numbers(path: Path, n: int = 200, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    pd.DataFrame({"a": a, "b": b, "y": 3 * a - b + 10 + 0.1 * rng.normal(size=n)}).to_csv(
        path, index=False
    )
    return path


def _trained(tmp: Path, capsys, csv_path: Path, target: str, epochs: int = 30) -> Path:
    proj = tmp / f"{target}.lfproj"
    assert (
        cli(capsys, "new", "--data", csv_path, "--target", target, "--hidden", "16", "--out", proj)[
            0
        ]
        == 0
    )
    code, out, err = cli(capsys, "train", proj, "--epochs", epochs, "--quiet")
    assert code == 0, err
    assert "Recorded run " in out
    return proj


def test_multiclass_evaluate_json_report_and_predictions(tmp_path: Path, capsys) -> None:
    data = _classes(tmp_path / "animals.csv")
    proj = _trained(tmp_path, capsys, data, "animal")
    model = proj.with_suffix(".lfmodel")
    report, preds = tmp_path / "r.html", tmp_path / "p.csv"
    code, out, err = cli(
        capsys,
        "evaluate",
        model,
        "--data",
        data,
        "--json",
        "--report",
        report,
        "--predictions",
        preds,
    )
    assert code == 0, err
    got = json.loads(out)
    assert got["task"] == "multiclass"
    labels = got["confusion_matrix"]["labels"]
    assert sorted(labels) == ["=fox", "cat", "dog"]
    bundle = load_model(model)
    x, y, _ = bundle.labelled(pd.read_csv(data))
    probs = bundle.predict_raw(x)
    actual, pred = np.argmax(y, axis=1), np.argmax(probs, axis=1)
    assert (
        got["confusion_matrix"]["matrix"]
        == skm.confusion_matrix(actual, pred, labels=[0, 1, 2]).tolist()
    )
    p, r, f, s = skm.precision_recall_fscore_support(
        actual, pred, labels=[0, 1, 2], zero_division=0
    )
    for i, lab in enumerate(labels):
        assert got["per_class"][lab] == pytest.approx(
            {"precision": p[i], "recall": r[i], "f1": f[i], "support": s[i]}
        )
    assert got["roc_auc"] == pytest.approx(
        skm.roc_auc_score(actual, probs, multi_class="ovr"), rel=1e-6
    )
    assert "pr_auc" not in got and "loss" in got and "accuracy" in got
    base = got["baseline"]
    assert base["roc_auc"] == pytest.approx(0.5)
    assert base["predictor"].startswith("always guessing '")
    assert set(base) >= {"accuracy", "confusion_matrix", "per_class", "roc_auc"}
    # the report: self-contained, escaped, with readable PNG charts
    text = report.read_text()
    assert got["headline"] in text.replace("&#x27;", "'")
    assert "<script" not in text and "http" not in text.split("<style>")[0]
    images = [s.split('"')[0] for s in text.split("data:image/png;base64,")[1:]]
    assert len(images) == 5  # confusion matrix, ROC, importance, boundary, one explanation
    assert "The worst row, explained" in text and "for an average row" in text
    assert "What the model decides where" in text and "&#x27;a&#x27; and &#x27;b&#x27;" in text
    for b64 in images:
        with Image.open(io.BytesIO(base64.b64decode(b64))) as im:
            assert im.format == "PNG" and im.width > 300
    # the predictions: worst first, formula-looking labels escaped
    rows = list(csv.DictReader(preds.open()))
    assert len(rows) == len(x)
    errors = [float(r["error"]) for r in rows]
    assert errors == sorted(errors, reverse=True)
    assert "=fox" not in {r["actual"] for r in rows} and "'=fox" in {r["actual"] for r in rows}


def test_binary_evaluate_has_pr_auc_and_threshold(tmp_path: Path, capsys) -> None:
    data = _classes(tmp_path / "yesno.csv", labels=("no", "no", "yes"))
    proj = _trained(tmp_path, capsys, data, "animal", epochs=20)
    model = proj.with_suffix(".lfmodel")
    code, out, _ = cli(capsys, "evaluate", model, "--data", data, "--json")
    got = json.loads(out)
    bundle = load_model(model)
    x, y, _ = bundle.labelled(pd.read_csv(data))
    p = bundle.predict_raw(x)[:, 0]
    assert got["task"] == "binary" and got["threshold"] == 0.5
    assert got["pr_auc"] == pytest.approx(skm.average_precision_score(y[:, 0], p), rel=1e-6)
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y[:, 0], p), rel=1e-6)
    code, out, _ = cli(capsys, "evaluate", model, "--data", data, "--json", "--threshold", "0.9")
    strict = json.loads(out)
    assert (
        strict["confusion_matrix"]["matrix"]
        == skm.confusion_matrix(y[:, 0], (p >= 0.9).astype(int)).tolist()
    )
    with pytest.raises(SystemExit) as usage:
        main(["evaluate", str(model), "--data", str(data), "--threshold", "2"])
    assert usage.value.code == 2 and "from 0 to 1" in capsys.readouterr().err


def test_regression_evaluate_and_a_single_valued_target(tmp_path: Path, capsys) -> None:
    data = _numbers(tmp_path / "numbers.csv")
    proj = _trained(tmp_path, capsys, data, "y", epochs=40)
    model = proj.with_suffix(".lfmodel")
    code, out, err = cli(
        capsys, "evaluate", model, "--data", data, "--json", "--report", tmp_path / "reg.html"
    )
    assert code == 0, err
    got = json.loads(out)
    bundle = load_model(model)
    df = pd.read_csv(data)
    y = df[["y"]].to_numpy()  # in the target's own units, as the metrics are
    pred = bundle.predict(df).values
    assert bundle.pipeline.target_scaling is not None  # the network learns a scaled target
    assert got["task"] == "regression"
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(y[:, 0], pred), rel=1e-5)
    assert got["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(y[:, 0], pred)), rel=1e-5)
    assert got["r2"] == pytest.approx(skm.r2_score(y[:, 0], pred), rel=1e-5)
    train_mean = bundle.metadata["baseline"]["mean"]
    assert got["baseline"]["mae"] == pytest.approx(np.mean(np.abs(y[:, 0] - train_mean)), rel=1e-5)
    assert "training mean" in got["baseline"]["predictor"]
    flat = pd.read_csv(data).head(20).assign(y=7.0)
    flat.to_csv(tmp_path / "flat.csv", index=False)
    code, out, err = cli(capsys, "evaluate", model, "--data", tmp_path / "flat.csv", "--json")
    assert code == 0, err
    got = json.loads(out)
    assert got["r2"] is None and "target value 7" in got["r2_note"]
    code, out, _ = cli(capsys, "evaluate", model, "--data", tmp_path / "flat.csv")
    assert "no R²" in out


def test_a_class_missing_from_the_rows_gets_a_zero_row(tmp_path: Path, capsys) -> None:
    data = _classes(tmp_path / "animals.csv")
    proj = _trained(tmp_path, capsys, data, "animal", epochs=5)
    df = pd.read_csv(data)
    df[df["animal"] != "dog"].to_csv(tmp_path / "no_dogs.csv", index=False)
    code, out, err = cli(
        capsys,
        "evaluate",
        proj.with_suffix(".lfmodel"),
        "--data",
        tmp_path / "no_dogs.csv",
        "--json",
    )
    assert code == 0, err
    got = json.loads(out)
    i = got["confusion_matrix"]["labels"].index("dog")
    assert got["confusion_matrix"]["matrix"][i] == [0, 0, 0]
    assert got["per_class"]["dog"]["support"] == 0
    assert "'dog' left out" in got["roc_auc_note"]


def test_runs_lists_and_deletes_the_recorded_runs(tmp_path: Path, capsys) -> None:
    data = _classes(tmp_path / "animals.csv")
    proj = _trained(tmp_path, capsys, data, "animal", epochs=3)
    assert cli(capsys, "train", proj, "--epochs", "2", "--seed", "5", "--quiet")[0] == 0
    code, out, _ = cli(capsys, "runs", proj, "--json")
    runs = json.loads(out)["runs"]
    assert [r["epochs"] for r in runs] == [3, 2]
    assert runs[1]["seed"] == 5 and runs[1]["settings"]["seed"] == 5
    assert set(runs[0]["final"]) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert runs[0]["test"]["accuracy"] > 0
    assert runs[0]["started"].endswith("+00:00")
    code, out, _ = cli(capsys, "runs", proj)
    assert "2 runs recorded" in out and runs[0]["id"] in out and "val_accuracy" in out
    code, out, _ = cli(capsys, "runs", proj, "--delete", runs[0]["id"])
    assert code == 0 and f"Deleted run {runs[0]['id']}" in out
    code, out, _ = cli(capsys, "runs", proj, "--json")
    assert [r["id"] for r in json.loads(out)["runs"]] == [runs[1]["id"]]
    code, _, err = cli(capsys, "runs", proj, "--delete", "nope")
    assert code == 1 and "is not a run of this project" in err
    before = json.loads(proj.read_text())["training"]
    assert cli(capsys, "train", proj, "--epochs", "1", "--learning-rate", "0.05", "--quiet")[0] == 0
    after = json.loads(proj.read_text())
    assert after["training"] == before  # flags are for this run only
    assert after["runs"][-1]["settings"]["learning_rate"] == 0.05
    cli(capsys, "runs", proj, "--delete", after["runs"][-1]["id"])
    code, _, _ = cli(capsys, "train", proj, "--epochs", "1", "--quiet", "--no-record")
    assert len(json.loads(cli(capsys, "runs", proj, "--json")[1])["runs"]) == 1


def test_a_project_that_cannot_be_saved_still_trains_and_says_the_run_was_not_recorded(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import core.document.project as project_module
    import core.document.trained_state as state_module

    data = _classes(tmp_path / "animals.csv")
    proj = tmp_path / "p.lfproj"
    assert cli(capsys, "new", "--data", data, "--target", "animal", "--out", proj)[0] == 0
    before = proj.read_text()

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(project_module, "save_project", refuse)
    monkeypatch.setattr(state_module, "save_project", refuse)  # with the trained model
    code, out, err = cli(capsys, "train", proj, "--epochs", "1", "--quiet")
    assert code == 0, err
    assert "note: the run was not recorded in" in out and "Permission denied" in out
    assert proj.with_suffix(".lfmodel").is_file() and proj.read_text() == before


def test_report_on_text_only_inputs_explains_instead_of_a_map(tmp_path: Path, capsys) -> None:
    text_only_csv(tmp_path / "t.csv", n=120)
    proj = _trained(tmp_path, capsys, tmp_path / "t.csv", "label", epochs=3)
    code, _, err = cli(
        capsys,
        "evaluate",
        proj.with_suffix(".lfmodel"),
        "--data",
        tmp_path / "t.csv",
        "--report",
        tmp_path / "t.html",
    )
    assert code == 0, err
    text = (tmp_path / "t.html").read_text()
    assert "What the model decides where" in text and "Every input is a category" in text
