"""Hostile `.lfmodel` files from issue 11 (findings 2, 6 and 8), each through the
`layerforge` command: a one-line error and exit 1, never a traceback, a memory
blow-up or nonsense predictions with exit 0."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.bundle import load_model
from core.cli import main
from core.errors import LayerForgeError

COMMANDS = ("summary", "predict", "evaluate", "export")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("hostile")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    df = pd.DataFrame(x, columns=["a", "b", "c"])
    df["kind"] = np.where(x[:, 2] > 0, "u", "v")
    df["y"] = np.array(["cat", "dog", "fox"])[np.digitize(x[:, 0] + x[:, 1], [-0.5, 0.5])]
    df.to_csv(tmp / "d.csv", index=False)
    proj = tmp / "p.lfproj"
    assert (
        main(
            [
                "new",
                "--data",
                str(tmp / "d.csv"),
                "--target",
                "y",
                "--hidden",
                "4",
                "--out",
                str(proj),
            ]
        )
        == 0
    )
    assert main(["train", str(proj), "--epochs", "1", "--quiet"]) == 0
    return proj.with_suffix(".lfmodel"), tmp / "d.csv"


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def rewrite(src: Path, dst: Path, **changes: bytes) -> Path:
    parts = {**members(src), **changes}
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return dst


def run_all(model: Path, data: Path, tmp_path: Path, capsys, expect: str) -> None:
    """Every command that opens a model: exit 1 and one line that contains `expect`."""
    argv = {
        "summary": ["summary", str(model)],
        "predict": ["predict", str(model), "--data", str(data)],
        "evaluate": ["evaluate", str(model), "--data", str(data)],
        "export": ["export", str(model), "--format", "onnx", "--out", str(tmp_path / "m.onnx")],
    }
    for name in COMMANDS:
        code = main(argv[name])
        err = capsys.readouterr().err
        assert code == 1, (name, err)
        assert len(err.strip().splitlines()) == 1 and expect in err, (name, err)


def npy_header_only(shape: tuple[int, ...], dtype: str = "<f8") -> bytes:
    """A .npy file whose header declares `shape` but that holds 8 bytes of data."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": dtype, "fortran_order": False, "shape": shape}
    )
    return buf.getvalue() + b"\0" * 8


def test_a_declared_200m_element_array_is_refused_before_any_allocation(
    trained, tmp_path: Path, capsys
) -> None:
    model, data = trained
    npz = io.BytesIO()
    with zipfile.ZipFile(npz, "w") as inner:
        inner.writestr("w0000.npy", npy_header_only((200_000_000,)))
    bomb = rewrite(model, tmp_path / "bomb.lfmodel", **{"weights.npz": npz.getvalue()})
    assert bomb.stat().st_size < 10_000
    tracemalloc.start()
    try:
        with pytest.raises(LayerForgeError, match="declares shape"):
            load_model(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20, peak  # was 1.6 GB
    run_all(bomb, data, tmp_path, capsys, "declares shape")


def test_arrays_that_do_not_fit_the_architecture_are_refused_before_reading(
    trained, tmp_path: Path
) -> None:
    model, _ = trained
    npz = io.BytesIO()
    with zipfile.ZipFile(npz, "w") as inner:
        arr = io.BytesIO()
        np.save(arr, np.zeros((2, 2), np.float32))
        inner.writestr("w0000.npy", arr.getvalue())
    wrong = rewrite(model, tmp_path / "wrong.lfmodel", **{"weights.npz": npz.getvalue()})
    with pytest.raises(LayerForgeError, match="do not fit the architecture"):
        load_model(wrong)


def test_a_zip_bomb_of_weights_is_not_unpacked(trained, tmp_path: Path) -> None:
    model, _ = trained
    bomb = rewrite(model, tmp_path / "zeros.lfmodel", **{"weights.npz": b"\0" * 50_000_000})
    assert bomb.stat().st_size < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(LayerForgeError, match="implausibly large"):
            load_model(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, peak


def _config(model: Path) -> dict:
    return json.loads(members(model)["config.json"])


def test_a_600_deep_parameter_is_refused(trained, tmp_path: Path, capsys) -> None:
    model, data = trained
    config = _config(model)
    deep: object = 1
    for _ in range(600):
        deep = [deep]
    config["model"]["config"]["layers"][1]["config"]["units"] = deep
    text = json.dumps(config).encode()
    hostile = rewrite(model, tmp_path / "deep.lfmodel", **{"config.json": text})
    run_all(hostile, data, tmp_path, capsys, "nested more than 64 levels")


@pytest.mark.parametrize("units", [10**13, 2**64 + 1])
def test_absurd_units_are_refused_by_the_memory_guard(
    trained, tmp_path: Path, capsys, units: int
) -> None:
    model, data = trained
    config = _config(model)
    for layer in config["model"]["config"]["layers"]:
        if layer["class_name"] == "Dense":
            layer["config"]["units"] = units
            break
    config["graph"] = None
    hostile = rewrite(
        model, tmp_path / "units.lfmodel", **{"config.json": json.dumps(config).encode()}
    )
    run_all(hostile, data, tmp_path, capsys, "for its 'kernel' weights")


def test_a_pipeline_with_two_million_categories_is_refused(trained, tmp_path: Path, capsys) -> None:
    model, data = trained
    config = _config(model)
    column = next(c for c in config["pipeline"]["columns"] if c["kind"] == "categorical")
    column["categories"] = [f"c{i}" for i in range(2_000_000)]
    hostile = rewrite(
        model, tmp_path / "cats.lfmodel", **{"config.json": json.dumps(config).encode()}
    )
    run_all(hostile, data, tmp_path, capsys, "at most 1000 categories")


def _with_weights(model: Path, dst: Path, value: float) -> Path:
    npz = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(members(model)["weights.npz"])) as inner:
        arrays = {n[:-4]: np.load(io.BytesIO(inner.read(n))) for n in inner.namelist()}
    np.savez(npz, **{k: np.full_like(v, value) for k, v in arrays.items()})
    return rewrite(model, dst, **{"weights.npz": npz.getvalue()})


def test_weights_of_3e38_are_refused_when_the_model_is_opened(
    trained, tmp_path: Path, capsys
) -> None:
    model, data = trained
    hostile = _with_weights(model, tmp_path / "huge.lfmodel", 3e38)
    run_all(hostile, data, tmp_path, capsys, "holds values as large as 3e+38")


def test_outputs_that_overflow_give_an_error_not_one_class_for_every_row(
    trained, tmp_path: Path, capsys
) -> None:
    model, data = trained
    hostile = _with_weights(model, tmp_path / "big.lfmodel", 1e29)  # each layer multiplies
    out = tmp_path / "pred.csv"
    code = main(["predict", str(hostile), "--data", str(data), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "not finite numbers" in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()
