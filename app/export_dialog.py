"""File ▸ Export…: choose a format and a file, export with verification, show the result.

`ExportDialog` offers every `core.export.FORMATS` entry, a file path (with a
Browse button), a data CSV for the predictions format, and an Export button
that runs `core.export.export_model` and shows, in plain words, what was
written and how it was checked ("checked 200 rows, max difference 3e-07")
or why it failed (nothing is left behind then). `add_export_action(window,
get_bundle)` adds the menu command so that the main window needs one line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import LayerForgeError
from core.export import FORMATS, SUFFIXES, ExportReport, export_model

__all__ = ["ExportDialog", "add_export_action"]


class ExportDialog(QDialog):
    """The export dialog for one trained model (a BundledModel)."""

    def __init__(
        self,
        bundle: Any,
        parent: QWidget | None = None,
        folder: str | None = None,
        name: str | None = None,
        data_path: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export model")
        self.bundle = bundle
        self.report: ExportReport | None = None
        self._folder = folder or str(Path.home())
        self._name = name or _model_name(bundle)
        self.format_box = QComboBox()
        for key, text in FORMATS.items():
            self.format_box.addItem(text, key)
        self.path_edit = QLineEdit()
        self.browse_button = QPushButton("Browse…")
        self.data_edit = QLineEdit()
        self.data_edit.setPlaceholderText("CSV with the rows to predict")
        if data_path:
            # The training CSV: the export is also checked on its rows, as written.
            self.data_edit.setText(str(data_path))
        self.data_label = QLabel("Data:")
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.close_button = QPushButton("Close")
        self.result_label = QLabel("Every export is re-loaded and checked before it is kept.")
        self.result_label.setWordWrap(True)
        self.keras_hint = QLabel(keras_hint())
        self.keras_hint.setObjectName("keras_hint")
        self.keras_hint.setWordWrap(True)
        self.keras_hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        form = QFormLayout()
        form.addRow("Format:", self.format_box)
        form.addRow("File:", path_row)
        form.addRow(self.data_label, self.data_edit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.keras_hint)
        layout.addWidget(self.result_label)
        layout.addLayout(buttons)
        self.format_box.currentIndexChanged.connect(self._format_changed)
        self.browse_button.clicked.connect(self._browse)
        self.export_button.clicked.connect(self.export_now)
        self.close_button.clicked.connect(self.reject)
        self.resize(560, 220)
        self._format_changed()

    # ------------------------------------------------------------------ state
    def current_format(self) -> str:
        return str(self.format_box.currentData())

    def set_format(self, fmt: str) -> None:
        self.format_box.setCurrentIndex(self.format_box.findData(fmt))

    def _format_changed(self) -> None:
        fmt = self.current_format()
        needs_data = fmt == "predictions"
        self.data_edit.setVisible(needs_data)
        self.data_label.setVisible(needs_data)
        self.keras_hint.setVisible(fmt == "keras")
        text = self.path_edit.text().strip()
        name = Path(text).stem if text else self._name
        folder = str(Path(text).parent) if text else self._folder
        self.path_edit.setText(str(Path(folder) / f"{name}{SUFFIXES[fmt]}"))

    def _browse(self) -> None:
        fmt = self.current_format()
        path, _ = QFileDialog.getSaveFileName(
            self, "Export to", self.path_edit.text(), f"{FORMATS[fmt]} (*{SUFFIXES[fmt]})"
        )
        if path:
            self.path_edit.setText(path)

    # ------------------------------------------------------------------ export
    def export_now(self) -> ExportReport | None:
        """Run the export with verification; show the result or the failure."""
        fmt = self.current_format()
        path = self.path_edit.text().strip()
        if not path:
            self._show_error("Choose a file to export to.")
            return None
        data = self.data_edit.text().strip() or None
        if fmt == "predictions" and not data:
            self._show_error("Choose the CSV file whose rows should be predicted.")
            return None
        self.result_label.setText("Exporting and checking…")
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            report = export_model(self.bundle, fmt, path, data=data)
        except (LayerForgeError, OSError) as exc:
            self.report = None
            self._show_error(f"Export failed: {' '.join(str(exc).split())}")
            return None
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.report = report
        lines = [
            f"Exported to {', '.join(report.files)}.",
            ("Verified: " if report.verified else "")
            + report.summary()
            + (f" — {report.consumer}" if report.consumer else "")
            + ".",
        ]
        lines += [f"Note: {n}." for n in report.notes]
        self.result_label.setStyleSheet("")
        self.result_label.setText("\n".join(lines))
        return report

    def _show_error(self, text: str) -> None:
        self.result_label.setStyleSheet("color: #c0392b;")
        self.result_label.setText(text)


def keras_hint() -> str:
    """What the dialog says about checking a `.keras` file: Keras loads it when installed
    (found without importing it, which would take seconds)."""
    from importlib.util import find_spec

    backends = ("tensorflow", "torch", "jax")
    if find_spec("keras") is not None and any(find_spec(b) is not None for b in backends):
        return "The .keras file is checked by loading it in Keras before it is kept."
    return (
        "Keras is not installed, so the .keras file is written but not loaded by Keras "
        "to check it. To have it verified, install Keras with a CPU backend: "
        'pip install "layerforge[keras]"'
    )


def _model_name(bundle: Any) -> str:
    path = getattr(bundle, "path", None)
    return Path(path).stem if path else "model"


def add_export_action(
    window: Any,
    get_bundle: Callable[[], Any],
    get_context: Callable[[], dict[str, Any]] | None = None,
) -> QAction:
    """Add File ▸ Export… to `window`; `get_bundle()` gives the trained model or None.

    `get_context()` may suggest where to export: {"folder", "name", "data_path"} (the
    project's folder and name, and the CSV whose rows the export is also checked on).
    """
    action = QAction("Export Model…", window)
    action.setShortcut(QKeySequence("Ctrl+Shift+E"))
    action.setStatusTip("Export the trained model to ONNX, Keras, Python code or predictions")

    def run() -> None:
        bundle = get_bundle()
        if bundle is None:
            QMessageBox.information(
                window,
                "Export model",
                "There is no trained model to export yet. Train the "
                "network first (or open a .lfmodel file).",
            )
            return
        context = get_context() if get_context is not None else {}
        dialog = ExportDialog(bundle, window, **context)
        window._export_dialog = dialog
        dialog.open()

    action.triggered.connect(run)
    _add_to_file_menu(window, action)
    return action


def _add_to_file_menu(window: Any, action: QAction) -> None:
    """Put `action` in the File menu above Quit (and its separator), or at its end."""
    menu = None
    bar = window.menuBar() if hasattr(window, "menuBar") else None
    if bar is not None:
        for act in bar.actions():
            if act.menu() is not None and act.text().replace("&", "") == "File":
                menu = act.menu()
                break
        if menu is None:
            menu = bar.addMenu("&File")
    if menu is None:
        window.addAction(action)
        return
    items = menu.actions()
    quit_at = next(
        (i for i, a in enumerate(items) if a.objectName() == "action_quit"),
        None,
    )
    if quit_at is None:
        menu.addAction(action)
        return
    before = items[quit_at - 1] if quit_at and items[quit_at - 1].isSeparator() else None
    menu.insertAction(before or items[quit_at], action)
