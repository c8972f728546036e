"""Shared helpers for the training UI tests: a seed-like CSV, the seed graph, fakes.

`seed_csv` gives a binary-classification CSV with 8 numeric features (the
shape of the seed program's data); `add_seed_graph` builds
Input(8) -> Dense(10, relu) -> Dense(10, relu) -> Dense(1, sigmoid) through
the controller; `fake_trainer` is a trainer to inject into the session
(`TrainingSession(controller, trainer=...)`) that yields `counting_train`'s
events, so the Qt side is tested with exact event streams.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.document import DocumentController
from core.engine.training import BatchEnded, Event, TrainingFinished
from core.run import Trainer, TrainSettings
from tests.app._fakes import counting_train

if TYPE_CHECKING:
    from core.data import Dataset
    from core.engine.callbacks import Callback
    from core.engine.models import Model

REPO = Path(__file__).resolve().parents[2]


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


def add_seed_graph(controller: DocumentController, n_features: int = 8) -> list[str]:
    ids = [controller.add_node("Input", 0, 0, {"shape": [n_features]})]
    for units, act, x in ((10, "relu", 200), (10, "relu", 400), (1, "sigmoid", 600)):
        ids.append(controller.add_node("Dense", x, 0, {"units": units, "activation": act}))
    assert all(ids)
    for a, b in zip(ids, ids[1:], strict=False):
        assert controller.connect(a, b)
    return ids


def fake_trainer(
    *,
    batches: int = 20,
    delay: float = 0.0,
    diverge_at: tuple[int, int] | None = None,
    fail_at: int | None = None,
    calls: list[tuple[int, int]] | None = None,
) -> Trainer:
    """A `core.run.Trainer` that yields `counting_train`'s events instead of training.

    It runs epochs `initial_epoch` .. `settings.epochs - 1` of `batches` batches each
    (so "train more" numbers its epochs on), records `(initial_epoch, settings.epochs)`
    in `calls`, and can end in divergence at `diverge_at` (epoch, batch) or raise at
    step `fail_at`. The session builds the real model; only the trainer is swapped.
    """

    def trainer(
        model: Model,
        dataset: Dataset,
        settings: TrainSettings,
        callbacks: Iterable[Callback] = (),
        *,
        initial_epoch: int = 0,
    ) -> Iterator[Event]:
        if calls is not None:
            calls.append((initial_epoch, settings.epochs))
        epochs = settings.epochs - initial_epoch
        for ev in counting_train(epochs=epochs, batches=batches, delay=delay, fail_at=fail_at):
            ev = replace(ev, epoch=ev.epoch + initial_epoch)
            if isinstance(ev, BatchEnded) and (ev.epoch, ev.batch) == diverge_at:
                yield TrainingFinished("diverged", ev.epoch, ev.batch, {}, "loss became nan")
                return
            yield ev

    return trainer
