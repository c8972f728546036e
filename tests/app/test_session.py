"""TrainingSession: data in, runs, pause/step/stop, train more, divergence, errors, sync."""

from __future__ import annotations

import time

import pytest

from app.document import DocumentController
from app.session import IDLE, PAUSED, TrainingSession
from tests.app._training_fixtures import (
    REPO,
    add_seed_graph,
    engine_available,
    seed_csv,
    use_fake_engine,
)


@pytest.fixture
def session(qtbot):
    controller = DocumentController()
    s = TrainingSession(controller)
    yield s
    s.shutdown()


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
    assert session.controller.analysis_context["n_features"] == 8


def test_broken_csv_gives_plain_message(session, tmp_path, qtbot) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02binary\x00junk")
    with qtbot.waitSignal(session.dataError) as blocker:
        assert not session.open_csv(bad)
    assert "binary" in blocker.args[0] and "CSV" in blocker.args[0]
    ok, reason = session.readiness()
    assert not ok and reason


def test_roles_and_target_change_dataset(session, tmp_path) -> None:
    session.open_csv(seed_csv(tmp_path))
    n = session.dataset.n_features
    first = session.profiles[0].name
    session.set_role(first, "ignore")
    assert session.dataset.n_features == n - 1
    assert session.project.data_config["roles"][first] == "ignore"
    session.set_role(first, "feature")
    assert session.dataset.n_features == n


def test_train_config_is_validated_and_synced(session) -> None:
    session.update_train_config({"learning_rate": 0.01, "early_stopping": {"enabled": True}})
    assert session.project.train_config["learning_rate"] == 0.01
    assert session.project.train_config["early_stopping"]["enabled"] is True
    with pytest.raises(Exception, match="learning_rate"):
        session.update_train_config({"learning_rate": -1})
    assert session.project.train_config["learning_rate"] == 0.01


def test_readiness_names_missing_data_then_ready(session, tmp_path, monkeypatch) -> None:
    use_fake_engine(monkeypatch)
    ok, reason = session.readiness()
    assert not ok and "CSV" in reason
    session.open_csv(seed_csv(tmp_path))
    add_seed_graph(session.controller)
    session.controller.analyze_now()
    assert session.readiness() == (True, "Ready to train.")


def test_fake_run_start_to_finish_with_test_metrics(session, tmp_path, qtbot, monkeypatch):
    use_fake_engine(monkeypatch)
    ready(session, tmp_path)
    session.update_train_config({"epochs": 3})
    chunks, epochs = [], []
    session.batches.connect(chunks.append)
    session.epochEnded.connect(epochs.append)
    with qtbot.waitSignal(session.runFinished, timeout=10_000) as blocker:
        assert session.start()
    assert session.state == IDLE and session.worker is None
    assert sum(c.count for c in chunks) == 60 and len(epochs) == 3
    assert blocker.args[0].reason == "completed"
    assert session.epochs_done == 3
    assert session.test_metrics == {"loss": 0.5, "accuracy": 0.75}


def test_train_more_continues_epoch_numbering(session, tmp_path, qtbot, monkeypatch):
    calls = use_fake_engine(monkeypatch)
    ready(session, tmp_path)
    session.update_train_config({"epochs": 2})
    with qtbot.waitSignal(session.runFinished, timeout=10_000):
        session.start()
    model = session.model
    with qtbot.waitSignal(session.runFinished, timeout=10_000):
        assert session.train_more(3)
    assert calls == [(0, 2), (2, 5)]
    assert session.model is model and session.epochs_done == 5
    session.reset_weights()
    assert session.model is None and session.epochs_done == 0


def test_stop_mid_epoch_is_fast(session, tmp_path, qtbot, monkeypatch) -> None:
    use_fake_engine(monkeypatch, batches=100_000, delay=0.001)
    ready(session, tmp_path)
    chunks = []
    session.batches.connect(chunks.append)
    session.start()
    qtbot.waitUntil(lambda: len(chunks) >= 2, timeout=5000)
    t0 = time.perf_counter()
    with qtbot.waitSignal(session.runFinished, timeout=2000) as blocker:
        session.stop()
    latency = time.perf_counter() - t0
    assert blocker.args[0].reason == "stopped"
    assert "Stopped at epoch 1" in blocker.args[1]
    assert latency < 0.5, f"{latency * 1000:.0f} ms"


def test_pause_resume_and_step(session, tmp_path, qtbot, monkeypatch) -> None:
    use_fake_engine(monkeypatch, batches=50, delay=0.002)
    ready(session, tmp_path)
    session.update_train_config({"epochs": 1})
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


def test_divergence_summary_names_epoch_and_batch(session, tmp_path, qtbot, monkeypatch):
    use_fake_engine(monkeypatch, diverge_at=(1, 3))
    ready(session, tmp_path)
    with qtbot.waitSignal(session.runFinished, timeout=10_000) as blocker:
        session.start()
    summary = blocker.args[1]
    assert "diverged at epoch 2, batch 4" in summary
    assert "lower learning rate" in summary


def test_exception_in_training_becomes_errored(session, tmp_path, qtbot, monkeypatch):
    use_fake_engine(monkeypatch, fail_at=5)
    ready(session, tmp_path)
    with qtbot.waitSignal(session.errored, timeout=10_000) as blocker:
        session.start()
    assert "boom at step 5" in blocker.args[0] and "Traceback" in blocker.args[1]
    assert session.state == IDLE and session.worker is None


@pytest.mark.skipif(not engine_available(), reason="the engine (core.engine.models) has not landed")
def test_real_engine_trains_seed_network(session, tmp_path, qtbot) -> None:
    session.open_csv(seed_csv(tmp_path))
    add_seed_graph(session.controller)
    session.controller.analyze_now()
    session.update_train_config({"epochs": 3, "batch_size": 32})
    assert session.readiness()[0], session.readiness()[1]
    epochs = []
    session.epochEnded.connect(epochs.append)
    with qtbot.waitSignal(session.runFinished, timeout=60_000) as blocker:
        assert session.start()
    assert blocker.args[0].reason == "completed", blocker.args[1]
    assert len(epochs) == 3 and "val_loss" in epochs[-1].logs
    assert "loss" in session.test_metrics


@pytest.mark.skipif(not engine_available(), reason="the engine (core.engine.models) has not landed")
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
    session.update_train_config({"epochs": 5, "learning_rate": 1e3, "optimizer": "sgd"})
    with qtbot.waitSignal(session.runFinished, timeout=60_000) as blocker:
        assert session.start(), session.readiness()
    event, summary = blocker.args
    assert event.reason == "diverged", summary
    assert f"diverged at epoch {event.epoch + 1}, batch {event.batch + 1}" in summary
    assert "lower learning rate" in summary


def test_update_train_config_is_one_undo_step_and_announced(session, qtbot) -> None:
    c = session.controller
    seen: list[int] = []
    session.trainConfigChanged.connect(lambda: seen.append(c.project.train_config["epochs"]))
    n = c.undo_stack.count()
    with qtbot.waitSignal(session.trainConfigChanged, timeout=1000):
        assert session.update_train_config({"epochs": 7})
    assert seen == [7] and c.undo_stack.count() == n + 1 and c.is_modified()
    assert not session.update_train_config({"epochs": 7})  # no change: no step, no signal
    assert seen == [7] and c.undo_stack.count() == n + 1
    c.undo_stack.undo()  # undo goes through the same path and is announced too
    assert seen[-1] == c.project.train_config["epochs"] != 7
    with pytest.raises(Exception, match="learning_rate"):
        session.update_train_config({"learning_rate": -1})
    assert c.undo_stack.count() == n + 1 and len(seen) == 2
