"""Mutation fuzzing of project files: only a Project or a typed LayerForgeError may come out."""

from __future__ import annotations

import json
import os
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


def mutate(doc: Any, rng: np.random.Generator, pool: list[Any] | None = None) -> Any:
    pool = REPLACEMENTS if pool is None else pool
    doc = json.loads(json.dumps(doc))
    for _ in range(int(rng.integers(1, 4))):
        locations = paths(doc)
        loc = locations[int(rng.integers(len(locations)))]
        op = int(rng.integers(5))
        if not loc:
            return pool[int(rng.integers(len(pool)))]
        parent, key = get(doc, loc[:-1]), loc[-1]
        if op == 0:  # delete
            del parent[key]
        elif op == 1:  # replace
            parent[key] = pool[int(rng.integers(len(pool)))]
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


# --------------------------------------------------------------------------- the CLI's path

#: The values issue 11 found in the field, on top of the generic replacements.
HOSTILE: list[Any] = [
    -7,
    1.5,
    "ab",
    [1, 1],
    10**13,
    2**64 + 1,
    "\ud800",
    1e-300,
    -(10**9),
    {"units": 3},
]
N_TRAIN_CASES = 10_000
TRAIN_FUZZ_SEED = 20261202


def real_project(folder: Path) -> Path:
    """A small project with every layer kind the fuzz should reach, on 12 rows of data."""
    import core.engine.layers  # noqa: F401 - registers the layer types
    from core.engine.layers.spec import CATALOG

    rng = np.random.default_rng(0)
    n = 12
    lines = ["a,b,c,y"] + [
        f"{rng.normal():.3f},{rng.normal():.3f},{'xy'[i % 2]},{'pqr'[i % 3]}" for i in range(n)
    ]
    (folder / "d.csv").write_text("\n".join(lines) + "\n")
    g = Graph(catalog=CATALOG)
    i = g.add_node("Input", {"shape": [4]}).id
    d = g.add_node("Dense", {"units": 4, "activation": "relu"}).id
    bn = g.add_node("BatchNormalization", {}).id
    ln = g.add_node("LayerNormalization", {}).id
    dr = g.add_node("Dropout", {"rate": 0.1}).id
    side = g.add_node("Dense", {"units": 3, "activation": "tanh"}).id
    cat = g.add_node("Concatenate", {}).id
    out = g.add_node("Dense", {"units": 3, "activation": "softmax"}, name="output").id
    edges = [(i, d), (d, bn), (bn, ln), (ln, dr), (i, side), (dr, cat), (side, cat), (cat, out)]
    for a, b in edges:
        g.connect(a, b)
    cfg = default_train_config()
    cfg.update(metrics=["accuracy"], epochs=1, batch_size=16)
    data = {"target": "y", "roles": {"c": "feature"}, "validation_split": 0.25, "seed": 1}
    path = folder / "p.lfproj"
    save_project(Project(g, str(folder / "d.csv"), data, cfg, path=str(path)), path)
    return path


def run_train_cases(folder: str, cases: range) -> tuple[dict[int, int], list[Any]]:
    """Run `layerforge train CASE --epochs 1 --quiet --out M` on mutated projects.

    Case `k` mutates the project in `folder` with a generator seeded by (SEED, k),
    so a case is the same whichever worker runs it. The parser is built once and
    `run_parsed` is the command line's own dispatch (errors -> one line and an
    exit code). Returns the exit-code counts and every case that broke the rules
    (an exception escaping, another exit code, or more than one line of error).
    """
    import contextlib
    import io

    from core.cli import build_parser, run_parsed

    where = Path(folder)
    base = json.loads((where / "p.lfproj").read_text())
    parser = build_parser()
    case_path = where / f"case-{os.getpid()}.lfproj"
    model = where / f"case-{os.getpid()}.lfmodel"
    pool = REPLACEMENTS + HOSTILE
    outcomes: dict[int, int] = {}
    broken: list[Any] = []
    for case in cases:
        doc = mutate(base, np.random.default_rng([TRAIN_FUZZ_SEED, case]), pool)
        case_path.write_text(json.dumps(doc))
        argv = ["train", str(case_path), "--epochs", "1", "--quiet", "--out", str(model)]
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            try:
                code = run_parsed(parser, parser.parse_args(argv))
            except SystemExit as exc:  # a usage error (exit 2), as argparse reports it
                code = int(exc.code or 0)
            except BaseException as exc:  # noqa: BLE001 - exactly what the fuzz looks for
                code = -1
                err.write(f"{type(exc).__name__}: {exc}")
        text = err.getvalue()
        bad = code not in (0, 1, 2) or (
            code != 0 and (len(text.strip().splitlines()) != 1 or "Traceback" in text)
        )
        if bad:
            broken.append((case, code, text[-500:], json.dumps(doc)[:2000]))
        outcomes[code] = outcomes.get(code, 0) + 1
    return outcomes, broken


@pytest.mark.slow
def test_mutated_projects_train_through_the_cli_or_fail_in_one_line(tmp_path: Path) -> None:
    """Issue 11's done-when: 10,000 mutated projects through the path `layerforge train`
    takes (load -> analyse -> build -> train one epoch -> evaluate -> save the bundle).

    Each case exits 0 with a model written, or 1/2 with one line on stderr; no
    traceback and no other exit code. The data is 12 rows (one batch). Files go
    to a RAM disk where there is one, and the cases are shared among worker
    processes (one per core, at most 4): the same path, only faster.
    """
    import concurrent.futures
    import multiprocessing
    import shutil
    import tempfile

    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path
    try:
        real_project(folder)
        workers = max(1, min(4, os.cpu_count() or 1))
        chunks = [range(k, N_TRAIN_CASES, 16) for k in range(16)]
        outcomes: dict[int, int] = {}
        broken: list[Any] = []
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
            for counts, bad in pool.map(run_train_cases, [str(folder)] * 16, chunks):
                broken += bad
                for k, v in counts.items():
                    outcomes[k] = outcomes.get(k, 0) + v
    finally:
        if folder != tmp_path:
            shutil.rmtree(folder, ignore_errors=True)
    assert broken == [], broken[:5]
    assert sum(outcomes.values()) == N_TRAIN_CASES
    assert outcomes.get(0, 0) > 1000 and outcomes.get(1, 0) > 1000, outcomes
