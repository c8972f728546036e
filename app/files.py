"""File commands of the main window: new, new from data, open, save, save as, examples,
export diagram.

`FileOps` turns menu commands into controller calls with the dialogs around
them: it asks Save / Discard / Cancel before replacing or closing a document
with unsaved edits or an unsaved trained model (New, Open, Open Recent,
Examples, dropped files, Quit, closing the window, and opening another CSV
when that would drop an unsaved model), stops a run in progress first so
that the weights trained so far are part of what is saved,
shows a plain message when a file cannot be read or written, and remembers
opened and saved files in the recent list. The three questions a person is
asked (`ask_open_path`, `ask_save_path`, `ask_save_changes`) are methods so
that tests can answer them. Examples open as untitled copies, so Save never
overwrites a bundled file. With `headless` set (`--screenshot`), errors are
collected in `errors` instead of opening a dialog nobody could close.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app import recent
from core.errors import LayerForgeError

if TYPE_CHECKING:
    from app.background import BackgroundJobs
    from app.main_window import MainWindow

PROJECT_FILTER = "LayerForge projects (*.lfproj);;All files (*)"
SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


class FileOps:
    """Dialog-wrapped file commands for one main window."""

    def __init__(self, window: MainWindow) -> None:
        self.w = window
        self.controller = window.controller
        #: True where no person can answer a dialog (--screenshot): errors are only recorded.
        self.headless = False
        #: (title, message) of each error shown or recorded, oldest first.
        self.errors: list[tuple[str, str]] = []
        self._starter_jobs: BackgroundJobs | None = None  # made on first use

    # ------------------------------------------------------------------ questions

    def _start_dir(self) -> str:
        if self.controller.path:
            return str(Path(self.controller.path).parent)
        paths = recent.recent_files()
        return str(Path(paths[0]).parent) if paths else str(Path.home())

    def ask_open_path(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(
            self.w, "Open Project", self._start_dir(), PROJECT_FILTER
        )
        return path or None

    def ask_data_path(self, folder: bool) -> str | None:
        """A CSV file, or (`folder`) a folder of class sub-folders of images."""
        if folder:
            return (
                QFileDialog.getExistingDirectory(self.w, "Image Folder", self._start_dir()) or None
            )
        path, _ = QFileDialog.getOpenFileName(
            self.w, "Data File", self._start_dir(), "CSV files (*.csv);;All files (*)"
        )
        return path or None

    def ask_save_path(
        self,
        title: str = "Save Project As",
        filters: str = PROJECT_FILTER,
        suggested: str | None = None,
    ) -> str | None:
        start = os.path.join(self._start_dir(), suggested or self.w.document_name())
        path, _ = QFileDialog.getSaveFileName(self.w, title, start, filters)
        return path or None

    def unsaved_text(self) -> str:
        """What would be lost, in words: the edits, the trained model, or both."""
        c = self.controller
        edits = not c.undo_stack.isClean()
        state = c.trained_state if c.has_unsaved_model() else None
        model = f"the model trained for {state.epochs_done} epoch(s)" if state else ""
        if edits and model:
            return f"Your changes and {model} will be lost if you don't save them."
        if model:
            return f"{model[0].upper()}{model[1:]} has not been saved and will be lost."
        return "Your changes will be lost if you don't save them."

    def ask_save_changes(self, question: str | None = None) -> str:
        """ "save", "discard" or "cancel" for the unsaved changes of the document."""
        box = QMessageBox(self.w)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Unsaved changes")
        box.setObjectName("saveChangesBox")
        box.setText(question or f"Save the changes to “{self.w.document_name()}” before closing?")
        box.setInformativeText(self.unsaved_text())
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {
            QMessageBox.StandardButton.Save: SAVE,
            QMessageBox.StandardButton.Discard: DISCARD,
        }.get(QMessageBox.StandardButton(answer), CANCEL)

    def show_error(self, title: str, message: str) -> None:
        """Tell the person: status bar plus a warning dialog (only recorded when headless)."""
        self.errors.append((title, message))
        self.w.show_message(message)
        if not self.headless:
            QMessageBox.warning(self.w, title, message)

    # ------------------------------------------------------------------ commands

    def _attempt(
        self,
        title: str,
        action: Callable[[], object],
        errors: tuple[type[Exception], ...] = (LayerForgeError, OSError),
    ) -> bool:
        """Run `action`; on one of `errors` show `title` with the reason and return False."""
        try:
            action()
        except errors as exc:
            self.show_error(title, str(exc))
            return False
        return True

    def _settle_run(self) -> None:
        """Stop a run in progress so that its weights so far belong to the document."""
        training = getattr(self.w, "training", None)
        if training is not None:
            training.session.finish_run_now()

    def maybe_save(self) -> bool:
        """True when it is fine to replace or close the document (saved or discarded)."""
        self._settle_run()
        if not self.controller.is_modified():
            return True
        answer = self.ask_save_changes()
        if answer == SAVE:
            return self.save()
        return answer == DISCARD

    def maybe_save_model(self) -> bool:
        """Before another data file replaces the trained model: ask when it is not saved."""
        self._settle_run()
        if not self.controller.has_unsaved_model():
            return True
        answer = self.ask_save_changes(
            f"Opening another data file discards the trained model. Save “"
            f"{self.w.document_name()}” first?"
        )
        if answer == SAVE:
            return self.save()
        return answer == DISCARD

    def new_document(self) -> bool:
        if not self.maybe_save():
            return False
        self.w.untitled_name = "Untitled.lfproj"
        self.controller.new()
        self.w.show_message("New network. Drag a layer from the palette to start.")
        return True

    def new_from_data_dialog(self, folder: bool = False) -> bool:
        if not self.maybe_save():
            return False
        path = self.ask_data_path(folder)
        return self.new_from_data(path) if path else False

    def new_from_data(self, path: str) -> bool:
        """Start a new, untitled starter project for the data at `path` (`core.starters`,
        the same starter as `layerforge new`). The data is read and the network chosen in
        a pool thread, so a large file never freezes the window; the project opens when
        that is done, or the reason shows. Returns True once the work has started."""
        from app.background import BackgroundJobs
        from core.starters import new_project

        if self._starter_jobs is None:
            self._starter_jobs = BackgroundJobs(self.w)
            self.w.closing.connect(self.wait_for_starter)  # a file being read finishes first
        self.w.show_message(f"Reading {Path(path).name} to choose a network for it…")
        self._starter_jobs.run(
            "starter",
            lambda: new_project(path),
            lambda made, error: self._starter_made(path, made, error),
        )
        return True

    def _starter_made(self, path: str, made: object, error: str) -> None:
        """The starter is ready (or failed): open it as an untitled project."""
        if error or not isinstance(made, tuple):
            self.show_error("Cannot make a network for this data", error or "no network")
            return
        if not self.maybe_save():  # edited while the file was read: ask before replacing
            return
        project, detected = made
        name = Path(path).stem or "data"
        self.w.untitled_name = f"{name}.lfproj"
        self.controller.load_project(project, None, modified=True)  # not saved yet
        self.w.show_message(
            f"New network for {Path(path).name}: {detected.reason}. Save it to keep it."
        )
        self.w.fit_view()

    def wait_for_starter(self, msecs: int = 30_000) -> bool:
        """Block until a starter in the making is done (tests, shutdown)."""
        return self._starter_jobs is None or self._starter_jobs.wait(msecs)

    def open_dialog(self) -> bool:
        if not self.maybe_save():
            return False
        path = self.ask_open_path()
        return self.open_path(path) if path else False

    def open_path(self, path: str, ask: bool = False) -> bool:
        """Open a project file; shows the reason and returns False when it cannot."""
        if ask and not self.maybe_save():
            return False
        if not self._attempt("Cannot open project", lambda: self.controller.open(path)):
            return False
        recent.add_recent_file(path)
        self.w.show_message(f"Opened {Path(path).name}.")
        self.w.fit_view()
        return True

    def open_example(self, path: str, ask: bool = True) -> bool:
        """Open a bundled example as an untitled copy (Save asks where)."""
        if ask and not self.maybe_save():
            return False
        from core.document.project import load_project

        try:
            project = load_project(path, catalog=self.controller.catalog)
        except (LayerForgeError, OSError) as exc:
            self.show_error("Cannot open example", str(exc))
            return False
        self.w.untitled_name = f"{Path(path).stem}.lfproj"
        self.controller.load_project(project, None)
        self.w.show_message(f"Opened the example “{Path(path).stem}”. Save it to keep changes.")
        self.w.fit_view()
        return True

    def save(self) -> bool:
        if not self.controller.path:
            return self.save_as()
        return self._save_to(self.controller.path)

    def save_as(self) -> bool:
        path = self.ask_save_path()
        if not path:
            return False
        if not path.lower().endswith(".lfproj"):
            path += ".lfproj"
        return self._save_to(path)

    def _save_to(self, path: str) -> bool:
        training = getattr(self.w, "training", None)
        if training is not None:  # during a run, save the weights trained so far
            training.session.hand_snapshot_to_document()
        if not self._attempt("Cannot save project", lambda: self.controller.save(path)):
            return False
        recent.add_recent_file(path)
        self.w.show_message(f"Saved {Path(path).name}.")
        return True

    # ------------------------------------------------------------------ diagram

    def export_diagram_dialog(self) -> bool:
        stem = Path(self.w.document_name()).stem
        path = self.ask_save_path(
            "Export Diagram", "PNG image (*.png);;SVG drawing (*.svg)", f"{stem}.png"
        )
        if not path:
            return False
        if not self._attempt(
            "Cannot export diagram",
            lambda: export_diagram(self.w.view.scene(), path),
            errors=(OSError, ValueError),
        ):
            return False
        self.w.show_message(f"Exported the diagram to {Path(path).name}.")
        return True


def export_diagram(scene: object, path: str, scale: float = 2.0) -> None:
    """Render every item of a QGraphicsScene to PNG (at `scale`) or SVG, by file suffix."""
    rect: QRectF = scene.itemsBoundingRect().marginsAdded(QMarginsF(30, 30, 30, 30))
    if rect.isEmpty():
        rect = QRectF(0, 0, 400, 300)
    suffix = Path(path).suffix.lower()
    if suffix == ".svg":
        from PySide6.QtSvg import QSvgGenerator

        gen = QSvgGenerator()
        gen.setFileName(path)
        gen.setSize(QSize(int(rect.width()), int(rect.height())))
        gen.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
        gen.setTitle("LayerForge diagram")
        painter = QPainter(gen)
        scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
        painter.end()
        return
    if suffix not in (".png", ".jpg", ".jpeg"):
        raise ValueError(f"Expected a .png or .svg file name. Received: '{Path(path).name}'.")
    size = QSize(int(rect.width() * scale), int(rect.height() * scale))
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("white") if suffix != ".png" else Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    scene.render(painter, QRectF(0, 0, size.width(), size.height()), rect)
    painter.end()
    if not image.save(path):
        raise OSError(f"Could not write the image to '{path}'.")
