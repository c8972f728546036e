"""core.live (weight copies across threads, the twin model) and core.evaluation.boundary_map
(what the Boundary view shows: axis choices, units, captions, colours, the input ranking)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data import DataConfig, prepare, read_csv
from core.document.graph_io import graph_to_dict
from core.document.project import load_project
from core.engine.layers.spec import CATALOG
from core.engine.training import TrainingFinished
from core.errors import ConfigError
from core.evaluation.boundary import (
    BoundaryGrid,
    BoundaryRenderer,
    plan_boundary,
    plan_for_dataset,
)
from core.evaluation.boundary_map import (
    AXIS_PCA,
    axis_options,
    axis_title,
    axis_units,
    choice_of,
    grid_rgba,
    held_note,
    pick_axis,
    point_rgba,
    rank_features,
)
from core.evaluation.plots import PALETTE, boundary_rgb, class_rgb
from core.live import TwinModel, WeightTap
from core.run import TrainSettings, build_and_compile, load_data, training_events

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


@pytest.fixture(scope="module")
def moons():
    project = load_project(EXAMPLES / "moons.lfproj", catalog=CATALOG)
    settings = TrainSettings.from_dict(project.train_config).with_overrides(epochs=3)
    dataset = load_data(project, settings=settings)
    model = build_and_compile(project.graph, dataset, settings)
    return project, settings, dataset, model


# ------------------------------------------------------------------ WeightTap


def test_tap_copies_only_when_wanted_and_due(moons) -> None:
    _p, _s, _d, model = moons
    now = [100.0]  # a hand-stepped clock: "due" must not depend on the machine's load
    tap = WeightTap(min_interval=0.05, clock=lambda: now[0])
    assert not tap.capture(model) and tap.latest() is None  # nobody wants them
    tap.wanted = True
    assert tap.capture(model)
    snap = tap.latest()
    assert snap is not None and snap.version == 1
    for copy, live in zip(snap.weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(copy, live)
        assert not copy.flags.writeable
    now[0] += 0.04
    assert not tap.capture(model)  # not due yet
    now[0] += 0.02
    assert tap.capture(model) and tap.latest().version == 2
    assert tap.describe().startswith("Live: the weights (641 weights, 3 kB) are copied about 20")
    tap.reset()
    assert tap.latest() is None and tap.describe() == ""


class _SlowWeights:
    """A model whose weights take `seconds` to copy (a large network, in small)."""

    def __init__(self, seconds: float, n: int = 1000) -> None:
        self.seconds = seconds
        self.weights = [type("V", (), {"data": np.zeros(n, np.float32)})()]

    def get_weights(self) -> list[np.ndarray]:
        time.sleep(self.seconds)
        return [np.zeros(1000, np.float32)]


def test_a_slow_copy_spaces_the_copies_out_and_a_huge_network_is_not_copied() -> None:
    tap = WeightTap(min_interval=0.1, budget=0.02)
    tap.wanted = True
    assert tap.capture(_SlowWeights(0.01))
    assert tap.interval >= 0.5  # 10 ms at most 2 % of the time
    assert "so the view follows it every" in tap.describe()
    huge = WeightTap(max_bytes=1000)
    huge.wanted = True
    assert not huge.capture(_SlowWeights(0.0)) and huge.latest() is None
    assert not huge.live
    assert "the view is drawn when the run ends" in huge.describe()


def test_copies_made_in_a_training_thread_are_consistent_and_end_with_the_final_weights(
    moons,
) -> None:
    project, settings, dataset, _model = moons
    model = build_and_compile(project.graph, dataset, settings)
    tap = WeightTap(min_interval=0.0, budget=1.0)  # a copy after every event
    tap.wanted = True
    read: list[int] = []
    done = threading.Event()

    def train() -> None:
        for event in training_events(model, dataset, settings):
            tap.capture(model)  # between two steps, as the worker does
            if isinstance(event, TrainingFinished):
                break
        done.set()

    thread = threading.Thread(target=train)
    thread.start()
    while not done.is_set():
        snap = tap.latest()
        if snap is not None:
            read.append(snap.version)
            assert all(np.isfinite(w).all() for w in snap.weights)
    thread.join()
    assert tap.copies > 5 and read == sorted(read)
    for copy, final in zip(tap.latest().weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(copy, final)


# ------------------------------------------------------------------ TwinModel


def test_twin_predicts_like_the_model_it_follows(moons) -> None:
    project, _s, dataset, model = moons
    network = graph_to_dict(project.graph, positions=False)
    twin = TwinModel(network)
    assert twin.same_network(network) and not twin.loaded
    twin.load(model.get_weights())
    # at the twin's batch size: OpenBLAS may sum in another order for another one
    np.testing.assert_array_equal(
        twin.predict(dataset.x_val), model.predict(dataset.x_val, batch_size=8192, verbose=0)
    )
    with pytest.raises(ConfigError, match="Expected"):
        twin.load(model.get_weights()[:-1])
    other = dict(network, nodes=network["nodes"][:1])
    assert not twin.same_network(other)
    twin.unload()
    assert not twin.loaded


# ------------------------------------------------------------------ boundary_map


def test_picking_axes() -> None:
    ranked = [3, 1, 0, 2]
    assert pick_axis(AXIS_PCA, 0, 0, ranked) == (0, 3)  # pairs with the most important other
    assert pick_axis(AXIS_PCA, 1, 3, ranked) == (1, 3)
    assert pick_axis((0, 3), 0, 2, ranked) == (2, 3)
    assert pick_axis((0, 3), 1, 0, ranked) == (3, 0)  # the other axis's feature: swap
    assert pick_axis((0, 3), 0, AXIS_PCA, ranked) == AXIS_PCA
    assert pick_axis(AXIS_PCA, 0, 2, [2]) == AXIS_PCA  # no other input to pair with


def _mixed_dataset(tmp_path: Path):
    rng = np.random.default_rng(0)
    n = 200
    df = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n).round(1),
            "income": rng.normal(3000, 500, n).round(),
            "noise": rng.normal(0, 1, n),
            "city": rng.choice(["Oslo", "Rome"], n, p=[0.7, 0.3]),
        }
    )
    df["bought"] = np.where(df["income"] > 3000, "yes", "no")
    path = tmp_path / "mixed.csv"
    df.to_csv(path, index=False)
    return prepare(read_csv(path), DataConfig(target="bought", validation_split=0.25)), df


def test_options_units_and_captions_on_mixed_columns(tmp_path) -> None:
    dataset, df = _mixed_dataset(tmp_path)
    options = axis_options(dataset)
    assert [o.label for o in options] == ["PCA (all features)", "age", "income", "noise"]
    names = dataset.feature_names
    plan = plan_for_dataset(dataset, features=(names.index("age"), names.index("income")))
    assert choice_of(plan) == (names.index("age"), names.index("income"))
    (o0, s0), (o1, s1) = axis_units(plan, dataset.pipeline)
    train = df.iloc[: len(dataset.x_train)]
    # the standardized input maps back to the column's own units
    ages = o0 + s0 * dataset.x_train[:, names.index("age")]
    assert ages.min() >= df["age"].min() - 1e-3 and ages.max() <= df["age"].max() + 1e-3
    assert s1 == pytest.approx(dataset.pipeline.columns[1].scale)
    note = held_note(plan, dataset.pipeline)
    assert note.startswith("Other inputs held at their median: noise = ")
    assert "city = 'Oslo'" in note and "age" not in note and len(train)
    assert axis_title(plan, 0) == "age"
    pca = plan_for_dataset(dataset, features="pca")
    assert choice_of(pca) == AXIS_PCA and axis_units(pca, dataset.pipeline) == ((0, 1), (0, 1))
    assert held_note(pca, dataset.pipeline).startswith(
        f"The plane of the first two principal components of all {len(names)} inputs"
    )
    assert axis_title(pca, 1).startswith("component 2 (") and "% of variance" in axis_title(pca, 1)


def test_ranking_puts_the_input_the_predictions_follow_first(tmp_path) -> None:
    dataset, _df = _mixed_dataset(tmp_path)
    income = dataset.feature_names.index("income")

    def predict(x: np.ndarray) -> np.ndarray:  # a perfect model of 'income > 3000'
        return (1 / (1 + np.exp(-8 * x[:, income]))).reshape(-1, 1)

    ranked = rank_features(predict, dataset)
    assert ranked[0] == income and sorted(ranked) == [0, 1, 2]


def test_map_and_point_colours() -> None:
    x = np.column_stack([np.linspace(-1, 1, 50), np.zeros(50)])
    y = (x[:, 0] > 0).astype(np.float32)
    plan = plan_boundary(x, y, kind="binary", feature_names=["a", "b"])
    grid = BoundaryRenderer(plan, 20).render(
        lambda v: 1 / (1 + np.exp(-20 * v[:, :1])), "binary", ("no", "yes")
    )
    rgba = grid_rgba(grid)
    assert rgba.shape == (20, 20, 4) and rgba.dtype == np.uint8 and (rgba[..., 3] == 255).all()
    left, right = rgba[10, 0, :3].astype(float), rgba[10, -1, :3].astype(float)
    blue, orange = class_rgb(2)
    # each side leans to its class colour; the middle is pale
    assert np.linalg.norm(left - blue) < np.linalg.norm(left - orange)
    assert np.linalg.norm(right - orange) < np.linalg.norm(right - blue)
    middle = rgba[10, 9:11, :3].astype(float).mean()
    assert middle > left.mean() and middle > right.mean()
    pts = point_rgba(np.array([0, 1, 1]), "binary", 2, (0, 1))
    assert pts.shape == (3, 4) and tuple(pts[0, :3]) == tuple(int(v) for v in blue)
    assert PALETTE[0] == "#0072B2"
    # the table lookup gives the colours of the report's picture (to within one step)
    np.testing.assert_allclose(rgba[..., :3], np.clip(boundary_rgb(grid), 0, 255), atol=2)
    three = BoundaryGrid(
        "multiclass", grid.xs, grid.ys, grid.predicted % 3, grid.confidence, ("a", "b", "c")
    )
    np.testing.assert_allclose(
        grid_rgba(three)[..., :3], np.clip(boundary_rgb(three), 0, 255), atol=2
    )
    values = BoundaryGrid("regression", grid.xs, grid.ys, grid.confidence * 30, None)
    np.testing.assert_allclose(
        grid_rgba(values, (0, 30))[..., :3], boundary_rgb(values, (0, 30)), atol=2
    )
    ramp = point_rgba(np.array([0.0, 10.0]), "regression", 0, (0.0, 10.0))
    assert tuple(ramp[0, :3]) == (68, 1, 84) and tuple(ramp[1, :3]) == (253, 231, 37)


def test_images_say_why_there_is_no_map(tmp_path) -> None:
    from tests.core.shaped_data import digits_csv

    csv = digits_csv(tmp_path / "digits.csv", n=120)
    config = DataConfig(target="digit", input={"kind": "pixels", "shape": [8, 8, 1]})
    plan = plan_for_dataset(prepare(read_csv(csv), config))
    assert not plan.drawable and choice_of(plan) is None
    assert plan.reason.startswith("Each input is an image (8 × 8 × 1 numbers)")
