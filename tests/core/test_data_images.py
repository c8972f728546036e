"""Image folders: one sub-folder per class of PNG/JPEG files becomes a Dataset of
(images, height, width, channels); corrupt files are skipped and counted, other
files ignored and counted, empty class folders reported, other sizes resized and
reported; the chosen size, colour and scaling are the fitted preprocessing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.data import DataConfig, Pipeline
from core.data.dataset import load_dataset
from core.data.image_dataset import prepare_with_report
from core.data.image_folder import ImageSpec, scan_folder
from core.errors import ConfigError, DataError
from tests.core.shaped_data import image_folder, write_image

IMAGES = {"kind": "images"}


def _config(**input_settings: object) -> DataConfig:
    return DataConfig(input={"kind": "images", **input_settings}, validation_split=0.25)


def test_folder_becomes_images_with_one_class_per_folder(tmp_path: Path) -> None:
    root = image_folder(tmp_path / "imgs", classes=("a", "b", "c"), per_class=8)
    ds = load_dataset(root, _config())
    assert ds.input_shape == (8, 8, 1)
    assert ds.x_train.dtype == np.float32
    assert len(ds.x_train) + len(ds.x_val) == 24
    assert ds.task.kind == "multiclass"
    assert ds.task.class_labels == ("a", "b", "c")
    assert 0.0 <= float(ds.x_train.min()) and float(ds.x_train.max()) <= 1.0
    # stratified: every class in both splits, labels follow the folders' brightness
    assert ds.y_val.sum(axis=0).tolist() == [2.0, 2.0, 2.0]
    means = [ds.x_train[ds.y_train[:, k] == 1].mean() for k in range(3)]
    assert means[0] < means[1] < means[2]
    assert ds.notices == []


def test_bad_files_are_skipped_ignored_and_counted(tmp_path: Path) -> None:
    root = image_folder(tmp_path / "imgs", per_class=6)
    (root / "dark" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (root / "light" / "cut.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 10)
    (root / "light" / "notes.txt").write_text("not an image", encoding="utf-8")
    (root / "light" / ".DS_Store").write_bytes(b"\x00\x01")
    (root / "empty").mkdir()
    write_image(root / "stray.png", np.zeros((8, 8)))
    write_image(root / "dark" / "wide.png", np.full((10, 14), 40))
    write_image(root / "light" / "big.png", np.full((16, 16), 210))
    ds, report = prepare_with_report(root, _config())
    assert report.per_class == {"dark": 7, "light": 7}
    assert sorted(p for p, _ in report.skipped) == ["dark/broken.png", "light/cut.jpg"]
    assert sorted(report.non_images) == ["light/.DS_Store", "light/notes.txt"]
    assert report.empty_classes == ["empty"]
    assert report.outside == ["stray.png"]
    assert report.resized == 2
    assert len(ds.x_train) + len(ds.x_val) == 14
    text = " | ".join(ds.notices)
    assert "skipped 2 image file(s) that cannot be read (dark/broken.png:" in text
    assert "ignored 2 file(s) that are not PNG or JPEG images" in text
    assert "the class folder 'empty' holds no images; it is left out" in text
    assert "ignored 1 image(s) outside the class folders (stray.png)" in text
    assert "resized 2 of 14 image(s) to 8x8 (width x height found: 8x8 (12)" in text


def test_size_colour_and_scaling_are_the_users_choice(tmp_path: Path) -> None:
    root = image_folder(tmp_path / "imgs", per_class=4, size=(6, 6), rgb=True)
    ds = load_dataset(root, _config())
    assert ds.input_shape == (6, 6, 3)  # colour images stay RGB by default
    ds = load_dataset(root, _config(size=[4, 5], color="grayscale", scale=False))
    assert ds.input_shape == (4, 5, 1)
    assert float(ds.x_train.max()) > 1.0  # kept in 0..255
    assert ds.pipeline.input_spec == ImageSpec(4, 5, "grayscale", False)
    assert any("resized 8 of 8" in n for n in ds.notices)


def test_most_common_size_is_suggested_and_large_photos_shrink(tmp_path: Path) -> None:
    root = tmp_path / "imgs"
    for k, name in enumerate(("x", "y")):
        for i in range(3):
            write_image(root / name / f"{i}.png", np.full((300, 200), 60 + 100 * k))
    ds = load_dataset(root, _config())
    assert ds.input_shape == (128, 85, 1)  # longest side 128, aspect kept


def test_pipeline_json_round_trip_and_new_files(tmp_path: Path) -> None:
    root = image_folder(tmp_path / "imgs", per_class=5)
    ds = load_dataset(root, _config(size=[6, 6]))
    again = Pipeline.from_dict(ds.pipeline.to_dict())
    assert again == ds.pipeline
    assert again.input_shape == (6, 6, 1)
    assert again.input_kind == "images"
    decoded = again.input_spec.load(scan_folder(root).files)
    assert decoded.x.shape == (10, 6, 6, 1)
    assert decoded.resized == 10


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ("missing", "does not exist"),
        ("no_classes", "Expected one sub-folder per class"),
        ("one_class", "Expected at least two class folders with readable images"),
        ("all_corrupt", r"Received: none; 4 file\(s\) could not be read, first a/0.png: its"),
        ("empty_classes", "empty class folders: a, b"),
    ],
)
def test_folders_that_cannot_train_say_why(tmp_path: Path, layout: str, message: str) -> None:
    root = tmp_path / "imgs"
    if layout == "no_classes":
        write_image(root / "one.png", np.zeros((4, 4)))
    elif layout == "one_class":
        image_folder(root, classes=("only",), per_class=3)
    elif layout == "all_corrupt":
        for name in ("a", "b"):
            for i in range(2):
                (root / name).mkdir(parents=True, exist_ok=True)
                (root / name / f"{i}.png").write_bytes(b"garbage")
    elif layout == "empty_classes":
        (root / "a").mkdir(parents=True)
        (root / "b").mkdir()
    with pytest.raises(DataError, match=message) as info:
        load_dataset(root, _config())
    assert info.value.path == str(root)


def test_wrong_image_settings_are_refused_when_set() -> None:
    with pytest.raises(ConfigError, match="Expected an image size"):
        _config(size=[0, 4])
    with pytest.raises(ConfigError, match="Expected color"):
        _config(color="sepia")
    with pytest.raises(ConfigError, match="unknown keys"):
        _config(sizes=[4, 4])
    with pytest.raises(ConfigError, match="'kind' is one of"):
        DataConfig(input={"kind": "video"})


def test_an_image_folder_is_not_a_table(tmp_path: Path) -> None:
    from core.data import prepare, read_csv

    csv = tmp_path / "t.csv"
    csv.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    with pytest.raises(DataError, match="Expected an image folder for image settings"):
        prepare(read_csv(csv), _config())


def test_project_data_problem_accepts_a_folder_only_for_images(tmp_path: Path) -> None:
    from core.document.graph import Graph
    from core.document.project import Project

    root = image_folder(tmp_path / "imgs", per_class=2)
    p = Project(graph=Graph(), data_path=str(root))
    assert "is a folder" in (p.data_problem() or "")
    p.data_config = {"input": dict(IMAGES)}
    assert p.data_problem() is None
