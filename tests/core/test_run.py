"""core.run: settings, data loading, graph checks, training events, evaluation, new project."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import core.engine.layers  # noqa: F401 - registers the layer types
from core.document.graph import Graph
from core.document.project import Project, default_train_config
from core.engine.layers.spec import CATALOG
from core.engine.training import EpochEnded, TrainingFinished
from core.errors import ConfigError, DataError, GraphError
from core.run import (
    EarlyStoppingSettings,
    TrainSettings,
    build_and_compile,
    check_graph,
    data_settings,
    evaluate_splits,
    load_data,
    make_optimizer,
    new_project_from_csv,
    project_data_config,
    save_trained,
    train_project,
    training_events,
)


def binary_csv(path: Path, n: int = 160, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], size=n)
    label = np.where(a + b + (color == "red") * 0.5 > 0, "yes", "no")
    pd.DataFrame({"a": a, "b": b, "color": color, "label": label}).to_csv(path, index=False)
    return path


def mlp_graph(n_in: int, hidden: int = 8, out: int = 1, act: str = "sigmoid") -> Graph:
    g = Graph(catalog=CATALOG)
    i = g.add_node("Input", {"shape": [n_in]}).id
    h = g.add_node("Dense", {"units": hidden, "activation": "relu"}, x=250).id
    o = g.add_node("Dense", {"units": out, "activation": act}, x=500).id
    g.connect(i, h)
    g.connect(h, o)
    return g


@pytest.fixture
def project(tmp_path: Path) -> Project:
    csv = binary_csv(tmp_path / "data.csv")
    cfg = default_train_config()
    cfg.update({"epochs": 3, "batch_size": 16, "loss": None, "metrics": []})
    return Project(
        graph=mlp_graph(5),
        data_path=str(csv),
        data_config={"target": "label", "validation_split": 0.25, "test_split": 0.25},
        train_config=cfg,
        path=str(tmp_path / "p.lfproj"),
    )


# ------------------------------------------------------------------ settings


def test_settings_from_project_defaults_round_trip() -> None:
    s = TrainSettings.from_dict(default_train_config())
    assert s.optimizer == "adam" and s.epochs == 20 and s.loss is None
    assert s.early_stopping.enabled is False and s.early_stopping.monitor == "val_loss"
    assert TrainSettings.from_dict(s.to_dict()) == s


@pytest.mark.parametrize(
    "changes",
    [
        {"epochs": 0},
        {"batch_size": 2.5},
        {"learning_rate": -1},
        {"metrics": [1]},
        {"seed": "x"},
        {"optimizer": ""},
        {"loss": 3},
        {"early_stopping": {"patience": -1}},
        {"early_stopping": {"enabled": "yes"}},
        {"early_stopping": 5},
        {"epochs": True},
    ],
)
def test_settings_refuse_wrong_values(changes: dict) -> None:
    cfg = default_train_config()
    cfg.update(changes)
    with pytest.raises(ConfigError, match="Expected"):
        TrainSettings.from_dict(cfg)


def test_validation_split_is_a_data_setting_not_a_training_one() -> None:
    assert not hasattr(TrainSettings(), "validation_split")
    with pytest.raises(ConfigError, match=r"unknown keys: \['validation_split'\].*data setting"):
        TrainSettings.from_dict({"validation_split": 0.2})


def test_overrides_and_resolution_from_task() -> None:
    from core.data import TaskInfo

    s = TrainSettings().with_overrides(epochs=3, batch_size=None, seed=7)
    assert (s.epochs, s.batch_size, s.seed) == (3, 32, 7)
    r = s.resolved(TaskInfo.classification(("a", "b", "c")))
    assert r.loss == "categorical_crossentropy" and r.metrics == ("accuracy",)
    kept = TrainSettings(loss="huber", metrics=("mae",)).resolved(TaskInfo.regression())
    assert kept.loss == "huber" and kept.metrics == ("mae",)
    assert EarlyStoppingSettings.from_dict({"restore_best_weights": False}).patience == 5


def test_make_optimizer_uses_name_rate_and_settings() -> None:
    opt = make_optimizer(
        TrainSettings(optimizer="SGD", learning_rate=0.05, optimizer_settings={"momentum": 0.9})
    )
    assert type(opt).__name__ == "SGD"
    assert opt.get_config()["learning_rate"] == pytest.approx(0.05)
    assert opt.get_config()["momentum"] == pytest.approx(0.9)
    with pytest.raises(ConfigError, match="adam"):
        make_optimizer(TrainSettings(optimizer="adma"))
    with pytest.raises(ConfigError, match="momentum_x"):
        make_optimizer(TrainSettings(optimizer="sgd", optimizer_settings={"momentum_x": 1}))


# ------------------------------------------------------------------ data


def test_load_data_uses_project_config(project: Project) -> None:
    ds = load_data(project)
    assert ds.target == "label" and ds.task.kind == "binary"
    assert ds.n_features == 5  # a, b, color one-hot (3)
    assert len(ds.x_val) == 40 and len(ds.x_test) == 40


def test_the_split_uses_the_data_share_and_the_one_project_seed(
    project: Project, tmp_path: Path
) -> None:
    project.data_config = {"target": "label", "validation_split": 0.5}
    first = load_data(project)
    assert len(first.x_val) == 80
    # The seed lives in the training settings; a stray data-side seed changes nothing.
    project.data_config = {"target": "label", "validation_split": 0.5, "seed": 123}
    np.testing.assert_array_equal(load_data(project).x_val, first.x_val)
    assert project_data_config(project).seed == 0
    project.train_config = {**project.train_config, "seed": 5}
    assert project_data_config(project).seed == 5
    assert not np.array_equal(load_data(project).x_val, first.x_val)
    project.train_config = {**project.train_config, "seed": None}
    assert project_data_config(project).seed == 0  # random weights, the same split
    other = binary_csv(tmp_path / "other.csv", n=40, seed=1)
    assert len(load_data(project, other).x_train) == 20


def test_data_settings_keep_no_seed() -> None:
    from core.data import DataConfig

    d = data_settings(DataConfig(target="y", validation_split=0.3, seed=9))
    assert "seed" not in d and d["validation_split"] == 0.3 and d["target"] == "y"


def test_load_data_without_file_says_what_to_do(project: Project, tmp_path: Path) -> None:
    project.data_path = None
    with pytest.raises(DataError, match="--data"):
        load_data(project)
    project.data_path = str(tmp_path / "gone.csv")
    with pytest.raises(DataError, match="gone.csv"):
        load_data(project)


# ------------------------------------------------------------------ model


def test_build_and_compile_refuses_graph_that_does_not_fit_data(project: Project) -> None:
    ds = load_data(project)
    with pytest.raises(GraphError) as info:
        build_and_compile(mlp_graph(3, out=2, act="softmax"), ds, TrainSettings())
    text = str(info.value)
    assert "2 problems" in text
    assert "(5,)" in text and "Dense(1, sigmoid)" in text


def test_check_graph_lists_every_problem_of_the_analysis(project: Project) -> None:
    from core.document.analysis import analyze

    ds = load_data(project)
    assert check_graph(project.graph, ds).ok
    bad = mlp_graph(3, out=2, act="softmax")
    problems = analyze(bad, n_features=ds.n_features, task=ds.task).problems
    assert len(problems) == 2
    with pytest.raises(GraphError) as info:
        check_graph(bad, ds)
    assert all(p.message in str(info.value) for p in problems)


def test_build_and_compile_fills_loss_from_task(project: Project) -> None:
    ds = load_data(project)
    model = build_and_compile(project.graph, ds, TrainSettings(seed=1))
    assert model.count_params() == 5 * 8 + 8 + 8 + 1
    out = model.predict(ds.x_val, verbose=0)
    assert out.shape == (40, 1) and np.all((out > 0) & (out < 1))


def test_training_events_and_evaluation(project: Project) -> None:
    ds = load_data(project)
    settings = TrainSettings.from_dict(project.train_config)
    model = build_and_compile(project.graph, ds, settings)
    events = list(training_events(model, ds, settings))
    assert sum(isinstance(e, EpochEnded) for e in events) == 3
    assert isinstance(events[-1], TrainingFinished)
    epoch_logs = [e.logs for e in events if isinstance(e, EpochEnded)]
    assert "val_loss" in epoch_logs[-1] and "val_accuracy" in epoch_logs[-1]
    metrics = evaluate_splits(model, ds)
    assert set(metrics) == {"train", "validation", "test"}
    for split in metrics.values():
        assert set(split) == {"loss", "accuracy"}
        assert 0.0 <= split["accuracy"] <= 1.0
    assert metrics["validation"]["loss"] == pytest.approx(epoch_logs[-1]["val_loss"], rel=1e-4)


def test_early_stopping_from_settings_stops_the_run(project: Project) -> None:
    ds = load_data(project)
    settings = TrainSettings(
        epochs=30,
        batch_size=16,
        seed=0,
        early_stopping=EarlyStoppingSettings(
            enabled=True, monitor="val_loss", patience=1, min_delta=10.0
        ),
    )
    model = build_and_compile(project.graph, ds, settings)
    events = list(training_events(model, ds, settings))
    assert sum(isinstance(e, EpochEnded) for e in events) == 2
    assert events[-1].reason == "early_stopping"


def test_early_stopping_without_validation_watches_training_loss(project: Project) -> None:
    project.data_config = {"target": "label", "validation_split": 0.0}
    settings = TrainSettings(
        epochs=30,
        early_stopping=EarlyStoppingSettings(enabled=True, patience=0, min_delta=10.0),
    )
    ds = load_data(project, settings=settings)
    assert len(ds.x_val) == 0
    model = build_and_compile(project.graph, ds, settings)
    events = list(training_events(model, ds, settings))
    assert events[-1].reason == "early_stopping"
    assert evaluate_splits(model, ds)["validation"] == {}


def test_train_more_continues_from_initial_epoch(project: Project) -> None:
    """Two epochs, then two more from `initial_epoch=2` on the same model and optimizer."""
    from dataclasses import replace

    ds = load_data(project)
    settings = replace(TrainSettings.from_dict(project.train_config), epochs=4)
    model = build_and_compile(project.graph, ds, settings)
    first = list(training_events(model, ds, replace(settings, epochs=2)))
    after_two = model.get_weights()
    steps = model.optimizer.iterations
    more = list(training_events(model, ds, settings, initial_epoch=2))
    assert [e.epoch for e in first if isinstance(e, EpochEnded)] == [0, 1]
    assert [e.epoch for e in more if isinstance(e, EpochEnded)] == [2, 3]
    assert isinstance(more[-1], TrainingFinished) and more[-1].reason == "completed"
    assert model.optimizer.iterations == 2 * steps  # the same optimizer state went on
    assert any(
        not np.array_equal(a, b) for a, b in zip(after_two, model.get_weights(), strict=True)
    )
    # It went on from the trained weights: its first epoch beats a fresh model's first.
    fresh = build_and_compile(project.graph, ds, settings)
    fresh_first = next(e for e in training_events(fresh, ds, settings) if isinstance(e, EpochEnded))
    more_first = next(e for e in more if isinstance(e, EpochEnded))
    assert more_first.logs["loss"] < fresh_first.logs["loss"]


def test_saved_bundle_records_the_split_the_run_used(project: Project, tmp_path: Path) -> None:
    from core.bundle import load_model

    result = train_project(project)
    written = save_trained(result, tmp_path / "m.lfmodel")
    recorded = load_model(written).metadata["train_settings"]
    assert recorded["validation_split"] == 0.25 and recorded["epochs"] == 3
    assert recorded["seed"] == 0


def test_train_project_is_deterministic_for_a_seed(project: Project) -> None:
    a = train_project(project)
    b = train_project(project)
    assert a.metrics == b.metrics and a.history == b.history
    assert a.epochs_run == 3 and a.finished.reason == "completed"
    for wa, wb in zip(a.model.get_weights(), b.model.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    c = train_project(
        project, settings=TrainSettings.from_dict(project.train_config).with_overrides(seed=99)
    )
    assert c.history != a.history


# ------------------------------------------------------------------ new project


def test_new_project_from_csv_fits_the_data(tmp_path: Path) -> None:
    from core.document.analysis import analyze

    csv = binary_csv(tmp_path / "d.csv")
    project = new_project_from_csv(csv, "label", hidden="12,6")
    types = [n.type for n in project.graph.nodes.values()]
    assert types == ["Input", "Dense", "Dense", "Dense"]
    nodes = list(project.graph.nodes.values())
    assert nodes[0].params["shape"] in ([5], (5,))
    assert [n.params["units"] for n in nodes[1:]] == [12, 6, 1]
    assert nodes[-1].params["activation"] == "sigmoid"
    assert [n.x for n in nodes] == sorted(n.x for n in nodes) and len({n.x for n in nodes}) == 4
    assert project.train_config["loss"] == "binary_crossentropy"
    assert project.data_config["target"] == "label" and "seed" not in project.data_config
    ds = load_data(project)
    assert analyze(project.graph, n_features=ds.n_features, task=ds.task).ok


def test_new_project_without_hidden_layers_and_bad_sizes(tmp_path: Path) -> None:
    csv = binary_csv(tmp_path / "d.csv")
    project = new_project_from_csv(csv, "label", hidden="")
    assert len(project.graph) == 2
    with pytest.raises(ConfigError, match="32,16"):
        new_project_from_csv(csv, "label", hidden="a,b")
    with pytest.raises(ConfigError, match=">= 1"):
        new_project_from_csv(csv, "label", hidden=[0])
    with pytest.raises(DataError, match="nope"):
        new_project_from_csv(csv, "nope")


def test_seed_network_at_learning_rate_1e3_is_reported_as_diverged() -> None:
    """The fused losses stay finite, so runaway training must be caught by its size."""
    from dataclasses import replace

    from core.document.project import load_project
    from core.run import TrainSettings, train_project

    root = Path(__file__).resolve().parents[2]
    proj = load_project(root / "resources" / "examples" / "seed.lfproj")
    assert Path(proj.data_path).name == "seed_binary.csv"
    settings = replace(
        TrainSettings.from_dict(proj.train_config),
        optimizer="adam",
        learning_rate=1e3,
        epochs=3,
        seed=0,
    )
    result = train_project(proj, settings=settings)
    finished = result.finished
    assert finished is not None and finished.reason == "diverged"
    assert f"epoch {finished.epoch + 1}, batch {finished.batch + 1}" in finished.message
    assert "lower learning rate" in finished.message and "scale the inputs" in finished.message
    weights = result.model.get_weights()
    assert all(np.isfinite(w).all() and np.abs(w).max() < 10 for w in weights)
    normal = replace(settings, learning_rate=1e-2)
    assert train_project(proj, settings=normal).finished.reason == "completed"
