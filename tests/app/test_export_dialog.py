"""app.export_dialog: the File ▸ Export… dialog exports, shows the check, and reports
failures in plain words; add_export_action wires it into a window's File menu."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from app.export_dialog import ExportDialog, add_export_action
from core.export import as_bundle
from tests.core.test_export import all_layers_model


@pytest.fixture(scope="module")
def bundle():  # noqa: ANN201
    return as_bundle(all_layers_model())


def test_export_onnx_shows_verification(qtbot, bundle, tmp_path: Path) -> None:  # noqa: ANN001
    dialog = ExportDialog(bundle, folder=str(tmp_path))
    qtbot.addWidget(dialog)
    dialog.set_format("onnx")
    assert dialog.path_edit.text() == str(tmp_path / "model.onnx")
    assert not dialog.data_edit.isVisibleTo(dialog)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "model.onnx").exists()
    text = dialog.result_label.text()
    assert "checked 200 rows, max difference" in text and "onnxruntime" in text
    dialog.grab().save(str(tmp_path / "dialog.png"))


def test_format_change_updates_suffix_and_data_field(
    qtbot,
    bundle,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    dialog = ExportDialog(bundle, folder=str(tmp_path))
    qtbot.addWidget(dialog)
    dialog.set_format("numpy")
    assert dialog.path_edit.text().endswith("model.py")
    dialog.set_format("predictions")
    assert dialog.data_edit.isVisibleTo(dialog)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "Choose the CSV" in dialog.result_label.text()
    assert dialog.report is None


def test_failure_is_shown_in_plain_words(qtbot, bundle, tmp_path: Path) -> None:  # noqa: ANN001
    dialog = ExportDialog(bundle, folder=str(tmp_path))
    qtbot.addWidget(dialog)
    dialog.set_format("onnx")
    dialog.path_edit.setText(str(tmp_path / "missing" / "m.onnx"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.result_label.text().startswith("Export failed:")
    assert "does not exist" in dialog.result_label.text()
    assert not (tmp_path / "missing").exists()


def test_add_export_action_goes_into_file_menu(qtbot, bundle) -> None:  # noqa: ANN001
    window = QMainWindow()
    qtbot.addWidget(window)
    file_menu = window.menuBar().addMenu("&File")
    action = add_export_action(window, lambda: bundle)
    assert action in file_menu.actions()
    action.trigger()
    dialog = window._export_dialog
    assert isinstance(dialog, ExportDialog) and dialog.bundle is bundle
    dialog.close()


def test_dialog_suggests_the_project_folder_name_and_csv(
    qtbot,
    bundle,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    csv = tmp_path / "rows.csv"
    csv.write_text("a,b\n1,2\n")
    dialog = ExportDialog(bundle, folder=str(tmp_path), name="iris", data_path=str(csv))
    qtbot.addWidget(dialog)
    dialog.set_format("keras")
    assert dialog.path_edit.text() == str(tmp_path / "iris.keras")
    dialog.set_format("predictions")
    assert dialog.data_edit.text() == str(csv)


def test_window_export_context_follows_the_project(qtbot, tmp_path: Path) -> None:
    from tests.app._gui_helpers import add_chain, make_window

    w = make_window(qtbot)
    assert w._export_context()["name"] == "Untitled"
    add_chain(w.controller)
    w.controller.save(str(tmp_path / "churn.lfproj"))
    ctx = w._export_context()
    assert ctx["folder"] == str(tmp_path) and ctx["name"] == "churn"
