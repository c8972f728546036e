"""The document controller: the one object every view edits the network through.

`DocumentController` owns the `core.document.graph.Graph`, the `QUndoStack`, the
project settings and the file path. Every edit method builds one undo command
from `app.commands` (one gesture = one undo step), re-emits each graph event as
the Qt signal `graphEvent`, and re-runs the shape check (`core.document.analysis.analyze`)
once per burst of edits, debounced to the event loop, announcing the result
with `analysisChanged`. Refused edits never raise into the GUI: they emit
`message(str)` with the plain-language reason and return False/None. Run
settings (the project's `train_config`) change through `set_train_config`,
an undo step like any edit (so Save and the unsaved mark follow them), and
every change is announced with `trainConfigChanged`.
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from app.commands import (
    AddNodeCommand,
    ApplyFixCommand,
    ConnectCommand,
    DisconnectCommand,
    GraphCommand,
    MoveNodesCommand,
    PasteCommand,
    RemoveNodesCommand,
    RenameCommand,
    SetParamsCommand,
)
from core.document.graph import Graph, LayerCatalog
from core.document.project import Project, load_project, save_project
from core.errors import FormatError, GraphError

__all__ = ["DocumentController", "default_catalog"]


def default_catalog() -> LayerCatalog:
    """The layer registry as a graph catalog (importing core.engine.layers registers the layers)."""
    with contextlib.suppress(ImportError):
        import core.engine.layers  # noqa: F401  (registers the built-in layers)
    from core.engine.layers.spec import CATALOG

    return CATALOG


def _analyze_function() -> Any:
    """`core.document.analysis.analyze` with a per-document cache, or None where it is missing."""
    try:
        from core.document.analysis import AnalysisCache, analyze
    except ImportError:
        return None
    cache = AnalysisCache()

    def run(graph: Graph, **context: Any) -> Any:
        return analyze(graph, cache=cache, **context)

    return run


class TrainConfigCommand(QUndoCommand):
    """Replace the project's train_config (one undo step; edits of one field merge)."""

    ID = 7301

    def __init__(
        self,
        controller: DocumentController,
        before: Mapping[str, Any],
        after: Mapping[str, Any],
        text: str,
    ) -> None:
        super().__init__(text)
        self.controller = controller
        self.before = copy.deepcopy(dict(before))
        self.after = copy.deepcopy(dict(after))
        self.fields = frozenset(
            k for k in set(self.before) | set(self.after) if self.before.get(k) != self.after.get(k)
        )

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt override)
        if not isinstance(other, TrainConfigCommand) or other.fields != self.fields:
            return False
        self.after = copy.deepcopy(other.after)
        return True

    def redo(self) -> None:
        self.controller._apply_train_config(self.after)

    def undo(self) -> None:
        self.controller._apply_train_config(self.before)


class DocumentController(QObject):
    """Owns the graph, the undo stack and the file; see the module docstring."""

    graphEvent = Signal(object)
    documentReset = Signal()
    analysisChanged = Signal(object)
    pathChanged = Signal(str)
    cleanChanged = Signal(bool)  # True when the document equals the saved file
    message = Signal(str)
    trainConfigChanged = Signal()  # the project's train_config changed (edit, undo, redo)

    def __init__(self, catalog: LayerCatalog | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.catalog: LayerCatalog = catalog if catalog is not None else default_catalog()
        self.graph = Graph(self.catalog)
        self.project = Project(graph=self.graph)
        self.undo_stack = QUndoStack(self)
        self.path: str | None = None
        self.analysis: Any = None
        self.analysis_context: dict[str, Any] = {"n_features": None, "task": None}
        self._analysis_pending = False
        self._analyze = _analyze_function()
        self._unsubscribe = self.graph.subscribe(self._on_graph_event)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)

    # ------------------------------------------------------------------ events

    def _on_graph_event(self, event: Any) -> None:
        self.graphEvent.emit(event)
        self.schedule_analysis()

    def _on_clean_changed(self, clean: bool) -> None:
        self.cleanChanged.emit(clean)

    # ------------------------------------------------------------------ analysis

    def schedule_analysis(self) -> None:
        """Re-run the shape check once the current burst of edits is over."""
        if self._analysis_pending:
            return
        self._analysis_pending = True
        QTimer.singleShot(0, self.analyze_now)

    def analyze_now(self) -> Any:
        """Run the shape check now and emit `analysisChanged`; returns the analysis."""
        self._analysis_pending = False
        if self._analyze is None:
            self._analyze = _analyze_function()
        if self._analyze is None:
            return None
        try:
            self.analysis = self._analyze(self.graph, **self.analysis_context)
        except GraphError as exc:  # a bug in the checker must not take the editor down
            self.message.emit(f"Shape check failed: {exc}")
            return self.analysis
        self.analysisChanged.emit(self.analysis)
        return self.analysis

    def set_analysis_context(self, n_features: int | None = None, task: str | None = None) -> None:
        """Tell the shape check the data's feature count and task; re-checks."""
        self.analysis_context = {"n_features": n_features, "task": task}
        self.schedule_analysis()

    # ------------------------------------------------------------------ edits

    def _push(self, command: GraphCommand) -> bool:
        try:
            command.execute()
        except GraphError as exc:
            self.message.emit(str(exc))
            return False
        self.undo_stack.push(command)
        return True

    def _build(self, factory: Any, *args: Any, **kwargs: Any) -> GraphCommand | None:
        try:
            return factory(self.graph, *args, **kwargs)
        except GraphError as exc:
            self.message.emit(str(exc))
            return None

    def add_node(
        self,
        type: str,
        x: float,
        y: float,
        params: Mapping[str, Any] | None = None,
        *,
        name: str | None = None,
    ) -> str | None:
        """Add a layer at (x, y); returns its id (None if refused)."""
        cmd = AddNodeCommand(self.graph, type, x, y, params, name)
        return cmd.node_id if self._push(cmd) else None

    def remove_nodes(self, ids: Iterable[str]) -> bool:
        ids = [i for i in dict.fromkeys(ids) if i in self.graph]
        if not ids:
            return False
        cmd = self._build(RemoveNodesCommand, ids)
        return cmd is not None and self._push(cmd)

    def delete(self, node_ids: Iterable[str], edges: Iterable[tuple[str, str]] = ()) -> bool:
        """Delete layers and connections (e.g. a canvas selection) in one undo step."""
        ids = [i for i in dict.fromkeys(node_ids) if i in self.graph]
        gone = set(ids)
        links = [(s, d) for s, d in edges if s not in gone and d not in gone]
        if not links:
            return self.remove_nodes(ids)
        self.undo_stack.beginMacro("Delete")
        try:
            for s, d in links:
                self.disconnect(s, d)
            if ids:
                self.remove_nodes(ids)
        finally:
            self.undo_stack.endMacro()
        return True

    def connect(self, src: str, dst: str) -> bool:
        """Connect src into dst; False (and message(reason)) when refused."""
        reason = (
            self.graph.can_connect(src, dst)
            if (src in self.graph and dst in self.graph)
            else "That layer no longer exists."
        )
        if reason is not None:
            self.message.emit(reason)
            return False
        cmd = self._build(ConnectCommand, src, dst)
        return cmd is not None and self._push(cmd)

    def disconnect(self, src: str, dst: str) -> bool:
        cmd = self._build(DisconnectCommand, src, dst)
        return cmd is not None and self._push(cmd)

    def move_nodes(self, moves: Mapping[str, tuple[float, float]], text: str = "") -> bool:
        """Move layers in one undo step; positions equal to the current ones are skipped."""
        real = {}
        for nid, (x, y) in moves.items():
            if nid in self.graph:
                node = self.graph.node(nid)
                if (float(x), float(y)) != (node.x, node.y):
                    real[nid] = (float(x), float(y))
        if not real:
            return False
        cmd = self._build(MoveNodesCommand, real, text)
        return cmd is not None and self._push(cmd)

    def set_params(self, node_id: str, changes: Mapping[str, Any], merge: bool = True) -> bool:
        """Set parameters; consecutive edits of the same field of one layer merge."""
        cmd = self._build(SetParamsCommand, node_id, changes, merge)
        return cmd is not None and self._push(cmd)

    def rename(self, node_id: str, name: str) -> bool:
        cmd = self._build(RenameCommand, node_id, name)
        return cmd is not None and self._push(cmd)

    def apply_fix(self, fix: Any) -> bool:
        """Apply an analysis `Fix` (insert a layer on an edge, or set parameters) as one step."""
        cmd = self._build(ApplyFixCommand, fix)
        if cmd is None or not self._push(cmd):
            return False
        self.message.emit(f"Applied: {getattr(fix, 'label', 'fix')}")
        return True

    def paste(self, data: Mapping[str, Any], dx: float = 0.0, dy: float = 0.0) -> list[str]:
        """Paste a `subgraph_dict` with fresh ids, shifted by (dx, dy); returns new ids."""
        try:
            cmd = PasteCommand(self.graph, data, (dx, dy))
        except (GraphError, FormatError) as exc:
            self.message.emit(str(exc))
            return []
        if not self._push(cmd):
            return []
        return list(cmd.ids)

    def auto_layout(self) -> bool:
        """Arrange the network left to right by topological layers (one undo step)."""
        from app.canvas.layout import layered_layout

        g = self.graph
        positions = layered_layout(list(g.nodes), [(e.src, e.dst) for e in g.edges])
        return self.move_nodes(positions, "Auto-layout")

    # ------------------------------------------------------------------ run settings

    def set_train_config(self, config: Mapping[str, Any], text: str = "") -> bool:
        """Replace the project's train_config with `config` as one undo step (consecutive
        edits of the same fields merge); `trainConfigChanged` follows.

        The one path for run-settings edits: `TrainingSession.update_train_config` checks
        the new value and calls this. False when nothing changed.
        """
        before = copy.deepcopy(dict(self.project.train_config))
        after = copy.deepcopy(dict(config))
        if before == after:
            return False
        if not text:
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            text = "Set " + ", ".join(k.replace("_", " ") for k in changed)
        self.undo_stack.push(TrainConfigCommand(self, before, after, text))  # redo applies it
        return True

    def _apply_train_config(self, config: Mapping[str, Any]) -> None:
        target = self.project.train_config
        if dict(target) != dict(config):
            target.clear()
            target.update(copy.deepcopy(dict(config)))
        self.trainConfigChanged.emit()

    # ------------------------------------------------------------------ files

    def _set_path(self, path: str | None) -> None:
        self.path = path
        self.pathChanged.emit(path or "")

    def _reset(self, project: Project | None, path: str | None) -> None:
        self.undo_stack.clear()
        if project is None:
            self.graph.clear()
            self.project = Project(graph=self.graph)
        else:
            self.graph.load(project.graph)
            self.project = Project(
                graph=self.graph,
                data_path=project.data_path,
                data_config=copy.deepcopy(project.data_config),
                train_config=copy.deepcopy(project.train_config),
                path=project.path,
            )
        self.undo_stack.setClean()
        self._set_path(path)
        self.documentReset.emit()
        self.trainConfigChanged.emit()
        self.cleanChanged.emit(True)

    def new(self) -> None:
        """An empty, unsaved document."""
        self._reset(None, None)

    def open(self, path: str | os.PathLike[str]) -> None:
        """Load a project file; raises core.errors.FormatError with a plain message."""
        project = load_project(path, catalog=self.catalog)
        self._reset(project, str(Path(path).resolve()))

    def load_project(self, project: Project, path: str | None = None) -> None:
        """Show an already-loaded Project (e.g. an example) as a fresh document."""
        self._reset(project, path)

    def save(self, path: str | os.PathLike[str] | None = None) -> None:
        """Save to `path` (or the current path); raises FormatError on failure."""
        target = path if path is not None else self.path
        if target is None:
            raise FormatError("The project has no file yet. Choose where to save it (Save As).")
        save_project(self.project, target)
        self.undo_stack.setClean()
        self._set_path(str(Path(target).resolve()))

    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()
