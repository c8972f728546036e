"""Project edits made through the GUI as a person makes them: each one undo step, each one
marks the project modified, and all of them survive Save As and opening the file again.

The iris example is opened; a column role is changed in the Data panel's role box,
the validation share is typed into the Data panel, the learning rate is typed into the
Training panel; the Save As dialog is answered with a file in the test's folder.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit

from tests.app._gui_helpers import make_window

IRIS = Path(__file__).resolve().parents[2] / "resources" / "examples" / "iris.lfproj"


def open_iris(qtbot, path: Path = IRIS):
    w = make_window(qtbot)
    assert w.files.open_path(str(path))
    qtbot.waitUntil(lambda: w.training.session.dataset is not None, timeout=10_000)
    assert not w.controller.is_modified()
    return w


def type_into(qtbot, field: QLineEdit | QAbstractSpinBox, text: str) -> None:
    """Click into the field, select what is there, type `text` and press Enter."""
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def one_step(w, before: int, qtbot) -> None:
    """Exactly one new undo step, and the project (and the window title) marked modified."""
    c = w.controller
    assert c.undo_stack.count() == before + 1, [
        c.undo_stack.text(i) for i in range(c.undo_stack.count())
    ]
    assert c.is_modified()
    qtbot.waitUntil(w.isWindowModified, timeout=1000)


def test_gui_edits_are_one_undo_step_each_and_survive_save_and_reopen(
    qtbot, tmp_path, monkeypatch
) -> None:
    w = open_iris(qtbot)
    c, data, training = w.controller, w.training.data_panel, w.training.training_panel
    w.training.show_page("data")
    session = w.training.session
    n_features = session.dataset.n_features

    # 1. A column role: the person picks "ignore" in the role box of sepal_length.
    box = data.role_boxes["sepal_length"]
    assert box.currentText() == "feature"
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)  # the list opens
    view = box.view()
    qtbot.waitUntil(view.isVisible, timeout=2000)
    for _ in range(box.findText("ignore") - box.currentIndex()):
        qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert box.currentText() == "ignore"
    one_step(w, 0, qtbot)
    assert c.project.data_config["roles"]["sepal_length"] == "ignore"
    assert session.dataset.n_features == n_features - 1
    # Closing now asks to save (the answer here: cancel, so the window stays).
    asked: list[bool] = []
    monkeypatch.setattr(w.files, "ask_save_changes", lambda: asked.append(True) or "cancel")
    assert not w.close() and asked == [True]

    # 2. The split: the person types a validation share of 0.3 into the Data panel.
    type_into(qtbot, data.validation_split, "0.3")
    one_step(w, 1, qtbot)
    assert c.project.data_config["validation_split"] == 0.3
    assert len(session.dataset.x_val) == 45  # 30 % of iris's 150 rows

    # 3. A training setting: the person types a learning rate into the Training panel.
    w.training.show_page("training")
    type_into(qtbot, training.learning_rate, "0.05")
    one_step(w, 2, qtbot)
    assert c.train_settings().learning_rate == 0.05

    # Each step undoes exactly its own edit, and the widgets follow.
    c.undo_stack.undo()
    assert c.train_settings().learning_rate == 0.01 and training.learning_rate.text() == "0.01"
    assert c.project.data_config["validation_split"] == 0.3
    c.undo_stack.undo()
    assert c.project.data_config["validation_split"] == 0.2
    assert data.validation_split.value() == 0.2
    assert c.project.data_config["roles"]["sepal_length"] == "ignore"
    c.undo_stack.undo()
    assert "sepal_length" not in c.project.data_config["roles"]
    assert data.role_boxes["sepal_length"].currentText() == "feature"
    assert not c.is_modified()
    for _ in range(3):
        c.undo_stack.redo()
    assert c.is_modified()

    # Save As (the person names the file in the dialog), then open it again.
    saved = tmp_path / "iris-edited.lfproj"
    monkeypatch.setattr(w.files, "ask_save_path", lambda *a, **k: str(saved))
    w.actions_by_key["save_as"].trigger()
    assert saved.is_file() and not c.is_modified() and not w.isWindowModified()

    again = open_iris(qtbot, saved)
    c2 = again.controller
    assert c2.project.data_config["roles"]["sepal_length"] == "ignore"
    assert c2.project.data_config["validation_split"] == 0.3
    assert c2.train_settings().learning_rate == 0.05
    assert Path(c2.project.data_path).name == "iris.csv"
    assert again.training.data_panel.role_boxes["sepal_length"].currentText() == "ignore"
    assert again.training.data_panel.validation_split.value() == 0.3
    assert again.training.training_panel.learning_rate.text() == "0.05"
    assert again.training.session.dataset.n_features == n_features - 1
    assert c2.undo_stack.count() == 0 and not c2.is_modified()
