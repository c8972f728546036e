"""The Data page beyond tables, driven like a person: open an image folder (Data ▸
Open image folder… has the same headless path) and see thumbnails per class and
what was skipped; turn a table's rows into pixel images, a tokenized text column
or series windows with the Samples box; each change is one undo step."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSpinBox

from tests.app._gui_helpers import click_page, make_window
from tests.core.shaped_data import digits_csv, image_folder, reviews_csv, write_image


def _window(qtbot):
    w = make_window(qtbot)
    click_page(qtbot, w, "data")
    return w


def _type(qtbot, spin: QSpinBox, value: int) -> None:
    """Select the number in `spin`, type `value` and press Enter, as a person does."""
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), str(value))
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)


def _choose(qtbot, panel, kind: str) -> None:
    box = panel.samples.kind
    index = [box.itemData(i) for i in range(box.count())].index(kind)
    box.setCurrentIndex(index)
    qtbot.waitUntil(lambda: panel.session.data_config.input_kind == kind, timeout=5000)


def test_menu_offers_open_image_folder(qtbot) -> None:
    w = _window(qtbot)
    texts = [a.text() for a in w.menuBar().actions()]
    data_menu = w.menuBar().actions()[texts.index("&Data")].menu()
    assert "Open image folder…" in [a.text() for a in data_menu.actions()]


def test_image_folder_shows_thumbnails_per_class_and_what_was_skipped(qtbot, tmp_path) -> None:
    root = image_folder(tmp_path / "shapes", classes=("circles", "squares"), per_class=10)
    (root / "circles" / "broken.png").write_bytes(b"not an image")
    (root / "squares" / "notes.txt").write_text("hello", encoding="utf-8")
    write_image(root / "squares" / "big.png", np.full((16, 12), 200))
    (root / "triangles").mkdir()
    w = _window(qtbot)
    panel = w.training.data_panel
    assert panel.open_folder(str(root))
    s = panel.session
    assert s.dataset.input_shape == (8, 8, 1)
    assert panel.top.currentWidget() is panel.gallery_box and panel.gallery.isVisible()
    assert panel.gallery.class_labels["circles"].text() == "circles\n10 images"
    assert panel.gallery.class_labels["squares"].text() == "squares\n11 images"
    assert len(panel.gallery.thumbnails["circles"]) == 8
    assert panel.gallery.thumbnails["circles"][0].toolTip() == "circles/circles_000.png"
    assert "Left out (no images): 'triangles'" in panel.gallery.class_labels[""].text()
    notices = panel.notices_label.text()
    assert "skipped 1 image file(s) that cannot be read (circles/broken.png" in notices
    assert "ignored 1 file(s) that are not PNG or JPEG images (squares/notes.txt)" in notices
    assert "resized 1 of 21 image(s) to 8x8" in notices
    assert "samples of shape (8, 8, 1)" in panel.task_label.text()
    assert "shapes · 21 images in 2 class folders" in panel.file_label.text()
    assert panel.samples.kind.currentData() == "images"
    assert not panel.samples.kind.isEnabled()  # a folder's samples are its images

    _type(qtbot, panel.samples.image_height, 6)
    assert s.dataset.input_shape == (6, 8, 1)
    assert s.project.data_config["input"]["size"] == [6, 8]
    panel.samples.color.setCurrentText("rgb")
    assert s.dataset.input_shape == (6, 8, 3)
    w.controller.undo_stack.undo()
    w.controller.undo_stack.undo()
    assert s.dataset.input_shape == (8, 8, 1)


def test_pixel_columns_become_the_suggested_image(qtbot, tmp_path) -> None:
    w = _window(qtbot)
    panel = w.training.data_panel
    assert panel.open_path(str(digits_csv(tmp_path / "digits.csv", n=200)))
    s = panel.session
    assert s.data_config.target == "digit"
    _choose(qtbot, panel, "pixels")
    assert s.dataset.input_shape == (8, 8, 1)
    assert (panel.samples.height_spin.value(), panel.samples.width_spin.value()) == (8, 8)
    assert "samples of shape (8, 8, 1)" in panel.task_label.text()
    _type(qtbot, panel.samples.height_spin, 4)  # 4x8 does not hold 64 pixels: said plainly
    assert "Expected 32 numeric pixel columns for images of 4x8x1" in panel.error_label.text()
    w.controller.undo_stack.undo()
    assert s.dataset is not None and s.dataset.input_shape == (8, 8, 1)


def test_text_column_shows_vocabulary_and_a_tokenized_row(qtbot, tmp_path) -> None:
    w = _window(qtbot)
    panel = w.training.data_panel
    assert panel.open_path(str(reviews_csv(tmp_path / "reviews.csv", n=80)))
    s = panel.session
    _choose(qtbot, panel, "text")
    assert panel.samples.text_column.currentText() == "review"
    row = panel._role_names.index("review")
    assert panel.columns.item(row, 4).text().startswith("the text input: each row becomes word ids")
    tok = s.dataset.pipeline.input_spec
    info = panel.samples.text_info.text()
    assert f"Vocabulary size: {tok.vocabulary_size} ids" in info
    assert "use it as the Embedding's input_dim" in info
    first = s.table.df["review"].iloc[0]
    assert f"Sample: “{first}”" in info
    _type(qtbot, panel.samples.max_words, 5)
    assert s.dataset.pipeline.input_spec.vocabulary_size == 7
    assert "Vocabulary size: 7 ids (5 words" in panel.samples.text_info.text()
    _type(qtbot, panel.samples.max_words, 0)
    assert "Expected a vocabulary of at least 1 word" in panel.error_label.text()
    assert s.project.data_config["input"]["max_words"] == 5  # the refused edit changed nothing


def test_series_window_and_horizon_controls(qtbot, tmp_path) -> None:
    csv = tmp_path / "load.csv"
    t = np.arange(200)
    rows = "\n".join(f"{i},{10 + np.sin(i / 5):.4f}" for i in t)
    csv.write_text("hour,load\n" + rows + "\n", encoding="utf-8")
    w = _window(qtbot)
    panel = w.training.data_panel
    assert panel.open_path(str(csv))
    s = panel.session
    panel.role_boxes["hour"].setCurrentText("ignore")
    panel.role_boxes["load"].setCurrentText("target")
    _choose(qtbot, panel, "series")
    _type(qtbot, panel.samples.window_spin, 12)
    _type(qtbot, panel.samples.horizon_spin, 3)
    assert s.dataset.input_shape == (12, 1)
    assert s.dataset.task.output_units == 3
    info = panel.samples.series_info.text()
    assert "Each sample: 12 rows x 1 column(s) (load) → the next 3 value(s) of 'load'" in info
    assert "Rows in the file's order (no date column)." in info  # 'hour' holds numbers
    assert "(split by time)" in panel.split_label.text()
    _type(qtbot, panel.samples.window_spin, 199)
    assert "Expected a series of at least window + horizon = 199 + 3 = 202 rows" in (
        panel.error_label.text()
    )
