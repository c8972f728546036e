"""What a trained model learned: histograms (with gradients) kept with the trained state,
importance on the validation rows, explanations of evaluated rows, health by node."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import core as tf
from core.document.project import load_project, save_project
from core.document.trained_state import capture_state, load_with_state, save_with_state
from core.errors import DataError, FormatError
from core.evaluation.explain import explain_row
from core.evaluation.health import activation_health
from core.evaluation.histograms import Histogram, HistogramRecorder
from core.evaluation.importance import feature_groups, permutation_importance
from core.evaluation.learned import (
    explain_evaluated_row,
    health_by_node,
    inspection_copy,
    training_health,
    validation_importance,
    worst_position,
)
from core.evaluation.results import choose_split, evaluate_dataset, model_predictor, target_units
from core.run import TrainSettings, build_and_compile, load_data, training_events

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def _trained(tmp_path: Path, name: str, epochs: int = 6):
    """(project path, project, dataset, model, recorder) after a short run of an example."""
    project = load_project(EXAMPLES / f"{name}.lfproj")
    data = Path(project.data_path)
    shutil.copy(data, tmp_path / data.name)
    project.data_path = str(tmp_path / data.name)
    project.train_config["epochs"] = epochs
    path = tmp_path / f"{name}.lfproj"
    save_project(project, path)
    settings = TrainSettings.from_dict(project.train_config)
    dataset = load_data(project, settings=settings)
    model = build_and_compile(project.graph, dataset, settings)
    recorder = HistogramRecorder(bins=20)
    for _ in training_events(model, dataset, settings, [recorder.callback()]):
        pass
    return path, project, dataset, model, recorder


def test_histogram_bins_agree_with_numpy() -> None:
    v = np.random.default_rng(3).normal(size=5000).astype(np.float32)
    h = Histogram.of(v, bins=25)
    counts, edges = np.histogram(v.astype(np.float64), bins=25)
    np.testing.assert_array_equal(h.counts, counts)
    np.testing.assert_allclose(h.edges, edges, rtol=0, atol=1e-12)
    assert h.mean == pytest.approx(float(np.mean(v, dtype=np.float64)))
    assert h.std == pytest.approx(float(np.std(v, dtype=np.float64)))
    flat = Histogram.of(np.full(7, 2.0), bins=4)
    assert flat.counts.sum() == 7 and flat.edges[0] == 1.5 and flat.edges[-1] == 2.5
    mixed = Histogram.of(np.array([1.0, np.nan, 3.0, np.inf]), bins=2)
    assert mixed.counts.tolist() == [1, 1] and mixed.maximum == 3.0
    assert Histogram.of(np.array([np.nan])).total == 0


def test_many_histograms_at_once_are_each_ones_histogram() -> None:
    rng = np.random.default_rng(4)
    parts = [
        rng.normal(size=(30, 4)).astype(np.float32),
        np.full(5, -1.5),
        rng.uniform(-3, 9, size=20_000),  # large: binned on its own
        np.zeros(0),
        rng.normal(size=7),
    ]
    for many, part in zip(Histogram.many(parts, bins=12), parts, strict=True):
        one = Histogram.of(part, bins=12)
        np.testing.assert_array_equal(many.counts, one.counts)
        np.testing.assert_allclose(many.edges, one.edges)
        np.testing.assert_array_equal([many.minimum, many.maximum], [one.minimum, one.maximum])
        np.testing.assert_allclose([many.mean, many.std], [one.mean, one.std])
    with_nan = Histogram.many([np.array([1.0, np.nan, 2.0]), np.ones(3)], bins=2)
    assert with_nan[0].counts.tolist() == [1, 1] and with_nan[1].total == 3


def test_gradient_histograms_are_the_last_batch_gradients(tmp_path) -> None:
    _, _, _, model, recorder = _trained(tmp_path, "iris", epochs=3)
    last = recorder.at(2)
    for layer in model.layers:
        if not layer.trainable_weights:
            continue
        grads = np.concatenate([np.ravel(w.grad) for w in layer.trainable_weights])
        expected = Histogram.of(grads, bins=20)
        shown = last[layer.name].gradients
        assert shown is not None
        np.testing.assert_array_equal(shown.counts, expected.counts)
        assert shown.std == pytest.approx(expected.std) and shown.std > 0


def test_histograms_round_trip_through_plain_arrays_and_the_trained_state(tmp_path) -> None:
    path, project, dataset, model, recorder = _trained(tmp_path, "iris", epochs=5)
    layers, arrays = recorder.to_arrays()
    assert layers == ["hidden", "species"] and arrays["weights_counts"].shape == (5, 2, 20)
    again = HistogramRecorder.from_arrays(layers, arrays)
    assert again.epochs == recorder.epochs and again.layers == recorder.layers
    for epoch in recorder.epochs:
        for name in layers:
            a, b = recorder.at(epoch)[name], again.at(epoch)[name]
            np.testing.assert_array_equal(a.weights.counts, b.weights.counts)
            np.testing.assert_allclose(a.weights.edges, b.weights.edges)
            assert (a.gradients.mean, a.gradients.std) == (b.gradients.mean, b.gradients.std)

    state = capture_state(
        model,
        network=project.graph,
        dataset=dataset,
        settings=TrainSettings.from_dict(project.train_config).resolved(dataset.task).to_dict(),
        epochs_done=5,
        histograms=(layers, arrays),
    )
    save_with_state(project, state, path)
    loaded = load_with_state(path)
    assert loaded.problem is None and loaded.state is not None
    assert loaded.state.histogram_layers == layers
    restored = HistogramRecorder.from_arrays(loaded.state.histogram_layers, loaded.state.histograms)
    np.testing.assert_array_equal(
        restored.at(4)["species"].gradients.counts, recorder.at(4)["species"].gradients.counts
    )

    bad = dict(arrays, weights_stats=arrays["weights_stats"][:, :1])
    with pytest.raises(FormatError, match="Expected weights statistics of shape"):
        HistogramRecorder.from_arrays(layers, bad)


def test_validation_importance_is_permutation_importance_on_the_validation_rows(tmp_path):
    for name in ("iris", "regression"):
        _, _, dataset, model, _ = _trained(tmp_path, name, epochs=4)
        got = validation_importance(model_predictor(model), dataset)
        units = target_units(dataset.pipeline)
        want = permutation_importance(
            # the predictor's batch size: OpenBLAS may sum a product in another order for
            # another batch size (float32 rounding apart on AMD EPYC, equal on Xeon)
            lambda a: units(model.predict(a, batch_size=8192, verbose=0)),  # noqa: B023
            dataset.x_val,
            units(dataset.y_val),
            kind=dataset.task.kind,
            groups=feature_groups(dataset.pipeline),
        )
        assert [f.name for f in got.features] == [f.name for f in want.features]
        np.testing.assert_allclose([f.mean for f in got.features], [f.mean for f in want.features])
        assert got.n_rows == len(dataset.x_val)


def test_explaining_an_evaluated_row_is_explain_row_summed_per_column(tmp_path) -> None:
    _, _, dataset, model, _ = _trained(tmp_path, "iris", epochs=4)
    copy = inspection_copy(model)
    ev = evaluate_dataset(copy, dataset)
    x = choose_split(dataset).x
    pos = worst_position(ev)
    r = explain_evaluated_row(copy, x, ev, pos, dataset.pipeline)
    labels = list(dataset.task.class_labels)
    e = explain_row(
        model,
        x[pos],
        feature_names=dataset.pipeline.feature_names,
        output_index=labels.index(str(ev.predictions.predicted[pos])),
        output_names=labels,
    )
    assert dict(r.contributions) == pytest.approx(dict(e.ranked()))
    assert r.sentence.startswith(f"Row {pos + 1}: actual '{ev.predictions.actual[pos]}'")
    with pytest.raises(DataError, match=f"Expected a row from 1 to {len(x)}"):
        explain_evaluated_row(copy, x, ev, len(x), dataset.pipeline)


def test_health_is_filed_under_the_node_the_layer_was_built_from() -> None:
    model = tf.keras.Sequential(
        [
            tf.keras.layers.Dense(4, input_shape=(2,), name="lin"),
            tf.keras.layers.ReLU(name="act"),
            tf.keras.layers.Dense(1, activation="sigmoid", name="out"),
        ]
    )
    model.build((None, 2))
    lin = model.get_layer("lin")
    lin.kernel.data[...] = [[1, 0, 0, 0], [0, 1, 0, 0]]
    lin.bias.data[...] = [0, 0, -100, -100]
    x = np.random.default_rng(0).normal(size=(100, 2)).astype(np.float32)
    report = activation_health(model, x)
    assert [(h.layer, h.flagged, h.label) for h in report] == [("act", 2, "50 % dead")]
    network = {"nodes": [{"id": "n7", "name": "act"}, {"id": "n9", "name": "out"}]}
    assert health_by_node(report, network) == {"n7": report[0]}


def test_training_health_looks_at_training_rows(tmp_path) -> None:
    _, project, dataset, model, _ = _trained(tmp_path, "iris", epochs=2)
    assert training_health(model, dataset) == activation_health(model, dataset.x_train[:2000])


def test_a_project_trained_on_the_command_line_keeps_its_histograms(tmp_path, capsys) -> None:
    from core.cli import main

    proj = tmp_path / "iris.lfproj"
    csv = Path(__file__).resolve().parents[2] / "resources" / "datasets" / "iris.csv"
    assert main(["new", "--data", str(csv), "--out", str(proj)]) == 0
    assert main(["train", str(proj), "--epochs", "3", "--quiet"]) == 0
    state = load_with_state(proj).state
    assert state is not None
    recorder = HistogramRecorder.from_arrays(state.histogram_layers, state.histograms)
    assert recorder.epochs == [0, 1, 2] and recorder.layers == ["dense", "dense_1", "output"]
    assert all(s.gradients is not None and s.gradients.total for s in recorder.at(2).values())
