"""The Data page's "Samples" box: what one sample is and its settings.

A table's rows are samples as they are, or (the choice in the box) pixel
columns arranged as an image, a text column as word ids, or windows of a time
series; an image folder's samples are its image files. Each kind shows its own
settings (image shape; text column, vocabulary and length with the vocabulary
size and a tokenized row; window, horizon and stride; image size, colour and
scaling). Every change is one undoable edit of the project's data settings
through the session; the suggestions and the previews come from `core.data`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.session import TrainingSession
from app.widgets.labels import make_label

#: The kinds a table's samples can be, in the order the box offers them.
TABLE_KINDS = ("table", "pixels", "text", "series")
#: What each kind of sample is, in words; images come from a folder, not a table.
KIND_NAMES: dict[str, str] = {
    "table": "a row of the table",
    "pixels": "an image made of the pixel columns",
    "text": "a text column as word ids",
    "series": "a window of a time series",
    "images": "an image file",
}


def _spin(low: int, high: int, tip: str, special: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setToolTip(tip)
    box.setKeyboardTracking(False)  # a typed number counts once, on Enter or leaving
    if special:
        box.setSpecialValueText(special)
    return box


def _form(*rows: tuple[str, QWidget]) -> tuple[QWidget, QFormLayout]:
    page = QWidget()
    form = QFormLayout(page)
    form.setContentsMargins(0, 0, 0, 0)
    for label, widget in rows:
        if label:
            form.addRow(label, widget)
        else:
            form.addRow(widget)
    return page, form


class SamplesBox(QGroupBox):
    """See the module docstring; `refresh` follows the session, edits go to it."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__("Samples", parent)
        self.setObjectName("samplesBox")
        self.session = session
        self._loading = False
        self.kind = QComboBox()
        self.kind.setObjectName("sampleKind")
        self.kind.setToolTip("What one sample of the data is")
        self.pages = QStackedWidget()

        self.table_info = make_label("Each row is one sample.", name="tableInfo")
        self.height_spin = _spin(1, 4096, "Image height in pixels")
        self.width_spin = _spin(1, 4096, "Image width in pixels")
        self.channels = QComboBox()
        self.channels.addItems(["1", "3"])
        self.channels.setToolTip("1: grayscale, 3: RGB (the pixel columns hold r, g, b per pixel)")
        shape = QHBoxLayout()
        for w in (self.height_spin, self.width_spin, self.channels):
            shape.addWidget(w)
        shape_row = QWidget()
        shape_row.setLayout(shape)
        shape.setContentsMargins(0, 0, 0, 0)
        self.pixels_info = make_label(name="pixelsInfo")
        pixels_page, _ = _form(("Height, width, channels", shape_row), ("", self.pixels_info))

        self.text_column = QComboBox()
        self.text_column.setObjectName("textColumn")
        self.max_words = _spin(
            0, 1_000_000, "Keep this many most frequent words (the rest: unknown)"
        )
        self.max_words.setObjectName("maxWords")
        self.seq_length = _spin(0, 100_000, "Word ids per sample (0: fitted)", "fitted")
        self.seq_length.setObjectName("sequenceLength")
        self.text_info = make_label(name="textInfo", selectable=True)
        text_page, _ = _form(
            ("Text column", self.text_column),
            ("Vocabulary (words)", self.max_words),
            ("Sequence length", self.seq_length),
            ("", self.text_info),
        )

        self.window_spin = _spin(1, 100_000, "Rows in one window (the past the model sees)")
        self.window_spin.setObjectName("window")
        self.horizon_spin = _spin(1, 100_000, "Values of the target to forecast after a window")
        self.horizon_spin.setObjectName("horizon")
        self.stride_spin = _spin(1, 100_000, "Rows between the starts of two windows")
        self.series_info = make_label(name="seriesInfo")
        series_page, _ = _form(
            ("Window (rows)", self.window_spin),
            ("Horizon", self.horizon_spin),
            ("Stride", self.stride_spin),
            ("", self.series_info),
        )

        self.image_height = _spin(1, 1024, "Every image is resized to this height")
        self.image_width = _spin(1, 1024, "Every image is resized to this width")
        size = QHBoxLayout()
        size.setContentsMargins(0, 0, 0, 0)
        size.addWidget(self.image_height)
        size.addWidget(self.image_width)
        size_row = QWidget()
        size_row.setLayout(size)
        self.color = QComboBox()
        self.color.addItems(["grayscale", "rgb"])
        self.scale01 = QCheckBox("Scale pixels to [0, 1]")
        images_page, _ = _form(
            ("Height, width", size_row), ("Colour", self.color), ("", self.scale01)
        )

        self._pages = {
            "table": self.table_info,
            "pixels": pixels_page,
            "text": text_page,
            "series": series_page,
            "images": images_page,
        }
        for page in self._pages.values():
            self.pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.kind)
        layout.addWidget(self.pages)

        self.kind.currentIndexChanged.connect(self._kind_chosen)
        for box in (self.height_spin, self.width_spin):
            box.valueChanged.connect(self._pixels_changed)
        self.channels.currentTextChanged.connect(self._pixels_changed)
        self.text_column.currentTextChanged.connect(lambda c: self._edit(column=c))
        self.max_words.valueChanged.connect(lambda v: self._edit(max_words=int(v)))
        self.seq_length.valueChanged.connect(lambda v: self._edit(sequence_length=int(v) or None))
        self.window_spin.valueChanged.connect(lambda v: self._edit(window=int(v)))
        self.horizon_spin.valueChanged.connect(lambda v: self._edit(horizon=int(v)))
        self.stride_spin.valueChanged.connect(lambda v: self._edit(stride=int(v)))
        for box in (self.image_height, self.image_width):
            box.valueChanged.connect(self._size_changed)
        self.color.currentTextChanged.connect(lambda c: self._edit(color=c))
        self.scale01.toggled.connect(lambda on: self._edit(scale=bool(on)))

    # ------------------------------------------------------------------ showing
    def current_kind(self) -> str:
        return str(self.kind.currentData() or "table")

    def refresh(self) -> None:
        """Show the session's sample settings and what they give."""
        s = self.session
        cfg = s.data_config
        kind = cfg.input_kind if cfg is not None else "table"
        options = cfg.input_options if cfg is not None else None
        settings = options.to_dict() if options is not None else {}  # defaults filled in
        self._loading = True
        try:
            kinds = ("images",) if s.images is not None or kind == "images" else TABLE_KINDS
            if [self.kind.itemData(i) for i in range(self.kind.count())] != list(kinds):
                self.kind.clear()
                for k in kinds:
                    self.kind.addItem(f"Each sample is {KIND_NAMES[k]}", k)
            self.kind.setEnabled(len(kinds) > 1 and cfg is not None)
            self.kind.setCurrentIndex(max(kinds.index(kind), 0) if kind in kinds else 0)
            self.pages.setCurrentWidget(self._pages.get(kind, self.table_info))
            getattr(self, f"_show_{kind}")(settings)
        finally:
            self._loading = False

    def _show_table(self, _settings: dict[str, Any]) -> None:
        return None

    def _show_pixels(self, settings: dict[str, Any]) -> None:
        h, w, *c = settings.get("shape") or [1, 1, 1]
        self.height_spin.setValue(int(h))
        self.width_spin.setValue(int(w))
        self.channels.setCurrentText(str(c[0] if c else 1))
        ds = self.session.dataset
        self.pixels_info.setText(
            f"Images of {h}x{w}x{c[0] if c else 1}, every pixel scaled to [0, 1] by the "
            "training rows' range."
            if ds is not None
            else ""
        )

    def _show_text(self, settings: dict[str, Any]) -> None:
        table = self.session.table
        names = [str(c) for c in table.df.columns] if table is not None else []
        if [self.text_column.itemText(i) for i in range(self.text_column.count())] != names:
            self.text_column.clear()
            self.text_column.addItems(names)
        self.text_column.setCurrentText(str(settings.get("column") or ""))
        self.max_words.setValue(int(settings.get("max_words") or 0))
        self.seq_length.setValue(int(settings.get("sequence_length") or 0))
        ds = self.session.dataset
        tokenizer = getattr(getattr(ds, "pipeline", None), "input_spec", None)
        if ds is None or table is None or getattr(tokenizer, "kind", None) != "text":
            self.text_info.setText("")
            return
        from core.data.text_dataset import text_preview

        preview = text_preview(tokenizer, table.df[tokenizer.column].head(200).tolist())
        shown = ", ".join(str(i) for i in preview.ids[:12])
        more = ", …" if len(preview.ids) > 12 else ""
        self.text_info.setText(
            f"Vocabulary size: {preview.vocabulary_size:,} ids ({preview.vocabulary_size - 2:,} "
            f"words + padding and unknown): use it as the Embedding's input_dim.\n"
            f"Sequence length: {preview.sequence_length}.\n"
            f"Sample: “{preview.text[:80]}” → {' · '.join(preview.words[:12]) or '(no words)'}"
            f" → [{shown}{more}]"
        )

    def _show_series(self, settings: dict[str, Any]) -> None:
        self.window_spin.setValue(int(settings.get("window") or 1))
        self.horizon_spin.setValue(int(settings.get("horizon") or 1))
        self.stride_spin.setValue(int(settings.get("stride") or 1))
        ds = self.session.dataset
        spec = getattr(getattr(ds, "pipeline", None), "input_spec", None)
        if ds is None or getattr(spec, "kind", None) != "series":
            self.series_info.setText("")
            return
        order = (
            f"Rows ordered by '{spec.time_column}'. "
            if spec.time_column
            else "Rows in the file's order (no date column). "
        )
        self.series_info.setText(
            f"Each sample: {spec.window} rows x {len(spec.columns)} column(s) "
            f"({', '.join(spec.columns)}) → the next {spec.horizon} value(s) of "
            f"'{spec.target}'. {order}Split by time: {len(ds.x_train):,} train · "
            f"{len(ds.x_val):,} validation · {len(ds.x_test):,} test windows."
        )

    def _show_images(self, settings: dict[str, Any]) -> None:
        spec = getattr(getattr(self.session.dataset, "pipeline", None), "input_spec", None)
        size = settings.get("size") or (
            [spec.height, spec.width] if getattr(spec, "kind", None) == "images" else [32, 32]
        )
        self.image_height.setValue(int(size[0]))
        self.image_width.setValue(int(size[1]))
        color = settings.get("color") or getattr(spec, "color", "grayscale")
        self.color.setCurrentText(str(color))
        self.scale01.setChecked(bool(settings.get("scale", True)))

    # ------------------------------------------------------------------ editing
    def _kind_chosen(self) -> None:
        s = self.session
        cfg = s.data_config
        if self._loading or cfg is None:
            return
        from core.data.inputs import suggested_input  # pandas loads with the first CSV

        kind = self.current_kind()
        table = s.table
        settings = suggested_input(
            kind,
            s.profiles,
            cfg.target,
            n_features=_numeric_count(s),
            n_rows=table.n_rows if table is not None else 0,
        )
        s.change_data_config(f"Samples: {KIND_NAMES[kind]}", input=settings)

    def _edit(self, **changes: Any) -> None:
        cfg = self.session.data_config
        if self._loading or cfg is None or cfg.input is None:
            return
        settings = {**cfg.input, **changes}
        self.session.change_data_config(f"Change the {cfg.input_kind} settings", input=settings)

    def _pixels_changed(self, *_args: Any) -> None:
        shape = [
            self.height_spin.value(),
            self.width_spin.value(),
            int(self.channels.currentText()),
        ]
        self._edit(shape=shape)

    def _size_changed(self, *_args: Any) -> None:
        self._edit(size=[self.image_height.value(), self.image_width.value()])


def _numeric_count(session: TrainingSession) -> int:
    """Columns holding numbers besides the target (the pixels of a pixel table)."""
    cfg = session.data_config
    target = cfg.target if cfg is not None else None
    return sum(1 for p in session.profiles if p.minimum is not None and p.name != target)
