"""Opening a large CSV in steps (core.data.loading): progress, cancelling, problems, and
training on the result without copying the data each epoch."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from benchmarks.csv_load import make_csv
from core.data import DataConfig, load_csv, prepare, profile_table, read_csv
from core.errors import LoadCancelled


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30,000 rows x 20 columns (~4.4 MB: several megabyte chunks for the parser)."""
    path = tmp_path_factory.mktemp("loading") / "big.csv"
    make_csv(path, 30_000, np.random.default_rng(3))
    return path


def label_config(_profiles: object) -> DataConfig:
    return DataConfig(target="label", validation_split=0.2, test_split=0.1, seed=1)


def test_load_reports_progress_and_gives_what_the_steps_give(big_csv: Path) -> None:
    seen: list[tuple[float, str]] = []
    loaded = load_csv(big_csv, label_config, progress=lambda f, text: seen.append((f, text)))
    shares = [f for f, _ in seen]
    assert shares == sorted(shares) and shares[0] == 0.0 and shares[-1] == 1.0
    reading = [f for f, text in seen if text == "Reading big.csv"]
    assert len(reading) >= 4  # the share follows the bytes parsed, chunk by chunk
    assert [text for _, text in seen][-3:] == [
        "Profiling 30,000 rows",
        "Preparing 30,000 rows for training",
        "Opened big.csv",
    ]
    table = read_csv(big_csv)
    assert loaded.table.df.equals(table.df)
    assert list(loaded.profiles) == profile_table(table)
    expected = prepare(table, label_config(None))
    assert loaded.problem is None and loaded.config == label_config(None)
    np.testing.assert_array_equal(loaded.dataset.x_train, expected.x_train)
    np.testing.assert_array_equal(loaded.dataset.y_test, expected.y_test)


def test_cancel_stops_the_read_part_way(big_csv: Path) -> None:
    asked = {"n": 0}
    seen: list[float] = []

    def cancel() -> bool:
        asked["n"] += 1
        return asked["n"] > 3  # after the first few megabytes

    with pytest.raises(LoadCancelled):
        load_csv(big_csv, label_config, progress=lambda f, _t: seen.append(f), cancel=cancel)
    assert seen and max(seen) < 0.6  # stopped while reading, long before the end
    with pytest.raises(LoadCancelled):
        read_csv(big_csv, cancel=lambda: True)


def test_data_that_cannot_be_prepared_comes_back_with_its_table(big_csv: Path) -> None:
    loaded = load_csv(big_csv, lambda _p: DataConfig(target="no_such_column"))
    assert loaded.dataset is None and loaded.problem is not None
    assert "no_such_column" in str(loaded.problem)
    assert loaded.table.n_rows == 30_000 and len(loaded.profiles) == 20


def test_read_progress_reaches_the_end(big_csv: Path) -> None:
    shares: list[float] = []
    table = read_csv(big_csv, progress=shares.append)
    assert shares[-1] == 1.0 and shares == sorted(shares) and table.n_rows == 30_000


def test_epochs_stream_batches_without_copying_the_data(big_csv: Path) -> None:
    """An epoch allocates a permutation and one batch at a time, never the data set again."""
    import core.engine.layers  # noqa: F401
    from core.engine.models import Sequential
    from core.engine.training import EpochEnded, train

    ds = load_csv(big_csv, label_config).dataset
    assert ds is not None
    model = Sequential([core.engine.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    events = train(model, ds.x_train, ds.y_train, epochs=3, batch_size=256, seed=0)
    peaks = []
    tracemalloc.start()
    try:
        for event in events:
            if isinstance(event, EpochEnded):
                peaks.append(tracemalloc.get_traced_memory()[1])
                tracemalloc.reset_peak()
    finally:
        tracemalloc.stop()
    data = ds.x_train.nbytes + ds.y_train.nbytes
    assert len(peaks) == 3
    # epochs 2 and 3 (the first builds the model and its plan): well under one copy
    assert max(peaks[1:]) < 0.25 * data, (peaks, data)
