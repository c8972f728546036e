"""Never lose work, never show stale results: the trained model saved with the project,
Save/Discard/Cancel before anything drops it, and every view starting over on New/Open."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from core.document.project import load_project, save_project
from core.document.trained_state import state_path_for
from tests.app._gui_helpers import make_window

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "resources" / "examples"
DATASETS = REPO / "resources" / "datasets"


def copy_example(tmp_path: Path, name: str = "seed") -> Path:
    """The example project with its CSV beside it in tmp_path."""
    project = load_project(EXAMPLES / f"{name}.lfproj")
    data = Path(project.data_path)
    shutil.copy(data, tmp_path / data.name)
    project.data_path = str(tmp_path / data.name)
    project.train_config["epochs"] = 4
    path = tmp_path / f"{name}.lfproj"
    save_project(project, path)
    return path


def answer_box(qtbot, button: QMessageBox.StandardButton, seen: list[tuple[str, str]]) -> None:
    """Click `button` of the next modal message box, as a person would, noting its text."""

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen.append((box.text(), box.informativeText()))
        qtbot.mouseClick(box.button(button), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, answer)


def drop_on(window, path: Path) -> tuple[bool, bool]:
    """Drag `path` onto the window and drop it: (enter accepted, drop accepted)."""
    from tests.app.test_main_window import _drop

    return _drop(window, [path])


def open_and_wait(qtbot, window, path: Path) -> None:
    assert window.files.open_path(str(path))
    session = window.training.session
    qtbot.waitUntil(lambda: session.dataset is not None, timeout=20_000)


def train(qtbot, window) -> None:
    panel = window.training.training_panel
    session = window.training.session
    qtbot.waitUntil(panel.start_button.isEnabled, timeout=10_000)
    with qtbot.waitSignal(session.runFinished, timeout=60_000):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)


def test_the_trained_model_is_saved_with_the_project_and_back_at_once(qtbot, tmp_path) -> None:
    path = copy_example(tmp_path)
    w = make_window(qtbot)
    open_and_wait(qtbot, w, path)
    session, panel = w.training.session, w.training.training_panel
    assert not w.isWindowModified()
    train(qtbot, w)
    assert w.isWindowModified() and w.controller.has_unsaved_model()  # trained = unsaved

    w.actions_by_key["save"].trigger()
    assert not w.isWindowModified()
    assert state_path_for(path).is_file()
    weights = session.model.get_weights()
    test_text = panel.test_label.text()
    assert test_text.startswith("Test split:")
    curves = session.batch_curves.arrays()["loss"].size
    w.close()  # saved: closes without asking

    w2 = make_window(qtbot)
    open_and_wait(qtbot, w2, path)
    s2, p2 = w2.training.session, w2.training.training_panel
    qtbot.waitUntil(s2.has_model, timeout=20_000)
    assert s2.epochs_done == 4 and not w2.isWindowModified()
    for a, b in zip(weights, s2.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert p2.test_label.text() == test_text
    assert "Epoch 4/4" in p2.position.text()
    assert p2.more_button.isEnabled() and p2.save_button.isEnabled()
    assert w2.training.actions["save_model"].isEnabled()
    plots = w2.training.plots
    assert plots.plots["loss"].points("train") == 4 and plots.plots["loss"].points("val") == 4
    assert plots.plots["loss"].raw_batch.size == curves and "accuracy" in plots.plots
    bundle = s2.trained_bundle()  # what exports and "Save model…" use
    assert bundle is not None

    with qtbot.waitSignal(s2.runFinished, timeout=60_000):
        qtbot.mouseClick(p2.more_button, Qt.MouseButton.LeftButton)
    assert s2.epochs_done == 4 + p2.more_epochs.value()
    assert plots.plots["loss"].points("train") == s2.epochs_done
    w2.controller.mark_clean()


def test_quit_new_and_drop_ask_before_dropping_an_unsaved_model(qtbot, tmp_path) -> None:
    path = copy_example(tmp_path)
    w = make_window(qtbot)
    open_and_wait(qtbot, w, path)
    train(qtbot, w)
    seen: list[tuple[str, str]] = []

    answer_box(qtbot, QMessageBox.StandardButton.Cancel, seen)
    w.actions_by_key["quit"].trigger()
    assert w.isVisible() and w.training.session.has_model()
    assert "model trained for 4 epoch(s) has not been saved" in seen[-1][1]

    answer_box(qtbot, QMessageBox.StandardButton.Cancel, seen)
    assert drop_on(w, EXAMPLES / "iris.lfproj") == (True, True)  # a project dropped on it
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    assert w.controller.path == str(path.resolve())

    answer_box(qtbot, QMessageBox.StandardButton.Cancel, seen)
    assert drop_on(w, DATASETS / "diabetes.csv") == (True, True)  # a CSV dropped on it
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=5000)
    assert "discards the trained model" in seen[-1][0]
    assert w.training.session.has_model() and w.controller.project.data_path.endswith(
        "seed_binary.csv"
    )

    recent_menu = w.submenus["recent"]
    recent_menu.aboutToShow.emit()  # File > Open Recent fills itself as it opens
    entry = next(a for a in recent_menu.actions() if a.text().endswith("seed.lfproj"))
    answer_box(qtbot, QMessageBox.StandardButton.Cancel, seen)
    entry.trigger()
    assert len(seen) == 4 and w.training.session.has_model()

    answer_box(qtbot, QMessageBox.StandardButton.Save, seen)
    w.actions_by_key["new"].trigger()
    assert len(seen) == 5 and len(w.controller.graph) == 0
    assert load_project(path).trained["epochs_done"] == 4  # Save wrote the model


def test_stopping_to_quit_keeps_the_weights_trained_so_far(qtbot, tmp_path) -> None:
    path = copy_example(tmp_path)
    project = load_project(path)
    project.train_config["epochs"] = 100_000
    save_project(project, path)
    w = make_window(qtbot)
    open_and_wait(qtbot, w, path)
    session = w.training.session
    qtbot.mouseClick(w.training.training_panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.epochs_done >= 2, timeout=30_000)
    seen: list[tuple[str, str]] = []
    answer_box(qtbot, QMessageBox.StandardButton.Save, seen)
    w.actions_by_key["quit"].trigger()
    assert seen and not w.isVisible()
    trained = load_project(path).trained
    assert trained is not None and trained["epochs_done"] >= 2
    assert trained["finish"]["reason"] == "stopped"


def test_train_then_new_then_another_csv_leaves_nothing_stale(qtbot, tmp_path) -> None:
    path = copy_example(tmp_path)
    w = make_window(qtbot)
    open_and_wait(qtbot, w, path)
    t = w.training
    session, panel, plots = t.session, t.training_panel, t.plots
    train(qtbot, w)
    assert "Epoch 4/4" in panel.position.text() and panel.test_label.text()
    assert plots.plots["loss"].points("train") == 4 and "accuracy" in plots.plots

    seen: list[tuple[str, str]] = []
    answer_box(qtbot, QMessageBox.StandardButton.Discard, seen)
    w.actions_by_key["new"].trigger()
    assert seen and len(w.controller.graph) == 0
    assert panel.position.text() == "Not started"
    assert panel.progress.value() == 0 and panel.progress.format() == ""
    for label in (panel.summary, panel.latest, panel.epoch_metrics, panel.test_label, panel.timing):
        assert label.text() == "", label.objectName()
    assert list(plots.plots) == ["loss"] and plots.plots["loss"].points("train") == 0
    assert plots.plots["loss"].raw_batch.size == 0
    for button in (panel.more_button, panel.reset_button, panel.save_button, panel.start_button):
        assert not button.isEnabled(), button.text()
    for key in ("more", "reset", "save_model", "start"):
        assert not t.actions[key].isEnabled(), key
    assert not w.isWindowModified()

    # A network that would fit the old data: the fit check must not speak of its classes.
    from tests.app._training_fixtures import add_seed_graph

    add_seed_graph(w.controller)
    w.controller.analyze_now()
    messages = " ".join(m for m, _ in t.fit_checks.problems())
    assert "classes" not in messages and not t.fit_checks.isVisible()
    assert not panel.more_button.isEnabled()

    # Another CSV (a regression task): no test results or accuracy chart of the old one.
    assert t.data_panel.open_path(str(DATASETS / "diabetes.csv"))
    assert session.dataset.task.kind == "regression"
    assert panel.test_label.text() == "" and list(plots.plots) == ["loss"]
    w.controller.mark_clean()


def test_opening_another_csv_after_training_clears_the_results(qtbot, tmp_path) -> None:
    path = copy_example(tmp_path)
    w = make_window(qtbot)
    open_and_wait(qtbot, w, path)
    t = w.training
    train(qtbot, w)
    w.actions_by_key["save"].trigger()  # saved: opening a CSV need not ask
    assert t.data_panel.open_path(str(DATASETS / "iris.csv"))
    assert not t.session.has_model()
    assert t.training_panel.test_label.text() == ""
    assert t.training_panel.position.text() == "Not started"
    assert list(t.plots.plots) == ["loss"] and t.plots.plots["loss"].points("train") == 0
    assert not t.training_panel.more_button.isEnabled()
    assert w.isWindowModified()  # the saved model is no longer the document's
    w.controller.mark_clean()


def test_run_records_in_the_file_survive_open_and_save(qtbot, tmp_path) -> None:
    path = copy_example(tmp_path)
    project = load_project(path)
    project.runs = [{"id": "20261202-070000-abcd", "started": "2026-12-02T07:00:00+00:00"}]
    save_project(project, path)
    w = make_window(qtbot)
    open_and_wait(qtbot, w, path)
    w.actions_by_key["save"].trigger()
    assert load_project(path).runs == project.runs


def test_data_choices_are_unsaved_changes_too(qtbot, tmp_path) -> None:
    path = copy_example(tmp_path)
    w = make_window(qtbot)
    open_and_wait(qtbot, w, path)
    assert not w.isWindowModified()  # reading the data is not an edit
    column = str(w.training.session.table.df.columns[0])
    assert w.training.session.set_role(column, "ignore")
    assert w.isWindowModified()
    w.actions_by_key["save"].trigger()
    assert not w.isWindowModified()
    assert w.training.data_panel.open_path(str(DATASETS / "iris.csv"))
    assert w.isWindowModified()
    w.controller.mark_clean()


def test_saving_during_a_run_keeps_the_weights_trained_so_far(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("LAYERFORGE_AUTOSAVE_SECONDS", "0.3")  # snapshots every 0.1 s
    path = copy_example(tmp_path)
    project = load_project(path)
    project.train_config["epochs"] = 100_000
    save_project(project, path)
    w = make_window(qtbot)
    open_and_wait(qtbot, w, path)
    session = w.training.session
    qtbot.mouseClick(w.training.training_panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            session._snapshots is not None
            and session._snapshots.latest is not None
            and session._snapshots.latest.epochs_done >= 2
        ),
        timeout=30_000,
    )
    w.actions_by_key["save"].trigger()
    assert session.is_running()  # saving does not stop the run
    saved = load_project(path).trained
    assert saved is not None and saved["epochs_done"] >= 2
    assert len(saved["history"]["loss"]) == saved["epochs_done"]
    with qtbot.waitSignal(session.runFinished, timeout=30_000):
        session.stop()
    assert w.isWindowModified()  # the run's final weights are newer than the file
    w.controller.mark_clean()
