"""Recovery copies: written beside nothing of the user's, found after a crash, removed on exit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from core.document.project import load_project
from core.document.recovery import (
    INDEX_NAME,
    RecoveryWriter,
    discard_recovery,
    find_recoveries,
    load_recovery,
)
from core.document.trained_state import TrainedState

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def _state(epochs: int = 5) -> TrainedState:
    return TrainedState(
        weights=[np.arange(6, dtype=np.float32).reshape(2, 3)],
        optimizer={"iterations": np.asarray(7, np.int64)},
        epochs_done=epochs,
        settings={"optimizer": "adam"},
        network={"nodes": []},
        data_signature="0" * 64,
        history={"loss": [0.9, 0.5]},
    )


def _everyone_gone(_folder: Path) -> bool:
    return True


def test_a_copy_is_found_with_what_it_holds_and_loads_back(tmp_path) -> None:
    project = load_project(EXAMPLES / "seed.lfproj")
    project.path = str(tmp_path / "mine.lfproj")
    writer = RecoveryWriter(tmp_path / "rec")
    writer.write(
        project, _state(), document_name="mine.lfproj", original_path=project.path, reason="run"
    )
    assert project.path == str(tmp_path / "mine.lfproj") and project.trained is None
    assert not (tmp_path / "mine.lfproj").exists()  # nothing is written to the user's file

    [entry] = find_recoveries(tmp_path / "rec", _everyone_gone)
    assert entry.document_name == "mine.lfproj" and entry.layers == 4
    assert entry.epochs_trained == 5 and entry.data_name == "seed_binary.csv"
    assert entry.describe() == (
        "mine.lfproj: 4 layers, a model trained for 5 epochs, the data file seed_binary.csv"
    )
    assert entry.saved_text().startswith("today at ")

    loaded = load_recovery(entry)
    assert loaded.problem is None and loaded.state.epochs_done == 5
    assert loaded.project.path == str(tmp_path / "mine.lfproj")
    assert loaded.project.data_path == project.data_path  # resolved from the copy's folder
    np.testing.assert_array_equal(loaded.state.weights[0], _state().weights[0])


def test_each_write_is_a_new_generation_and_the_old_one_goes(tmp_path) -> None:
    project = load_project(EXAMPLES / "seed.lfproj")
    writer = RecoveryWriter(tmp_path)
    writer.write(project, _state(1), document_name="a", original_path=None)
    writer.write(project, None, document_name="a", original_path=None)
    names = sorted(p.name for p in writer.folder.iterdir())
    assert names == ["copy-2.lfproj", INDEX_NAME]
    [entry] = find_recoveries(tmp_path, _everyone_gone)
    assert entry.epochs_trained == 0 and load_recovery(entry).state is None


def test_a_write_cut_short_leaves_the_previous_complete_copy(tmp_path) -> None:
    """A kill after the next copy's files were written but before the index moved."""
    project = load_project(EXAMPLES / "seed.lfproj")
    writer = RecoveryWriter(tmp_path)
    writer.write(project, _state(3), document_name="a", original_path=None)
    (writer.folder / "copy-2.lfstate.npz").write_bytes(b"PK\x03\x04 half a file")
    [entry] = find_recoveries(tmp_path, _everyone_gone)
    loaded = load_recovery(entry)
    assert entry.project_file.name == "copy-1.lfproj" and loaded.state.epochs_done == 3


def test_running_sessions_and_the_own_session_are_not_offered(tmp_path) -> None:
    project = load_project(EXAMPLES / "seed.lfproj")
    mine, other = RecoveryWriter(tmp_path), RecoveryWriter(tmp_path)
    for w in (mine, other):
        w.write(project, None, document_name="x", original_path=None)
    assert find_recoveries(tmp_path, lambda f: False) == []
    found = find_recoveries(tmp_path, _everyone_gone, exclude=mine.session_id)
    assert [e.folder for e in found] == [other.folder]


def test_clear_and_discard(tmp_path) -> None:
    project = load_project(EXAMPLES / "seed.lfproj")
    writer = RecoveryWriter(tmp_path)
    writer.write(project, _state(), document_name="x", original_path=None)
    (writer.folder / "session.lock").write_text("123")
    writer.clear()
    assert sorted(p.name for p in writer.folder.iterdir()) == ["session.lock"]
    assert find_recoveries(tmp_path, lambda f: False) == []
    writer.write(project, None, document_name="x", original_path=None)
    writer.discard()
    assert not writer.folder.exists()


def test_damaged_or_empty_folders_of_ended_sessions_are_cleaned_up(tmp_path) -> None:
    (tmp_path / "s1").mkdir()
    (tmp_path / "s1" / INDEX_NAME).write_text("{not json")
    (tmp_path / "s2").mkdir()
    (tmp_path / "s2" / INDEX_NAME).write_text(
        json.dumps({"format": "layerforge-recovery", "copy": "copy-1.lfproj", "saved_at": "x"})
    )
    (tmp_path / "s3").mkdir()  # a session killed before its first autosave
    assert find_recoveries(tmp_path, _everyone_gone) == []
    assert list(tmp_path.iterdir()) == []
    discard_recovery(tmp_path / "missing")  # nothing to do, no error
