"""core.bundle: the .lfmodel file — round trip, raw-row prediction, and every kind of bad file."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import core
import core.engine.layers  # noqa: F401 - registers the layer types
from core.bundle import FORMAT_VERSION, Prediction, load_model, read_bundle_info, save_model_bundle
from core.document.graph import Graph
from core.document.project import Project, default_train_config
from core.engine.layers.spec import CATALOG
from core.errors import DataError, FormatError
from core.run import save_trained, train_project


def _frame(n: int, seed: int, classes: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], size=n)
    if classes == 0:
        y: np.ndarray = 3.0 * a - 2.0 * b + (color == "red") + rng.normal(0, 0.1, n)
    elif classes == 2:
        y = np.where(a + b > 0, "yes", "no")
    else:
        y = np.array(["low", "mid", "high"])[np.digitize(a + b, [-0.6, 0.6])]
    return pd.DataFrame({"a": a, "b": b, "color": color, "target": y})


def _project(tmp_path: Path, classes: int) -> Project:
    csv = tmp_path / f"data{classes}.csv"
    _frame(150, 0, classes).to_csv(csv, index=False)
    units, act = {0: (1, "linear"), 2: (1, "sigmoid"), 3: (3, "softmax")}[classes]
    g = Graph(catalog=CATALOG)
    i = g.add_node("Input", {"shape": [5]}).id
    h = g.add_node("Dense", {"units": 8, "activation": "relu"}, x=250).id
    o = g.add_node("Dense", {"units": units, "activation": act}, x=500).id
    g.connect(i, h)
    g.connect(h, o)
    cfg = default_train_config()
    cfg.update({"epochs": 2, "batch_size": 32})
    return Project(
        graph=g,
        data_path=str(csv),
        data_config={"target": "target", "test_split": 0.2},
        train_config=cfg,
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, object]]:
    out = {}
    for classes in (0, 2, 3):
        folder = tmp_path_factory.mktemp(f"bundle{classes}")
        result = train_project(_project(folder, classes))
        path = save_trained(result, folder / "model.lfmodel")
        out[classes] = (path, result)
    return out


# ------------------------------------------------------------------ round trip


@pytest.mark.parametrize("classes", [0, 2, 3])
def test_round_trip_keeps_weights_and_predictions(trained: dict, classes: int) -> None:
    path, result = trained[classes]
    bundle = load_model(path)
    for w0, w1 in zip(result.model.get_weights(), bundle.model.get_weights(), strict=True):
        np.testing.assert_array_equal(w0, w1)
    ds = result.dataset
    np.testing.assert_allclose(
        bundle.predict_raw(ds.x_test), result.model.predict(ds.x_test, verbose=0), rtol=1e-6
    )
    assert bundle.feature_names == ds.feature_names
    assert bundle.input_columns == ["a", "b", "color"]
    assert bundle.metadata["format_version"] == FORMAT_VERSION
    assert bundle.metadata["metrics"]["test"] == pytest.approx(result.metrics["test"])
    assert bundle.config["graph"]["nodes"][0].get("x") is None  # no canvas positions


def test_members_and_weights_are_plain(trained: dict) -> None:
    path, _ = trained[2]
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["config.json", "metadata.json", "weights.npz"]
        with np.load(io.BytesIO(zf.read("weights.npz")), allow_pickle=False) as npz:
            assert len(npz.files) == 4
        meta = json.loads(zf.read("metadata.json"))
    assert meta["class_labels"] == ["no", "yes"] and meta["task"] == "binary"
    assert meta["target"] == "target" and "created" in meta and "layerforge_version" in meta
    assert read_bundle_info(path)["n_params"] == 5 * 8 + 8 + 8 + 1


def test_predict_takes_raw_rows_in_any_form(trained: dict, tmp_path: Path) -> None:
    path, _ = trained[3]
    bundle = core.load_model(path)
    df = _frame(12, 5, 3)
    expected = bundle.predict(df)
    assert isinstance(expected, Prediction) and len(expected) == 12
    assert expected.class_labels == ("high", "low", "mid")
    np.testing.assert_allclose(expected.probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert set(expected.labels) <= {"high", "low", "mid"}
    shuffled = df[["target", "color", "b", "a"]].assign(extra="ignored")
    csv = tmp_path / "rows.csv"
    shuffled.to_csv(csv, index=False)
    for rows in (shuffled, df.drop(columns="target").to_dict("records"), csv, str(csv)):
        got = bundle.predict(rows)
        np.testing.assert_allclose(got.probabilities, expected.probabilities, rtol=1e-5)
        assert list(got.labels) == list(expected.labels)
    one = bundle.predict({"a": 0.1, "b": 0.2, "color": "purple"})  # unknown category is fine
    assert len(one) == 1
    frame = expected.to_frame()
    assert list(frame.columns) == [
        "prediction",
        "probability_high",
        "probability_low",
        "probability_mid",
    ]


def test_binary_and_regression_frames(trained: dict) -> None:
    binary = load_model(trained[2][0]).predict(_frame(5, 1, 2))
    assert list(binary.to_frame().columns) == ["prediction", "probability_no", "probability_yes"]
    reg = load_model(trained[0][0]).predict(_frame(5, 1, 0))
    assert reg.task == "regression" and reg.values.shape == (5,)
    assert list(reg.to_frame().columns) == ["prediction"]


def test_missing_column_is_a_clear_data_error(trained: dict) -> None:
    bundle = load_model(trained[2][0])
    with pytest.raises(DataError, match="'color'") as info:
        bundle.predict(_frame(4, 0, 2).drop(columns="color"))
    assert info.value.column == "color"
    with pytest.raises(DataError, match="DataFrame"):
        bundle.predict(42)


def test_evaluate_on_labelled_rows(trained: dict) -> None:
    path, result = trained[2]
    bundle = load_model(path)
    df = pd.read_csv(_project_csv(path))
    metrics = bundle.evaluate(df)
    assert set(metrics) == {"loss", "accuracy"}
    with pytest.raises(DataError, match="target"):
        bundle.evaluate(df.drop(columns="target"))


def _project_csv(model_path: Path) -> Path:
    return next(model_path.parent.glob("data*.csv"))


def test_python_api_model_saves_without_pipeline(tmp_path: Path) -> None:
    from core.engine.models import Sequential

    model = Sequential(
        [
            core.engine.layers.Dense(4, activation="relu", input_shape=(3,)),
            core.engine.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
    path = core.save_model(model, tmp_path / "api.lfmodel")
    bundle = load_model(path)
    np.testing.assert_allclose(bundle.predict_raw(x), model.predict(x, verbose=0), rtol=1e-6)
    assert bundle.feature_names == ["x0", "x1", "x2"]
    pred = bundle.predict(x)
    assert pred.task == "binary" and pred.labels.shape == (10,)
    assert pred.probabilities.shape == (10, 2)
    y = (x[:, :1] > 0).astype(np.float32)
    assert bundle.model.evaluate(x, y, verbose=0) is not None


# ------------------------------------------------------------------ atomic writes


def test_save_is_atomic(trained: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, result = trained[2]
    target = tmp_path / "m.lfmodel"
    save_trained(result, target)
    before = target.read_bytes()

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(FormatError, match="No space left"):
        save_trained(result, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.lfmodel"]


def test_save_into_missing_folder(trained: dict, tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="does not exist"):
        save_model_bundle(trained[2][1].model, tmp_path / "no" / "m.lfmodel")


# ------------------------------------------------------------------ bad files


def _rewrite(src: Path, dst: Path, **members: bytes | None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = members.get(name, zin.read(name))
            if data is not None:
                zout.writestr(name, data)
    return dst


def _json_edit(src: Path, member: str, edit: object) -> bytes:
    with zipfile.ZipFile(src) as zf:
        d = json.loads(zf.read(member))
    edit(d)  # type: ignore[operator]
    return json.dumps(d).encode()


def _expect_format_error(path: Path, pattern: str) -> None:
    with pytest.raises(FormatError, match=pattern) as info:
        load_model(path)
    msg = str(info.value)
    assert str(path) in msg and "\n" not in msg


def test_not_a_zip_and_truncated(trained: dict, tmp_path: Path) -> None:
    good = trained[2][0].read_bytes()
    text = tmp_path / "text.lfmodel"
    text.write_text("hello")
    _expect_format_error(text, "not a zip")
    for cut in (len(good) // 3, len(good) - 30):
        cut_path = tmp_path / f"cut{cut}.lfmodel"
        cut_path.write_bytes(good[:cut])
        _expect_format_error(cut_path, "truncated|damaged")
    _expect_format_error(tmp_path / "missing.lfmodel", "not found")
    _expect_format_error(tmp_path, "folder")


def test_missing_member(trained: dict, tmp_path: Path) -> None:
    src = trained[2][0]
    _expect_format_error(
        _rewrite(src, tmp_path / "a.lfmodel", **{"weights.npz": None}), "weights.npz is missing"
    )
    _expect_format_error(
        _rewrite(src, tmp_path / "b.lfmodel", **{"config.json": b"{nope"}),
        "config.json is not valid JSON",
    )


def test_newer_format_version_is_refused(trained: dict, tmp_path: Path) -> None:
    src = trained[2][0]
    data = _json_edit(src, "config.json", lambda d: d.update(format_version=FORMAT_VERSION + 1))
    _expect_format_error(
        _rewrite(src, tmp_path / "v.lfmodel", **{"config.json": data}), "newer LayerForge"
    )
    data = _json_edit(src, "metadata.json", lambda d: d.update(format="something-else"))
    _expect_format_error(
        _rewrite(src, tmp_path / "f.lfmodel", **{"metadata.json": data}), "not a LayerForge model"
    )


def test_weights_of_the_wrong_shape(trained: dict, tmp_path: Path) -> None:
    src = trained[2][0]
    buf = io.BytesIO()
    np.savez(
        buf,
        w0000=np.zeros((5, 9), np.float32),
        w0001=np.zeros(8, np.float32),
        w0002=np.zeros((8, 1), np.float32),
        w0003=np.zeros(1, np.float32),
    )
    _expect_format_error(
        _rewrite(src, tmp_path / "w.lfmodel", **{"weights.npz": buf.getvalue()}),
        r"array 0 should have shape \(5, 8\)",
    )
    buf = io.BytesIO()
    np.savez(buf, w0000=np.zeros((5, 8), np.float32))
    _expect_format_error(
        _rewrite(src, tmp_path / "n.lfmodel", **{"weights.npz": buf.getvalue()}),
        "expected 4 arrays",
    )
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    obj = io.BytesIO()
    with zipfile.ZipFile(obj, "w") as zf:
        zf.writestr("w0000.npy", buf.getvalue())
    _expect_format_error(
        _rewrite(src, tmp_path / "o.lfmodel", **{"weights.npz": obj.getvalue()}), "weights"
    )


def test_unknown_layer_type(trained: dict, tmp_path: Path) -> None:
    src = trained[2][0]

    def edit(d: dict) -> None:
        d["model"]["config"] = json.loads(
            json.dumps(d["model"]["config"]).replace('"Dense"', '"Dance"')
        )
        for node in d["graph"]["nodes"]:
            if node["type"] == "Dense":
                node["type"] = "Dance"

    data = _json_edit(src, "config.json", edit)
    _expect_format_error(_rewrite(src, tmp_path / "u.lfmodel", **{"config.json": data}), "Dance")


def _python_api_model(units: int, activation: str, loss: str, seed: int = 3) -> object:
    from core.engine.layers import Dense, Input
    from core.engine.models import Sequential

    model = Sequential([Input((4,)), Dense(units, activation=activation)])
    model.compile(optimizer="adam", loss=loss)
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in model.get_weights()])
    return model


def test_python_api_softmax_model_predicts_every_class(tmp_path: Path) -> None:
    model = _python_api_model(3, "softmax", "categorical_crossentropy")
    path = tmp_path / "m3.lfmodel"
    core.save_model(model, path)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    raw = np.asarray(model.predict(x, verbose=0))
    pred = core.load_model(path).predict(x)
    assert pred.task == "multiclass"
    assert pred.probabilities is not None and pred.probabilities.shape == (5, 3)
    np.testing.assert_allclose(pred.probabilities, raw, atol=1e-6)
    frame = pred.to_frame()
    assert list(frame.columns) == ["prediction", "probability_0", "probability_1", "probability_2"]
    assert frame["prediction"].tolist() == np.argmax(raw, axis=1).tolist()
    ones = core.load_model(path).predict(np.ones((2, 4), np.float32)).to_frame()
    assert ones.shape == (2, 4)


def test_python_api_softmax_model_uses_known_class_labels(tmp_path: Path) -> None:
    model = _python_api_model(3, "softmax", "categorical_crossentropy")
    path = tmp_path / "m3.lfmodel"
    core.save_model(model, path, metadata={"class_labels": ["a", "b", "c"]})
    x = np.random.default_rng(1).normal(size=(4, 4)).astype(np.float32)
    raw = np.asarray(model.predict(x, verbose=0))
    frame = core.load_model(path).predict(x).to_frame()
    assert list(frame.columns) == ["prediction", "probability_a", "probability_b", "probability_c"]
    assert frame["prediction"].tolist() == [("a", "b", "c")[i] for i in raw.argmax(axis=1)]


def test_python_api_sigmoid_and_linear_models(tmp_path: Path) -> None:
    x = np.random.default_rng(2).normal(size=(6, 4)).astype(np.float32)
    sig = _python_api_model(1, "sigmoid", "binary_crossentropy")
    core.save_model(sig, tmp_path / "b.lfmodel")
    p = np.asarray(sig.predict(x, verbose=0))[:, 0]
    pred = core.load_model(tmp_path / "b.lfmodel").predict(x)
    assert pred.task == "binary"
    assert pred.labels.tolist() == (p >= 0.5).astype(int).tolist()
    np.testing.assert_allclose(pred.probabilities[:, 1], p, atol=1e-6)
    assert list(pred.to_frame().columns) == ["prediction", "probability_0", "probability_1"]
    lin = _python_api_model(1, "linear", "mean_squared_error")
    core.save_model(lin, tmp_path / "r.lfmodel")
    pred = core.load_model(tmp_path / "r.lfmodel").predict(x)
    assert pred.task == "regression" and pred.probabilities is None
    np.testing.assert_allclose(pred.values, np.asarray(lin.predict(x, verbose=0))[:, 0], atol=1e-6)


def test_bundle_modules_import_in_one_direction() -> None:
    """file_format knows bytes, not models; nothing in core.bundle reaches back into core.run."""
    import core.bundle.file_format as file_format
    import core.bundle.model_file as model_file
    import core.bundle.predictor as predictor
    from tests._imports import imported_modules

    for module in (file_format, model_file, predictor, core.bundle):
        names = imported_modules(module)
        assert not {n for n in names if n.startswith(("core.run", "core.cli", "core.export"))}, (
            module.__name__
        )
    assert not {n for n in imported_modules(file_format) if n.startswith("core.")} - {
        "core.document.fileio",
        "core.errors",
        "core.resources",  # how much memory unpacking the weights may take
    }
    assert "core.bundle.model_file" not in imported_modules(predictor)
