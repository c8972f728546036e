"""Pixel-column CSVs (a digits or MNIST export): the image shape suggested from the
pixel count, applied as part of the fitted preprocessing (one [0, 1] scaling for
every pixel, rows arranged as images), stored as JSON, and checked against the
network's Input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data import DataConfig, Pipeline, prepare, read_csv
from core.data.pixels import suggest_image_shape
from core.document.analysis import analyze
from core.errors import ConfigError, DataError
from tests.core.shaped_data import digits_csv, project


@pytest.mark.parametrize(
    ("pixels", "shape"),
    [(64, (8, 8, 1)), (784, (28, 28, 1)), (3072, (32, 32, 3)), (16, (4, 4, 1)), (63, None)],
)
def test_suggested_shape(pixels: int, shape: tuple[int, int, int] | None) -> None:
    assert suggest_image_shape(pixels) == shape


@pytest.mark.parametrize("pixels", [0, 1, 4, 9, 10, 12])
def test_no_suggestion_for_a_few_columns(pixels: int) -> None:
    assert suggest_image_shape(pixels) is None


def _digits(tmp_path: Path, **settings: object) -> tuple[Path, DataConfig]:
    csv = digits_csv(tmp_path / "digits.csv", n=300)
    config = DataConfig(target="digit", input={"kind": "pixels", "shape": [8, 8, 1]}, **settings)
    return csv, config


def test_digits_become_8x8_images_scaled_to_one(tmp_path: Path) -> None:
    csv, config = _digits(tmp_path)
    table = read_csv(csv)
    ds = prepare(table, config)
    assert ds.input_shape == (8, 8, 1)
    assert ds.x_train.shape[1:] == (8, 8, 1)
    assert ds.task.kind == "multiclass" and ds.task.n_classes == 10
    # constant border pixels (always 0 in digits) are kept: the image stays whole
    assert ds.pipeline.input_columns == [f"pixel{i}" for i in range(64)]
    assert {(c.offset, c.scale) for c in ds.pipeline.columns} == {(0.0, 16.0)}
    # the image is the row read row by row: pixel 8*r + c lands at [r, c]
    raw = table.df.iloc[:, :64].to_numpy(np.float32) / 16.0
    again = ds.pipeline.transform(table.df)
    np.testing.assert_array_equal(again[:, 2, 3, 0], raw[:, 2 * 8 + 3])
    assert float(again.min()) == 0.0 and float(again.max()) == 1.0


def test_pixel_pipeline_round_trips_as_json(tmp_path: Path) -> None:
    csv, config = _digits(tmp_path)
    ds = prepare(read_csv(csv), config)
    d = ds.pipeline.to_dict()
    assert d["input"] == {"kind": "pixels", "shape": [8, 8, 1]}
    assert d["version"] == 3
    again = Pipeline.from_dict(d)
    assert again == ds.pipeline
    rows = pd.read_csv(csv).head(5)
    np.testing.assert_array_equal(again.transform(rows), ds.pipeline.transform(rows))


def test_shape_that_does_not_fit_the_pixel_count(tmp_path: Path) -> None:
    csv, _ = _digits(tmp_path)
    config = DataConfig(target="digit", input={"kind": "pixels", "shape": [7, 7]})
    with pytest.raises(DataError, match=r"Expected 49 numeric pixel columns for images of 7x7x1"):
        prepare(read_csv(csv), config)


def test_text_column_among_pixels_is_named(tmp_path: Path) -> None:
    csv, config = _digits(tmp_path)
    frame = pd.read_csv(csv)
    frame["pixel5"] = frame["pixel5"].astype(str)
    frame.loc[3, "pixel5"] = "dark"
    frame.to_csv(csv, index=False)
    with pytest.raises(DataError, match="Expected a number. Received: 'dark' on data row 4") as e:
        prepare(read_csv(csv), config)
    assert e.value.column == "pixel5" and e.value.row == 4


def test_ignored_column_leaves_the_image(tmp_path: Path) -> None:
    csv, _ = _digits(tmp_path)
    frame = pd.read_csv(csv)
    frame.insert(0, "id", range(len(frame)))
    frame.to_csv(csv, index=False)
    config = DataConfig(
        target="digit", roles={"id": "ignore"}, input={"kind": "pixels", "shape": [8, 8]}
    )
    assert prepare(read_csv(csv), config).input_shape == (8, 8, 1)


def test_bad_shape_settings_are_refused() -> None:
    for shape in ([8], [8, 8, 2], [0, 8], "8x8", [8.0, 8]):
        with pytest.raises(ConfigError, match="image shape"):
            DataConfig(input={"kind": "pixels", "shape": shape})


def test_input_of_the_wrong_shape_offers_the_image_shape(tmp_path: Path) -> None:
    csv, config = _digits(tmp_path)
    ds = prepare(read_csv(csv), config)
    p = project(csv, [("Input", {"shape": [64]}), ("Dense", {"units": 10})], {})
    analysis = analyze(p.graph, input_shape=ds.input_shape, task=ds.task)
    problem = next(pr for pr in analysis.problems if pr.fix is not None and "Input" in pr.message)
    assert "the data has samples of shape (8, 8, 1)" in problem.message
    assert problem.fix.label == "Set Input shape to (8, 8, 1)"
    assert problem.fix.params == {"shape": [8, 8, 1]}
