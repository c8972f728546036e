"""TrainingSession: data in, runs, pause/step/stop, train more, divergence, errors, sync.

Most runs use an injected `fake_trainer` (exact event streams, no engine cost); the
real trainer (`core.run.training_events`, the default) trains the seed network,
continues it with "train more", and diverges at a huge learning rate.
"""

from __future__ import annotations

import pytest

from app.document import DocumentController
from app.session import IDLE, PAUSED, TrainingSession
from core.engine.training import EpochEnded
from core.errors import ConfigError
from core.run import training_events
from tests.app._training_fixtures import REPO, add_seed_graph, fake_trainer, seed_csv


@pytest.fixture
def make_session(qtbot):
    sessions: list[TrainingSession] = []

    def make(**trainer_options) -> TrainingSession:
        trainer = fake_trainer(**trainer_options) if trainer_options else training_events
        s = TrainingSession(DocumentController(), trainer=trainer)
        sessions.append(s)
        return s

    yield make
    for s in sessions:
        s.shutdown()


@pytest.fixture
def session(make_session):
    """A session with the real trainer."""
    return make_session()


def ready(s: TrainingSession, tmp_path) -> None:
    s.open_csv(seed_csv(tmp_path))
    add_seed_graph(s.controller)
    s.controller.analyze_now()


def wait_idle(qtbot, s: TrainingSession, timeout: int = 10_000) -> None:
    qtbot.waitUntil(lambda: s.state == IDLE, timeout=timeout)


def test_open_csv_prepares_data_and_syncs_project(session, tmp_path, qtbot) -> None:
    path = seed_csv(tmp_path)
    with qtbot.waitSignal(session.dataChanged):
        assert session.open_csv(path)
    assert session.dataset is not None and session.dataset.n_features == 8
    assert session.project.data_path == str(path.resolve())
    assert session.project.data_config["target"] == session.dataset.target
    assert session.project.data_config["test_split"] == pytest.approx(0.1)
    assert "seed" not in session.project.data_config  # the seed's home is the training
    assert session.controller.analysis_context["n_features"] == 8
    # opening the file is one undoable project edit
    c = session.controller
    assert c.is_modified() and c.undo_stack.count() == 1
    c.undo_stack.undo()
    assert c.project.data_path is None and c.project.data_config == {}
    assert session.table is None and session.dataset is None and not c.is_modified()
    c.undo_stack.redo()
    assert session.dataset is not None and session.dataset.n_features == 8


def test_broken_csv_gives_plain_message(session, tmp_path, qtbot) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02binary\x00junk")
    with qtbot.waitSignal(session.dataError) as blocker:
        assert not session.open_csv(bad)
    assert "binary" in blocker.args[0] and "CSV" in blocker.args[0]
    ok, reason = session.readiness()
    assert not ok and reason
    assert session.controller.undo_stack.count() == 0 and not session.controller.is_modified()


def test_roles_and_target_change_dataset_as_undo_steps(session, tmp_path) -> None:
    session.open_csv(seed_csv(tmp_path))
    c = session.controller
    n = session.dataset.n_features
    first = session.profiles[0].name
    steps = c.undo_stack.count()
    session.set_role(first, "ignore")
    assert session.dataset.n_features == n - 1
    assert session.project.data_config["roles"][first] == "ignore"
    assert c.undo_stack.count() == steps + 1
    assert c.undo_stack.text(steps) == f"Ignore '{first}'"
    c.undo_stack.undo()  # the dataset follows the undo
    assert session.dataset.n_features == n and first not in session.project.data_config["roles"]
    c.undo_stack.redo()
    assert session.dataset.n_features == n - 1
    session.set_role(first, "feature")
    assert session.dataset.n_features == n
    session.set_role(first, "target")
    assert session.dataset.target == first and session.project.data_config["target"] == first


def test_the_seed_is_one_setting_and_reshuffles_the_split(session, tmp_path) -> None:
    session.open_csv(seed_csv(tmp_path))
    before = session.dataset.x_val.copy()
    assert session.data_config.seed == 0
    session.controller.update_train_config({"seed": 3})
    assert session.data_config.seed == 3
    assert before.shape == session.dataset.x_val.shape
    assert not (before == session.dataset.x_val).all()


def test_refused_data_settings_change_nothing(session, tmp_path) -> None:
    session.open_csv(seed_csv(tmp_path))
    c = session.controller
    steps, saved = c.undo_stack.count(), dict(c.project.data_config)
    assert not session.change_data_config(validation_split=0.6, test_split=0.5)
    assert "validation_split + test_split" in session.data_error
    assert c.undo_stack.count() == steps and c.project.data_config == saved


def test_train_config_is_validated_and_synced(session) -> None:
    c = session.controller
    c.update_train_config({"learning_rate": 0.01, "early_stopping": {"enabled": True}})
    assert session.project.train_config["learning_rate"] == 0.01
    assert session.project.train_config["early_stopping"]["enabled"] is True
    assert session.settings().early_stopping.patience == 5  # merged key by key
    with pytest.raises(ConfigError, match="learning_rate"):
        c.update_train_config({"learning_rate": -1})
    assert session.project.train_config["learning_rate"] == 0.01


def test_readiness_names_missing_data_then_ready(session, tmp_path) -> None:
    ok, reason = session.readiness()
    assert not ok and "CSV" in reason
    session.open_csv(seed_csv(tmp_path))
    add_seed_graph(session.controller)
    session.controller.analyze_now()
    assert session.readiness() == (True, "Ready to train.")


def test_fake_run_start_to_finish_with_test_metrics(make_session, tmp_path, qtbot):
    session = make_session(batches=20)
    ready(session, tmp_path)
    session.controller.update_train_config({"epochs": 3})
    chunks, epochs = [], []
    session.batches.connect(chunks.append)
    session.epochEnded.connect(epochs.append)
    with qtbot.waitSignal(session.runFinished, timeout=10_000) as blocker:
        assert session.start()
    assert session.state == IDLE and session.worker is None
    assert sum(c.count for c in chunks) == 60 and len(epochs) == 3
    assert blocker.args[0].reason == "completed"
    assert session.epochs_done == 3
    # the (untrained, real) model was measured on the test split
    assert set(session.test_metrics) == {"loss", "accuracy"}


def test_train_more_asks_the_trainer_to_go_on_from_the_last_epoch(make_session, tmp_path, qtbot):
    calls: list[tuple[int, int]] = []
    session = make_session(calls=calls)
    ready(session, tmp_path)
    session.controller.update_train_config({"epochs": 2})
    with qtbot.waitSignal(session.runFinished, timeout=10_000):
        session.start()
    model = session.model
    with qtbot.waitSignal(session.runFinished, timeout=10_000):
        assert session.train_more(3)
    assert calls == [(0, 2), (2, 5)]
    assert session.model is model and session.epochs_done == 5
    session.reset_weights()
    assert session.model is None and session.epochs_done == 0


def test_train_more_runs_the_real_initial_epoch_path(session, tmp_path, qtbot) -> None:
    ready(session, tmp_path)
    session.controller.update_train_config({"epochs": 2, "batch_size": 64})
    epochs: list[EpochEnded] = []
    session.epochEnded.connect(epochs.append)
    with qtbot.waitSignal(session.runFinished, timeout=60_000):
        assert session.start()
    model, after_two = session.model, session.model.get_weights()
    steps = model.optimizer.iterations
    with qtbot.waitSignal(session.runFinished, timeout=60_000) as blocker:
        assert session.train_more(3)
    assert blocker.args[0].reason == "completed", blocker.args[1]
    assert [e.epoch for e in epochs] == [0, 1, 2, 3, 4]
    assert session.model is model and session.epochs_done == 5
    assert model.optimizer.iterations == steps * 5 // 2  # the same optimizer went on
    assert any((a != b).any() for a, b in zip(after_two, model.get_weights(), strict=True))
    assert len(session.history["loss"]) == 5


def test_stop_mid_epoch(make_session, tmp_path, qtbot) -> None:
    session = make_session(batches=100_000, delay=0.001)
    ready(session, tmp_path)
    chunks = []
    session.batches.connect(chunks.append)
    session.start()
    qtbot.waitUntil(lambda: len(chunks) >= 2, timeout=5000)
    with qtbot.waitSignal(session.runFinished, timeout=5000) as blocker:
        session.stop()
    assert blocker.args[0].reason == "stopped"
    assert "Stopped at epoch 1" in blocker.args[1]


def test_pause_resume_and_step(make_session, tmp_path, qtbot) -> None:
    session = make_session(batches=50, delay=0.002)
    ready(session, tmp_path)
    session.controller.update_train_config({"epochs": 1})
    chunks = []
    session.batches.connect(chunks.append)
    assert session.step()  # idle -> a paused run that runs exactly one batch
    qtbot.waitUntil(
        lambda: session.state == PAUSED and sum(c.count for c in chunks) == 1, timeout=3000
    )
    qtbot.wait(100)
    assert sum(c.count for c in chunks) == 1
    session.step()
    qtbot.waitUntil(lambda: sum(c.count for c in chunks) == 2, timeout=3000)
    qtbot.waitUntil(lambda: session.state == PAUSED, timeout=3000)
    qtbot.wait(100)
    assert sum(c.count for c in chunks) == 2
    with qtbot.waitSignal(session.runFinished, timeout=10_000):
        session.resume()
    assert sum(c.count for c in chunks) == 50


def test_divergence_summary_names_epoch_and_batch(make_session, tmp_path, qtbot):
    session = make_session(diverge_at=(1, 3))
    ready(session, tmp_path)
    with qtbot.waitSignal(session.runFinished, timeout=10_000) as blocker:
        session.start()
    summary = blocker.args[1]
    assert "diverged at epoch 2, batch 4" in summary
    assert "lower learning rate" in summary


def test_exception_in_training_becomes_errored(make_session, tmp_path, qtbot):
    session = make_session(fail_at=5)
    ready(session, tmp_path)
    with qtbot.waitSignal(session.errored, timeout=10_000) as blocker:
        session.start()
    assert "boom at step 5" in blocker.args[0] and "Traceback" in blocker.args[1]
    assert session.state == IDLE and session.worker is None


def test_real_engine_trains_seed_network(session, tmp_path, qtbot) -> None:
    session.open_csv(seed_csv(tmp_path))
    add_seed_graph(session.controller)
    session.controller.analyze_now()
    session.controller.update_train_config({"epochs": 3, "batch_size": 32})
    assert session.readiness()[0], session.readiness()[1]
    epochs = []
    session.epochEnded.connect(epochs.append)
    with qtbot.waitSignal(session.runFinished, timeout=60_000) as blocker:
        assert session.start()
    assert blocker.args[0].reason == "completed", blocker.args[1]
    assert len(epochs) == 3 and "val_loss" in epochs[-1].logs
    assert "loss" in session.test_metrics


def test_real_engine_divergence_at_huge_learning_rate(session, tmp_path, qtbot) -> None:
    # A regression network: MSE grows without bound at lr 1e3 and becomes inf.
    # (The seed's sigmoid + cross-entropy stays finite at lr 1e3: its loss is clipped.)
    session.open_csv(REPO / "resources" / "datasets" / "diabetes.csv")
    c = session.controller
    ids = [
        c.add_node("Input", 0, 0, {"shape": [session.dataset.n_features]}),
        c.add_node("Dense", 200, 0, {"units": 10, "activation": "relu"}),
        c.add_node("Dense", 400, 0, {"units": 1, "activation": "linear"}),
    ]
    c.connect(ids[0], ids[1])
    c.connect(ids[1], ids[2])
    c.analyze_now()
    session.controller.update_train_config({"epochs": 5, "learning_rate": 1e3, "optimizer": "sgd"})
    with qtbot.waitSignal(session.runFinished, timeout=60_000) as blocker:
        assert session.start(), session.readiness()
    event, summary = blocker.args
    assert event.reason == "diverged", summary
    assert f"diverged at epoch {event.epoch + 1}, batch {event.batch + 1}" in summary
    assert "lower learning rate" in summary


def test_update_train_config_is_one_undo_step_and_announced(session, qtbot) -> None:
    c = session.controller
    seen: list[int] = []
    c.trainConfigChanged.connect(lambda: seen.append(c.project.train_config["epochs"]))
    n = c.undo_stack.count()
    with qtbot.waitSignal(c.trainConfigChanged, timeout=1000):
        assert c.update_train_config({"epochs": 7})
    assert seen == [7] and c.undo_stack.count() == n + 1 and c.is_modified()
    assert not c.update_train_config({"epochs": 7})  # no change: no step, no signal
    assert seen == [7] and c.undo_stack.count() == n + 1
    c.undo_stack.undo()  # undo goes through the same path and is announced too
    assert seen[-1] == c.project.train_config["epochs"] != 7
    with pytest.raises(ConfigError, match="learning_rate"):
        c.update_train_config({"learning_rate": -1})
    assert c.undo_stack.count() == n + 1 and len(seen) == 2


def test_a_start_reuses_the_controllers_current_analysis(
    make_session, tmp_path, qtbot, monkeypatch
) -> None:
    import core.document.analysis as analysis_module

    session = make_session(batches=2)
    ready(session, tmp_path)
    session.controller.update_train_config({"epochs": 1})
    runs: list[object] = []
    real = analysis_module.analyze
    monkeypatch.setattr(analysis_module, "analyze", lambda *a, **k: runs.append(a) or real(*a, **k))
    with qtbot.waitSignal(session.runFinished, timeout=10_000):
        assert session.start()
    assert runs == []  # the build used the analysis the controller keeps
    c = session.controller
    node = next(iter(c.graph.nodes.values()))
    assert c.move_nodes({node.id: (node.x + 10, node.y)})  # an edit: a re-check is pending
    assert c.current_analysis() is None
    with qtbot.waitSignal(session.runFinished, timeout=10_000):
        assert session.start()
    assert len(runs) == 1  # now the build analysed the graph itself, once
