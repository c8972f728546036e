"""core.evaluation on trained example projects: results, importance, explanations, boundary,
histograms, activation health and the predictions CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

import core as tf
import core.engine.layers  # noqa: F401 - registers the layer types
from core.data import DataConfig, prepare, read_csv
from core.document.project import load_project
from core.engine.layers.spec import CATALOG
from core.errors import DataError
from core.evaluation import (
    BoundaryRenderer,
    HistogramRecorder,
    activation_health,
    evaluate_dataset,
    explain_row,
    feature_groups,
    model_predictor,
    permutation_importance,
    plan_boundary,
    plan_for_dataset,
)
from core.evaluation.predictions import spreadsheet_safe
from core.run import TrainSettings, train_project
from tests.core.evaluation_data import text_only_csv

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def _train(name: str, epochs: int) -> object:
    project = load_project(EXAMPLES / f"{name}.lfproj", catalog=CATALOG)
    settings = TrainSettings.from_dict(project.train_config).with_overrides(epochs=epochs)
    return train_project(project, settings=settings)


@pytest.fixture(scope="module")
def iris():
    return _train("iris", 40)


@pytest.fixture(scope="module")
def seed_run():
    return _train("seed", 6)


@pytest.fixture(scope="module")
def diabetes():
    return _train("regression", 20)


def test_multiclass_results_agree_with_sklearn(iris) -> None:
    ev = evaluate_dataset(iris.model, iris.dataset)
    ds = iris.dataset
    probs = iris.model.predict(ds.x_test, verbose=0)
    y = np.argmax(ds.y_test, axis=1)
    pred = np.argmax(probs, axis=1)
    assert ev.split == "test" and ev.split_note == "" and ev.n_rows == len(ds.x_test)
    np.testing.assert_array_equal(
        ev.model.classification.matrix, skm.confusion_matrix(y, pred, labels=[0, 1, 2])
    )
    assert ev.model.accuracy == pytest.approx(skm.accuracy_score(y, pred))
    assert ev.model.roc_auc == pytest.approx(
        skm.roc_auc_score(y, probs, multi_class="ovr", average="macro"), rel=1e-6
    )
    # the Keras-style accuracy of the run agrees too
    assert ev.model.accuracy == pytest.approx(iris.metrics["test"]["accuracy"], abs=1e-6)
    majority = np.bincount(np.argmax(ds.y_train, axis=1), minlength=3).argmax()
    assert ev.baseline_scores.accuracy == pytest.approx(np.mean(y == majority))
    assert ev.headline.startswith(f"{ev.model.accuracy * 100:.0f} % accurate on {len(y)} test rows")
    assert f"always guessing '{ds.task.class_labels[majority]}'" in ev.headline
    out = ev.to_json()
    assert out["task"] == "multiclass"
    assert set(out["per_class"]) == set(ds.task.class_labels)
    assert out["baseline"]["roc_auc"] == pytest.approx(0.5)
    assert "pr_auc" not in out


def test_without_test_split_results_come_from_validation_and_say_so(iris) -> None:
    ds = iris.dataset
    no_test = type(ds)(**{**ds.__dict__, "x_test": ds.x_test[:0], "y_test": ds.y_test[:0]})
    ev = evaluate_dataset(iris.model, no_test)
    assert ev.split == "validation" and ev.n_rows == len(ds.x_val)
    assert "no test split" in ev.split_note
    assert "validation rows (there is no test split)" in ev.headline
    assert ev.to_json()["split"] == "validation"


def test_binary_results_threshold_and_table(seed_run) -> None:
    ev = evaluate_dataset(seed_run.model, seed_run.dataset)
    ds = seed_run.dataset
    p = seed_run.model.predict(ds.x_test, verbose=0)[:, 0]
    y = ds.y_test[:, 0].astype(int)
    assert ev.model.pr_auc == pytest.approx(skm.average_precision_score(y, p), rel=1e-6)
    assert ev.model.roc_auc == pytest.approx(skm.roc_auc_score(y, p), rel=1e-6)
    strict = ev.with_threshold(0.9)
    np.testing.assert_array_equal(
        strict.model.classification.matrix, skm.confusion_matrix(y, (p >= 0.9).astype(int))
    )
    table = ev.predictions
    worst = table.worst_first()
    errors = table.error[worst]
    assert (np.diff(errors) <= 1e-12).all()
    assert table.error[worst[0]] == pytest.approx(1 - p[worst[0]] if y[worst[0]] else p[worst[0]])
    buf = io.StringIO()
    table.write_csv(buf, worst[:5])
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert [r["row"] for r in rows] == [str(table.row[i]) for i in worst[:5]]
    assert set(rows[0]) == {
        "row",
        "actual",
        "predicted",
        "probability",
        "probability_actual",
        "error",
    }


def test_regression_results_and_baseline(diabetes) -> None:
    ev = evaluate_dataset(diabetes.model, diabetes.dataset)
    ds = diabetes.dataset
    to_units = ds.pipeline.target_values  # undoes a target scaling, if the data has one
    pred = to_units(diabetes.model.predict(ds.x_test, verbose=0))[:, 0]
    y = to_units(ds.y_test)[:, 0]
    reg = ev.model.regression
    assert reg.mae == pytest.approx(skm.mean_absolute_error(y, pred), rel=1e-5)
    assert reg.rmse == pytest.approx(np.sqrt(skm.mean_squared_error(y, pred)), rel=1e-5)
    assert reg.r2 == pytest.approx(skm.r2_score(y, pred), rel=1e-5)
    mean = float(to_units(ds.y_train).mean())
    assert ev.baseline.mean == pytest.approx(mean)
    assert ev.baseline_scores.regression.mae == pytest.approx(np.mean(np.abs(y - mean)), rel=1e-5)
    assert ev.headline.startswith("Off by ")
    assert "training mean" in ev.headline
    np.testing.assert_allclose(ev.predictions.error, pred - y, rtol=1e-5, atol=1e-4)


def test_spreadsheet_formula_cells_are_escaped() -> None:
    assert spreadsheet_safe('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert spreadsheet_safe("+1+2") == "'+1+2"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("-2.5") == "-2.5"
    assert spreadsheet_safe("\tcmd") == "'\tcmd"
    assert spreadsheet_safe("yes") == "yes"


def test_permutation_importance_finds_the_feature_the_model_uses() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3)).astype(np.float32)
    y = (x[:, 1] > 0).astype(np.float32).reshape(-1, 1)

    def predict(a: np.ndarray) -> np.ndarray:
        return (1 / (1 + np.exp(-8 * a[:, 1]))).reshape(-1, 1)

    imp = permutation_importance(predict, x, y, kind="binary", n_repeats=20, seed=1)
    assert imp.top(1) == ["x1"]
    by = {f.name: f for f in imp.features}
    assert by["x0"].mean == 0.0 and by["x2"].mean == 0.0
    assert 0.35 < by["x1"].mean < 0.65  # shuffling a perfect feature leaves ~50 % right
    assert imp.baseline_score == 1.0

    # the same number as sklearn's permutation_importance, averaged over many repeats
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.inspection import permutation_importance as sk_pi

    class Wrapped(ClassifierMixin, BaseEstimator):
        classes_ = np.array([0, 1])

        def fit(self, *_):
            return self

        def predict(self, a):
            return (predict(np.asarray(a, np.float32))[:, 0] >= 0.5).astype(int)

    sk = sk_pi(Wrapped(), x, y[:, 0].astype(int), scoring="accuracy", n_repeats=200, random_state=0)
    ours = permutation_importance(predict, x, y, kind="binary", n_repeats=200, seed=0)
    mean = {f.name: f.mean for f in ours.features}
    np.testing.assert_allclose([mean["x0"], mean["x1"], mean["x2"]], sk.importances_mean, atol=0.01)


def test_regression_importance_is_rmse_rise_and_groups_one_hot_columns(tmp_path) -> None:
    rng = np.random.default_rng(2)
    n = 300
    df = pd.DataFrame({"a": rng.normal(size=n), "colour": rng.choice(["red", "blue"], n)})
    df["y"] = 3 * df["a"] + np.where(df["colour"] == "red", 2.0, -2.0)
    df.to_csv(tmp_path / "d.csv", index=False)
    ds = prepare(read_csv(tmp_path / "d.csv"), DataConfig(target="y"))
    groups = feature_groups(ds.pipeline)
    assert [g.name for g in groups] == ["a", "colour"]
    assert len(groups[1].columns) == 2 and groups[1].kind == "categorical"
    w = np.linalg.lstsq(np.c_[ds.x_train, np.ones(len(ds.x_train))], ds.y_train, rcond=None)[0]

    def predict(x):
        return np.c_[x, np.ones(len(x))] @ w

    imp = permutation_importance(predict, ds.x_val, ds.y_val, kind="regression", groups=groups)
    assert imp.metric == "rmse" and imp.baseline_score < 1e-3
    assert [f.name for f in imp.features] == ["a", "colour"]
    assert all(f.mean > 0.5 for f in imp.features)
    # results are in the target's own units although the network learns a scaled target
    assert ds.pipeline.target_scaling is not None and ds.pipeline.target_scaling.scale > 2
    ev = evaluate_dataset(None, ds, predict=predict)
    assert ev.split == "validation"
    assert np.isin(ev.actual.round(3), df["y"].to_numpy().round(3)).all()
    assert np.ptp(ev.actual) > 5 and ev.model.regression.mae < 1e-3
    assert ev.baseline.mean == pytest.approx(ds.pipeline.target_scaling.offset, rel=1e-5)


def test_explanations_match_finite_differences_and_add_up(iris) -> None:
    model, ds = iris.model, iris.dataset
    row = ds.x_test[0]
    gxi = explain_row(
        model,
        row,
        method="gradient_x_input",
        feature_names=ds.feature_names,
        output_names=ds.task.class_labels,
    )
    k = gxi.output_index
    assert k == int(np.argmax(model.predict(row[None], verbose=0)[0]))
    eps = 1e-3
    x64 = row.astype(np.float64)
    fd = []
    for j in range(len(row)):
        up, down = x64.copy(), x64.copy()
        up[j] += eps
        down[j] -= eps
        fd.append((model(up[None]).data[0, k] - model(down[None]).data[0, k]) / (2 * eps))
    np.testing.assert_allclose(gxi.contributions, np.array(fd) * x64, atol=2e-3)
    ig = explain_row(model, row, steps=128, reference=np.zeros_like(row))
    assert ig.contributions.sum() == pytest.approx(ig.value - ig.reference_value, abs=5e-3)
    assert gxi.output_name == ds.task.class_labels[k]
    assert [n for n, _ in gxi.ranked()][0] in ds.feature_names


def test_explanations_leave_the_weight_gradients_alone(seed_run) -> None:
    model = seed_run.model
    before = [None if w.grad is None else np.array(w.grad, copy=True) for w in model.weights]
    explain_row(model, seed_run.dataset.x_test[0])
    after = [w.grad for w in model.weights]
    for b, a in zip(before, after, strict=True):
        if b is None:
            assert a is None or not np.any(a)
        else:
            np.testing.assert_array_equal(a, b)


def test_boundary_grid_features_pca_and_explanations(seed_run) -> None:
    ds, model = seed_run.dataset, seed_run.model
    predict = model_predictor(model)
    pca = plan_for_dataset(ds)
    assert pca.mode == "pca" and pca.points.shape[1] == 2
    grid = BoundaryRenderer(pca, resolution=50).render(predict, "binary", ds.task.class_labels)
    assert grid.predicted.shape == (50, 50) and grid.confidence.shape == (50, 50)
    # a cell's value is the model's prediction at the mapped-back input
    u, v = grid.xs[7], grid.ys[11]
    x = pca.center + np.array([u, v]) @ pca.components
    p = model.predict(x[None].astype(np.float32), verbose=0)[0, 0]
    assert grid.confidence[11, 7] == pytest.approx(p, rel=1e-5)
    imp = permutation_importance(
        predict, ds.x_val, ds.y_val, kind="binary", n_repeats=3, groups=feature_groups(ds.pipeline)
    )
    two = plan_for_dataset(ds, importance=imp)
    assert two.mode == "features"
    assert list(two.axis_names) == imp.top(2)
    med = np.median(ds.x_train, axis=0)
    grid = BoundaryRenderer(two, resolution=20).render(predict, "binary")
    inputs = two.to_inputs(np.array([grid.xs[3]]), np.array([grid.ys[5]]))[0]
    others = [i for i in range(ds.n_features) if i not in two.axes]
    np.testing.assert_allclose(inputs[others], med[others], rtol=1e-6)
    assert grid.predicted[5, 3] == int(model.predict(inputs[None], verbose=0)[0, 0] >= 0.5)


def test_boundary_on_one_feature_or_text_only_explains_instead(tmp_path) -> None:
    x1 = np.linspace(-2, 2, 40).reshape(-1, 1).astype(np.float32)
    plan = plan_boundary(x1, (x1 > 0).astype(np.float32), kind="binary", feature_names=["age"])
    assert plan.mode == "curve" and "single input ('age')" in plan.reason
    curve = BoundaryRenderer(plan, 30).render(lambda a: 1 / (1 + np.exp(-a)), "binary")
    assert curve.predicted.shape == (1, 30)
    text_only_csv(tmp_path / "t.csv", n=60)
    ds = prepare(read_csv(tmp_path / "t.csv"), DataConfig(target="label"))
    plan = plan_for_dataset(ds)
    assert plan.mode == "none" and not plan.drawable
    assert "Every input is a category" in plan.reason
    with pytest.raises(DataError, match="Every input is a category"):
        BoundaryRenderer(plan)


def test_histogram_recorder_follows_training() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x.sum(axis=1) > 0).astype(np.float32).reshape(-1, 1)
    model = tf.keras.Sequential(
        [
            tf.keras.layers.Dense(5, activation="relu", input_shape=(4,), name="hidden"),
            tf.keras.layers.Dense(1, activation="sigmoid", name="out"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    rec = HistogramRecorder(bins=10, max_epochs=4)
    model.fit(x, y, epochs=6, batch_size=16, verbose=0, callbacks=[rec.callback()], seed=0)
    assert rec.layers == ["hidden", "out"]
    assert rec.epochs == [0, 2, 4]  # thinned to every other epoch past max_epochs
    snap = rec.at(5)["hidden"]
    assert snap.epoch == 4
    assert snap.weights.counts.sum() == 4 * 5 + 5
    np.testing.assert_allclose(
        snap.weights.mean,
        np.mean(
            np.r_[
                model.get_layer("hidden").kernel.data.ravel(), model.get_layer("hidden").bias.data
            ]
        ),
        atol=0.05,
    )
    assert snap.gradients is not None and snap.gradients.counts.sum() == 25
    assert len(rec.history("out")) == 3


def test_histograms_keep_to_their_time_budget_with_a_stepped_clock() -> None:
    """Past the free records, a record that takes more than `budget` of the time since
    the previous one doubles the stride (every other epoch, then every fourth); cheap
    records keep every epoch."""
    from core.evaluation.histograms import FREE_RECORDS

    model = tf.keras.Sequential([tf.keras.layers.Dense(3, input_shape=(2,), name="d")])
    model.predict(np.zeros((1, 2), np.float32), verbose=0)  # built
    clock = {"now": 0.0, "cost": 0.0}

    def tick() -> float:  # each record reads the clock twice: before and after
        now = clock["now"]
        clock["now"] += clock["cost"]
        return now

    rec = HistogramRecorder(budget=0.02, clock=tick)

    def epochs(first: int, last: int, seconds: float, cost: float) -> None:
        for epoch in range(first, last):
            clock["now"], clock["cost"] = epoch * seconds, cost
            rec.record(model, epoch)

    epochs(0, 2 * FREE_RECORDS, seconds=1.0, cost=0.01)  # 1 % of the time: all kept
    assert rec.stride == 1 and len(rec) == 2 * FREE_RECORDS
    first = 2 * FREE_RECORDS
    epochs(first, first + 32, seconds=1.0, cost=0.05)
    # 0.05 s is over 2 % of 1 s and of 2 s (twice: every other epoch, then every fourth
    # from the last record), not of 4 s: every eighth epoch from then on
    assert rec.stride == 8
    assert rec.epochs[-7:] == [
        first - 1,
        first,
        first + 2,
        first + 4,
        first + 8,
        first + 16,
        first + 24,
    ]
    assert HistogramRecorder(clock=tick).budget is None  # no budget unless given one
    rec.clear()
    assert rec.stride == 1


def test_activation_health_flags_dead_relus_and_saturated_tanh() -> None:
    model = tf.keras.Sequential(
        [
            tf.keras.layers.Dense(4, activation="relu", input_shape=(2,), name="r"),
            tf.keras.layers.Dense(3, activation="tanh", name="t"),
            tf.keras.layers.Dense(1, activation="sigmoid", name="o"),
        ]
    )
    model.build((None, 2))
    r, t = model.get_layer("r"), model.get_layer("t")
    r.kernel.data[...] = [[1, 0, 0, 0], [0, 1, 0, 0]]
    r.bias.data[...] = [0, 0, -100, -100]  # units 2 and 3 never fire
    t.kernel.data[...] = 0
    t.bias.data[...] = [0, 50, -50]  # two tanh units pinned at +-1
    x = np.random.default_rng(0).normal(size=(200, 2)).astype(np.float32)
    health = {h.layer: h for h in activation_health(model, x)}
    assert set(health) == {"r", "t"}  # the output layer is not judged
    assert health["r"].flagged == 2 and health["r"].level == "warning"
    assert "2 of 4 ReLU units in 'r' (50 %) output 0 for every row" in health["r"].hint
    assert health["t"].flagged == 2 and "saturated" in health["t"].hint
    r.bias.data[...] = 1.0
    assert activation_health(model, x)[0].level == "ok"


def test_boundary_picture_shows_each_side_in_its_class_colour() -> None:
    import io

    from PIL import Image

    from core.evaluation.plots import PALETTE, SCALE, Chart, boundary_png

    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(200, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32).reshape(-1, 1)
    plan = plan_boundary(x, y, kind="binary", feature_names=["left", "right"], max_points=0)
    grid = BoundaryRenderer(plan, 40).render(
        lambda a: 1 / (1 + np.exp(-30 * a[:, :1])), "binary", ("no", "yes")
    )
    with Image.open(io.BytesIO(boundary_png(grid, plan))) as im:
        frame = Chart()  # same layout as the picture's plot area
        l, t, r, b = frame.box
        mid = (t + b) // 2
        left, right = im.getpixel((l + 10 * SCALE, mid)), im.getpixel((r - 10 * SCALE, mid))

    def closeness(pixel, colour: str) -> float:
        target = Image.new("RGB", (1, 1), colour).getpixel((0, 0))
        return sum((a - b) ** 2 for a, b in zip(pixel, target, strict=True))

    assert closeness(left, PALETTE[0]) < closeness(left, PALETTE[1])
    assert closeness(right, PALETTE[1]) < closeness(right, PALETTE[0])
