"""Guarded resources (issue 11, item 5) and the project fields that used to end in a
traceback (finding 6): each case, through the `layerforge` command, exits with one
line that names what is wrong, or works."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import core.resources as resources
from core.cli import main
from core.errors import ResourceError
from core.resources import estimate_graph_memory, format_bytes, memory_problem
from tests.core.test_cli import _csv

ROOT = Path(__file__).resolve().parents[2]
GiB = 1 << 30


def graph_of(n_in: int, *units: int) -> Any:
    import core.engine.layers  # noqa: F401 - registers the layer types
    from core.document.graph import Graph
    from core.engine.layers.spec import CATALOG

    g = Graph(catalog=CATALOG)
    prev = g.add_node("Input", {"shape": [n_in]}).id
    for u in units:
        node = g.add_node("Dense", {"units": u}).id
        g.connect(prev, node)
        prev = node
    return g


def test_format_bytes() -> None:
    assert format_bytes(512) == "512 B"
    assert format_bytes(3 * 2**20) == "3 MiB"
    assert format_bytes(2.1 * 2**50) == "2.1 PiB"
    assert format_bytes(24 * GiB) == "24 GiB"


def test_estimate_counts_weights_optimizer_state_and_one_batch() -> None:
    est = estimate_graph_memory(graph_of(10, 20, 3), batch_size=8, available=64 * GiB)
    params = (10 * 20 + 20) + (20 * 3 + 3)
    assert est.weights == params * 4
    assert est.optimizer == est.weights * 4  # gradients, scratch, Adam's two moments
    assert est.activations == (10 + 20 + 3) * 4 * 256  # evaluation batch dominates
    assert est.fits and est.problem() is None
    sgd = estimate_graph_memory(graph_of(10, 20, 3), optimizer="sgd", available=64 * GiB)
    assert sgd.optimizer == sgd.weights * 3


def test_a_network_that_cannot_fit_is_named_with_its_size() -> None:
    message = memory_problem(graph_of(4, 8, 10**13, 2), batch_size=32)
    assert message is not None
    assert re.match(r"dense_1 would need [\d.]+ TiB for its weights \(90,000,000,000,000 ", message)
    assert "this computer has" in message
    assert memory_problem(graph_of(4, 8, 2)) is None


def test_a_batch_that_cannot_fit_names_the_widest_layer() -> None:
    est = estimate_graph_memory(graph_of(1000, 5000, 2), batch_size=10**7, available=24 * GiB)
    assert est.problem() is not None and "Use a smaller batch size" in est.problem()
    assert est.problem().startswith("dense would need")


def test_memory_problem_never_raises_for_the_inspector() -> None:
    assert memory_problem(object()) is None  # not a graph: no advice, no exception


def test_python_api_refuses_a_layer_that_cannot_be_allocated() -> None:
    from core import keras

    with pytest.raises(ResourceError, match="huge would need .* for its 'kernel' weights"):
        keras.Sequential([keras.Input((50,)), keras.layers.Dense(10**13, name="huge")])


def test_new_refuses_a_network_beyond_this_computer(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "available_memory", lambda: 24 * GiB)
    csv = _csv(tmp_path / "d.csv", n=40)
    argv = ["new", "--data", str(csv), "--target", "animal", "--hidden", "50000,50000"]
    code = main([*argv, "--out", str(tmp_path / "p.lfproj")])
    err = capsys.readouterr().err
    assert code == 1 and "dense_1 would need 9.3 GiB for its weights" in err, err
    assert "24 GiB" in err and not (tmp_path / "p.lfproj").exists()


def test_new_says_a_word_about_a_big_network_that_fits(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "available_memory", lambda: 64 << 20)
    csv = _csv(tmp_path / "d.csv", n=40)
    argv = ["new", "--data", str(csv), "--target", "animal", "--hidden", "1000,1000"]
    assert main([*argv, "--out", str(tmp_path / "p.lfproj")]) == 0
    out = capsys.readouterr().out
    assert "note: training this network needs about" in out and "of the 64 MiB" in out


# --------------------------------------------------------------------------- project fields


@pytest.fixture(scope="module")
def project_doc(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("fields")
    csv = _csv(tmp / "d.csv", n=40)
    argv = ["new", "--data", str(csv), "--target", "animal", "--hidden", "4"]
    assert main([*argv, "--out", str(tmp / "p.lfproj")]) == 0
    return tmp, json.loads((tmp / "p.lfproj").read_text())


def _dense(doc: dict[str, Any]) -> dict[str, Any]:
    return next(n for n in doc["graph"]["nodes"] if n["type"] == "Dense")


def _with_norm(doc: dict[str, Any], kind: str, axis: Any) -> None:
    """Insert a `kind` normalization layer with `axis` after the first Dense layer."""
    dense = _dense(doc)
    graph = doc["graph"]
    nid = f"n{graph['next_id']}"
    graph["next_id"] += 1
    graph["nodes"].append(
        {"id": nid, "type": kind, "name": "norm", "params": {"axis": axis}, "x": 0, "y": 0}
    )
    for edge in graph["edges"]:
        if edge["src"] == dense["id"]:
            edge["src"] = nid
    graph["edges"].append({"src": dense["id"], "dst": nid, "port": 0})


CASES: dict[str, tuple[Any, str]] = {
    # the project's one seed lives in the training settings (a data-settings seed is ignored)
    "negative seed": (lambda d: d["training"].update(seed=-3), "seed"),
    "fractional seed": (lambda d: d["training"].update(seed=1.5), "seed"),
    "string seed": (lambda d: d["training"].update(seed="x"), "seed"),
    "roles as text": (lambda d: d["data"]["config"].update(roles="ab"), "roles"),
    "target as a list": (lambda d: d["data"]["config"].update(target=["animal"]), "target"),
    "target as an object": (lambda d: d["data"]["config"].update(target={"a": 1}), "target"),
    "units 10**13": (lambda d: _dense(d)["params"].update(units=10**13), "would need"),
    "units 2**64+1": (lambda d: _dense(d)["params"].update(units=2**64 + 1), "would need"),
    "epochs 10**9": (lambda d: d["training"].update(epochs=10**9), "epochs"),
    "BatchNormalization axis [1, 1]": (
        lambda d: _with_norm(d, "BatchNormalization", [1, 1]),
        "names axis 1 twice",
    ),
    "LayerNormalization axis [1, 1]": (
        lambda d: _with_norm(d, "LayerNormalization", [1, 1]),
        "names axis 1 twice",
    ),
    "batch size 0": (lambda d: d["training"].update(batch_size=0), "batch_size"),
    "batch size 10**12": (lambda d: d["training"].update(batch_size=10**12), "batch_size"),
    "stratify as text": (lambda d: d["data"]["config"].update(stratify="yes"), "stratify"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_project_fields_give_one_line(project_doc, tmp_path: Path, capsys, name: str) -> None:
    folder, doc = project_doc
    change, expect = CASES[name]
    doc = copy.deepcopy(doc)
    change(doc)
    path = folder / f"case-{abs(hash(name))}.lfproj"
    path.write_text(json.dumps(doc))
    code = main(["train", str(path), "--quiet", "--out", str(tmp_path / "m.lfmodel")])
    err = capsys.readouterr().err
    assert code == 1, err
    assert len(err.strip().splitlines()) == 1 and expect in err and "Traceback" not in err, err


def test_a_lone_surrogate_in_a_layer_name_is_printed_escaped(project_doc, tmp_path: Path) -> None:
    """`summary` used to die with UnicodeEncodeError on a name holding '\\ud800'."""
    folder, doc = project_doc
    doc = copy.deepcopy(doc)
    _dense(doc)["name"] = "odd\ud800name"
    path = tmp_path / "surrogate.lfproj"
    path.write_text(json.dumps(doc))
    done = subprocess.run(
        [sys.executable, "-m", "core.cli", "summary", str(path)],
        cwd=ROOT,
        capture_output=True,
        env={**__import__("os").environ, "PYTHONIOENCODING": "utf-8"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert b"odd\\ud800name" in done.stdout and b"Traceback" not in done.stderr
