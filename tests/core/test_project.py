"""Tests for core.document.project: round trip, relative data paths, atomic save, bad files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from core.document import project as project_mod
from core.document.graph import Graph
from core.document.graph_io import graph_from_dict, graph_to_dict
from core.document.project import (
    Project,
    default_train_config,
    load_project,
    project_from_dict,
    project_to_dict,
    save_project,
)
from core.errors import FormatError, GraphError
from tests.core.test_graph import FakeCatalog, build_sample


def make_project(tmp_path: Path) -> Project:
    g = Graph(FakeCatalog())
    build_sample(g)
    data = tmp_path / "data" / "train.csv"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text("a,b\n1,2\n")
    cfg = default_train_config()
    cfg.update(epochs=7, learning_rate=0.01, metrics=["accuracy"])
    cfg["early_stopping"].update(enabled=True, patience=3)
    return Project(
        graph=g,
        data_path=str(data),
        data_config={"target": "b", "roles": {"a": "feature"}, "scaling": "standard"},
        train_config=cfg,
    )


def test_round_trip(tmp_path: Path) -> None:
    proj = make_project(tmp_path)
    path = tmp_path / "work.lfproj"
    save_project(proj, path)
    assert proj.path == str(path.resolve())
    raw = json.loads(path.read_text())
    assert raw["format"] == "layerforge-project"
    assert raw["format_version"] == project_mod.FORMAT_VERSION == 3
    assert raw["data"]["path"] == "data/train.csv"  # relative to the project file
    loaded = load_project(path, catalog=FakeCatalog())
    assert graph_to_dict(loaded.graph) == graph_to_dict(proj.graph)
    assert loaded.data_path == str((tmp_path / "data" / "train.csv").resolve())
    assert loaded.data_config == proj.data_config
    assert loaded.train_config == proj.train_config
    assert loaded.path == str(path.resolve())
    assert loaded.data_problem() is None


def test_relative_path_survives_moving_the_folder(tmp_path: Path) -> None:
    proj = make_project(tmp_path / "a")
    save_project(proj, tmp_path / "a" / "p.lfproj")
    (tmp_path / "a").rename(tmp_path / "b")
    loaded = load_project(tmp_path / "b" / "p.lfproj")
    assert loaded.data_path == str((tmp_path / "b" / "data" / "train.csv").resolve())
    assert loaded.data_problem() is None


def test_data_path_above_the_project_folder(tmp_path: Path) -> None:
    proj = make_project(tmp_path)
    sub = tmp_path / "projects"
    sub.mkdir()
    save_project(proj, sub / "p.lfproj")
    assert json.loads((sub / "p.lfproj").read_text())["data"]["path"] == "../data/train.csv"
    assert load_project(sub / "p.lfproj").data_problem() is None


def test_missing_data_file_is_not_a_load_error(tmp_path: Path) -> None:
    proj = make_project(tmp_path)
    save_project(proj, tmp_path / "p.lfproj")
    (tmp_path / "data" / "train.csv").unlink()
    loaded = load_project(tmp_path / "p.lfproj")
    problem = loaded.data_problem()
    assert problem is not None and "'train.csv' was not found" in problem
    (tmp_path / "data" / "train.csv").mkdir()
    assert "is a folder" in (load_project(tmp_path / "p.lfproj").data_problem() or "")


def test_no_data_and_defaults(tmp_path: Path) -> None:
    proj = Project(graph=Graph())
    assert proj.data_problem() is None
    save_project(proj, tmp_path / "empty.lfproj")
    loaded = load_project(tmp_path / "empty.lfproj")
    assert loaded.data_path is None and loaded.data_config == {}
    assert loaded.train_config == default_train_config()
    assert len(loaded.graph) == 0


def test_missing_training_keys_are_filled(tmp_path: Path) -> None:
    d = project_to_dict(Project(graph=Graph()))
    d["training"] = {"epochs": 3, "metrics": "accuracy", "early_stopping": None}
    d["data"] = None
    proj = project_from_dict(d)
    assert proj.train_config["epochs"] == 3
    assert proj.train_config["metrics"] == ["accuracy"]
    assert proj.train_config["batch_size"] == 32
    assert proj.train_config["early_stopping"]["monitor"] == "val_loss"


def test_unsaved_project_keeps_relative_path() -> None:
    d = project_to_dict(Project(graph=Graph(), data_path="x/y.csv"))
    assert d["data"]["path"] == "x/y.csv"
    assert project_from_dict(d).data_path == "x/y.csv"


def test_windows_separators_are_read(tmp_path: Path) -> None:
    d = project_to_dict(Project(graph=Graph()))
    d["data"]["path"] = "data\\train.csv"
    proj = project_from_dict(d, path=str(tmp_path / "p.lfproj"))
    assert proj.data_path == str((tmp_path / "data" / "train.csv").resolve())


# ------------------------------------------------------------------ atomic save


def saved_then_edited(tmp_path: Path) -> tuple[Project, Path, bytes]:
    """A project saved to p.lfproj, its saved bytes, then edited (so a new save differs)."""
    proj = make_project(tmp_path)
    path = tmp_path / "p.lfproj"
    save_project(proj, path)
    before = path.read_bytes()
    proj.graph.add_node("Dense", name="new_layer")
    return proj, path, before


def test_failed_write_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proj, path, before = saved_then_edited(tmp_path)

    real_fsync = os.fsync

    def crash(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project_mod.os, "fsync", crash)
    with pytest.raises(FormatError, match="p.lfproj: cannot be saved: No space left"):
        save_project(proj, path)
    monkeypatch.setattr(project_mod.os, "fsync", real_fsync)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "p.lfproj"]  # no temp left


def test_crash_in_the_middle_of_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A process killed after half the bytes are written leaves the old file intact."""
    proj, path, before = saved_then_edited(tmp_path)
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def __enter__(self) -> HalfWriter:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def write(self, text: str) -> None:
            self.fh.write(text[: len(text) // 2])
            self.fh.flush()
            raise KeyboardInterrupt  # simulates the process being stopped mid-write

    monkeypatch.setattr(project_mod.os, "fdopen", lambda *a, **k: HalfWriter(real_fdopen(*a, **k)))
    with pytest.raises(KeyboardInterrupt):
        save_project(proj, path)
    assert path.read_bytes() == before
    assert graph_to_dict(load_project(path).graph) == graph_to_dict(
        graph_from_dict(json.loads(before)["graph"])
    )
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_failed_replace_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proj = make_project(tmp_path)
    path = tmp_path / "p.lfproj"
    save_project(proj, path)
    before = path.read_bytes()

    def fail(src: str, dst: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(project_mod.os, "replace", fail)
    with pytest.raises(FormatError, match="Permission denied"):
        save_project(proj, path)
    assert path.read_bytes() == before
    assert len(list(tmp_path.iterdir())) == 2


def test_save_refusals(tmp_path: Path) -> None:
    proj = Project(graph=Graph())
    with pytest.raises(FormatError, match="does not exist"):
        save_project(proj, tmp_path / "nope" / "p.lfproj")
    (tmp_path / "dir.lfproj").mkdir()
    with pytest.raises(FormatError, match="a folder has that name"):
        save_project(proj, tmp_path / "dir.lfproj")
    proj.train_config["learning_rate"] = float("nan")
    with pytest.raises(FormatError, match="cannot be saved"):
        save_project(proj, tmp_path / "p.lfproj")
    proj.train_config["learning_rate"] = 0.1
    proj.graph.add_node("Dense", {"units": object()})
    with pytest.raises(GraphError):
        save_project(proj, tmp_path / "p.lfproj")
    assert not (tmp_path / "p.lfproj").exists()


def test_save_keeps_file_permissions(tmp_path: Path) -> None:
    path = tmp_path / "p.lfproj"
    save_project(Project(graph=Graph()), path)
    os.chmod(path, 0o600)
    save_project(Project(graph=Graph()), path)
    assert path.stat().st_mode & 0o777 == 0o600


# ------------------------------------------------------------------ bad files


def write(tmp_path: Path, content: bytes | str) -> Path:
    p = tmp_path / "bad.lfproj"
    p.write_bytes(content.encode() if isinstance(content, str) else content)
    return p


def good_text(tmp_path: Path) -> str:
    proj = make_project(tmp_path)
    save_project(proj, tmp_path / "good.lfproj")
    return (tmp_path / "good.lfproj").read_text()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        (b"\xff\xfe\x00garbage", "not a text file"),
        ("hello world", "not valid JSON \\(line 1, column 1"),
        ('{"format": "layerforge-project", "format_version": 1, "graph": {', "truncated"),
        ("[1, 2]", "Expected a LayerForge project \\(a JSON object\\). Received: a list"),
        ('"text"', "Received: text"),
        ('{"format_version": 1}', "no 'format' field"),
        ('{"format": "layerforge-model", "format_version": 1}', "format is 'layerforge-model'"),
        ('{"format": "layerforge-project", "format_version": "x"}', "'format_version' must"),
        ('{"format": "layerforge-project", "format_version": 1}', "has no 'graph'"),
        (
            '{"format": "layerforge-project", "format_version": 1, "graph": [] }',
            "Expected a network description",
        ),
        (
            '{"format": "layerforge-project", "format_version": 1, "graph": {"format_version": 1},'
            '"training": {"epochs": NaN}}',
            "NaN is not allowed",
        ),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path: Path, content: Any, message: str) -> None:
    p = write(tmp_path, content)
    with pytest.raises(FormatError, match=message) as info:
        load_project(p)
    text = str(info.value)
    assert text.startswith(str(p)) and "\n" not in text


def test_newer_format(tmp_path: Path) -> None:
    d = json.loads(good_text(tmp_path))
    d["format_version"] = 4
    with pytest.raises(FormatError) as info:
        load_project(write(tmp_path, json.dumps(d)))
    assert str(info.value).endswith(
        "This file was made by a newer LayerForge (format 4); this version reads up to format 3. "
        "Update LayerForge to open it."
    )
    d["format_version"] = 3
    d["graph"]["format_version"] = 2
    with pytest.raises(FormatError, match="newer LayerForge \\(format 2\\)"):
        load_project(write(tmp_path, json.dumps(d)))


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="project file not found"):
        load_project(tmp_path / "none.lfproj")
    with pytest.raises(FormatError, match="is a folder"):
        load_project(tmp_path)


def test_unknown_layer_with_catalog(tmp_path: Path) -> None:
    d = json.loads(good_text(tmp_path))
    d["graph"]["nodes"][1]["type"] = "Dnse"
    p = write(tmp_path, json.dumps(d))
    with pytest.raises(
        FormatError, match="node 2 \\('dense'\\): Unknown layer type 'Dnse'. Did you mean 'Dense'"
    ):
        load_project(p, catalog=FakeCatalog())
    assert load_project(p).graph.node_by_name("dense").type == "Dnse"  # no catalog: accepted


def test_truncated_every_length_is_a_format_error(tmp_path: Path) -> None:
    text = good_text(tmp_path)
    p = tmp_path / "t.lfproj"
    for n in range(0, len(text) - 2, 7):
        p.write_text(text[:n])
        with pytest.raises(FormatError):
            load_project(p, catalog=FakeCatalog())


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("epochs", 0, "'epochs': Expected a whole number from 1 to 1,000,000. Received: 0"),
        ("epochs", 10**7, "'epochs': Expected a whole number from 1 to 1,000,000"),
        ("batch_size", 10**9, "'batch_size': Expected a whole number from 1 to 16,777,216"),
        ("epochs", 2.5, "'epochs'"),
        ("batch_size", "32", "'batch_size'"),
        ("learning_rate", -1, "'learning_rate': Expected a number > 0"),
        ("validation_split", 0.2, "unknown keys: \\['validation_split'\\]. The validation share"),
        ("optimizer", "", "'optimizer'"),
        ("metrics", 3, "'metrics'"),
        ("loss", 3, "'loss'"),
        ("seed", 1.5, "'seed'"),
        ("optimizer_settings", [], "'optimizer_settings'"),
        ("early_stopping", {"enabled": "yes"}, "'early_stopping.enabled'"),
        ("early_stopping", {"patience": -1}, "'early_stopping.patience'"),
        ("early_stopping", {"monitor": ""}, "'early_stopping.monitor'"),
        ("early_stopping", [], "'early_stopping'"),
        ("early_stopping", {"restore_best_weights": 1}, "'early_stopping.restore_best_weights'"),
        ("early_stopping", {"min_delta": -0.1}, "'early_stopping.min_delta'"),
    ],
)
def test_bad_training_settings(tmp_path: Path, key: str, value: Any, message: str) -> None:
    d = json.loads(good_text(tmp_path))
    d["training"][key] = value
    with pytest.raises(FormatError, match=message):
        load_project(write(tmp_path, json.dumps(d)))


@pytest.mark.parametrize(
    ("section", "value", "message"),
    [
        ("data", [], "'data' must be an object"),
        ("training", 3, "'training' must be an object"),
    ],
)
def test_bad_sections(tmp_path: Path, section: str, value: Any, message: str) -> None:
    d = json.loads(good_text(tmp_path))
    d[section] = value
    with pytest.raises(FormatError, match=message):
        load_project(write(tmp_path, json.dumps(d)))


def test_bad_data_fields(tmp_path: Path) -> None:
    d = json.loads(good_text(tmp_path))
    d["data"]["path"] = 5
    with pytest.raises(FormatError, match="'data.path' must be text"):
        load_project(write(tmp_path, json.dumps(d)))
    d["data"]["path"] = None
    d["data"]["config"] = "x"
    with pytest.raises(FormatError, match="'data.config' must be an object"):
        load_project(write(tmp_path, json.dumps(d)))


def test_deeply_nested_file(tmp_path: Path) -> None:
    with pytest.raises(FormatError):
        load_project(write(tmp_path, "[" * 100000 + "]" * 100000))


def test_project_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = json.loads(good_text(tmp_path))

    current = project_mod.FORMAT_VERSION  # a file written today, read by a later version

    def upgrade(old: dict[str, Any]) -> dict[str, Any]:
        old["training"]["epochs"] = 99
        return old

    monkeypatch.setattr(project_mod, "FORMAT_VERSION", current + 1)
    monkeypatch.setitem(project_mod.PROJECT_MIGRATIONS, current, upgrade)
    assert project_from_dict(d).train_config["epochs"] == 99
    monkeypatch.delitem(project_mod.PROJECT_MIGRATIONS, current)
    with pytest.raises(FormatError, match="missing migration"):
        project_from_dict(d)


def test_no_pickle_or_eval_in_project_module() -> None:
    src = Path(project_mod.__file__).read_text()
    assert "pickle" not in src.replace("No pickle", "").replace("no pickle", "")
    assert "eval(" not in src


def test_train_config_defaults_come_from_core_run_settings() -> None:
    from core.run import TrainSettings

    assert TrainSettings().to_dict() == default_train_config()
    assert TrainSettings.from_dict(default_train_config()).to_dict() == default_train_config()
    assert "validation_split" not in default_train_config()  # a data setting, see below


def v1_file(data_config: dict[str, Any], training: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": "layerforge-project",
        "format_version": 1,
        "graph": project_to_dict(Project(graph=Graph()))["graph"],
        "data": {"path": None, "config": data_config},
        "training": training,
    }


def test_format_1_gives_validation_split_and_seed_one_home_each() -> None:
    # Format 1 kept both in both places; the data values were the ones that ran.
    proj = project_from_dict(
        v1_file(
            {"target": "y", "validation_split": 0.15, "test_split": 0.15, "seed": 4},
            {"epochs": 5, "validation_split": 0.2, "seed": 7},
        )
    )
    assert proj.data_config == {"target": "y", "validation_split": 0.15, "test_split": 0.15}
    assert proj.train_config["seed"] == 7 and proj.train_config["epochs"] == 5
    assert "validation_split" not in proj.train_config
    # Only the training side had them: they move to their homes.
    proj = project_from_dict(v1_file({"target": "y"}, {"validation_split": 0.3}))
    assert proj.data_config == {"target": "y", "validation_split": 0.3}
    proj = project_from_dict(v1_file({"seed": 4}, {}))
    assert proj.data_config == {} and proj.train_config["seed"] == 4
    # Runs recorded by format 1 kept the share with their training settings too.
    d = v1_file({}, {})
    d["runs"] = [{"id": "r1", "settings": {"epochs": 3, "validation_split": 0.2}}]
    assert project_from_dict(d).runs[0]["settings"] == {"epochs": 3}


def test_bundled_examples_still_open() -> None:
    examples = Path(__file__).resolve().parents[2] / "resources" / "examples"
    for path in sorted(examples.glob("*.lfproj")):
        proj = load_project(path)
        assert "seed" not in proj.data_config and "validation_split" not in proj.train_config
        assert 0 < proj.data_config["validation_split"] < 1, path.name
