"""Start the desktop app: `layerforge [PROJECT] [--screenshot OUT.png [--view KEY]]`.

`run_gui(argv)` parses the arguments, creates the QApplication (names for
QSettings, the theme), the document controller and the main window, opens the
given project (or the seed example when it is installed, or an empty document
with the start card), and either runs the event loop or, with
`--screenshot`, renders the window off-screen at a fixed size to a PNG and
exits 0; `--view KEY` first brings that workspace page forward (`network`,
alias `canvas`, `data`, `training`, and the pages other parts add), and an
unknown key exits 2 naming the pages there are. A project that cannot be
opened is one line on stderr and exit 1 with `--screenshot` (no dialog); in
the GUI the window opens (empty, with the start card) and the reason is shown
in a dialog over it. With `--screenshot`
and no display, the offscreen platform is chosen automatically. Heavy modules
(pyqtgraph, the engine) are not imported here.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

APP_NAME = "LayerForge"
ORG_NAME = "LayerForge"
ORG_DOMAIN = "layerforge.app"
SCREENSHOT_SIZE = (1400, 900)
#: Other names `--view` accepts for a workspace page.
VIEW_ALIASES = {"canvas": "network"}
#: How long `--screenshot` waits at most for the project's data to be read (s).
SETTLE_SECONDS = 20.0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="layerforge",
        description="LayerForge desktop app. Subcommands (train, export, …) run headless; "
        "see `layerforge --help`.",
    )
    p.add_argument("project", nargs="?", help="a .lfproj project file to open")
    p.add_argument(
        "--screenshot",
        metavar="OUT.png",
        help="render the main window off-screen to a PNG and exit",
    )
    p.add_argument(
        "--view",
        metavar="KEY",
        default="network",
        help="with --screenshot: the page to render (network or canvas, data, training, "
        "results, …; default %(default)s)",
    )
    p.add_argument(
        "--size",
        default=f"{SCREENSHOT_SIZE[0]}x{SCREENSHOT_SIZE[1]}",
        help="window size for --screenshot, WIDTHxHEIGHT (default %(default)s)",
    )
    p.add_argument(
        "--recover",
        action="store_true",
        help="restore the newest recovery copy left by a LayerForge that did not close "
        "normally, without asking",
    )
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    return p


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise SystemExit(
            f"layerforge: --size expects WIDTHxHEIGHT such as 1400x900. Received: '{text}'."
        ) from None
    return max(w, 400), max(h, 300)


def seed_example() -> Path | None:
    """The bundled seed example, when installed."""
    from app.actions import examples_dir

    path = examples_dir() / "seed.lfproj"
    return path if path.is_file() else None


def create_application(argv: Sequence[str] = ()) -> object:
    """The QApplication (created once), named for QSettings and themed."""
    from PySide6.QtWidgets import QApplication

    from app.theme import apply_theme

    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "layerforge", *argv])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setOrganizationDomain(ORG_DOMAIN)
    app.setDesktopFileName("layerforge")
    apply_theme(app)
    return app


def build_window(
    project: str | None = None,
    persist_settings: bool = True,
    headless: bool = False,
    example: bool = True,
    recovery: bool = True,
) -> object:
    """Controller + main window with `project` (or, if `example`, the seed example) open.

    `headless`: nobody can answer a dialog; errors are recorded in `window.files.errors`.
    `recovery`: autosave and crash recovery (off for screenshots).
    """
    from app.document import DocumentController
    from app.main_window import MainWindow

    controller = DocumentController()
    window = MainWindow(controller, persist_settings=persist_settings, recovery=recovery)
    window.files.headless = headless
    if project:
        window.files.open_path(project)
    elif example:
        seed = seed_example()
        if seed is not None:
            window.files.open_example(str(seed), ask=False)
    return window


def _select_showcase_layer(window: object) -> None:
    """Select a layer so the inspector shows a form: the first with a problem, else the
    first hidden layer."""
    controller = window.controller  # type: ignore[attr-defined]
    graph = controller.graph
    if len(graph) == 0:
        return
    order = graph.topological_order()
    analysis = getattr(controller, "analysis", None)
    bad = [p.node_id for p in getattr(analysis, "problems", []) if p.node_id in graph]
    pick = bad[0] if bad else (order[1] if len(order) > 1 else order[0])
    window.select_ids([pick])  # type: ignore[attr-defined]


def view_key(window: object, view: str) -> str:
    """The workspace page `view` names (an alias resolved); ValueError lists the pages."""
    workspace = window.workspace  # type: ignore[attr-defined]
    key = VIEW_ALIASES.get(view.strip().lower(), view.strip().lower())
    if not workspace.has_page(key):
        keys = workspace.keys()
        names = [f"{k} (or {a})" if a else k for k in keys for a in [_alias_of(k)]]
        raise ValueError(
            f"--view expects one of the window's pages: {', '.join(names)}. Received: '{view}'."
        )
    return key


def _alias_of(key: str) -> str:
    return next((alias for alias, target in VIEW_ALIASES.items() if target == key), "")


def _settle(window: object, seconds: float = SETTLE_SECONDS) -> None:
    """Run the event loop until the project's data is read (or failed), at most `seconds`."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    session = getattr(getattr(window, "training", None), "session", None)
    project = window.controller.project  # type: ignore[attr-defined]
    wants_data = session is not None and bool(getattr(project, "data_path", None))
    deadline = time.perf_counter() + seconds
    while True:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        loaded = not wants_data or session.table is not None or bool(session.data_error)
        if loaded or time.perf_counter() > deadline:
            break
        time.sleep(0.01)
    for _ in range(3):
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def save_screenshot(window: object, out: str, size: tuple[int, int], view: str = "network") -> bool:
    """Lay out, analyse and render `window` at `size`, page `view` in front, to the PNG `out`."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    key = view_key(window, view)
    window.resize(*size)  # type: ignore[attr-defined]
    window.show()  # type: ignore[attr-defined]
    _settle(window)
    controller = window.controller  # type: ignore[attr-defined]
    if hasattr(controller, "analyze_now"):
        controller.analyze_now()
    _select_showcase_layer(window)
    window.workspace.show_page(key)  # type: ignore[attr-defined]
    for _ in range(3):
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    if key == "network":
        fit = getattr(window.view, "fit_all", None)  # type: ignore[attr-defined]
        if callable(fit):
            fit()
    _settle(window, 0.0)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    return bool(window.grab().save(out))  # type: ignore[attr-defined]


def run_gui(argv: Sequence[str]) -> int:
    """Run the desktop app with `argv` (without the program name); returns the exit code."""
    started = time.perf_counter()
    args = _parser().parse_args(list(argv))
    if args.project and not Path(args.project).is_file():
        print(f"layerforge: no such project file: {args.project}", file=sys.stderr)
        return 2
    if args.screenshot and not _has_display():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    app = create_application()
    if args.screenshot:
        window = build_window(args.project, persist_settings=False, headless=True, recovery=False)
        errors = window.files.errors  # type: ignore[attr-defined]
        if errors:
            title, message = errors[0]
            window.controller.mark_clean()  # type: ignore[attr-defined]
            window.close()  # type: ignore[attr-defined]
            print(f"layerforge: {title}: {' '.join(message.split())}", file=sys.stderr)
            return 1
        try:
            ok = save_screenshot(window, args.screenshot, _parse_size(args.size), args.view)
        except ValueError as exc:
            window.controller.mark_clean()  # type: ignore[attr-defined]
            window.close()  # type: ignore[attr-defined]
            print(f"layerforge: {exc}", file=sys.stderr)
            return 2
        window.controller.mark_clean()  # type: ignore[attr-defined]
        window.close()  # type: ignore[attr-defined]
        if not ok:
            print(f"layerforge: could not write {args.screenshot}", file=sys.stderr)
            return 1
        print(args.screenshot)
        return 0

    from PySide6.QtCore import QTimer

    # A project that cannot be opened must not block start-up with a dialog before the
    # window exists: collect the error, show the window, then report it over the window.
    window = build_window(args.project, headless=True)
    files = window.files  # type: ignore[attr-defined]
    files.headless = False
    from app.crash_guard import install as install_crash_guard

    install_crash_guard(window)  # type: ignore[arg-type]
    window.show()  # type: ignore[attr-defined]
    if files.errors:
        from PySide6.QtWidgets import QMessageBox

        title, message = files.errors[0]
        QTimer.singleShot(0, lambda: QMessageBox.warning(window, title, message))
    from app.recovery import offer_recovery, restore_latest

    # Work left by a LayerForge that was killed or crashed: offer it once the window is up.
    QTimer.singleShot(0, lambda: (restore_latest if args.recover else offer_recovery)(window))
    if os.environ.get("LAYERFORGE_EXIT_WHEN_SHOWN"):
        # Used by benchmarks/startup.py: report once the first frame is drawn, then quit.
        def _report() -> None:
            print(f"shown {time.perf_counter() - started:.4f}", flush=True)
            app.quit()  # type: ignore[attr-defined]

        QTimer.singleShot(0, _report)
    return int(app.exec())  # type: ignore[attr-defined]
