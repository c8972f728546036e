"""Property test: whatever an image folder holds (valid, truncated or damaged PNG
and JPEG files, random bytes, other files, empty or hidden folders, images of
any size and mode), reading it for training or for predictions gives a Dataset
(or the model inputs) or one of LayerForge's typed errors, never anything else."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from core.bundle.inputs import image_inputs
from core.data import DataConfig, Dataset
from core.data.dataset import load_dataset
from core.data.image_folder import ImageSpec
from core.errors import LayerForgeError

MODES = ("L", "RGB", "RGBA", "P", "1", "I;16", "LA")


@st.composite
def image_bytes(draw: st.DrawFn) -> bytes:
    mode = draw(st.sampled_from(MODES))
    w, h = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    fmt = draw(st.sampled_from(["PNG", "JPEG"]))
    if fmt == "JPEG" and mode not in ("L", "RGB"):
        mode = "RGB"
    seed = draw(st.integers(0, 2**16))
    pixels = np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).convert(mode).save(buf, fmt)
    data = buf.getvalue()
    damage = draw(st.sampled_from(["none", "truncate", "flip", "header_only"]))
    if damage == "truncate":
        data = data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    elif damage == "flip":
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
    elif damage == "header_only":
        data = data[:32]
    return data


CONTENT = st.one_of(image_bytes(), st.binary(max_size=64))
NAME = st.sampled_from(["a", "b", "c", ".hidden", "x y", "é"])
FILE = st.tuples(
    st.text(alphabet="abc01", min_size=1, max_size=4),
    st.sampled_from([".png", ".jpg", ".jpeg", ".PNG", ".txt", ""]),
    CONTENT,
)
TREE = st.dictionaries(NAME, st.lists(FILE, max_size=4), max_size=4)


def _write(root: Path, tree: dict[str, list[tuple[str, str, bytes]]], loose: list) -> None:
    for folder, files in tree.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        for stem, suffix, data in files:
            (root / folder / f"{stem}{suffix}").write_bytes(data)
    for stem, suffix, data in loose:
        (root / f"loose_{stem}{suffix}").write_bytes(data)


OPTIONS = st.fixed_dictionaries(
    {"kind": st.just("images")},
    optional={
        "size": st.lists(st.integers(1, 10), min_size=2, max_size=2),
        "color": st.sampled_from(["grayscale", "rgb"]),
        "scale": st.booleans(),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tree=TREE, loose=st.lists(FILE, max_size=2), options=OPTIONS, split=st.sampled_from([0.0, 0.3])
)
def test_image_folder_gives_a_dataset_or_a_typed_error(
    tree: dict, loose: list, options: dict, split: float
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "imgs"
        root.mkdir()
        _write(root, tree, loose)
        try:
            ds = load_dataset(root, DataConfig(input=options, validation_split=split))
        except LayerForgeError:
            return
        assert isinstance(ds, Dataset)
        assert ds.x_train.ndim == 4 and np.isfinite(ds.x_train).all()
        assert len(ds.x_train) == len(ds.y_train)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=TREE, loose=st.lists(FILE, max_size=3))
def test_images_to_predict_give_inputs_or_a_typed_error(tree: dict, loose: list) -> None:
    spec = ImageSpec(5, 4, "rgb", True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "imgs"
        root.mkdir()
        _write(root, tree, loose)
        try:
            inputs = image_inputs(spec, root)
        except LayerForgeError:
            return
        assert inputs.x.shape[1:] == (5, 4, 3)
        assert len(inputs.rows) >= len(inputs.x) == len(inputs.at)
