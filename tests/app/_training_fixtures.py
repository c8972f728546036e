"""Shared helpers for the training UI tests: a seed-like CSV, the seed graph, fakes.

`write_seed_csv` writes a binary-classification CSV with 8 numeric features
(the shape of the seed program's data); `add_seed_graph` builds
Input(8) -> Dense(10, relu) -> Dense(10, relu) -> Dense(1, sigmoid) through
the controller; `use_fake_engine` swaps the session's model building and
trainer for `counting_train` so the Qt side is tested without the engine.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from tests.app._fakes import TrainingFinished, counting_train

REPO = Path(__file__).resolve().parents[2]


def engine_available() -> bool:
    return all(
        importlib.util.find_spec(m) is not None
        for m in ("core.engine.models", "core.document.analysis", "core.engine.training")
    )


def seed_csv(tmp_path: Path, n: int = 400, seed: int = 0) -> Path:
    for name in ("seed_binary.csv",):
        bundled = REPO / "resources" / "datasets" / name
        if bundled.is_file():
            return bundled
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8))
    y = (x[:, 0] + 0.5 * x[:, 1] - x[:, 2] > 0).astype(int)
    path = tmp_path / "seed.csv"
    lines = [",".join([f"f{i}" for i in range(8)] + ["outcome"])]
    for row, label in zip(x, y, strict=True):
        lines.append(",".join(f"{v:.5f}" for v in row) + f",{label}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def add_seed_graph(controller: Any, n_features: int = 8) -> list[str]:
    ids = [controller.add_node("Input", 0, 0, {"shape": [n_features]})]
    for units, act, x in ((10, "relu", 200), (10, "relu", 400), (1, "sigmoid", 600)):
        ids.append(controller.add_node("Dense", x, 0, {"units": units, "activation": act}))
    for a, b in zip(ids, ids[1:], strict=False):
        assert controller.connect(a, b)
    return ids


class FakeModel:
    def __init__(self) -> None:
        self.w = [np.zeros((8, 1), dtype=np.float32)]

    def get_weights(self) -> list[np.ndarray]:
        return [w.copy() for w in self.w]

    def set_weights(self, ws: list[np.ndarray]) -> None:
        self.w = [np.array(w) for w in ws]

    def evaluate(self, x: Any, y: Any, **_kw: Any) -> dict[str, float]:
        return {"loss": 0.5, "accuracy": 0.75}


def use_fake_engine(
    monkeypatch: Any,
    *,
    batches: int = 20,
    delay: float = 0.0,
    diverge_at: tuple[int, int] | None = None,
    fail_at: int | None = None,
):
    from app.session import TrainingSession

    calls: list[tuple[int, int]] = []

    def build(self: TrainingSession) -> Any:
        self.model_settings = self.settings().resolved(self.dataset.task)
        self._graph_changed = False
        return FakeModel()

    def events(self: TrainingSession, model: Any, settings: Any, initial: int, epochs: int):
        calls.append((initial, epochs))

        def factory():
            if diverge_at is not None:

                def gen():
                    for ev in counting_train(
                        epochs=diverge_at[0] + 1, batches=batches, delay=delay
                    ):
                        if type(ev).__name__ == "BatchEnded" and (ev.epoch, ev.batch) == diverge_at:
                            yield TrainingFinished(
                                "diverged", ev.epoch, ev.batch, {}, "loss became nan"
                            )
                            return
                        yield ev

                return gen()

            def shifted():
                for ev in counting_train(
                    epochs=epochs - initial, batches=batches, delay=delay, fail_at=fail_at
                ):
                    if hasattr(ev, "epoch"):
                        ev = type(ev)(**{**ev.__dict__, "epoch": ev.epoch + initial})
                    yield ev

            return shifted()

        return factory

    monkeypatch.setattr(TrainingSession, "_build", build)
    monkeypatch.setattr(TrainingSession, "_events", events)
    return calls
