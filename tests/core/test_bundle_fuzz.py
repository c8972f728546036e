"""Property test: a mutated .lfmodel file gives a model or a typed error, never a crash."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import core.engine.layers  # noqa: F401 - registers the layer types
from core.bundle import BundledModel, load_model
from core.document.graph import Graph
from core.document.project import Project, default_train_config
from core.engine.layers.spec import CATALOG
from core.errors import LayerForgeError
from core.run import save_trained, train_project


@pytest.fixture(scope="module")
def bundle_bytes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("fuzz")
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=40), "c": rng.choice(["u", "v"], 40)})
    df["t"] = np.where(df["a"] > 0, "p", "q")
    df.to_csv(folder / "d.csv", index=False)
    g = Graph(catalog=CATALOG)
    i = g.add_node("Input", {"shape": [3]}).id
    a = g.add_node("Dense", {"units": 3, "activation": "relu"}).id
    b = g.add_node("Dense", {"units": 3, "activation": "tanh"}).id
    c = g.add_node("Concatenate", {}).id
    o = g.add_node("Dense", {"units": 1, "activation": "sigmoid"}).id
    for s, d in ((i, a), (i, b), (a, c), (b, c), (c, o)):
        g.connect(s, d)
    cfg = default_train_config()
    cfg["epochs"] = 1
    project = Project(
        graph=g, data_path=str(folder / "d.csv"), data_config={"target": "t"}, train_config=cfg
    )
    path = save_trained(train_project(project), folder / "m.lfmodel")
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["__file__"] = path.read_bytes()
    return members


_HC = [HealthCheck.function_scoped_fixture]


def _check(path: Path) -> None:
    try:
        bundle = load_model(path)
    except LayerForgeError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(bundle, BundledModel)
    try:
        bundle.predict_raw(np.zeros((2, 3), np.float32))
    except LayerForgeError:
        pass


def _json_values() -> st.SearchStrategy:
    return st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-3, 10)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=8)
        | st.sampled_from(["Dense", "Input", "relu", "n1", "w0000"]),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
        ),
        max_leaves=8,
    )


def _paths(d: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(d, dict):
        for k, v in d.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            out += _paths(v, prefix + (i,))
    return out


def _set(d: object, path: tuple, value: object, delete: bool) -> object:
    if not path:
        return value
    parent = d
    for key in path[:-1]:
        parent = parent[key]  # type: ignore[index]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    elif delete and isinstance(parent, list):
        parent.pop(path[-1])
    else:
        parent[path[-1]] = value  # type: ignore[index]
    return d


@settings(max_examples=300, deadline=None, suppress_health_check=_HC)
@given(data=st.data())
def test_mutated_json_members(
    bundle_bytes: dict[str, bytes], tmp_path: Path, data: st.DataObject
) -> None:
    member = data.draw(st.sampled_from(["config.json", "metadata.json"]))
    doc = json.loads(bundle_bytes[member])
    for _ in range(data.draw(st.integers(1, 3))):
        target = data.draw(st.sampled_from(_paths(doc)))
        doc = _set(doc, target, data.draw(_json_values()), data.draw(st.booleans()))
    path = tmp_path / "j.lfmodel"
    with zipfile.ZipFile(path, "w") as zf:
        for name, blob in bundle_bytes.items():
            if name != "__file__":
                zf.writestr(name, json.dumps(doc) if name == member else blob)
    _check(path)


@settings(max_examples=600, deadline=None, suppress_health_check=_HC)
@given(data=st.data())
def test_mutated_bytes(bundle_bytes: dict[str, bytes], tmp_path: Path, data: st.DataObject) -> None:
    raw = bytearray(bundle_bytes["__file__"])
    op = data.draw(st.sampled_from(["flip", "truncate", "insert"]))
    if op == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        for _ in range(data.draw(st.integers(1, 8))):
            pos = data.draw(st.integers(0, len(raw) - 1))
            if op == "flip":
                raw[pos] ^= data.draw(st.integers(1, 255))
            else:
                raw[pos:pos] = data.draw(st.binary(min_size=1, max_size=4))
    path = tmp_path / "b.lfmodel"
    path.write_bytes(bytes(raw))
    _check(path)


@settings(max_examples=150, deadline=None, suppress_health_check=_HC)
@given(
    weights=st.lists(
        st.tuples(
            st.lists(st.integers(0, 4), max_size=3),
            st.sampled_from(["float32", "float64", "int8", "bool", "U3"]),
        ),
        max_size=12,
    )
)
def test_arbitrary_weight_arrays(
    bundle_bytes: dict[str, bytes], tmp_path: Path, weights: list
) -> None:
    import io

    buf = io.BytesIO()
    np.savez(buf, **{f"w{i:04d}": np.zeros(tuple(s), dtype=t) for i, (s, t) in enumerate(weights)})
    path = tmp_path / "w.lfmodel"
    with zipfile.ZipFile(path, "w") as zf:
        for name, blob in bundle_bytes.items():
            if name != "__file__":
                zf.writestr(name, buf.getvalue() if name == "weights.npz" else blob)
    _check(path)
