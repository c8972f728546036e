"""Menus and shortcuts of the main window, built from one table.

`ACTIONS` lists every command once: its menu, key, label, shortcut and the
name of the handler method on the window's `WindowCommands`. `build_menus`
creates the QActions and the menus File / Edit / View / Layer / Help,
including the dynamic submenus (Open Recent, Examples, Panels) and the undo
stack's own Undo/Redo actions. The keys of the canvas commands (`CANVAS_COMMANDS`)
work on the Network page only; from the menu they bring that page forward.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QToolBar

from app import recent
from core.document.graph_io import subgraph_dict

if TYPE_CHECKING:
    from app.main_window import MainWindow

#: MIME type of copied layers: JSON of `core.document.graph_io.subgraph_dict`.
GRAPH_MIME = "application/x-layerforge-graph"

SK = QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    """One row of the action table."""

    menu: str
    key: str
    text: str
    handler: str
    shortcut: tuple[Any, ...] = ()
    tip: str = ""


#: Every menu command; "-" as key is a separator. Handlers live in `WindowCommands`.
ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("File", "new", "&New", "new", (SK.New,), "Start an empty network"),
    ActionSpec(
        "File",
        "new_from_data",
        "New from &Data File…",
        "new_from_data",
        (),
        "Start a network that suits a CSV file: Dense, CNN for pixels, Embedding for text, "
        "LSTM for a series",
    ),
    ActionSpec(
        "File",
        "new_from_images",
        "New from &Image Folder…",
        "new_from_images",
        (),
        "Start a small CNN for a folder with one sub-folder of images per class",
    ),
    ActionSpec("File", "open", "&Open…", "open", (SK.Open,), "Open a project file"),
    ActionSpec("File", "@recent", "Open &Recent", ""),
    ActionSpec("File", "@examples", "&Examples", ""),
    ActionSpec("File", "-", "", ""),
    ActionSpec("File", "save", "&Save", "save", (SK.Save,), "Save the project"),
    ActionSpec("File", "save_as", "Save &As…", "save_as", (SK.SaveAs, "Ctrl+Shift+S")),
    ActionSpec("File", "-", "", ""),
    ActionSpec(
        "File",
        "export_diagram",
        "Export &Diagram…",
        "export_diagram",
        ("Ctrl+E",),
        "Save the canvas as a PNG or SVG picture",
    ),
    ActionSpec("File", "-", "", ""),
    ActionSpec("File", "quit", "&Quit", "quit", (SK.Quit, "Ctrl+Q")),
    ActionSpec("Edit", "@undo", "&Undo", ""),
    ActionSpec("Edit", "@redo", "&Redo", ""),
    ActionSpec("Edit", "-", "", ""),
    ActionSpec("Edit", "cut", "Cu&t", "cut", (SK.Cut,)),
    ActionSpec("Edit", "copy", "&Copy", "copy", (SK.Copy,)),
    ActionSpec("Edit", "paste", "&Paste", "paste", (SK.Paste,)),
    ActionSpec("Edit", "duplicate", "D&uplicate", "duplicate", ("Ctrl+D",)),
    ActionSpec("Edit", "delete", "&Delete", "delete", (SK.Delete, "Backspace")),
    ActionSpec("Edit", "-", "", ""),
    ActionSpec("Edit", "select_all", "Select &All", "select_all", (SK.SelectAll,)),
    ActionSpec("View", "zoom_in", "Zoom &In", "zoom_in", (SK.ZoomIn, "Ctrl+=")),
    ActionSpec("View", "zoom_out", "Zoom &Out", "zoom_out", (SK.ZoomOut,)),
    ActionSpec("View", "fit", "&Fit to Window", "fit", ("Ctrl+0",)),
    ActionSpec("View", "-", "", ""),
    ActionSpec("View", "@panels", "&Panels", ""),
    ActionSpec(
        "Layer",
        "auto_layout",
        "&Auto-layout",
        "auto_layout",
        ("Ctrl+L",),
        "Arrange the network left to right",
    ),
    ActionSpec(
        "Layer",
        "add_layer",
        "Add &Layer…",
        "find_layer",
        ("Ctrl+K",),
        "Search the palette for a layer to add",
    ),
    ActionSpec("Help", "about", "&About LayerForge", "about"),
)

MENUS = ("File", "Edit", "View", "Layer", "Help")
#: Commands that act on the canvas: their keys work only on the Network page (a key
#: pressed on another page must not edit a canvas out of sight), and choosing one from
#: the menu brings the Network page forward first.
CANVAS_COMMANDS = frozenset(
    {"cut", "copy", "paste", "duplicate", "delete", "select_all", "zoom_in", "zoom_out", "fit"}
    | {"auto_layout"}
)


def examples_dir() -> Path:
    """Folder of the bundled example projects."""
    return Path(__file__).resolve().parent.parent / "resources" / "examples"


def example_files() -> list[Path]:
    """The bundled example projects, seed first, then by name."""
    folder = examples_dir()
    files = sorted(folder.glob("*.lfproj")) if folder.is_dir() else []
    return sorted(files, key=lambda p: (p.stem != "seed", p.stem))


def _shortcuts(spec: ActionSpec) -> list[QKeySequence]:
    seqs: list[QKeySequence] = []
    for s in spec.shortcut:
        for k in QKeySequence.keyBindings(s) if isinstance(s, SK) else [QKeySequence(s)]:
            if not k.isEmpty() and k not in seqs:
                seqs.append(k)
    return seqs


class WindowCommands:
    """The handlers the action table names; they call the controller, view or file ops."""

    def __init__(self, window: MainWindow) -> None:
        self.w = window
        self._paste_count = 0

    def on_canvas(self, handler: Callable[[], Any]) -> Callable[..., None]:
        """`handler` run with the Network page in front (a canvas command from the menu)."""

        def run(*_args: Any) -> None:
            self.w.workspace.show_page("network")
            handler()

        return run

    # ---- file
    def new(self) -> None:
        self.w.files.new_document()

    def new_from_data(self) -> None:
        self.w.files.new_from_data_dialog(folder=False)

    def new_from_images(self) -> None:
        self.w.files.new_from_data_dialog(folder=True)

    def open(self) -> None:
        self.w.files.open_dialog()

    def save(self) -> None:
        self.w.files.save()

    def save_as(self) -> None:
        self.w.files.save_as()

    def export_diagram(self) -> None:
        self.w.files.export_diagram_dialog()

    def quit(self) -> None:
        self.w.close()

    # ---- edit (the canvas does the work when it offers it; these are the fallbacks)
    def _selected(self) -> list[str]:
        g = self.w.controller.graph
        return [i for i in self.w.selected_ids() if i in g]

    def _view_method(self, name: str) -> Callable[[], Any] | None:
        fn = getattr(self.w.view, name, None)
        return fn if callable(fn) else None

    def copy(self) -> None:
        if (fn := self._view_method("copy_selection")) is not None:
            fn()
            return
        ids = self._selected()
        if not ids:
            return
        data = subgraph_dict(self.w.controller.graph, ids)
        mime = QMimeData()
        mime.setData(GRAPH_MIME, json.dumps(data).encode("utf-8"))
        QGuiApplication.clipboard().setMimeData(mime)
        self._paste_count = 0
        self.w.show_message(f"Copied {len(ids)} layer{'s' if len(ids) != 1 else ''}.")

    def cut(self) -> None:
        if self._selected():
            self.copy()
            self.delete()

    def paste(self) -> None:
        if (fn := self._view_method("paste")) is not None:
            fn()
            return
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or not mime.hasFormat(GRAPH_MIME):
            self.w.show_message("The clipboard holds no layers to paste.")
            return
        try:
            data = json.loads(bytes(mime.data(GRAPH_MIME)).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            self.w.show_message("The clipboard's layers could not be read.")
            return
        self._paste_count += 1
        d = 30.0 * self._paste_count
        ids = self.w.controller.paste(data, d, d)
        if ids:
            self.w.select_ids(ids)

    def duplicate(self) -> None:
        if (fn := self._view_method("duplicate_selection")) is not None:
            fn()
            return
        ids = self._selected()
        if not ids:
            return
        new = self.w.controller.paste(subgraph_dict(self.w.controller.graph, ids), 30.0, 30.0)
        if new:
            self.w.select_ids(new)

    def delete(self) -> None:
        if (fn := self._view_method("delete_selection")) is not None:
            fn()
            return
        ids = self._selected()
        if ids:
            self.w.controller.remove_nodes(ids)

    def select_all(self) -> None:
        self.w.select_ids(list(self.w.controller.graph.nodes))

    # ---- view
    def _view_call(self, name: str) -> None:
        fn = getattr(self.w.view, name, None)
        if callable(fn):
            fn()

    def zoom_in(self) -> None:
        self._view_call("zoom_in")

    def zoom_out(self) -> None:
        self._view_call("zoom_out")

    def fit(self) -> None:
        self._view_call("fit_all")

    # ---- layer
    def auto_layout(self) -> None:
        if (fn := self._view_method("auto_layout")) is not None:
            fn()
        elif self.w.controller.auto_layout():
            self._view_call("fit_all")

    def find_layer(self) -> None:
        self.w.workspace.show_page("network")  # Ctrl+K works from every page
        dock = self.w.docks.get("palette")
        if dock is not None:
            dock.show()
            dock.raise_()
        self.w.palette.search.setFocus()
        self.w.palette.search.selectAll()

    # ---- help
    def about(self) -> None:
        QMessageBox.about(self.w, "About LayerForge", _about_text())


def _about_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("layerforge")
    except PackageNotFoundError:
        v = "development"
    return (
        f"<h3>LayerForge {v}</h3>"
        "<p>Build, train and export neural networks by hand: drag layers, wire them, "
        "train on your own CSV and export to ONNX, Keras or plain NumPy.</p>"
        "<p>Free software under the MIT licence.</p>"
    )


def build_menus(window: MainWindow, commands: WindowCommands) -> dict[str, QAction]:
    """Create every action of `ACTIONS` on `window`'s menu bar; returns them by key."""
    bar = window.menuBar()
    menus: dict[str, QMenu] = {name: bar.addMenu(f"&{name}") for name in MENUS}
    actions: dict[str, QAction] = {}
    stack = window.controller.undo_stack
    for spec in ACTIONS:
        menu = menus[spec.menu]
        if spec.key == "-":
            menu.addSeparator()
            continue
        if spec.key == "@undo" or spec.key == "@redo":
            act = (stack.createUndoAction if spec.key == "@undo" else stack.createRedoAction)(
                window, spec.text
            )
            act.setShortcuts(QKeySequence.keyBindings(SK.Undo if spec.key == "@undo" else SK.Redo))
            if spec.key == "@redo":
                # both usual redo keys, whatever the platform's standard one is
                for extra in (QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")):
                    if extra not in act.shortcuts():
                        act.setShortcuts([*act.shortcuts(), extra])
            menu.addAction(act)
            actions[spec.key[1:]] = act
            continue
        if spec.key.startswith("@"):
            sub = menu.addMenu(spec.text)
            sub.setObjectName(f"menu_{spec.key[1:]}")
            filler = _SUBMENUS[spec.key[1:]]
            sub.aboutToShow.connect(lambda s=sub, f=filler: f(window, s))
            filler(window, sub)
            window.submenus[spec.key[1:]] = sub
            continue
        act = QAction(spec.text, window)
        act.setObjectName(f"action_{spec.key}")
        act.setShortcuts(_shortcuts(spec))
        if spec.tip:
            act.setStatusTip(spec.tip)
            act.setToolTip(spec.tip)
        handler = getattr(commands, spec.handler)
        menu.addAction(act)
        page = getattr(window, "network_page", None)
        if spec.key in CANVAS_COMMANDS and page is not None:
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            page.addAction(act)
            act.triggered.connect(commands.on_canvas(handler))
        else:
            window.addAction(act)  # shortcuts work while the menu bar is hidden, too
            act.triggered.connect(handler)
        actions[spec.key] = act
    return actions


def _fill_recent(window: MainWindow, menu: QMenu) -> None:
    menu.clear()
    paths = recent.recent_files()
    for i, path in enumerate(paths):
        label = f"&{i + 1} {Path(path).name}" if i < 9 else Path(path).name
        act = menu.addAction(label)
        act.setToolTip(path)
        act.setStatusTip(path)
        act.triggered.connect(lambda _=False, p=path: window.files.open_path(p, ask=True))
    if not paths:
        menu.addAction("No recent files").setEnabled(False)
    else:
        menu.addSeparator()
        menu.addAction("Clear Recent Files").triggered.connect(recent.clear_recent_files)


def _fill_examples(window: MainWindow, menu: QMenu) -> None:
    menu.clear()
    files = example_files()
    for path in files:
        act = menu.addAction(path.stem.replace("_", " ").title())
        act.setStatusTip(str(path))
        act.triggered.connect(lambda _=False, p=str(path): window.files.open_example(p))
    if not files:
        menu.addAction("No examples installed").setEnabled(False)


def _fill_panels(window: MainWindow, menu: QMenu) -> None:
    menu.clear()
    for dock in window.docks.values():
        menu.addAction(dock.toggleViewAction())
    bars = [b for b in window.findChildren(QToolBar) if b.parentWidget() is window]
    if bars:
        menu.addSeparator()
    for bar in bars:
        menu.addAction(bar.toggleViewAction())


_SUBMENUS: dict[str, Callable[[Any, QMenu], None]] = {
    "recent": _fill_recent,
    "examples": _fill_examples,
    "panels": _fill_panels,
}
