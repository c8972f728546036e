"""A large CSV opens in the background: the progress bar, Cancel keeping the data, completion.

How smooth the window stays meanwhile is measured in `benchmarks.csv_open` (1M rows).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.data_panel import recent_data_files
from benchmarks.csv_load import make_csv
from tests.app._training_fixtures import seed_csv

ROWS = 200_000


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200,000 rows x 20 columns (~29 MB): far over the background threshold."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    make_csv(path, ROWS, np.random.default_rng(7))
    return path


def test_cancel_stops_the_load_and_the_previous_data_stays(panel, big, qtbot) -> None:
    s = panel.session
    assert panel.open_path(str(seed_csv(None)))
    table, dataset = s.table, s.dataset
    path, undo = s.project.data_path, s.controller.undo_stack.count()
    messages: list[str] = []
    s.message.connect(messages.append)

    assert panel.open_path(str(big))  # started: the file opens in the background
    assert panel.load_row.isVisible() and panel.cancel_load_button.isVisible()
    assert "big.csv" in panel.load_bar.format()
    ok, reason = s.readiness()
    assert not ok and reason.startswith("Opening big.csv")
    assert panel.model.rowCount() == table.n_rows  # the page still shows the current data

    qtbot.mouseClick(panel.cancel_load_button, Qt.MouseButton.LeftButton)
    assert not panel.load_row.isVisible()
    assert any(m.startswith("Stopped opening big.csv") for m in messages)
    assert s.loader.wait()  # the pool thread let go of the file
    qtbot.wait(50)  # anything it queued is delivered (and dropped)
    assert s.table is table and s.dataset is dataset
    assert s.project.data_path == path and s.controller.undo_stack.count() == undo
    assert panel.model.rowCount() == table.n_rows
    assert "big.csv" not in panel.file_label.text()
    assert not s.readiness()[1].startswith("Opening")


def test_completed_load_becomes_the_data(panel, big, qtbot) -> None:
    s = panel.session
    shares: list[float] = []
    s.loader.progress.connect(lambda share, _text: shares.append(share))
    with qtbot.waitSignal(s.dataOpened, timeout=120_000):
        assert panel.open_path(str(big))
        assert panel.load_row.isVisible()  # the progress bar appears at once
    assert not panel.load_row.isVisible()
    assert shares == sorted(shares) and max(shares) == 1.0 and len(shares) > 5
    assert s.table.n_rows == ROWS and panel.model.rowCount() == ROWS
    assert f"{ROWS:,} rows" in panel.file_label.text()
    ds = s.dataset
    assert ds is not None and ds.target == "label" and ds.n_features == 24
    assert len(ds.x_train) + len(ds.x_val) + len(ds.x_test) == ROWS
    assert s.project.data_path == str(big)
    assert s.controller.undo_stack.text(s.controller.undo_stack.index() - 1) == "Open big.csv"
    assert recent_data_files()[0] == str(big)
    # the settings the project now holds prepare to exactly this dataset: no second pass
    from core.run import project_data_config

    assert project_data_config(s.project, s.settings()) == s.data_config


def test_opening_another_file_cancels_the_load(panel, big, qtbot) -> None:
    s = panel.session
    assert panel.open_path(str(big))
    assert panel.open_path(str(seed_csv(None)))  # a small file: opens at once
    assert not panel.load_row.isVisible()
    assert s.loader.wait()
    qtbot.wait(50)
    assert s.table.path.endswith("seed_binary.csv") and s.table.n_rows < 1000


def test_undo_and_redo_read_a_large_file_in_the_background(panel, big, qtbot) -> None:
    s = panel.session
    assert panel.open_path(str(seed_csv(None)))
    with qtbot.waitSignal(s.dataOpened, timeout=120_000):
        panel.open_path(str(big))
    stack = s.controller.undo_stack
    stack.undo()  # back to the seed CSV: small, read at once
    assert s.table.n_rows < 1000 and not panel.load_row.isVisible()
    stack.redo()  # the project names the large file again: it is read in the background
    assert panel.load_row.isVisible() and not s.readiness()[0]
    qtbot.waitUntil(lambda: not s.loader.is_loading(), timeout=120_000)
    assert not panel.load_row.isVisible()
    assert s.table.n_rows == ROWS and s.dataset is not None and s.dataset.n_features == 24


def test_cancel_while_the_projects_own_file_loads_says_how_to_get_it(panel, big, qtbot) -> None:
    s = panel.session
    with qtbot.waitSignal(s.dataOpened, timeout=120_000):
        panel.open_path(str(big))
    s.controller.undo_stack.undo()  # no data file
    s.controller.undo_stack.redo()  # the large file, read in the background
    assert panel.load_row.isVisible()
    qtbot.mouseClick(panel.cancel_load_button, Qt.MouseButton.LeftButton)
    assert s.loader.wait()
    qtbot.wait(50)
    assert s.table is None and s.dataset is None  # the data shown was not this project's
    assert "Open the file again" in s.data_error and panel.error_label.isVisible()
    ok, reason = s.readiness()
    assert not ok and "Open the file again" in reason


def test_a_project_on_a_large_file_opens_with_its_trained_model(panel, big, qtbot, tmp_path):
    """Open (File > Open) reads the data in the background; the saved model follows it."""
    s, controller = panel.session, panel.session.controller
    with qtbot.waitSignal(s.dataOpened, timeout=120_000):
        panel.open_path(str(big))
    a = controller.add_node("Input", 0, 0, {"shape": (24,)})
    b = controller.add_node("Dense", 250, 0, {"units": 3, "activation": "softmax"})
    assert controller.connect(a, b)
    controller.analyze_now()
    controller.update_train_config({"epochs": 1, "batch_size": 2048})
    with qtbot.waitSignal(s.runFinished, timeout=120_000):
        assert s.start()
    assert controller.trained_state is not None
    path = tmp_path / "big.lfproj"
    controller.save(path)
    controller.open(path)  # what File > Open does once the old document may go
    assert s.loader.is_loading() and panel.load_row.isVisible() and s.model is None
    qtbot.waitUntil(lambda: not s.loader.is_loading(), timeout=120_000)
    assert s.table.n_rows == ROWS and s.model is not None and s.epochs_done == 1
    assert controller.trained_state is not None and not controller.is_modified()


def test_a_new_role_on_a_large_table_is_prepared_in_the_background(panel, big, qtbot) -> None:
    s = panel.session
    with qtbot.waitSignal(s.dataOpened, timeout=120_000):
        panel.open_path(str(big))
    before = s.dataset
    panel.role_boxes["x1"].setCurrentText("ignore")  # one undo step, as a person does it
    assert panel.load_row.isVisible() and "Preparing 200,000 rows" in panel.load_bar.format()
    assert s.dataset is before and not s.readiness()[0]  # the old data until the new is ready
    qtbot.waitUntil(lambda: not s.loader.is_loading(), timeout=120_000)
    assert s.dataset is not before and s.dataset.n_features == 23
    assert panel.role_boxes["x1"].currentText() == "ignore"

    panel.role_boxes["x2"].setCurrentText("ignore")
    qtbot.mouseClick(panel.cancel_load_button, Qt.MouseButton.LeftButton)
    assert s.loader.wait()
    qtbot.wait(50)
    assert s.dataset is None and "Undo" in s.data_error  # it no longer fits the settings
    s.controller.undo_stack.undo()  # x2 a feature again: prepared again, in the background
    qtbot.waitUntil(lambda: not s.loader.is_loading(), timeout=120_000)
    assert s.dataset is not None and s.dataset.n_features == 23 and not s.data_error
