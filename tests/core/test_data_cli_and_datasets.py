"""The `inspect` subcommand, the 2-D generators and the bundled datasets."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from core.cli import inspect as inspect_cmd
from core.data import DataConfig, circles, load_dataset, read_csv, spiral, two_moons, xor

DATASETS = Path(__file__).resolve().parents[2] / "resources" / "datasets"


def run_inspect(*argv: str) -> tuple[int, argparse.Namespace]:
    parser = argparse.ArgumentParser(prog="layerforge")
    inspect_cmd.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["inspect", *argv])
    assert args.func is inspect_cmd.run
    return args.func(args), args


def test_inspect_text(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _ = run_inspect(str(DATASETS / "iris.csv"))
    out = capsys.readouterr().out
    assert rc == 0
    assert "comma" in out and "150" in out and "species" in out
    assert "multiclass" in out and "Dense(3, softmax)" in out
    assert "categorical_crossentropy" in out


def test_inspect_json_with_target(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _ = run_inspect(str(DATASETS / "seed_binary.csv"), "--target", "outcome", "--json")
    assert rc == 0
    r = json.loads(capsys.readouterr().out)
    assert r["delimiter"] == "," and r["rows"] == 768 and r["columns"] == 9
    assert r["task"]["kind"] == "binary" and r["task"]["loss"] == "binary_crossentropy"
    assert r["suggested_output"] == "Dense(1, sigmoid)"
    assert [p["name"] for p in r["profile"]][-1] == "outcome"


def test_inspect_json_survives_infinities(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "inf.csv"
    p.write_text("x,y\ninf,1\n2,0\n3,1\n")
    rc, _ = run_inspect(str(p), "--json")
    assert rc == 0
    json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "content,target",
    [
        (b"", None),
        (b"a,b\n", None),
        (b"a,b\n1,2\n3,4,5\n", None),
        (b"x,y\n1,a\n2,b\n", "nope"),
    ],
)
def test_inspect_refused_file_exit_1_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, target: str | None
) -> None:
    p = tmp_path / "bad.csv"
    p.write_bytes(content)
    argv = [str(p)] + (["--target", target] if target else [])
    rc, _ = run_inspect(*argv)
    captured = capsys.readouterr()
    assert rc == 1 and captured.out == ""
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert "Traceback" not in captured.err and str(p) in captured.err


def test_inspect_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _ = run_inspect(str(tmp_path / "missing.csv"))
    assert rc == 1 and "not found" in capsys.readouterr().err


@pytest.mark.parametrize("fn,k", [(two_moons, 2), (circles, 2), (spiral, 3), (xor, 2)])
def test_generators(fn, k: int) -> None:  # noqa: ANN001
    x, y = fn(101, 0.1, np.random.default_rng(0))
    assert x.shape == (101, 2) and x.dtype == np.float32 and y.shape == (101,)
    assert set(np.unique(y)) == set(range(k))
    x2, y2 = fn(101, 0.1, np.random.default_rng(0))
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    x3, _ = fn(101, 0.1, np.random.default_rng(1))
    assert not np.array_equal(x, x3)


def test_generator_requires_generator() -> None:
    from core.errors import ConfigError

    with pytest.raises(ConfigError):
        two_moons(10, 0.1, 0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name", ["iris", "diabetes", "two_moons", "circles", "spiral", "xor", "seed_binary"]
)
def test_bundled_dataset_reads_and_is_small(name: str) -> None:
    p = DATASETS / f"{name}.csv"
    assert p.stat().st_size < 100_000
    t = read_csv(p)
    assert t.has_header and t.delimiter == "," and not t.notices
    assert "licence" in (DATASETS / "README.md").read_text().lower()
    assert f"{name}.csv" in (DATASETS / "README.md").read_text()


def test_iris_header_and_species() -> None:
    t = read_csv(DATASETS / "iris.csv")
    assert list(t.df.columns) == [
        "sepal_length",
        "sepal_width",
        "petal_length",
        "petal_width",
        "species",
    ]
    assert sorted(t.df["species"].unique()) == ["setosa", "versicolor", "virginica"]
    assert len(t.df) == 150


def test_seed_binary_is_learnable_but_not_trivial() -> None:
    ds = load_dataset(
        DATASETS / "seed_binary.csv", DataConfig(target="outcome", validation_split=0.25, seed=0)
    )
    assert ds.x_train.shape[1] == 8 and ds.task.kind == "binary"
    assert ds.x_train.shape[0] + ds.x_val.shape[0] == 768
    # plain logistic regression by gradient descent as a stand-in for Dense 8->10->10->1
    w = np.zeros(8)
    b = 0.0
    x, y = ds.x_train.astype(np.float64), ds.y_train[:, 0].astype(np.float64)
    for _ in range(500):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        w -= 0.5 * x.T @ (p - y) / len(y)
        b -= 0.5 * float(np.mean(p - y))
    acc = np.mean(((ds.x_val @ w + b) > 0) == (ds.y_val[:, 0] > 0.5))
    assert 0.7 <= acc <= 0.9


INCOME_CSV = "a,b,label,income,e\n1,x,0,5.5,\n2,y,1,6.5,\n3,x,0,7.5,NA\n4,y,1,8.5,\n5,x,1,1.5,\n"


def test_inspect_with_target_gives_it_the_target_role(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "income.csv"
    p.write_text(INCOME_CSV)
    rc, _ = run_inspect(str(p), "--json")  # no target: 'label' is suggested (its name)
    r = json.loads(capsys.readouterr().out)
    assert rc == 0 and r["suggested_target"] == "label"
    rc, _ = run_inspect(str(p), "--target", "income", "--json")
    r = json.loads(capsys.readouterr().out)
    roles = {c["name"]: c["suggested_role"] for c in r["profile"]}
    assert rc == 0 and r["target"] == "income" and r["task"]["kind"] == "regression"
    assert roles == {"a": "feature", "b": "feature", "label": "feature", "income": "target"}
    rc, _ = run_inspect(str(p), "--target", "income")
    text = capsys.readouterr().out
    rows = {line.split()[0]: line for line in text.splitlines() if line.split()}
    assert "  target  " in rows["income"] and "  feature  " in rows["label"]
    assert "target" not in rows["label"]


def test_prepare_keeps_the_suggested_target_as_a_feature_when_another_is_chosen(
    tmp_path: Path,
) -> None:
    p = tmp_path / "income.csv"
    p.write_text(INCOME_CSV)
    ds = load_dataset(str(p), DataConfig(target="income", validation_split=0.0, test_split=0.0))
    assert "label" in ds.pipeline.feature_names


def test_target_that_was_dropped_as_empty_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "emptycol.csv"
    p.write_text(INCOME_CSV)
    rc, _ = run_inspect(str(p), "--target", "e")
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1
    assert "'e', which was dropped because every value is missing" in err
    assert "not in the file" not in err and "Choose another target" in err
    from core.cli import main

    out = tmp_path / "e.lfproj"
    assert main(["new", "--data", str(p), "--target", "e", "--out", str(out)]) == 1
    assert "dropped because every value is missing" in capsys.readouterr().err
    assert main(["new", "--data", str(p), "--target", "label", "--out", str(out)]) == 0
    project = json.loads(out.read_text())
    project["data"]["config"]["target"] = "e"
    out.write_text(json.dumps(project))
    capsys.readouterr()
    assert main(["train", str(out), "--epochs", "1"]) == 1
    assert "dropped because every value is missing" in capsys.readouterr().err
