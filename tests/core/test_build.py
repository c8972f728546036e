"""Tests for core.document.analysis: shapes, parameter counts, problems, fixes, models."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from core.data.profile import TaskInfo
from core.document.analysis import (
    Analysis,
    AnalysisCache,
    Fix,
    Problem,
    SummaryRow,
    analyze,
    build_model,
    format_shape,
)
from core.document.graph import Graph
from core.engine.layers import CATALOG
from core.engine.layers.spec import ParamSpec
from core.errors import GraphError

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
BINARY = SimpleNamespace(
    kind="binary",
    n_classes=2,
    output_units=1,
    output_activation="sigmoid",
    loss="binary_crossentropy",
)
MULTI3 = SimpleNamespace(
    kind="multiclass",
    n_classes=3,
    output_units=3,
    output_activation="softmax",
    loss="categorical_crossentropy",
)
REGRESSION = SimpleNamespace(
    kind="regression",
    n_classes=0,
    output_units=1,
    output_activation="linear",
    loss="mean_squared_error",
)


def new_graph() -> Graph:
    return Graph(CATALOG)


def mlp(
    g: Graph, n_in: int = 8, hidden: tuple[int, ...] = (16,), out: int = 1, act: str = "sigmoid"
) -> list[str]:
    ids = [g.add_node("Input", {"shape": [n_in]}).id]
    for h in hidden:
        ids.append(g.add_node("Dense", {"units": h, "activation": "relu"}).id)
    ids.append(g.add_node("Dense", {"units": out, "activation": act}).id)
    for a, b in zip(ids, ids[1:], strict=False):
        g.connect(a, b)
    return ids


def messages(a: Analysis) -> list[str]:
    return [p.message for p in a.problems]


# ------------------------------------------------------------------ healthy graphs


def test_mlp_shapes_counts_and_summary() -> None:
    g = new_graph()
    i, h, o = mlp(g, 8, (16,), 1)
    a = analyze(g, n_features=8, task=BINARY)
    assert a.ok and a.problems == []
    assert a.shapes == {i: (None, 8), h: (None, 16), o: (None, 1)}
    assert a.param_counts == {i: 0, h: 8 * 16 + 16, o: 16 + 1}
    assert a.total_params == 144 + 17
    assert a.order == [i, h, o] and a.input_ids == [i] and a.output_ids == [o]
    rows = a.summary_rows()
    assert rows[0] == SummaryRow("input", "Input", "(None, 8)", 0, "")
    assert rows[1] == SummaryRow("dense", "Dense", "(None, 16)", 144, "input")
    assert rows[2].connected_to == "dense" and rows[2].output_shape == "(None, 1)"
    layer, type_, shape, params, conn = rows[1]  # rows unpack like tuples
    assert (layer, params) == ("dense", 144)


def test_branch_with_concatenate_and_add() -> None:
    g = new_graph()
    i = g.add_node("Input", {"shape": [4]}).id
    a = g.add_node("Dense", {"units": 6}).id
    b = g.add_node("Dense", {"units": 6}).id
    c = g.add_node("Dense", {"units": 2}).id
    add = g.add_node("Add").id
    cat = g.add_node("Concatenate").id
    for s, d in [(i, a), (i, b), (i, c), (a, add), (b, add), (add, cat), (c, cat)]:
        g.connect(s, d)
    an = analyze(g)
    assert an.ok, messages(an)
    assert an.shapes[add] == (None, 6) and an.shapes[cat] == (None, 8)
    assert an.param_counts[add] == 0 and an.output_ids == [cat]
    assert an.summary_rows()[-1].connected_to == "add, dense_2"


def test_multi_output_is_allowed() -> None:
    g = new_graph()
    i = g.add_node("Input", {"shape": [4]}).id
    a = g.add_node("Dense", {"units": 2}).id
    b = g.add_node("Dense", {"units": 3}).id
    g.connect(i, a)
    g.connect(i, b)
    an = analyze(g, task=MULTI3)  # the task check needs a single output: skipped
    assert an.ok and an.output_ids == [a, b]


def test_format_shape() -> None:
    assert format_shape((None, 10)) == "(None, 10)"
    assert format_shape((5,)) == "(5,)"
    assert format_shape(None) == "?"
    assert format_shape([(None, 2), (None, 3)]) == "(None, 2), (None, 3)"


# ------------------------------------------------------------------ problems


def test_empty_graph() -> None:
    an = analyze(new_graph())
    assert not an.ok and "empty" in an.problems[0].message


def test_no_input_with_fix() -> None:
    g = new_graph()
    d = g.add_node("Dense").id
    d1 = g.add_node("Dense").id
    g.connect(d, d1)
    an = analyze(g, n_features=5)
    assert not an.ok
    first = an.problems[0]
    assert first.node_id is None and "no Input layer" in first.message
    assert first.fix == Fix("Add an Input layer", "insert_layer", d, {"shape": [5]}, "Input")
    assert "'dense' has no input — connect a layer into it." in messages(an)
    assert an.shapes[d1] is None
    assert len(an.problems) == 2  # nothing repeated for the downstream dense_1


def test_missing_input_reported_once_downstream_silent() -> None:
    g = new_graph()
    i, h, o = mlp(g)
    g.disconnect(i, h)
    an = analyze(g)
    assert messages(an) == [
        "Input 'input' is not connected to anything — connect it into a layer or delete it.",
        "'dense' has no input — connect a layer into it.",
    ]
    assert an.shapes[o] is None and o not in an.param_counts
    assert an.summary_rows()[2].output_shape == "?" and an.summary_rows()[2].params is None


def test_merge_with_one_input() -> None:
    g = new_graph()
    i = g.add_node("Input", {"shape": [3]}).id
    add = g.add_node("Add").id
    g.connect(i, add)
    an = analyze(g)
    assert messages(an) == [
        "Add 'add' needs at least 2 inputs but has 1 — connect another layer into it."
    ]


def test_add_shape_mismatch_names_both_layers_and_offers_fix() -> None:
    g = new_graph()
    i = g.add_node("Input", {"shape": [4]}).id
    a = g.add_node("Dense", {"units": 10}).id
    b = g.add_node("Dense", {"units": 8}).id
    add = g.add_node("Add").id
    out = g.add_node("Dense", {"units": 1}).id
    for s, d in [(i, a), (i, b), (a, add), (b, add), (add, out)]:
        g.connect(s, d)
    an = analyze(g)
    assert len(an.problems) == 1
    p = an.problems[0]
    assert p.node_id == add
    assert p.message == (
        "Add 'add' receives (10,) from 'dense' and (8,) from 'dense_1' — the shapes must match"
    )
    assert p.related == (a, b)
    assert p.fix == Fix("Set 'dense_1' to 10 units", "set_params", b, {"units": 10})
    assert an.problems_for(b) == [p] and an.shapes[out] is None
    g.set_params(p.fix.node_id, p.fix.params)
    assert analyze(g).ok


def test_concatenate_mismatch_keeps_layer_reason() -> None:
    g = new_graph()
    i = g.add_node("Input", {"shape": [2, 3]}).id
    j = g.add_node("Input", {"shape": [4, 5]}).id
    cat = g.add_node("Concatenate").id
    g.connect(i, cat)
    g.connect(j, cat)
    an = analyze(g)
    (p,) = an.problems
    assert p.message.startswith(
        "Concatenate 'concatenate' receives (2, 3) from 'input' and (4, 5) from 'input_1': "
    )
    assert "axis" in p.message


def test_dense_after_image_shape_works_on_the_last_axis_and_flatten_is_offered() -> None:
    g = new_graph()
    i = g.add_node("Input", {"shape": [26, 26, 32]}, name="conv2d").id
    d = g.add_node("Dense", {"units": 10}).id
    d2 = g.add_node("Dense", {"units": 3, "activation": "softmax"}, name="dense_2").id
    g.connect(i, d)
    g.connect(d, d2)
    # Keras: a Dense on (26, 26, 32) works on the last axis; legal, so without a target
    # to compare with it is advice on the first Dense, not an error
    an = analyze(g)
    assert an.ok and an.shapes[d2] == (None, 26, 26, 3)
    (w,) = an.warnings[-1:]
    assert w.node_id == d
    assert w.message == (
        "Dense 'dense' works on the last axis of the (26, 26, 32) that 'conv2d' gives, so "
        "the network gives (26, 26, 3) per sample. For one prediction per sample insert a "
        "Flatten before 'dense'."
    )
    fix = Fix("Insert Flatten", "insert_layer", d, {}, "Flatten", i)
    assert w.fix == fix
    # with a classification target the output must be flat: a problem, with the same fix
    (p,) = analyze(g, task=MULTI3).problems
    assert p.node_id == d2 and p.fix == fix
    assert p.message == (
        "The output layer 'dense_2' gives (26, 26, 3) per sample but the target is 3 classes: "
        "Dense 'dense' works on the last axis of the (26, 26, 32) that 'conv2d' gives — "
        "insert a Flatten before 'dense'"
    )
    # applying the fix the way the GUI will: insert between `after` and node_id
    g.disconnect(i, d)
    f = g.add_node(fix.layer_type or "").id
    g.connect(i, f)
    g.connect(f, d)
    an = analyze(g, task=MULTI3)
    assert an.ok and an.shapes[f] == (None, 26 * 26 * 32)
    assert not any("Flatten" in w.message for w in an.warnings)


def test_bad_params_are_attached_to_the_node() -> None:
    g = new_graph()
    i, h, o = mlp(g)
    g.set_params(h, {"units": 0})
    an = analyze(g)
    (p,) = an.problems
    assert p.node_id == h
    assert p.message.startswith("Dense 'dense': argument `units` Expected a positive integer")
    assert an.shapes[o] is None
    g.set_params(h, {"activation": "relux"})
    g.set_params(h, {"units": 4})
    assert "Did you mean 'relu'" in analyze(g).problems[0].message
    g.set_params(h, {"activation": "relu", "unitz": 3})
    assert "unknown argument `unitz`" in analyze(g).problems[0].message


def test_bad_input_shape_param() -> None:
    g = new_graph()
    i, h, o = mlp(g)
    g.set_params(i, {"shape": "eight"})
    an = analyze(g)
    (p,) = an.problems
    assert p.node_id == i and p.message.startswith("Input 'input': argument `shape`")


def test_unknown_layer_type_without_catalog() -> None:
    g = Graph()
    i = g.add_node("Input", {"shape": [3]}).id
    x = g.add_node("Dnse").id
    g.connect(i, x)
    an = analyze(g)
    (p,) = an.problems
    assert p.node_id == x and "Unknown layer type 'Dnse'" in p.message
    assert "Did you mean 'Dense'" in p.message


def test_only_an_input() -> None:
    g = new_graph()
    g.add_node("Input", {"shape": [3]})
    an = analyze(g)
    assert messages(an) == ["The network has no output layer — connect layers after 'input'."]


def test_input_size_against_data() -> None:
    g = new_graph()
    i, h, o = mlp(g, n_in=4)
    an = analyze(g, n_features=13)
    (p,) = an.problems
    assert p.message == (
        "Input 'input' takes 4 features but the data has 13 after encoding — "
        "set Input shape to (13,)"
    )
    assert p.fix == Fix("Set Input shape to (13,)", "set_params", i, {"shape": [13]})
    g.set_params(i, p.fix.params)
    assert analyze(g, n_features=13).ok
    g.set_params(i, {"shape": [2, 2]})
    assert "takes shape (2, 2) (4 values per sample)" in analyze(g, n_features=13).message()


@pytest.mark.parametrize(
    ("units", "act", "task", "message", "fix_params"),
    [
        (
            1,
            "sigmoid",
            MULTI3,
            "The output layer 'dense_1' has 1 unit but the target has 3 classes — "
            "use Dense(3, softmax)",
            {"units": 3, "activation": "softmax"},
        ),
        (
            3,
            "relu",
            MULTI3,
            "The output layer 'dense_1' uses relu but the target has 3 classes, which needs "
            "softmax — use Dense(3, softmax)",
            {"units": 3, "activation": "softmax"},
        ),
        (
            2,
            "softmax",
            BINARY,
            "The output layer 'dense_1' has 2 units but the target has 2 classes (one sigmoid "
            "unit) — use Dense(1, sigmoid)",
            {"units": 1, "activation": "sigmoid"},
        ),
        (
            1,
            "linear",
            BINARY,
            "The output layer 'dense_1' uses linear but the target has 2 classes (one sigmoid "
            "unit), which needs sigmoid — use Dense(1, sigmoid)",
            {"units": 1, "activation": "sigmoid"},
        ),
        (
            4,
            "linear",
            REGRESSION,
            "The output layer 'dense_1' has 4 units but the target has a single number — "
            "use Dense(1, linear)",
            {"units": 1, "activation": "linear"},
        ),
    ],
)
def test_output_layer_against_task(
    units: int, act: str, task: Any, message: str, fix_params: dict[str, Any]
) -> None:
    g = new_graph()
    *_, o = mlp(g, out=units, act=act)
    an = analyze(g, task=task)
    (p,) = an.problems
    assert p.message == message and p.node_id == o
    assert p.fix is not None and p.fix.kind == "set_params" and p.fix.params == fix_params
    g.set_params(o, p.fix.params)
    assert analyze(g, task=task).ok


def test_regression_accepts_relu_output() -> None:
    g = new_graph()
    mlp(g, out=1, act="relu")
    assert analyze(g, task=REGRESSION).ok


def test_output_with_image_shape_against_task() -> None:
    g = new_graph()
    i = g.add_node("Input", {"shape": [4, 4]}).id
    f = g.add_node("Dropout").id
    g.connect(i, f)
    (p,) = analyze(g, task=MULTI3).problems
    assert p.message.startswith("The output layer 'dropout' gives (4, 4) per sample")
    assert p.message.endswith("end the network with Flatten and Dense(3, softmax)")


def test_real_task_info_from_core_data() -> None:
    task = TaskInfo.classification(("a", "b", "c"))
    g = new_graph()
    mlp(g, out=1, act="sigmoid")
    assert "use Dense(3, softmax)" in analyze(g, task=task).message()


def test_layer_bug_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.engine.layers import Dense

    def broken(self: Any, input_shape: Any) -> Any:
        raise IndexError("oops")

    monkeypatch.setattr(Dense, "compute_output_shape", broken)
    g = new_graph()
    mlp(g)
    an = analyze(g)
    assert an.problems[0].message == "Dense 'dense' could not be checked (IndexError: oops)."
    assert len(an.problems) == 1


# ------------------------------------------------------------------ cache


def test_cache_reuses_layers_and_sees_changes() -> None:
    g = new_graph()
    i, h, o = mlp(g)
    cache = AnalysisCache()
    a1 = analyze(g, cache=cache)
    n_layers = len(cache._layers)
    a2 = analyze(g, cache=cache)
    assert len(cache._layers) == n_layers and a1.shapes == a2.shapes
    g.set_params(h, {"units": 5})
    a3 = analyze(g, cache=cache)
    assert a3.shapes[h] == (None, 5) and a3.param_counts[o] == 6
    g.rename(o, "out")
    assert analyze(g, cache=cache).summary_rows()[-1].layer == "out"
    small = AnalysisCache(max_entries=2)
    for _ in range(3):
        assert analyze(g, cache=small).ok
    cache.clear()
    assert cache._layers == {}


def test_random_edits_never_raise() -> None:
    """Analysis of arbitrary wiring and parameters reports instead of raising."""
    rng = np.random.default_rng(7)
    types = [
        "Input",
        "Dense",
        "Dropout",
        "Flatten",
        "Add",
        "Concatenate",
        "Activation",
        "BatchNormalization",
        "Reshape",
    ]
    values: list[Any] = [0, 1, 3, -1, 2.5, "relu", "x", None, [2, 2], [4], True, []]
    for _ in range(150):
        g = new_graph()
        for _ in range(int(rng.integers(1, 8))):
            t = types[int(rng.integers(len(types)))]
            node = g.add_node(t)
            if rng.random() < 0.3 and node.params:
                key = list(node.params)[int(rng.integers(len(node.params)))]
                g.set_params(node.id, {key: values[int(rng.integers(len(values)))]})
        ids = list(g.nodes)
        for _ in range(int(rng.integers(0, 10))):
            s, d = (ids[int(rng.integers(len(ids)))] for _ in range(2))
            if g.can_connect(s, d) is None:
                g.connect(s, d)
        an = analyze(g, n_features=int(rng.integers(1, 5)), task=MULTI3)
        assert isinstance(an.problems, list)
        for p in an.problems:
            assert isinstance(p, Problem) and p.message
            assert p.node_id is None or p.node_id in g
        assert set(an.shapes) <= set(g.nodes)


# ------------------------------------------------------------------ build_model


def test_build_model_refuses_broken_graph() -> None:
    g = new_graph()
    mlp(g, n_in=4)
    with pytest.raises(GraphError, match="cannot be built yet:\n- Input 'input' takes 4"):
        build_model(g, analysis=analyze(g, n_features=5))


def test_build_model_names_layers_after_nodes_and_predicts() -> None:
    g = new_graph()
    i = g.add_node("Input", {"shape": [4]}).id
    a = g.add_node("Dense", {"units": 6, "activation": "relu"}).id
    b = g.add_node("Dense", {"units": 6}).id
    cat = g.add_node("Concatenate").id
    out = g.add_node("Dense", {"units": 3, "activation": "softmax"}, name="out").id
    for s, d in [(i, a), (i, b), (b, cat), (a, cat), (cat, out)]:
        g.connect(s, d)
    model = build_model(g, seed=3)
    names = [layer.name for layer in model.layers]
    assert set(names) == {"input", "dense", "dense_1", "concatenate", "out"}
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    y = np.asarray(model.predict(x, verbose=0))
    assert y.shape == (5, 3)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    same = build_model(g, seed=3)
    np.testing.assert_allclose(np.asarray(same.predict(x, verbose=0)), y)
    total = sum(layer.count_params() for layer in model.layers)
    assert total == analyze(g).total_params


def _count_units_checks(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record every value a `units` ParamSpec checks (the check itself still runs)."""
    seen: list[Any] = []
    check = ParamSpec.validate

    def counting(self: ParamSpec, value: Any, owner: str = "layer") -> Any:
        if self.name == "units":
            seen.append(value)
        return check(self, value, owner)

    monkeypatch.setattr(ParamSpec, "validate", counting)
    return seen


def test_a_build_analyses_once_and_checks_each_parameter_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    g = new_graph()
    mlp(g, hidden=(37,))
    seen = _count_units_checks(monkeypatch)
    analysis = analyze(g, n_features=8, task=BINARY)
    assert seen == [37, 1]
    model = build_model(g, seed=0, analysis=analysis)  # no second analysis, no second check
    assert seen == [37, 1]
    assert [layer.units for layer in model.layers[1:]] == [37, 1]
    # the analysis's layers went into that model: a second build makes its own
    again = build_model(g, seed=0, analysis=analysis)
    assert seen == [37, 1, 37, 1]
    assert not {id(la) for la in again.layers} & {id(la) for la in model.layers}
    x = np.ones((2, 8), np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0), again.predict(x, verbose=0))


def test_layers_in_a_shared_cache_never_go_into_a_model() -> None:
    g = new_graph()
    mlp(g)
    cache = AnalysisCache()
    analysis = analyze(g, cache=cache)
    assert analysis.layers == {}
    model = build_model(g, seed=0, analysis=analysis)
    again = build_model(g, seed=0, analysis=analyze(g, cache=cache))
    assert not {id(la) for la in again.layers} & {id(la) for la in model.layers}


def test_core_run_checks_the_data_and_builds_from_one_analysis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import core.document.analysis as analysis_module
    from core.document.project import load_project
    from core.run import TrainSettings, build_and_compile, load_data

    project = load_project(EXAMPLES / "iris.lfproj", catalog=CATALOG)
    dataset = load_data(project)
    calls: list[int] = []
    real = analysis_module.analyze

    def counting(*args: Any, **kwargs: Any) -> Analysis:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(analysis_module, "analyze", counting)
    model = build_and_compile(project.graph, dataset, TrainSettings())
    assert len(calls) == 1 and model.compiled
