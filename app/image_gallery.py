"""The Data page's view of an image folder: per class, its name, how many images it
has and a few thumbnails (`core.data.image_folder.class_thumbnails`), plus the
classes that were left out. A view only: the folder is read by `core`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QWidget

from app.widgets.labels import make_label

if TYPE_CHECKING:
    from core.data.image_folder import FolderReport

#: Thumbnails shown per class, and the side they are drawn at (small images grow, crisp).
PER_CLASS = 8
SIDE = 56


def pixmap_of(pixels: np.ndarray, side: int = SIDE) -> QPixmap:
    """A uint8 (h, w, 3) array as a pixmap whose longest side is `side`."""
    rgb = np.ascontiguousarray(pixels, dtype=np.uint8)
    h, w = rgb.shape[:2]
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(image).scaled(
        side,
        side,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.FastTransformation,
    )


class ImageGallery(QScrollArea):
    """Thumbnails per class of the opened image folder; see the module docstring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageGallery")
        self.setWidgetResizable(True)
        self._root: str | None = None
        self.class_labels: dict[str, QLabel] = {}
        self.thumbnails: dict[str, list[QLabel]] = {}
        self.setWidget(QWidget())

    def show_folder(self, report: FolderReport | None) -> None:
        """Show the classes of `report`'s folder (nothing for None); reads the thumbnails
        again only when the folder changes."""
        root = report.root if report is not None else None
        if root == self._root and report is not None:
            self._set_counts(report)
            return
        self._root = root
        body = QWidget()
        grid = QGridLayout(body)
        grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.class_labels, self.thumbnails = {}, {}
        if report is not None:
            from core.data.image_folder import class_thumbnails, scan_folder

            shown = class_thumbnails(scan_folder(report.root), PER_CLASS)
            for row, name in enumerate(report.per_class):
                label = make_label(name=f"class:{name}", wrap=False)
                grid.addWidget(label, row, 0)
                self.class_labels[name] = label
                self.thumbnails[name] = []
                for col, (file, pixels) in enumerate(shown.get(name, []), start=1):
                    thumb = QLabel()
                    thumb.setPixmap(pixmap_of(pixels))
                    thumb.setToolTip(file)
                    grid.addWidget(thumb, row, col)
                    self.thumbnails[name].append(thumb)
            left_out = make_label(name="leftOut", role="muted")
            grid.addWidget(left_out, len(report.per_class), 0, 1, PER_CLASS + 1)
            self.class_labels[""] = left_out
            self._set_counts(report)
        self.setWidget(body)

    def _set_counts(self, report: FolderReport) -> None:
        for name, count in report.per_class.items():
            if name in self.class_labels:
                self.class_labels[name].setText(f"{name}\n{count:,} images")
        empty = ", ".join(f"'{c}'" for c in report.empty_classes)
        self.class_labels[""].setText(f"Left out (no images): {empty}" if empty else "")
