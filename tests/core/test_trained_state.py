"""The trained state saved with a project: weights, optimizer state, curves, results."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.document.project import load_project, save_project
from core.document.trained_state import (
    capture_state,
    load_with_state,
    restore_model,
    save_with_state,
    state_path_for,
)
from core.engine.optimizers import SGD, Adam
from core.errors import ConfigError, FormatError
from core.run import TrainSettings, build_and_compile, load_data

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def _copy_example(tmp_path: Path, name: str = "seed") -> Path:
    """The example project and its CSV copied into tmp_path (data path stays relative)."""
    src = EXAMPLES / f"{name}.lfproj"
    project = load_project(src)
    data = Path(project.data_path)
    shutil.copy(data, tmp_path / data.name)
    project.data_path = str(tmp_path / data.name)
    dst = tmp_path / f"{name}.lfproj"
    save_project(project, dst)
    return dst


def _train(model, dataset, settings, initial_epoch: int = 0, epochs: int = 2) -> dict:
    history: dict[str, list[float]] = {}
    settings = TrainSettings.from_dict({**settings.to_dict(), "epochs": initial_epoch + epochs})
    from core.engine.training import train

    for event in train(
        model,
        dataset.x_train,
        dataset.y_train,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        validation_data=(dataset.x_val, dataset.y_val),
        shuffle=True,
        seed=settings.seed,
        initial_epoch=initial_epoch,
    ):
        if type(event).__name__ == "EpochEnded":
            for k, v in event.logs.items():
                history.setdefault(k, []).append(float(v))
    return history


@pytest.fixture()
def trained(tmp_path: Path):
    path = _copy_example(tmp_path)
    project = load_project(path)
    settings = TrainSettings.from_dict(project.train_config)
    dataset = load_data(project, settings=settings)
    model = build_and_compile(project.graph, dataset, settings)
    history = _train(model, dataset, settings, epochs=3)
    resolved = settings.resolved(dataset.task)
    state = capture_state(
        model,
        network=project.graph,
        dataset=dataset,
        settings=resolved.to_dict(),
        epochs_done=3,
        history=history,
        batch_curves={"epoch_pos": [0.5, 1.0, 1.5], "loss": [0.9, 0.8, float("nan")]},
        test_metrics={"loss": 0.5, "accuracy": 0.75},
        finish={"reason": "completed", "epoch": 2, "batch": 16, "summary": "Finished."},
    )
    return path, project, dataset, settings, model, state


def test_saved_state_reopens_with_weights_optimizer_curves_and_results(trained) -> None:
    path, project, dataset, settings, model, state = trained
    save_with_state(project, state, path)
    sidecar = state_path_for(path)
    assert sidecar.name == "seed.lfstate.npz" and sidecar.is_file()
    on_disk = json.loads(path.read_text())
    assert on_disk["trained"]["file"] == "seed.lfstate.npz"
    assert on_disk["trained"]["epochs_done"] == 3

    loaded = load_with_state(path)
    assert loaded.problem is None and loaded.state is not None
    back = loaded.state
    assert back.epochs_done == 3
    assert back.history["loss"] == pytest.approx(state.history["loss"])
    assert back.test_metrics == {"loss": 0.5, "accuracy": 0.75}
    assert back.finish["summary"] == "Finished."
    np.testing.assert_array_equal(back.batch_curves["epoch_pos"], [0.5, 1.0, 1.5])
    assert np.isnan(back.batch_curves["loss"][2])

    restored = restore_model(back, load_data(loaded.project, settings=settings))
    for a, b in zip(model.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert restored.optimizer.iterations == model.optimizer.iterations > 0
    np.testing.assert_array_equal(restored.predict(dataset.x_test), model.predict(dataset.x_test))


def test_train_more_after_reopening_continues_exactly_like_the_original(trained) -> None:
    """Same weights AND same optimizer moments: one more epoch gives identical weights.

    With the Adam moments reset to zero the next steps would differ, so this fails if
    the optimizer state is not restored."""
    path, project, dataset, settings, model, state = trained
    save_with_state(project, state, path)
    loaded = load_with_state(path)
    restored = restore_model(loaded.state, load_data(loaded.project, settings=settings))
    _train(model, dataset, settings, initial_epoch=3, epochs=1)
    _train(restored, dataset, settings, initial_epoch=3, epochs=1)
    for a, b in zip(model.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)

    fresh = restore_model(loaded.state, dataset)
    fresh.optimizer.load_own_variables(
        {k: np.zeros_like(v) for k, v in loaded.state.optimizer.items()}
    )
    _train(fresh, dataset, settings, initial_epoch=3, epochs=1)
    assert not all(
        np.array_equal(a, b) for a, b in zip(model.get_weights(), fresh.get_weights(), strict=True)
    )


def test_the_sidecar_is_a_plain_npz_without_pickles(trained) -> None:
    path, project, _dataset, _settings, _model, state = trained
    save_with_state(project, state, path)
    with np.load(state_path_for(path), allow_pickle=False) as npz:
        names = set(npz.files)
        assert {"weights/0000", "optimizer/iterations", "optimizer/m", "batch/loss"} <= names
        for name in names:
            assert npz[name].dtype.kind in "fiub"


def test_a_project_saved_by_the_current_release_opens_without_trained_state(tmp_path) -> None:
    raw = json.loads((EXAMPLES / "iris.lfproj").read_text())
    assert raw["format_version"] == 2 and "trained" not in raw  # what users have today
    path = tmp_path / "iris.lfproj"
    data = (EXAMPLES / raw["data"]["path"]).resolve()
    shutil.copy(data, tmp_path / data.name)
    raw["data"]["path"] = data.name
    path.write_text(json.dumps(raw))
    loaded = load_with_state(path)
    assert loaded.state is None and loaded.problem is None
    assert len(loaded.project.graph) == len(load_project(EXAMPLES / "iris.lfproj").graph)


def test_a_sidecar_from_another_save_is_left_out_with_a_reason(trained, tmp_path) -> None:
    path, project, _dataset, _settings, _model, state = trained
    save_with_state(project, state, path)
    first = state_path_for(path).read_bytes()
    state.epochs_done = 4
    state.weights[0] = state.weights[0] + 1.0  # trained further
    save_with_state(project, state, path)
    # the JSON of the second save, the sidecar of the first (a copy that mixed them up)
    state_path_for(path).write_bytes(first)
    loaded = load_with_state(path)
    assert loaded.state is None
    assert "does not belong to this version of seed.lfproj" in loaded.problem
    assert len(loaded.project.graph) == 4  # the project itself still opens


def test_a_missing_sidecar_is_named_and_the_project_still_opens(trained) -> None:
    path, project, _dataset, _settings, _model, state = trained
    save_with_state(project, state, path)
    state_path_for(path).unlink()
    loaded = load_with_state(path)
    assert loaded.state is None
    assert "seed.lfstate.npz is missing beside seed.lfproj" in loaded.problem


def test_saving_without_a_model_removes_the_stale_sidecar(trained) -> None:
    path, project, _dataset, _settings, _model, state = trained
    save_with_state(project, state, path)
    save_with_state(project, None, path)
    assert not state_path_for(path).exists()
    assert "trained" not in json.loads(path.read_text())
    assert load_with_state(path).state is None


def test_renamed_pair_still_loads(trained, tmp_path) -> None:
    path, project, _dataset, _settings, _model, state = trained
    save_with_state(project, state, path)
    new = tmp_path / "renamed.lfproj"
    path.rename(new)
    state_path_for(path).rename(state_path_for(new))
    loaded = load_with_state(new)
    assert loaded.problem is None and loaded.state.epochs_done == 3


def test_a_changed_data_file_is_not_given_the_old_model(trained) -> None:
    path, project, _dataset, settings, _model, state = trained
    save_with_state(project, state, path)
    csv = Path(project.data_path)
    lines = csv.read_text().splitlines()
    csv.write_text("\n".join(lines[:-40]) + "\n")  # fewer rows: another fit, other splits
    loaded = load_with_state(path)
    with pytest.raises(FormatError, match="the data is not what it was trained on"):
        restore_model(loaded.state, load_data(loaded.project, settings=settings))


def test_the_model_is_rebuilt_from_the_network_it_was_trained_on(trained) -> None:
    """Editing the network after training and saving keeps the weights usable."""
    path, project, dataset, settings, model, state = trained
    dense = next(n for n in project.graph.nodes.values() if n.type == "Dense")
    project.graph.set_params(dense.id, {"units": 12})
    save_with_state(project, state, path)
    loaded = load_with_state(path)
    restored = restore_model(loaded.state, load_data(loaded.project, settings=settings))
    np.testing.assert_array_equal(restored.predict(dataset.x_test), model.predict(dataset.x_test))


def _rewrite_member(path: Path, name: str, payload: bytes) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members[name] = payload
    with zipfile.ZipFile(path, "w") as zf:
        for k, v in members.items():
            zf.writestr(k, v)


def _bless(path: Path) -> None:
    """Make the manifest match a hand-edited sidecar (a hostile pair)."""
    import hashlib

    side = state_path_for(path)
    d = json.loads(path.read_text())
    d["trained"]["sha256"] = hashlib.sha256(side.read_bytes()).hexdigest()
    d["trained"]["bytes"] = side.stat().st_size
    path.write_text(json.dumps(d))


@pytest.mark.parametrize(
    ("header_shape", "descr", "reason"),
    [
        ((200_000_000,), "<f4", "declares"),  # a memory bomb: 800 MB declared, 40 bytes held
        ((10,), "|O", "not numbers"),
    ],
)
def test_hostile_sidecar_arrays_are_refused_before_reading(
    trained, header_shape, descr, reason
) -> None:
    path, project, _dataset, _settings, _model, state = trained
    save_with_state(project, state, path)
    header = {"descr": descr, "fortran_order": False, "shape": header_shape}
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    buf.write(b"\0" * 40)
    _rewrite_member(state_path_for(path), "weights/0000.npy", buf.getvalue())
    _bless(path)
    loaded = load_with_state(path)
    assert loaded.state is None
    assert "not a readable trained state file" in loaded.problem and reason in loaded.problem


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("file", "../../etc/x.lfstate.npz", "a file name beside the project"),
        ("file", "weights.pickle", "a file name"),
        ("version", 99, "newer LayerForge"),
        ("epochs_done", -1, "'trained.epochs_done' must be a whole number >= 0"),
        ("history", {"loss": ["x"]}, "'trained.history'"),
        ("sha256", "abc", "SHA-256"),
    ],
)
def test_bad_manifests_are_one_line_reasons(trained, field, value, message) -> None:
    path, project, _dataset, _settings, _model, state = trained
    save_with_state(project, state, path)
    d = json.loads(path.read_text())
    d["trained"][field] = value
    path.write_text(json.dumps(d))
    loaded = load_with_state(path)
    assert loaded.state is None and message in loaded.problem


def test_trained_must_be_an_object(tmp_path) -> None:
    path = _copy_example(tmp_path)
    d = json.loads(path.read_text())
    d["trained"] = [1, 2]
    path.write_text(json.dumps(d))
    with pytest.raises(FormatError, match="'trained' must be an object"):
        load_project(path)


def test_optimizer_state_round_trip_and_checks() -> None:
    from core.engine.autograd import Tensor

    var = Tensor(np.ones(3, np.float32), requires_grad=True)
    opt = Adam(learning_rate=0.1)
    opt.apply_gradients([(np.array([1.0, -2.0, 3.0], np.float32), var)])
    store: dict[str, np.ndarray] = {}
    opt.save_own_variables(store)
    assert sorted(store) == ["iterations", "m", "v"] and int(store["iterations"]) == 1
    other = Adam(learning_rate=0.1)
    other.build([Tensor(np.ones(3, np.float32), requires_grad=True)])
    other.load_own_variables(store)
    assert other.iterations == 1
    np.testing.assert_array_equal(other._m, opt._m)
    with pytest.raises(ConfigError, match="Expected 3 numbers"):
        other.load_own_variables({**store, "m": np.zeros(4)})
    with pytest.raises(ConfigError, match="Expected the state arrays"):
        other.load_own_variables({"iterations": np.int64(1)})
    sgd = SGD(learning_rate=0.1, momentum=0.9)
    sgd.build([Tensor(np.ones(3, np.float32), requires_grad=True)])
    with pytest.raises(ConfigError, match="Expected the state arrays"):
        sgd.load_own_variables(store)


def test_epoch_snapshots_give_a_consistent_state_of_a_run_in_progress(trained) -> None:
    from core.document.trained_state import EpochSnapshots, snapshot_state

    _path, project, dataset, settings, model, state = trained
    snaps = EpochSnapshots(min_interval_s=0.0)
    from core.engine.training import train

    for _event in train(
        model,
        dataset.x_train,
        dataset.y_train,
        epochs=5,
        batch_size=32,
        initial_epoch=3,
        callbacks=[snaps],
        seed=0,
    ):
        pass
    snap = snaps.latest
    assert snap.epochs_done == 5 and snap.first_epoch == 3 and len(snap.logs) == 2
    for a, b in zip(snap.weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert int(snap.optimizer["iterations"]) == model.optimizer.iterations
    # the GUI had seen only the first three epochs' logs and some batches of epoch 4
    state.batch_curves = {"epoch_pos": np.array([1.0, 3.5, 4.5, 5.5]), "loss": np.ones(4)}
    out = snapshot_state(snap, state)
    assert out.epochs_done == 5 and len(out.history["loss"]) == 5
    assert out.history["loss"][3] == pytest.approx(snap.logs[0]["loss"])
    assert out.batch_curves["epoch_pos"].tolist() == [1.0, 3.5, 4.5]
    assert out.finish["reason"] == "interrupted"


def test_batch_curves_line_up_series_that_start_late() -> None:
    from core.document.trained_state import BatchCurves

    c = BatchCurves()
    c.add([0.5, 1.0], {"loss": [1.0, 0.9]})
    c.add([1.5], {"loss": [0.8], "accuracy": [0.7]})
    arrays = c.arrays()
    assert arrays["epoch_pos"].tolist() == [0.5, 1.0, 1.5]
    assert np.isnan(arrays["accuracy"][:2]).all() and arrays["accuracy"][2] == 0.7
    c.load(arrays)
    assert c.arrays()["loss"].tolist() == [1.0, 0.9, 0.8]
