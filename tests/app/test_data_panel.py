"""Data panel: virtual preview, roles, task, preprocessing, splits, errors, recent files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.data_panel import DataFrameModel, recent_data_files
from tests.app._training_fixtures import REPO, seed_csv


def test_virtual_model_shows_a_million_rows(qtbot) -> None:
    """Cells are formatted on request (how fast a million rows open: benchmarks.gui_timings)."""
    df = pd.DataFrame({"a": np.arange(1_000_000, dtype=float), "b": ["x"] * 1_000_000})
    model = DataFrameModel()
    model.set_frame(df)
    from PySide6.QtWidgets import QTableView

    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.show()
    view.scrollToBottom()
    qtbot.wait(10)
    assert model.rowCount() == 1_000_000 and model.columnCount() == 2
    assert model.data(model.index(999_999, 0)) == "999999"
    assert model.data(model.index(5, 1)) == "x"


def test_open_shows_preview_profile_and_task(panel) -> None:
    assert panel.open_path(str(seed_csv(None)))  # the bundled seed CSV
    s = panel.session
    assert panel.model.rowCount() == s.table.n_rows
    assert panel.columns.rowCount() == len(s.profiles)
    assert panel.role_boxes[s.dataset.target].currentText() == "target"
    assert "binary" in panel.task_label.text() and "8 input features" in panel.task_label.text()
    assert "train" in panel.split_label.text()
    assert panel.columns.item(0, 4) is not None  # the reason column
    assert recent_data_files()[0].endswith("seed_binary.csv")


def test_role_selector_changes_features(panel) -> None:
    panel.open_path(str(seed_csv(None)))
    s = panel.session
    first = s.profiles[0].name
    panel.role_boxes[first].setCurrentText("ignore")
    assert s.dataset.n_features == 7
    assert "7 input features" in panel.task_label.text()
    assert panel.role_boxes[first].currentText() == "ignore"


def test_preprocessing_and_split_options_update_config(panel) -> None:
    panel.open_path(str(seed_csv(None)))
    s = panel.session
    panel.scale.setCurrentText("minmax")
    panel.impute.setCurrentText("median")
    panel.test_split.setValue(0.2)
    assert s.data_config.scale == "minmax" and s.data_config.impute == "median"
    assert s.project.data_config["test_split"] == pytest.approx(0.2)
    assert len(s.dataset.x_test) == pytest.approx(0.2 * s.table.n_rows, abs=3)


def test_impossible_split_shows_message_not_crash(panel) -> None:
    panel.open_path(str(seed_csv(None)))
    panel.validation_split.setValue(0.5)
    panel.test_split.setValue(0.6)
    assert panel.error_label.isVisible()
    assert "validation_split + test_split" in panel.error_label.text()


@pytest.mark.parametrize("content", [b"", b"a,b\n", b"\x00\x01binary\x00", b"a,a\n1,2\n"])
def test_broken_csv_shows_plain_message(panel, tmp_path, content) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    assert not panel.open_path(str(path))
    assert panel.error_label.isVisible() and "Expected" in panel.error_label.text()
    assert "Could not open" in panel.file_label.text()
    # a good file afterwards clears the message
    assert panel.open_path(str(REPO / "resources" / "datasets" / "iris.csv"))
    assert not panel.error_label.isVisible()
    assert "multiclass" in panel.task_label.text()


def test_model_reads_every_kind_of_column_like_the_frame(qtbot) -> None:
    """Cells come from each column's own array (fast), showing what the frame holds."""
    from PySide6.QtCore import Qt

    df = pd.DataFrame(
        {
            "f32": np.array([0.125, np.nan, 3.0], dtype=np.float32),
            "f64": [1e-9, 2.5, np.nan],
            "int": [1, 2, 3],
            "cat": pd.Categorical(["red", None, "blue"]),
            "text": ["a", None, "c"],
            "nullable": pd.array([1, None, 3], dtype="Int64"),
            "flag": [True, False, True],
        }
    )
    model = DataFrameModel()
    model.set_frame(df)
    shown = [[model.data(model.index(r, c)) for c in range(7)] for r in range(3)]
    assert shown[0] == ["0.125", "1e-09", "1", "red", "a", "1", "True"]
    assert shown[1] == ["", "2.5", "2", "", "", "", "False"]
    assert shown[2][:5] == ["3.0", "", "3", "blue", "c"]
    tip = Qt.ItemDataRole.ToolTipRole
    assert model.data(model.index(1, 3), tip) == "missing"
    assert model.rowCount() == 3 and model.columnCount() == 7
    model.set_frame(df.iloc[:1])  # a new frame: nothing read from the old one
    assert model.rowCount() == 1 and model.data(model.index(0, 3)) == "red"


def test_another_files_columns_reuse_the_role_pickers(panel, tmp_path) -> None:
    """A second file's rows reuse the role pickers already there (only the missing ones
    are made): each picker still sets its own column's role; every preview column is
    fitted to its text."""
    panel.open_path(str(seed_csv(None)))
    before = list(panel.role_boxes.values())
    rng = np.random.default_rng(0)
    names = [f"long_column_name_{i}" for i in range(len(before) + 3)]
    frame = pd.DataFrame(rng.normal(size=(60, len(names))) * 1e6, columns=names)
    frame["label"] = rng.integers(0, 2, 60)
    path = tmp_path / "wide.csv"
    frame.to_csv(path, index=False)
    assert panel.open_path(str(path))
    header = panel.preview.horizontalHeader()
    last = len(names) - 1
    assert header.sectionSize(last) >= panel.preview.fontMetrics().horizontalAdvance(names[last])
    s = panel.session
    boxes = panel.role_boxes
    assert list(boxes) == [*names, "label"]
    assert [boxes[n] for n in names[: len(before)]] == before  # the same widgets, reused
    assert boxes["label"].currentText() == "target"
    assert s.dataset.n_features == len(names)
    boxes[names[1]].setCurrentText("ignore")  # a reused picker sets its new column
    assert s.data_config.roles[names[1]] == "ignore"
    boxes[names[-1]].setCurrentText("ignore")  # and a new one its own
    assert s.dataset.n_features == len(names) - 2
    assert boxes[names[1]].currentText() == boxes[names[-1]].currentText() == "ignore"
