"""Mutation fuzzing of project files: only a Project or a typed LayerForgeError may come out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.document import project as project_mod
from core.document.graph import Graph
from core.document.graph_io import graph_to_dict
from core.document.project import Project, default_train_config, load_project, save_project
from core.errors import LayerForgeError
from tests.core.test_graph import FakeCatalog, build_sample

N_CASES = 2400

REPLACEMENTS: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2,
    3,
    10**30,
    -0.5,
    0.0,
    1.5,
    1e308,
    "",
    "x",
    "n1",
    "Dense",
    "Input",
    "../../etc/passwd",
    "\x00",
    [],
    [1],
    ["a", 2],
    {},
    {"a": 1},
    {"id": "n1"},
    [[[[]]]],
    "é" * 50,
]


def paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location (key path) inside a JSON value."""
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.extend(paths(v, (*prefix, k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.extend(paths(v, (*prefix, i)))
    return out


def get(obj: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        obj = obj[k]
    return obj


def mutate(doc: Any, rng: np.random.Generator) -> Any:
    doc = json.loads(json.dumps(doc))
    for _ in range(int(rng.integers(1, 4))):
        locations = paths(doc)
        loc = locations[int(rng.integers(len(locations)))]
        op = int(rng.integers(5))
        if not loc:
            return REPLACEMENTS[int(rng.integers(len(REPLACEMENTS)))]
        parent, key = get(doc, loc[:-1]), loc[-1]
        if op == 0:  # delete
            del parent[key]
        elif op == 1:  # replace
            parent[key] = REPLACEMENTS[int(rng.integers(len(REPLACEMENTS)))]
        elif op == 2:  # retype
            value = parent[key]
            choices = [str(value), [value], {"v": value}, json.dumps(value)]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                choices += [-value, value * 1000, float(value) + 0.5]
            parent[key] = choices[int(rng.integers(len(choices)))]
        elif op == 3 and isinstance(parent, dict):  # rename a key
            parent[f"{key}_x"] = parent.pop(key)
        elif op == 4 and isinstance(parent, list) and parent:  # duplicate an element
            parent.append(json.loads(json.dumps(parent[int(rng.integers(len(parent)))])))
    return doc


@pytest.fixture(scope="module")
def valid_doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("fuzz")
    g = Graph(FakeCatalog())
    build_sample(g)
    (tmp / "d.csv").write_text("a\n1\n")
    cfg = default_train_config()
    cfg["metrics"] = ["accuracy"]
    save_project(Project(g, str(tmp / "d.csv"), {"target": "a"}, cfg), tmp / "p.lfproj")
    return json.loads((tmp / "p.lfproj").read_text())


def check(path: Path, tmp_path: Path) -> str:
    try:
        proj = load_project(path, catalog=FakeCatalog())
    except LayerForgeError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
        return "error"
    assert isinstance(proj, Project)
    proj.data_problem()  # must not raise either
    again = tmp_path / "again.lfproj"
    save_project(proj, again)
    reopened = load_project(again, catalog=FakeCatalog()).graph
    assert graph_to_dict(reopened) == graph_to_dict(proj.graph)
    return "ok"


def test_mutated_projects_load_or_fail_cleanly(
    valid_doc: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(project_mod.os, "fsync", lambda fd: None)  # speed; tested elsewhere
    rng = np.random.default_rng(20240501)
    text = json.dumps(valid_doc, indent=2)
    path = tmp_path / "m.lfproj"
    outcomes = {"ok": 0, "error": 0}
    for case in range(N_CASES):
        kind = case % 4
        if kind == 3:  # raw byte damage: truncate, or flip / insert bytes
            raw = bytearray(text.encode())
            if rng.random() < 0.5:
                raw = raw[: int(rng.integers(len(raw)))]
            else:
                for _ in range(int(rng.integers(1, 4))):
                    raw[int(rng.integers(len(raw)))] = int(rng.integers(256))
            path.write_bytes(bytes(raw))
        else:
            path.write_text(json.dumps(mutate(valid_doc, rng)))
        outcomes[check(path, tmp_path)] += 1
    assert sum(outcomes.values()) == N_CASES >= 2000
    assert outcomes["ok"] > 100 and outcomes["error"] > 100, outcomes
