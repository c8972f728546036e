"""The document controller: the one object every view edits the project through.

`DocumentController` owns the project (`core.document.project.Project`: the
`Graph`, the data file, the data settings and the training settings), the
`QUndoStack`, the file path and the modified mark. Every edit method builds
one undo command from `app.commands` (one gesture = one undo step), so Save,
Undo and the unsaved mark cover every edit: the network through graph
commands, and the project fields through `SetAttrCommand`s (`set_data_source`,
`set_data_config`, `set_train_config`, `update_train_config`). Each project
field change (an edit, its undo or redo) is announced with
`projectChanged(field)` (and `trainConfigChanged` for the training settings);
New/Open announce `documentReset` (and `trainConfigChanged`);
each graph event is re-emitted as `graphEvent`. The shape check
(`core.document.analysis.analyze`) re-runs once per burst of edits, debounced
to the event loop, announced with `analysisChanged`. Refused graph edits never
raise into the GUI: they emit `message(str)` with the plain-language reason
and return False/None; refused settings raise `ConfigError` before anything
changes, for the view to show next to its field.

Training runs are recorded in the project (`core.evaluation.runs`): the
session hands each finished run's record to `record_run`, which appends it
and marks the project modified without an undo step (a run is a fact, not an
edit: Undo must not erase what was trained). Deleting runs (`delete_runs`)
and restoring a run's network and training settings (`restore_run`, one
`ProjectEditCommand` replacing the graph and `train_config`) are edits, so
each is one undo step. `runsChanged` announces every change of the list.

The controller also holds the project's trained state
(`core.document.trained_state.TrainedState`): the one loaded with the file,
or the one the training session hands over after each run. Saving writes it
beside the project; a trained state that is not saved yet counts as an
unsaved change, so `is_modified()` and `modifiedChanged` cover both the
undoable edits and "trained since the last save".
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from app.commands import (
    AddNodeCommand,
    ApplyFixCommand,
    ConnectCommand,
    DeleteRunsCommand,
    DisconnectCommand,
    GraphCommand,
    MoveNodesCommand,
    PasteCommand,
    ProjectEditCommand,
    RemoveNodesCommand,
    RenameCommand,
    ReplaceGraphCommand,
    SetAttrCommand,
    SetParamsCommand,
)
from core.document.graph import Graph, GraphEvent, LayerCatalog
from core.document.project import Project
from core.document.trained_state import TrainedState, load_with_state, save_with_state
from core.errors import ConfigError, FormatError, GraphError, LayerForgeError
from core.evaluation.runs import RunRecord, add_run, find_run, network_fingerprint, runs_of
from core.run import TrainSettings

if TYPE_CHECKING:
    from core.data import TaskInfo
    from core.document.analysis import Analysis, Fix

__all__ = ["DocumentController", "default_catalog"]


def default_catalog() -> LayerCatalog:
    """The layer registry as a graph catalog (importing core.engine.layers registers the layers)."""
    import core.engine.layers  # noqa: F401  (registers the built-in layers)
    from core.engine.layers.spec import CATALOG

    return CATALOG


Analyzer = Callable[..., "Analysis"]


def _analyze_function() -> Analyzer:
    """`core.document.analysis.analyze` with a per-document cache."""
    from core.document.analysis import AnalysisCache, analyze

    cache = AnalysisCache()

    def run(graph: Graph, **context: Any) -> Analysis:
        return analyze(graph, cache=cache, **context)

    return run


def changed_paths(before: Any, after: Any, prefix: tuple[str, ...] = ()) -> frozenset[tuple]:
    """The key paths where two settings values differ (nested dicts are walked).

    Two edits of the same paths merge into one undo step (typing in one field)."""
    if not (isinstance(before, Mapping) and isinstance(after, Mapping)):
        return frozenset() if before == after else frozenset({prefix})
    out: set[tuple] = set()
    for key in set(before) | set(after):
        out |= changed_paths(before.get(key), after.get(key), (*prefix, str(key)))
    return frozenset(out)


def _describe_change(paths: Iterable[tuple]) -> str:
    names = sorted({" ".join(p).replace("_", " ") for p in paths})
    return "Set " + ", ".join(names)


def _checked_data_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """`config` as the project keeps it (`core.run.data_settings`); ConfigError if not valid."""
    from core.data import DataConfig
    from core.run import data_settings

    raw = {k: copy.deepcopy(v) for k, v in config.items() if k != "seed"}
    try:
        return data_settings(DataConfig.from_dict(raw))
    except TypeError as exc:
        raise ConfigError(f"The data settings are not valid: {exc}.") from None


#: Stands for "the file's trained state is not known" (a recovered copy): never equal.
_NOT_SAVED = object()


class DocumentController(QObject):
    """Owns the graph, the undo stack and the file; see the module docstring."""

    graphEvent = Signal(object)
    documentReset = Signal()
    analysisChanged = Signal(object)
    pathChanged = Signal(str)
    cleanChanged = Signal(bool)  # True when the document equals the saved file
    message = Signal(str)
    projectChanged = Signal(str)  # a project field changed: an edit, its undo or redo
    trainConfigChanged = Signal()  # the project's train_config changed (edit, undo, redo)
    modifiedChanged = Signal(bool)  # True when there are unsaved edits or an unsaved model
    trainedStateChanged = Signal()  # the document's trained state was replaced or dropped
    runsChanged = Signal()  # a run was recorded, deleted or put back (or a new document)

    def __init__(self, catalog: LayerCatalog | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.catalog: LayerCatalog = catalog if catalog is not None else default_catalog()
        self.graph = Graph(self.catalog)
        self.project = Project(graph=self.graph)
        self.undo_stack = QUndoStack(self)
        self.path: str | None = None
        self.analysis: Analysis | None = None
        self.analysis_context: dict[str, Any] = {
            "n_features": None,
            "task": None,
            "input_shape": None,
            "vocabulary_size": None,
        }
        self._analysis_pending = False
        self._analyze: Analyzer = _analyze_function()
        #: The trained state that goes with the document (None: no trained model).
        self.trained_state: TrainedState | None = None
        #: Why the trained state saved with the opened file could not be used, if it could not.
        self.trained_problem: str | None = None
        self._saved_state: object | None = None  # the trained state the file holds
        self._unsaved_runs = False  # runs recorded since the last save (no undo step)
        self._modified = False
        self._unsubscribe = self.graph.subscribe(self._on_graph_event)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)

    # ------------------------------------------------------------------ events

    def _on_graph_event(self, event: GraphEvent) -> None:
        self.graphEvent.emit(event)
        self.schedule_analysis()

    def _on_clean_changed(self, clean: bool) -> None:
        self.cleanChanged.emit(clean)
        self._emit_modified()

    # ------------------------------------------------------------------ analysis

    def schedule_analysis(self) -> None:
        """Re-run the shape check once the current burst of edits is over."""
        if self._analysis_pending:
            return
        self._analysis_pending = True
        QTimer.singleShot(0, self.analyze_now)

    def analyze_now(self) -> Analysis | None:
        """Run the shape check now and emit `analysisChanged`; returns the analysis."""
        self._analysis_pending = False
        try:
            self.analysis = self._analyze(self.graph, **self.analysis_context)
        except GraphError as exc:  # a bug in the checker must not take the editor down
            self.message.emit(f"Shape check failed: {exc}")
            return self.analysis
        self.analysisChanged.emit(self.analysis)
        return self.analysis

    def current_analysis(self) -> Analysis | None:
        """The analysis of the graph as it is now, or None while a re-check is pending."""
        return None if self._analysis_pending else self.analysis

    def set_analysis_context(
        self,
        n_features: int | None = None,
        task: TaskInfo | None = None,
        input_shape: tuple[int, ...] | None = None,
        vocabulary_size: int | None = None,
    ) -> None:
        """Tell the shape check the data's feature count, sample shape, task and (for text)
        vocabulary size; re-checks."""
        self.analysis_context = {
            "n_features": n_features,
            "task": task,
            "input_shape": input_shape,
            "vocabulary_size": vocabulary_size,
        }
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

    def _build(
        self, factory: Callable[..., GraphCommand], *args: Any, **kwargs: Any
    ) -> GraphCommand | None:
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

    def apply_fix(self, fix: Fix) -> bool:
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

    # ------------------------------------------------------------------ project fields

    def _field_changed(self, name: str) -> None:
        self.projectChanged.emit(name)
        if name == "train_config":
            self.trainConfigChanged.emit()

    def _set_field(self, name: str, value: Any, text: str, *, merge: bool = True) -> bool:
        """Set one project field as one undo step; consecutive edits of the same keys merge."""
        before = getattr(self.project, name)
        if before == value:
            return False
        paths = changed_paths(before, value)
        self.undo_stack.push(
            SetAttrCommand(
                self.project,
                name,
                copy.deepcopy(value),
                text or _describe_change(paths),
                changed=self._field_changed,
                merge_key=(name, paths) if merge else None,
            )
        )  # push runs redo, which sets it
        return True

    def train_settings(self) -> TrainSettings:
        """The project's training settings, typed (`TrainSettings` owns the defaults)."""
        return TrainSettings.from_dict(self.project.train_config)

    def set_train_config(self, config: Mapping[str, Any], text: str = "") -> bool:
        """Replace the training settings (checked first: ConfigError, nothing changed) as one
        undo step; consecutive edits of the same settings merge. False when nothing changed.
        """
        return self._set_field("train_config", TrainSettings.from_dict(config).to_dict(), text)

    def update_train_config(self, changes: Mapping[str, Any], text: str = "") -> bool:
        """`set_train_config` with `changes` merged into the current settings
        (`early_stopping` merges key by key)."""
        merged = copy.deepcopy(self.project.train_config)
        for key, value in changes.items():
            if key == "early_stopping" and isinstance(value, Mapping):
                merged[key] = {**dict(merged.get(key) or {}), **value}
            else:
                merged[key] = copy.deepcopy(value)
        return self.set_train_config(merged, text)

    def set_data_config(self, config: Mapping[str, Any], text: str = "") -> bool:
        """Replace the data settings (roles, preprocessing, splits) as one undo step.

        `config` is the project's `data_config` form (`core.run.data_settings`); it is
        checked first (ConfigError, nothing changed). False when nothing changed.
        """
        return self._set_field("data_config", _checked_data_config(config), text, merge=False)

    def set_data_source(self, path: str | None, config: Mapping[str, Any], text: str = "") -> bool:
        """Use another data file with its data settings: one undo step setting both."""
        changes = {
            name: value
            for name, value in (
                ("data_path", path),
                ("data_config", _checked_data_config(config)),
            )
            if getattr(self.project, name) != value
        }
        if not changes:
            return False
        name = os.path.basename(path) if path else "no data file"
        self.undo_stack.push(
            ProjectEditCommand(
                self.project,
                copy.deepcopy(changes),
                text or f"Use {name}",
                changed=self._field_changed,
            )
        )
        return True

    # ------------------------------------------------------------------ files

    def _set_path(self, path: str | None) -> None:
        self.path = path
        self.pathChanged.emit(path or "")

    def _reset(
        self,
        project: Project | None,
        path: str | None,
        state: TrainedState | None = None,
        problem: str | None = None,
    ) -> None:
        self.undo_stack.clear()
        self.trained_state, self.trained_problem = state, problem
        self._saved_state = state
        self._unsaved_runs = False
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
                runs=copy.deepcopy(project.runs),
            )
        self.undo_stack.setClean()
        self._set_path(path)
        self.documentReset.emit()  # views of the project fields reload from the new project
        self.trainConfigChanged.emit()
        self.runsChanged.emit()
        self.cleanChanged.emit(True)
        self._emit_modified()

    def new(self) -> None:
        """An empty, unsaved document."""
        self._reset(None, None)

    def open(self, path: str | os.PathLike[str]) -> None:
        """Load a project file and its trained state; raises core.errors.FormatError with a
        plain message when the project cannot be read (a trained state that cannot be read
        only leaves `trained_problem` set)."""
        loaded = load_with_state(path, catalog=self.catalog)
        self._reset(loaded.project, str(Path(path).resolve()), loaded.state, loaded.problem)

    def load_project(
        self,
        project: Project,
        path: str | None = None,
        state: TrainedState | None = None,
        *,
        modified: bool = False,
    ) -> None:
        """Show an already-loaded Project (an example, a recovered copy) as a fresh document.

        `modified`: the document is not what its file holds (a recovered copy), so it
        shows the unsaved mark and closing asks first.
        """
        self._reset(project, path, state)
        if modified:
            self.undo_stack.resetClean()  # no undo step is clean: the document is unsaved
            self._saved_state = _NOT_SAVED
            self._emit_modified()

    def save(self, path: str | os.PathLike[str] | None = None) -> None:
        """Save to `path` (or the current path) with the trained state beside it; raises
        FormatError on failure."""
        target = path if path is not None else self.path
        if target is None:
            raise FormatError("The project has no file yet. Choose where to save it (Save As).")
        save_with_state(self.project, self.trained_state, target)
        self._set_path(str(Path(target).resolve()))
        self.mark_clean()

    def mark_clean(self) -> None:
        """The document now equals its file: no unsaved edits, no unsaved model."""
        self.undo_stack.setClean()
        self._saved_state = self.trained_state
        self._unsaved_runs = False
        self._emit_modified()

    # ------------------------------------------------------------------ trained state

    def set_trained_state(self, state: TrainedState | None) -> None:
        """Attach the session's newest trained state (None: the model was dropped).

        It is an unsaved change until the next save, unless it is what the file holds.
        """
        if state is self.trained_state:
            return
        self.trained_state = state
        self.trained_problem = None
        self.trainedStateChanged.emit()
        self._emit_modified()

    def has_unsaved_model(self) -> bool:
        """True when a trained state is newer than the file (trained since the last save)."""
        return self.trained_state is not None and self.trained_state is not self._saved_state

    def is_modified(self) -> bool:
        """Unsaved edits (any undo step since the save), a model trained or a run recorded
        since the save."""
        return (
            not self.undo_stack.isClean()
            or self.trained_state is not self._saved_state
            or self._unsaved_runs
        )

    def _emit_modified(self) -> None:
        modified = self.is_modified()
        if modified != self._modified:
            self._modified = modified
            self.modifiedChanged.emit(modified)

    # ------------------------------------------------------------------ runs

    def runs(self) -> list[RunRecord]:
        """The project's recorded runs, oldest first (FormatError names a damaged one)."""
        return runs_of(self.project)

    def record_run(self, record: RunRecord) -> None:
        """Add a finished run to the project: an unsaved change, but no undo step."""
        add_run(self.project, record)
        self._unsaved_runs = True
        self.runsChanged.emit()
        self._emit_modified()

    def delete_runs(self, run_ids: Iterable[str]) -> bool:
        """Delete runs as one undo step; False (and `message`) when one is not there."""
        ids = list(dict.fromkeys(run_ids))
        if not ids:
            return False
        try:
            records = [find_run(self.project, i) for i in ids]
        except FormatError as exc:
            self.message.emit(str(exc))
            return False
        self.undo_stack.push(DeleteRunsCommand(self.project, records, self.runsChanged.emit))
        n = len(records)
        what = f"run {records[0].id}" if n == 1 else f"{n} runs"
        self.message.emit(f"Deleted {what}. Undo (Ctrl+Z) brings it back.")
        return True

    def restore_run(self, run_id: str) -> bool:
        """Put back a run's network and training settings as one undo step.

        False (and `message`) when the run cannot be restored or both are already
        the run's."""
        from core.evaluation.runs import restore_run

        try:
            record = find_run(self.project, run_id)
            graph, settings = restore_run(record, self.catalog)
        except (LayerForgeError, ValueError, TypeError) as exc:
            self.message.emit(f"Run {run_id} cannot be restored: {' '.join(str(exc).split())}")
            return False
        same_graph = network_fingerprint(graph) == network_fingerprint(self.graph)
        if same_graph and settings == self.project.train_config:
            self.message.emit(f"The network and settings are already those of run {record.id}.")
            return False
        self.undo_stack.push(
            ProjectEditCommand(
                self.project,
                {"train_config": settings},
                f"Restore run {record.id}",
                changed=self._field_changed,
                first=[ReplaceGraphCommand(self.graph, graph, f"Restore network of {record.id}")],
            )
        )
        self.message.emit(
            f"Restored the network and training settings of run {record.id}. Undo (Ctrl+Z) "
            "brings back the previous ones."
        )
        return True
