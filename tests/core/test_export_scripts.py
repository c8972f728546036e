"""Generated scripts: real template files, standalone, and never built from user text.

Reproduces issue 11 finding 10: a model named `x\"\"\"; import os; ...` closed the
script's docstring (only a SyntaxError stopped the injected code), and a layer
name with "." broke the `keras` and `python` exports.
"""

from __future__ import annotations

import ast
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import core.export.templates.keras_train as keras_train
import core.export.templates.numpy_predict as numpy_predict
from core import keras
from core.export import export_model
from core.export.graph_ir import SUPPORTED_LAYERS, describe
from core.export.keras_export import keras_safe
from core.export.python_export import (
    KERAS_CODE_EXTRA_LAYERS,
    keras_training_script,
    numpy_script,
)
from core.export.verify import keras_available
from tests._imports import imported_modules, top_level

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "core" / "export" / "templates"
STDLIB = set(sys.stdlib_module_names) | {"__future__"}
#: The finding's hostile project name: it closed a `"""` docstring.
HOSTILE = 'x"""; import os; os.system("echo INJECTED > injected.txt"); """'


def _model(name: str, hidden: str, seed: int = 0) -> keras.Model:
    inp = keras.Input(shape=(3,), name="in.put")
    x = keras.layers.Dense(4, activation="relu", name=hidden)(inp)
    x = keras.layers.Dense(4, activation="tanh", name="dense_1")(x)  # taken by the safe name
    out = keras.layers.Dense(1, activation="sigmoid", name="out/put")(x)
    model = keras.Model(inp, out, name=name)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    rng = np.random.default_rng(seed)
    x_train = rng.normal(size=(32, 3)).astype(np.float32)
    model.fit(x_train, (x_train[:, :1] > 0).astype(np.float32), epochs=1, verbose=0)
    return model


@pytest.fixture(scope="module")
def hostile() -> keras.Model:
    return _model(HOSTILE, "dense.1")


def test_templates_are_python_files_that_ruff_checks() -> None:
    names = sorted(p.name for p in TEMPLATES.glob("*.py"))
    assert names == [
        "__init__.py",
        "csv_format.py",
        "keras_train.py",
        "numpy_layers.py",
        "numpy_predict.py",
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(TEMPLATES)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All checks passed" in proc.stdout


def test_written_scripts_are_standalone(hostile: keras.Model) -> None:
    from core.export import as_bundle

    bundle = as_bundle(hostile)
    numpy_text, keras_text = numpy_script(bundle), keras_training_script(bundle)
    for text in (numpy_text, keras_text):
        compile(text, "script.py", "exec")
        assert "core" not in top_level(imported_modules(text))
        assert "inline: begin" not in text and "def sniff_format(" in text
    assert top_level(imported_modules(numpy_text)) <= STDLIB | {"numpy"}
    assert top_level(imported_modules(keras_text)) <= STDLIB | {"numpy", "pandas", "keras"}


def test_script_source_never_depends_on_the_model(hostile: keras.Model) -> None:
    """No user text reaches the Python source: every model gets the same script."""
    from core.export import as_bundle

    plain = as_bundle(_model("plain", "hidden", seed=1))
    bundle = as_bundle(hostile)
    assert numpy_script(bundle) == numpy_script(plain)
    assert keras_training_script(bundle) == keras_training_script(plain)
    for text in (numpy_script(bundle), keras_training_script(bundle)):
        assert "INJECTED" not in text and "dense.1" not in text


@pytest.mark.parametrize("fmt", ["numpy", "python", "keras"])
def test_hostile_names_export_run_and_verify(
    hostile: keras.Model, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / ("model.keras" if fmt == "keras" else f"{fmt}_script.py")
    report = export_model(hostile, fmt, out)
    assert report.verified and report.max_abs_diff is not None and report.max_abs_diff <= 1e-5
    assert not (tmp_path / "injected.txt").exists()
    if fmt != "numpy" and keras_available():
        assert "Keras" in report.consumer  # really loaded by Keras, names and all
        assert any("'dense.1' is named 'dense_1_1'" in note for note in report.notes)


def test_numpy_script_runs_with_hostile_names_in_a_subprocess(
    hostile: keras.Model, tmp_path: Path
) -> None:
    export_model(hostile, "numpy", tmp_path / "predict.py")
    rows = np.random.default_rng(3).normal(size=(5, 3))
    data = tmp_path / "rows.csv"
    data.write_text("x0,x1,x2\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    proc = subprocess.run(
        [sys.executable, "-I", str(tmp_path / "predict.py"), str(data)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    got = np.array([float(line.split(",")[0]) for line in proc.stdout.splitlines()[1:]])
    np.testing.assert_allclose(
        got, hostile.predict(rows.astype(np.float32), verbose=0)[:, 0], atol=1e-6
    )
    assert not (tmp_path / "injected.txt").exists()


def test_keras_script_without_verification_is_still_safe(
    hostile: keras.Model, tmp_path: Path
) -> None:
    """`--no-verify` wrote the broken script before; now there is nothing to break."""
    export_model(hostile, "python", tmp_path / "train.py", verify=False)
    text = (tmp_path / "train.py").read_text(encoding="utf-8")
    ast.parse(text)
    ns = runpy.run_path(str(tmp_path / "train.py"), run_name="check")
    network = ns["model_file"]()["network"]
    assert network["name"].startswith('x"""; import os')  # travels as data
    assert [s["name"] for s in network["steps"]] == ["dense_1_1", "dense_1", "out_put"]


def test_keras_safe_names() -> None:
    ir = describe(_model("a/b.c", "dense.1"))
    safe, notes = keras_safe(ir)
    assert [n for _, n, _ in safe.inputs] == ["in_put"]
    assert [s.name for s in safe.steps] == ["dense_1_1", "dense_1", "out_put"]
    assert safe.name == "a_b_c" and len(notes) == 4
    again, none = keras_safe(safe)
    assert none == [] and [s.name for s in again.steps] == [s.name for s in safe.steps]
    assert [s.name for s in ir.steps] == ["dense.1", "dense_1", "out/put"]  # input unchanged


def test_keras_script_knows_every_supported_layer() -> None:
    assert keras_train.LAYER_KINDS == set(SUPPORTED_LAYERS) | set(KERAS_CODE_EXTRA_LAYERS)


def test_keras_script_refuses_a_layer_type_it_does_not_know(tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text(
        '{"network": {"name": "m", "inputs": [[0, "x", [2]]], "outputs": [1],'
        ' "steps": [{"kind": "__import__", "name": "n", "config": {}, "ins": [0], "out": 1}]}}'
    )
    keras_train.model_file(tmp_path / "m.json")
    if not keras_available():
        pytest.skip("Keras 3 not installed: pip install keras torch==2.13.0")
    with pytest.raises(ValueError, match="unknown layer type '__import__'"):
        keras_train.build_model()


def test_numpy_script_refuses_a_file_without_its_model(tmp_path: Path) -> None:
    np.savez(tmp_path / "w.npz", w000_kernel=np.zeros((2, 2), np.float32))
    with pytest.raises(SystemExit, match="not a LayerForge model file"):
        numpy_predict.load_model(tmp_path / "w.npz")


def test_templates_ship_with_the_package() -> None:
    """A package of .py files: the wheel's package list and PyInstaller's data carry them."""
    tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads pyproject.toml")
    from setuptools import find_packages

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert "core.export.templates" in find_packages(str(ROOT), include=include)
    spec = (ROOT / "packaging" / "layerforge.spec").read_text(encoding="utf-8")
    assert '("core/export/templates", "*.py")' in spec
