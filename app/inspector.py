"""The inspector: a form generated from the selected layer's `PARAMS`.

Each `ParamSpec` kind gets an editor (spin box, combo box, check box, or a line
edit for text, shapes and axes such as "28, 28, 1"). Input is checked with the
spec; invalid input is shown in red under the field with the reason and is not
applied. Valid edits go to `controller.set_params(id, {name: value},
merge=True)`, so typing in one field is one undo step. The name field renames
the layer when editing finishes. The form holds no document state: it reads
the node from the graph and refreshes from the controller's graph and
analysis signals. Below the form it shows the output shape, the parameter
count and any problems (with their one-click fix).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import analysis_info as info
from app.widgets.labels import make_label
from app.widgets.spin import FloatSpinBox
from core.document.graph import GraphEvent, GraphReset, NodeRemoved, NodeRenamed, ParamsChanged
from core.errors import ConfigError, GraphError

_INT_MAX = 2**31 - 1
_LINE_KINDS = ("str", "shape", "axes", "optional_float")


class ParseError(ValueError):
    """Text in a line edit that does not parse to a value of the field's kind."""


def format_value(kind: str, value: Any) -> str:
    """A parameter value as a person would type it ("28, 28, 1", "-1", "", "0.001")."""
    if value is None:
        return ""
    if kind in ("shape", "axes") and isinstance(value, (list, tuple)):
        return ", ".join("None" if v is None else str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def parse_value(kind: str, text: str, nullable: bool = False) -> Any:
    """Parse a line edit's text for a parameter of `kind`; raises ParseError."""
    t = text.strip()
    if kind == "str":
        return None if (nullable and t == "") else text
    if t == "" and (nullable or kind == "optional_float"):
        return None
    if kind in ("shape", "axes"):
        tokens = [s.strip() for s in t.strip("()[] ").split(",")]
        tokens = [s for s in tokens if s != ""]
        if not tokens:
            raise ParseError("Expected numbers separated by commas, such as 28, 28, 1.")
        values: list[int | None] = []
        for tok in tokens:
            if kind == "shape" and tok.lower() in ("none", "?"):
                values.append(None)
                continue
            try:
                values.append(int(tok))
            except ValueError:
                raise ParseError(
                    f"Expected whole numbers separated by commas. Received: '{tok}'."
                ) from None
        if kind == "axes" and len(values) == 1 and "," not in t:
            return values[0]
        return tuple(values)
    if kind == "int":
        try:
            return int(t)
        except ValueError:
            raise ParseError(f"Expected a whole number. Received: '{t}'.") from None
    try:
        return float(t)
    except ValueError:
        raise ParseError(f"Expected a number such as 0.5 or 1e-3. Received: '{t}'.") from None


class ParamField(QWidget):
    """One editor plus its inline error label; calls `on_value(name, value)` when valid."""

    def __init__(
        self,
        spec: Any,
        on_value: Callable[[str, Any], None],
        owner: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.spec = spec
        self.owner = owner
        self._on_value = on_value
        self.editor = self._make_editor()
        self.editor.setObjectName(f"param_{spec.name}")
        if spec.help:
            self.editor.setToolTip(spec.help)
        self.error = make_label(role="error", hidden=True, parent=self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.editor)
        lay.addWidget(self.error)

    @property
    def kind(self) -> str:
        k = self.spec.kind
        if self.spec.nullable and k in ("int", "float"):
            return "line-" + k
        return k

    def _make_editor(self) -> QWidget:
        spec, kind = self.spec, self.kind
        if kind == "int":
            w = QSpinBox(self)
            w.setRange(
                int(spec.minimum) if spec.minimum is not None else -_INT_MAX,
                int(spec.maximum) if spec.maximum is not None else _INT_MAX,
            )
            w.setKeyboardTracking(True)
            w.valueChanged.connect(lambda v: self._submit(int(v)))
            return w
        if kind == "float":
            w = FloatSpinBox(self)
            w.setRange(
                float(spec.minimum) if spec.minimum is not None else -1e12,
                float(spec.maximum) if spec.maximum is not None else 1e12,
            )
            w.valueChanged.connect(lambda v: self._submit(float(v)))
            return w
        if kind == "bool":
            w = QCheckBox(self)
            w.toggled.connect(lambda v: self._submit(bool(v)))
            return w
        if kind == "choice":
            w = QComboBox(self)
            w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            w.setMinimumContentsLength(8)
            if spec.nullable:
                w.addItem("None", None)
            for c in spec.choices:
                w.addItem(str(c), c)
            w.activated.connect(lambda i: self._submit(w.itemData(i)))
            return w
        w = QLineEdit(self)
        if kind in ("shape", "axes"):
            w.setPlaceholderText("e.g. 28, 28, 1" if kind == "shape" else "e.g. -1")
        elif self.spec.nullable or kind == "optional_float":
            w.setPlaceholderText("None")
        w.textEdited.connect(self._submit_text)
        return w

    def _parse_kind(self) -> str:
        return self.kind.removeprefix("line-")

    def _submit_text(self, text: str) -> None:
        try:
            value = parse_value(self._parse_kind(), text, self.spec.nullable)
        except ParseError as exc:
            self.show_error(str(exc))
            return
        self._submit(value)

    def _submit(self, value: Any) -> None:
        try:
            value = self.spec.validate(value, self.owner)
        except ConfigError as exc:  # the field already says where: show the rest
            self.show_error(exc.plain())
            return
        self.show_error(None)
        self._on_value(self.spec.name, value)

    def show_error(self, message: str | None) -> None:
        """Show `message` in red under the editor, or clear it."""
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        self.editor.setProperty("invalid", bool(message))
        self.editor.style().unpolish(self.editor)
        self.editor.style().polish(self.editor)

    def has_error(self) -> bool:
        return self.error.isVisibleTo(self)

    def set_value(self, value: Any) -> None:
        """Show the document's value without emitting an edit; keeps text that means it."""
        w, kind = self.editor, self.kind
        w.blockSignals(True)
        try:
            if kind == "int" and isinstance(value, int):
                if w.value() != value:
                    w.setValue(value)
            elif kind == "float" and isinstance(value, (int, float)):
                if w.value() != float(value):
                    w.setValue(float(value))
            elif kind == "bool":
                w.setChecked(bool(value))
            elif kind == "choice":
                i = next((j for j in range(w.count()) if w.itemData(j) == value), -1)
                if i < 0:
                    w.addItem(str(value), value)
                    i = w.count() - 1
                w.setCurrentIndex(i)
            else:
                try:
                    current = parse_value(self._parse_kind(), w.text(), self.spec.nullable)
                except ParseError:
                    current = object()
                if current != value or self.has_error():
                    w.setText(format_value(self._parse_kind(), value))
                    self.show_error(None)
        finally:
            w.blockSignals(False)


class InspectorWidget(QWidget):
    """Shows and edits the selected layer; empty state when none or several are selected."""

    def __init__(self, controller: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._node_id: str | None = None
        self._fields: dict[str, ParamField] = {}
        self._count = 0

        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)

        self.body = QWidget()
        self.scroll.setWidget(self.body)
        lay = QVBoxLayout(self.body)
        lay.setContentsMargins(10, 10, 10, 10)
        lay.setSpacing(8)

        self.placeholder = make_label(
            "Select a layer on the canvas to see and edit its settings.", role="muted"
        )
        self.title = make_label(role="heading", wrap=False)
        self.description = make_label(role="muted")

        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("nameEdit")
        self.name_error = make_label(role="error", hidden=True)
        self.name_edit.editingFinished.connect(self._commit_name)
        self.name_edit.textEdited.connect(self._check_name)

        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.setHorizontalSpacing(10)

        self.output_label = QLabel()
        self.output_label.setObjectName("outputShape")
        self.output_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.params_label = QLabel()
        self.params_label.setObjectName("paramCount")
        facts = QFormLayout()
        facts.setContentsMargins(0, 0, 0, 0)
        facts.addRow("Output shape", self.output_label)
        facts.addRow("Parameters", self.params_label)
        self.facts_host = QWidget()
        self.facts_host.setLayout(facts)

        self.problems_host = QWidget()
        self.problems_layout = QVBoxLayout(self.problems_host)
        self.problems_layout.setContentsMargins(0, 0, 0, 0)
        self.problems_layout.setSpacing(4)

        name_row = QFormLayout()
        name_row.setContentsMargins(0, 0, 0, 0)
        name_box = QWidget()
        nb = QVBoxLayout(name_box)
        nb.setContentsMargins(0, 0, 0, 0)
        nb.setSpacing(2)
        nb.addWidget(self.name_edit)
        nb.addWidget(self.name_error)
        name_row.addRow("Name", name_box)
        self.header_host = QWidget()
        hl = QVBoxLayout(self.header_host)
        hl.setContentsMargins(0, 0, 0, 0)
        hl.setSpacing(4)
        hl.addWidget(self.title)
        hl.addWidget(self.description)
        hl.addLayout(name_row)

        # the layer's problems and their fix buttons under its name, where they are seen
        # without scrolling past a long form
        for w in (
            self.placeholder,
            self.header_host,
            self.problems_host,
            _rule(),
            self.form_host,
            _rule(),
            self.facts_host,
        ):
            lay.addWidget(w)
        self._rules = [lay.itemAt(3).widget(), lay.itemAt(5).widget()]
        lay.addStretch(1)

        controller.graphEvent.connect(self._on_graph_event)
        controller.documentReset.connect(lambda: self.set_selection([]))
        controller.analysisChanged.connect(lambda _a: self._refresh_facts())
        self._show_node(None)

    # ------------------------------------------------------------------ selection

    @property
    def node_id(self) -> str | None:
        """The layer shown, or None."""
        return self._node_id

    def set_selection(self, ids: list[str]) -> None:
        """Show the one selected layer (or an empty state for none / several)."""
        ids = list(ids or [])
        self._count = len(ids)
        self._show_node(ids[0] if len(ids) == 1 else None)

    def field(self, name: str) -> ParamField:
        """The form field of parameter `name` (for tests and focus handling)."""
        return self._fields[name]

    def _graph(self) -> Any:
        return self.controller.graph

    def _node(self) -> Any:
        g = self._graph()
        if self._node_id is None or self._node_id not in g:
            return None
        return g.node(self._node_id)

    def _show_node(self, node_id: str | None) -> None:
        g = self._graph()
        if node_id is not None and node_id not in g:
            node_id = None
        rebuild = node_id != self._node_id or not self._fields
        self._node_id = node_id
        node = self._node()
        has = node is not None
        for w in [
            self.header_host,
            self.form_host,
            self.facts_host,
            self.problems_host,
            *self._rules,
        ]:
            w.setVisible(has)
        self.placeholder.setVisible(not has)
        if not has:
            self.placeholder.setText(
                f"{self._count} layers selected. Select one layer to edit its settings."
                if self._count > 1
                else "Select a layer on the canvas to see and edit its settings."
            )
            self._clear_form()
            return
        if rebuild:
            self._build_form(node)
        self._refresh_values()
        self._refresh_facts()

    def _clear_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self._fields = {}

    def _build_form(self, node: Any) -> None:
        self._clear_form()
        cls = _layer_class(node.type)
        self.title.setText(node.type)
        desc = " ".join(str(getattr(cls, "DESCRIPTION", "") or "").split())
        self.description.setText(desc)
        self.description.setVisible(bool(desc))
        specs = tuple(getattr(cls, "PARAMS", ()) or ())
        for spec in specs:
            f = ParamField(spec, self._apply, node.name)
            label = QLabel(spec.name.replace("_", " ").capitalize())
            if spec.help:
                label.setToolTip(spec.help)
            self.form.addRow(label, f)
            self._fields[spec.name] = f
        if not specs:
            note = QLabel("This layer has no settings.")
            note.setProperty("role", "muted")
            self.form.addRow(note)

    # ------------------------------------------------------------------ refresh

    def _refresh_values(self) -> None:
        node = self._node()
        if node is None:
            return
        if not self.name_edit.hasFocus() or self.name_error.isHidden():
            if self.name_edit.text() != node.name:
                self.name_edit.setText(node.name)
        for name, f in self._fields.items():
            f.owner = node.name
            if name in node.params:
                f.set_value(node.params[name])

    def _refresh_facts(self) -> None:
        node = self._node()
        if node is None:
            return
        analysis = getattr(self.controller, "analysis", None)
        if analysis is None:
            self.output_label.setText("–")
            self.params_label.setText("–")
        else:
            self.output_label.setText(info.format_shape(info.output_shape(analysis, node.id)))
            self.params_label.setText(info.group_digits(info.param_count(analysis, node.id)))
        while self.problems_layout.count():
            item = self.problems_layout.takeAt(0)
            old = item.widget()
            if old is not None:
                old.hide()
                old.deleteLater()
        memory = self.memory_problem(analysis)
        if memory:
            msg = make_label(f"⚠ {memory}", role="error", name="memoryProblem")
            self.problems_layout.addWidget(msg)
            msg.show()
        for p in info.problems(analysis, node.id):
            msg = make_label(f"⚠ {p.message}", role="error", name="problem")
            self.problems_layout.addWidget(msg)
            msg.show()
            if p.fix is not None:
                btn = QPushButton(info.fix_label(p))
                btn.setObjectName("fixButton")
                btn.setProperty("role", "primary")
                btn.clicked.connect(lambda _=False, fx=p.fix: self.controller.apply_fix(fx))
                self.problems_layout.addWidget(btn)
                btn.show()

    def memory_problem(self, analysis: Any) -> str | None:
        """Why training this network would not fit in memory (`core.resources`), naming the
        layer and the size, with the project's batch size and optimizer; else None."""
        if analysis is None:
            return None
        from core.resources import memory_problem

        cfg = self.controller.project.train_config
        batch = cfg.get("batch_size")
        return memory_problem(
            self.controller.graph,
            batch_size=batch if isinstance(batch, int) and batch > 0 else 32,
            optimizer=str(cfg.get("optimizer") or "adam"),
            n_features=self.controller.analysis_context.get("n_features"),
            analysis=analysis,
        )

    def _on_graph_event(self, event: GraphEvent) -> None:
        if isinstance(event, GraphReset) or (
            isinstance(event, NodeRemoved) and event.node_id == self._node_id
        ):
            self._count = 0
            self._show_node(None)
        elif isinstance(event, (ParamsChanged, NodeRenamed)) and event.node_id == self._node_id:
            self._refresh_values()

    # ------------------------------------------------------------------ edits

    def _apply(self, name: str, value: Any) -> None:
        if self._node_id is not None:
            self.controller.set_params(self._node_id, {name: value}, merge=True)

    def _name_problem(self, text: str) -> str | None:
        node = self._node()
        if node is None:
            return None
        text = text.strip()
        if not text:
            return "A layer needs a name."
        if text != node.name and self._graph().has_name(text):
            return f"Another layer is already called '{text}'. Choose a different name."
        return None

    def _check_name(self, text: str) -> None:
        problem = self._name_problem(text)
        self.name_error.setText(problem or "")
        self.name_error.setVisible(bool(problem))

    def _commit_name(self) -> None:
        node = self._node()
        if node is None:
            return
        text = self.name_edit.text().strip()
        if text == node.name or self._name_problem(text):
            return
        try:
            self.controller.rename(node.id, text)
        except GraphError as exc:
            self.name_error.setText(str(exc))
            self.name_error.show()
            return
        self.name_error.hide()


def _layer_class(type_name: str) -> Any:
    try:
        from core.engine.layers.spec import get_layer_class

        return get_layer_class(type_name)
    except GraphError:  # unknown layer: show it without a form
        return None


def _rule() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setStyleSheet("color: #d9dde3;")
    return line
