"""`layerforge train PROJECT` keeps the trained model with the project (core.keep_run).

The project then opens trained: its trained state restores on the project's own
data with the same predictions as the `.lfmodel` the command wrote. A run on
other data or another split is recorded but its weights are not kept, and the
command says why.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import core.engine.layers  # noqa: F401 - registers the layer types
from core.bundle import load_model
from core.cli import main
from core.document.trained_state import load_with_state, restore_model, state_path_for
from core.engine.layers.spec import CATALOG
from core.run import load_data

REPO = Path(__file__).resolve().parents[2]


def _iris_project(tmp_path: Path) -> Path:
    proj = tmp_path / "iris.lfproj"
    assert (
        main(["new", "--data", str(REPO / "resources/datasets/iris.csv"), "--out", str(proj)]) == 0
    )
    return proj


def test_train_keeps_the_trained_state_which_restores_with_the_same_predictions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = _iris_project(tmp_path)
    capsys.readouterr()
    assert main(["train", str(proj), "--epochs", "3", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert f"Kept the trained model in {proj}" in out and "iris.lfstate.npz" in out
    assert state_path_for(proj).is_file()
    loaded = load_with_state(proj, catalog=CATALOG)
    assert loaded.problem is None and loaded.state is not None
    state = loaded.state
    assert state.epochs_done == 3 and len(state.history["loss"]) == 3
    assert state.finish["reason"] == "completed" and "layerforge train" in state.finish["summary"]
    assert set(state.test_metrics) >= {"loss", "accuracy"}
    assert len(loaded.project.runs) == 1  # recorded too
    dataset = load_data(loaded.project)
    model = restore_model(state, dataset, CATALOG)
    bundle = load_model(proj.with_suffix(".lfmodel"))
    x = dataset.x_test
    np.testing.assert_allclose(
        model.predict(x, verbose=0), bundle.predict_raw(x, batch_size=64), rtol=1e-5, atol=1e-6
    )
    # the training settings in the file did not take the run's flags
    assert json.loads(proj.read_text())["training"]["epochs"] != 3


def test_a_run_on_another_split_is_recorded_but_its_weights_are_not_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = _iris_project(tmp_path)
    capsys.readouterr()
    assert main(["train", str(proj), "--epochs", "1", "--quiet", "--seed", "7"]) == 0
    out = capsys.readouterr().out
    assert "note: the trained weights were not kept" in out and "--seed" in out
    loaded = load_with_state(proj, catalog=CATALOG)
    assert loaded.state is None and len(loaded.project.runs) == 1
    assert not state_path_for(proj).exists()


def test_no_record_leaves_the_project_file_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = _iris_project(tmp_path)
    before = proj.read_text()
    assert main(["train", str(proj), "--epochs", "1", "--quiet", "--no-record"]) == 0
    assert proj.read_text() == before and not state_path_for(proj).exists()
