"""The headless command line: new, train, predict, evaluate, summary, export; exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"


def _csv(path: Path, n: int = 120, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    kind = rng.choice(["x", "y"], size=n)
    label = np.array(["cat", "dog", "fox"])[np.digitize(a + 0.5 * b, [-0.5, 0.5])]
    pd.DataFrame({"a": a, "b": b, "kind": kind, "animal": label}).to_csv(path, index=False)
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def workdir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    csv = _csv(tmp_path / "animals.csv")
    code, out, err = run_cli(
        capsys,
        "new",
        "--data",
        csv,
        "--target",
        "animal",
        "--hidden",
        "8",
        "--out",
        tmp_path / "animals.lfproj",
    )
    assert code == 0, err
    return tmp_path


def test_new_writes_a_project_that_fits_the_data(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = json.loads((workdir / "animals.lfproj").read_text())
    nodes = project["graph"]["nodes"]
    assert [n["type"] for n in nodes] == ["Input", "Dense", "Dense"]
    assert nodes[0]["params"]["shape"] == [4]
    assert nodes[2]["params"] == {**nodes[2]["params"], "units": 3, "activation": "softmax"}
    assert project["data"]["path"] == "animals.csv"
    assert project["training"]["loss"] == "categorical_crossentropy"
    code, _, err = run_cli(
        capsys, "new", "--data", workdir / "animals.csv", "--out", workdir / "animals.lfproj"
    )
    assert code == 1 and "already exists" in err


def test_train_predict_evaluate_summary(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proj = workdir / "animals.lfproj"
    code, out, err = run_cli(
        capsys,
        "train",
        proj,
        "--epochs",
        "3",
        "--batch-size",
        "16",
        "--seed",
        "3",
        "--metrics-json",
        workdir / "m.json",
    )
    assert code == 0, err
    assert "Epoch 3/3" in err  # the progress goes to stderr
    assert "Trained 3 epochs" in out and "validation" in out and "accuracy" in out
    model = workdir / "animals.lfmodel"  # default: next to the project
    assert model.is_file()
    metrics = json.loads((workdir / "m.json").read_text())
    assert set(metrics) == {"train", "validation", "test"}
    assert set(metrics["train"]) == {"loss", "accuracy"}

    new_rows = _csv(workdir / "new.csv", n=10, seed=4)
    code, out, err = run_cli(
        capsys, "predict", model, "--data", new_rows, "--out", workdir / "pred.csv"
    )
    assert code == 0, err
    pred = pd.read_csv(workdir / "pred.csv")
    assert list(pred.columns) == [
        "a",
        "b",
        "kind",
        "animal",
        "prediction",
        "probability_cat",
        "probability_dog",
        "probability_fox",
    ]
    assert set(pred["prediction"]) <= {"cat", "dog", "fox"}
    np.testing.assert_allclose(pred.filter(like="probability_").sum(axis=1), 1.0, rtol=1e-4)

    code, out, err = run_cli(capsys, "evaluate", model, "--data", new_rows, "--json")
    assert code == 0, err
    keys = {"loss", "accuracy", "task", "confusion_matrix", "per_class", "roc_auc", "baseline"}
    assert keys <= set(json.loads(out))  # issue 12 added the evaluation keys
    code, out, _ = run_cli(capsys, "evaluate", model, "--data", new_rows)
    assert code == 0 and "accuracy" in out

    code, out, err = run_cli(capsys, "summary", proj)
    assert code == 0, err
    assert "Output Shape" in out and "(None, 3)" in out and "Total params: 67" in out
    code, out, err = run_cli(capsys, "summary", model)
    assert code == 0, err
    assert "67" in out and "Classes: cat, dog, fox" in out and "Metrics when saved" in out


def test_train_options_out_and_data(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = _csv(workdir / "other.csv", n=60, seed=9)
    code, out, err = run_cli(
        capsys,
        "train",
        workdir / "animals.lfproj",
        "--data",
        other,
        "--epochs",
        "1",
        "--out",
        workdir / "x.lfmodel",
        "--quiet",
    )
    assert code == 0, err
    assert err == "" and "on 36 rows" in out
    assert (workdir / "x.lfmodel").is_file()


def test_predict_to_stdout_and_missing_column(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "train", workdir / "animals.lfproj", "--epochs", "1", "--quiet")[0] == 0
    rows = pd.read_csv(workdir / "animals.csv").head(3)
    rows.to_csv(workdir / "three.csv", index=False)
    code, out, _ = run_cli(
        capsys, "predict", workdir / "animals.lfmodel", "--data", workdir / "three.csv"
    )
    assert code == 0 and out.splitlines()[0].endswith("probability_fox")
    assert len(out.splitlines()) == 4
    rows.drop(columns="kind").to_csv(workdir / "bad.csv", index=False)
    code, out, err = run_cli(
        capsys, "predict", workdir / "animals.lfmodel", "--data", workdir / "bad.csv"
    )
    assert code == 1 and "'kind'" in err and len(err.strip().splitlines()) == 1


def test_errors_are_one_line_and_traceback_only_with_debug(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.lfproj"
    code, out, err = run_cli(capsys, "train", missing)
    assert code == 1 and out == ""
    assert err.startswith("error: ") and "not found" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run_cli(capsys, "--debug", "train", missing)
    assert code == 1 and "Traceback" in err
    code, _, err = run_cli(capsys, "train", missing, "--debug")
    assert code == 1 and "Traceback" in err
    bad_model = tmp_path / "bad.lfmodel"
    bad_model.write_bytes(b"PK\x03\x04 broken")
    for argv in (
        ("summary", bad_model),
        ("predict", bad_model, "--data", bad_model),
        ("evaluate", bad_model, "--data", bad_model),
    ):
        code, _, err = run_cli(capsys, *argv)
        assert code == 1 and "bad.lfmodel" in err and len(err.strip().splitlines()) == 1


def test_graph_problems_stop_training_with_plain_words(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = workdir / "animals.lfproj"
    d = json.loads(proj.read_text())
    d["graph"]["nodes"][-1]["params"]["units"] = 2
    proj.write_text(json.dumps(d))
    code, _, err = run_cli(capsys, "train", proj, "--epochs", "1")
    assert code == 1 and "Dense(3, softmax)" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ("train",),
        ("predict", "m.lfmodel"),
        ("train", "p", "--epochs", "0"),
        ("export", "m", "--format", "tflite", "--out", "x"),
        ("frobnicate",),
    ],
)
def test_usage_errors_exit_2(argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_progress_bar_redraws_one_line_on_a_terminal() -> None:
    import io

    from core.cli._common import ProgressBar
    from core.engine.training import BatchEnded, EpochEnded, TrainingFinished

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, tty in ((Tty(), True), (io.StringIO(), False)):
        bar = ProgressBar(stream, interval=0.0)
        for epoch in range(2):
            for b in range(4):
                bar(BatchEnded(epoch, b, 4, {"loss": 0.5, "accuracy": 0.75}, 8 * (b + 1)))
            bar(EpochEnded(epoch, 2, {"loss": 0.5, "val_loss": 0.6}, 0.1))
        bar(TrainingFinished("early_stopping", 1, 3, {}, "Stopped early at epoch 2."))
        text = stream.getvalue()
        lines = [seg.split("\r")[-1].strip() for seg in text.split("\n") if seg]
        assert lines[-1] == "Stopped early at epoch 2."
        assert [line.split(" - ")[0] for line in lines[:2]] == ["Epoch 1/2", "Epoch 2/2"]
        assert ("[====>" in text or "[=====" in text) is tty and ("\r" in text) is tty
        assert "val_loss 0.6000" in text


# ------------------------------------------------------------------ examples


@pytest.mark.parametrize("name", ["seed", "iris", "regression", "moons"])
def test_every_example_trains_from_the_cli(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = EXAMPLES / f"{name}.lfproj"
    out = tmp_path / f"{name}.lfmodel"
    code, stdout, err = run_cli(
        capsys,
        "train",
        project,
        "--epochs",
        "2",
        "--out",
        out,
        "--metrics-json",
        tmp_path / "m.json",
        "--quiet",
        "--no-record",
    )
    assert code == 0, err
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["test"] and all(np.isfinite(v) for v in metrics["test"].values())
    key = "mae" if name == "regression" else "accuracy"
    assert key in metrics["test"]
    code, stdout, err = run_cli(capsys, "summary", project)
    assert code == 0 and "problem" not in stdout


def test_examples_are_laid_out_left_to_right() -> None:
    for name in ("seed", "iris", "regression", "moons"):
        d = json.loads((EXAMPLES / f"{name}.lfproj").read_text())
        xs = {n["id"]: n["x"] for n in d["graph"]["nodes"]}
        ys = [(n["x"], n["y"]) for n in d["graph"]["nodes"]]
        assert all(xs[e["src"]] < xs[e["dst"]] for e in d["graph"]["edges"]), name
        assert len(set(ys)) == len(ys), name  # no two nodes on top of each other
        assert not Path(d["data"]["path"]).is_absolute()
        assert (EXAMPLES / d["data"]["path"]).resolve().is_file()
    moons = json.loads((EXAMPLES / "moons.lfproj").read_text())
    assert "Concatenate" in [n["type"] for n in moons["graph"]["nodes"]]
    seed = json.loads((EXAMPLES / "seed.lfproj").read_text())
    assert [n["params"].get("units") for n in seed["graph"]["nodes"][1:]] == [10, 10, 1]
    assert seed["training"]["epochs"] == 10 and seed["training"]["batch_size"] == 32


def test_generator_reproduces_the_examples(tmp_path: Path) -> None:
    from resources.examples.make_examples import main as make

    assert make([str(tmp_path)]) == 0
    for name in ("seed", "iris", "regression", "moons"):
        fresh = json.loads((tmp_path / f"{name}.lfproj").read_text())
        kept = json.loads((EXAMPLES / f"{name}.lfproj").read_text())
        assert fresh["graph"] == kept["graph"] and fresh["training"] == kept["training"]


# ------------------------------------------------------------------ real process


def test_console_entry_point_in_a_subprocess(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("QT_QPA_PLATFORM", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "train",
            str(EXAMPLES / "seed.lfproj"),
            "--epochs",
            "1",
            "--out",
            str(tmp_path / "seed.lfmodel"),
            "--no-record",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Epoch 1/1" in proc.stderr and "Saved the trained model" in proc.stdout
    assert "PySide6" not in proc.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "app", "summary", str(tmp_path / "nope.lfmodel")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("error: ") and "nope.lfmodel" in bad.stderr


def test_subcommands_never_import_qt(tmp_path: Path) -> None:
    code = (
        "import sys; from app.__main__ import main\n"
        f"rc = main(['summary', {str(EXAMPLES / 'moons.lfproj')!r}])\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'shiboken'))]\n"
        "print('QT', bad, rc)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("QT [] 0")


def test_export_refuses_a_suffix_of_another_format(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "train", workdir / "animals.lfproj", "--epochs", "1")[0] == 0
    model = workdir / "animals.lfmodel"
    with pytest.raises(SystemExit) as info:
        main(["export", str(model), "--format", "onnx", "--out", str(workdir / "m.keras")])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "m.onnx" in err and "--format keras" in err
    assert not (workdir / "m.keras").exists()
    with pytest.raises(SystemExit) as info:  # .py is numpy or python: say which to pass
        main(["export", str(model), "--out", str(workdir / "m.py")])
    assert info.value.code == 2 and "--format numpy" in capsys.readouterr().err
    code, out, err = run_cli(capsys, "export", model, "--out", workdir / "m.onnx", "--no-verify")
    assert code == 0, err  # the format comes from the suffix
    assert (workdir / "m.onnx").is_file()


def test_hidden_sizes_below_one_are_a_usage_error(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(
            [
                "new",
                "--data",
                str(workdir / "animals.csv"),
                "--hidden",
                "0,-3",
                "--out",
                str(workdir / "h.lfproj"),
            ]
        )
    err = capsys.readouterr().err
    assert info.value.code == 2 and "usage:" in err and "--hidden" in err and ">= 1" in err
    assert not (workdir / "h.lfproj").exists()


@pytest.mark.parametrize("command", ["predict", "evaluate", "export"])
def test_a_project_given_for_a_model_says_train_it_first(
    workdir: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    proj = workdir / "animals.lfproj"
    extra = (
        ["--format", "onnx", "--out", str(workdir / "m.onnx")]
        if command == "export"
        else ["--data", str(workdir / "animals.csv")]
    )
    code, _, err = run_cli(capsys, command, proj, *extra)
    assert code == 1 and "not a zip" not in err
    assert f"{proj} is a project; train it first with `layerforge train {proj}`" in err


def test_summary_names_the_input_layer_alike_for_project_and_model(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = workdir / "animals.lfproj"
    assert run_cli(capsys, "train", proj, "--epochs", "1")[0] == 0
    _, project_text, _ = run_cli(capsys, "summary", proj)
    _, model_text, _ = run_cli(capsys, "summary", workdir / "animals.lfmodel")
    for text in (project_text, model_text):
        assert "input (InputLayer)" in text and "(Input)" not in text
