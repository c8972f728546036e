"""app.export_dialog with a text model (masked Embedding, Conv1D, Bidirectional LSTM):
File ▸ Export Model… writes ONNX and shows onnxruntime's check, as for tables."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from app.export_dialog import ExportDialog
from core.export import as_bundle
from tests.core.test_export_onnx_shaped import text_model


def test_export_dialog_writes_a_checked_onnx_text_model(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    dialog = ExportDialog(as_bundle(text_model()), folder=str(tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.set_format("onnx")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "model.onnx").is_file()
    text = dialog.result_label.text()
    assert "checked 200 rows, max difference" in text and "onnxruntime" in text
    dialog.grab().save(str(tmp_path / "export_onnx_text.png"))
