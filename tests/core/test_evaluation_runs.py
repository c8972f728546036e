"""Run records in the project file: record, save, load, list, delete, restore."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import core.engine.layers  # noqa: F401 - registers the layer types
from core.document.graph_io import graph_to_dict
from core.document.project import load_project, save_project
from core.engine.layers.spec import CATALOG
from core.errors import FormatError
from core.evaluation import evaluate_dataset
from core.evaluation.runs import (
    RunRecord,
    add_run,
    epochs_text,
    find_run,
    insert_run,
    network_fingerprint,
    overlay_metric,
    record_from_training,
    remove_run,
    restore_run,
    run_for_model,
    runs_of,
    summary_columns,
    summary_row,
)
from core.run import TrainSettings, train_project

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


@pytest.fixture(scope="module")
def trained():
    project = load_project(EXAMPLES / "iris.lfproj", catalog=CATALOG)
    settings = TrainSettings.from_dict(project.train_config).with_overrides(epochs=3, seed=7)
    return project, train_project(project, settings=settings)


def test_a_run_is_recorded_saved_and_read_back(trained, tmp_path: Path) -> None:
    project, result = trained
    ev = evaluate_dataset(result.model, result.dataset)
    record = record_from_training(result, duration_s=1.25, evaluation=ev, data_path="iris.csv")
    assert record.epochs == 3 and record.seed == 7 and record.settings["epochs"] == 3
    assert record.fingerprint == network_fingerprint(project.graph)
    assert record.history["loss"] and len(record.history["loss"]) == 3
    assert record.final["loss"] == record.history["loss"][-1]
    assert record.metrics["test"]["accuracy"] == pytest.approx(ev.model.accuracy)
    assert record.evaluation["confusion_matrix"]["labels"] == list(ev.labels)
    assert record.data["rows"] == {"train": 90, "validation": 30, "test": 30}
    add_run(project, record)
    path = tmp_path / "iris.lfproj"
    save_project(project, path)
    on_disk = json.loads(path.read_text())
    assert on_disk["runs"][0]["id"] == record.id
    again = load_project(path, catalog=CATALOG)
    (back,) = runs_of(again)
    assert back == RunRecord.from_dict(record.to_dict())
    assert back.started.endswith("+00:00")
    row = summary_row(back, ["loss", "accuracy"])
    assert row["id"] == record.id and row["epochs"] == 3
    assert list(row["final"])[:2] == ["loss", "accuracy"]
    assert "adam lr=0.01, batch 16" in row["settings_text"]
    assert row["settings"]["batch_size"] == 16
    project.runs.clear()


def test_delete_and_undo_and_prefix_lookup(trained) -> None:
    project, result = trained
    first = record_from_training(result)
    second = record_from_training(result)
    add_run(project, first)
    add_run(project, second)
    try:
        assert find_run(project, second.id).id == second.id
        index, removed = remove_run(project, first.id)
        assert index == 0 and removed.id == first.id
        assert [r.id for r in runs_of(project)] == [second.id]
        insert_run(project, removed, index)
        assert [r.id for r in runs_of(project)] == [first.id, second.id]
        with pytest.raises(FormatError, match="is not a run of this project"):
            find_run(project, "nope")
    finally:
        project.runs.clear()


def test_restore_gives_the_runs_network_and_settings(trained) -> None:
    project, result = trained
    record = record_from_training(result)
    graph, settings = restore_run(record)
    assert graph_to_dict(graph) == graph_to_dict(project.graph)
    assert settings["epochs"] == 3 and settings["seed"] == 7
    assert network_fingerprint(graph) == record.fingerprint
    # the fingerprint ignores the layout but not the settings of a layer
    d = graph_to_dict(project.graph)
    d["nodes"][1]["x"] += 100
    assert network_fingerprint(d) == record.fingerprint
    d["nodes"][1]["params"]["units"] = 5
    assert network_fingerprint(d) != record.fingerprint


def test_nan_curves_are_stored_as_null(trained) -> None:
    _, result = trained
    record = record_from_training(result)
    bad = RunRecord.from_dict({**record.to_dict(), "history": {"loss": [1.0, math.nan]}})
    assert bad.to_dict()["history"]["loss"] == [1.0, None]
    json.dumps(bad.to_dict(), allow_nan=False)


def test_damaged_records_and_runs_fields_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="without a usable 'id'"):
        RunRecord.from_dict({"started": "x"})
    text = (EXAMPLES / "seed.lfproj").read_text()
    d = json.loads(text)
    d["runs"] = {"not": "a list"}
    p = tmp_path / "bad.lfproj"
    p.write_text(json.dumps(d))
    with pytest.raises(FormatError, match="'runs' must be a list of objects"):
        load_project(p, catalog=CATALOG)


def test_many_class_evaluations_keep_only_the_summary(trained) -> None:
    _, result = trained
    labels = [f"c{i}" for i in range(60)]
    big = {
        "task": "multiclass",
        "accuracy": 0.5,
        "roc_auc": 0.9,
        "confusion_matrix": {"labels": labels, "matrix": [[0] * 60] * 60},
        "per_class": {lab: {} for lab in labels},
        "baseline": {"accuracy": 0.1, "confusion_matrix": {}, "per_class": {}},
    }
    record = record_from_training(result, evaluation=big)
    assert record.evaluation == {
        "task": "multiclass",
        "accuracy": 0.5,
        "roc_auc": 0.9,
        "baseline": {"accuracy": 0.1},
    }
    small = record_from_training(result, evaluation={**big, "confusion_matrix": {"labels": ["a"]}})
    assert "per_class" in small.evaluation


def test_a_continued_run_and_the_network_it_was_built_from(trained) -> None:
    project, result = trained
    first = record_from_training(result, source="app")
    built = graph_to_dict(project.graph)
    built["nodes"][1]["params"]["units"] = 5  # the canvas changed during the run
    more = record_from_training(
        result,
        source="app",
        network=built,
        reason="error",
        first_epoch=2,
        continued_from=first.id,
    )
    assert more.graph == built and more.fingerprint == network_fingerprint(built)
    assert more.reason == "error" and more.first_epoch == 2
    again = RunRecord.from_dict(json.loads(json.dumps(more.to_dict())))
    assert again == more and again.continued_from == first.id
    old = {k: v for k, v in first.to_dict().items() if k not in ("first_epoch", "continued_from")}
    assert RunRecord.from_dict(old).first_epoch == 0  # records written before these fields
    assert epochs_text(summary_row(more)) == "2+1 (error)"
    assert epochs_text(summary_row(first)) == "3"
    add_run(project, first)
    add_run(project, more)
    try:
        assert run_for_model(project, project.graph, 3) == first.id
        assert run_for_model(project, built, 3) == more.id
        assert run_for_model(project, project.graph, 4) is None
    finally:
        project.runs.clear()


def test_table_columns_and_the_metric_to_overlay(trained) -> None:
    _, result = trained
    record = record_from_training(result)
    finals, tests = summary_columns([summary_row(record)])
    assert finals == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert tests == ["loss", "accuracy"]
    assert overlay_metric([record]) == "accuracy"
    regression = RunRecord.from_dict(
        {
            **record.to_dict(),
            "settings": {"metrics": ["mae"]},
            "history": {"loss": [1.0], "mae": [2.0], "r2": [0.1]},
        }
    )
    assert overlay_metric([regression]) == "mae"
    only_loss = RunRecord.from_dict({**record.to_dict(), "history": {"loss": [1.0]}})
    assert overlay_metric([only_loss]) is None
    assert overlay_metric([]) is None
