"""Main window: composition, title and modified mark, closing with unsaved changes, drops."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDockWidget

from core.document.graph_io import graph_to_dict
from tests.app._gui_helpers import add_chain, make_window


def test_smoke_window_composes_pages_docks_menus_and_status(qtbot):
    w = make_window(qtbot)
    assert w.isVisible()
    assert w.windowTitle() == "Untitled.lfproj[*] — LayerForge"
    # the workflow's pages, in order; the canvas docks live on the Network page
    assert w.workspace.keys()[:3] == ["network", "data", "training"]
    page = w.network_page
    assert w.workspace.page("network") is page and page.centralWidget() is w.view
    for key in ("palette", "inspector", "summary", "history"):
        assert isinstance(w.docks[key], QDockWidget)
        assert w.docks[key].widget() is not None and w.docks[key].parent() is page
    assert page.dockWidgetArea(w.docks["palette"]) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert page.dockWidgetArea(w.docks["inspector"]) == Qt.DockWidgetArea.RightDockWidgetArea
    assert page.dockWidgetArea(w.docks["summary"]) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert w.docks["history"] in page.tabifiedDockWidgets(w.docks["summary"])
    assert w.workspace.page("data") is w.training.data_panel
    assert w.training.run_bar.parent() is w and w.training.run_bar.isVisible()
    menus = [a.text().replace("&", "") for a in w.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Layer", "Data", "Training", "Help"]
    for key in (
        "new",
        "open",
        "save",
        "save_as",
        "export_diagram",
        "quit",
        "undo",
        "redo",
        "cut",
        "copy",
        "paste",
        "duplicate",
        "delete",
        "select_all",
        "zoom_in",
        "zoom_out",
        "fit",
        "auto_layout",
        "about",
    ):
        assert key in w.actions_by_key, key
    assert w.actions_by_key["save"].shortcut().toString() == "Ctrl+S"
    assert w.start_page.isVisible()  # empty document: the start card is shown


def test_title_shows_modified_mark_and_undo_clears_it(qtbot):
    w = make_window(qtbot)
    assert not w.isWindowModified()
    w.controller.add_node("Dense", 0, 0)
    assert w.isWindowModified()
    assert not w.start_page.isVisible()
    w.actions_by_key["undo"].trigger()
    assert not w.isWindowModified()
    assert len(w.controller.graph) == 0


def test_status_bar_reports_validation_and_messages(qtbot):
    w = make_window(qtbot)
    add_chain(w.controller)
    assert "Network OK" in w.status_label.text()
    assert "161" in w.status_label.text()  # 8*16+16 + 16+1 params
    w.controller.message.emit("Hello there")
    assert w.statusBar().currentMessage() == "Hello there"


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_window(qtbot, monkeypatch):
    w = make_window(qtbot)
    w.controller.add_node("Dense", 0, 0)
    asked = []
    monkeypatch.setattr(w.files, "ask_save_changes", lambda: asked.append(1) or "cancel")
    assert not w.close()
    assert w.isVisible() and asked == [1]
    monkeypatch.setattr(w.files, "ask_save_changes", lambda: asked.append(2) or "discard")
    assert w.close()
    assert asked == [1, 2]


def test_closing_with_save_answer_saves(qtbot, monkeypatch, tmp_path):
    w = make_window(qtbot)
    w.controller.add_node("Dense", 0, 0)
    target = tmp_path / "net.lfproj"
    monkeypatch.setattr(w.files, "ask_save_changes", lambda: "save")
    monkeypatch.setattr(w.files, "ask_save_path", lambda *a, **k: str(target))
    assert w.close()
    assert target.is_file()


def test_clean_document_closes_without_asking(qtbot, monkeypatch):
    w = make_window(qtbot)
    monkeypatch.setattr(w.files, "ask_save_changes", lambda: pytest_fail())
    assert w.close()


def pytest_fail() -> str:
    raise AssertionError("asked about unsaved changes of a clean document")


def _drop(target, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPoint(target.width() // 2, target.height() // 2)
    enter = QDragEnterEvent(
        pos,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, enter)
    drop = QDropEvent(
        QPointF(pos),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, drop)
    return enter.isAccepted(), drop.isAccepted()


def test_dropping_a_project_file_on_the_window_opens_it(qtbot, tmp_path):
    src = make_window(qtbot)
    add_chain(src.controller)
    path = tmp_path / "dropped.lfproj"
    src.controller.save(str(path))
    expected = graph_to_dict(src.controller.graph)

    w = make_window(qtbot)
    accepted = _drop(w, [path])
    assert accepted == (True, True)
    qtbot.waitUntil(lambda: w.controller.path is not None, timeout=2000)
    assert graph_to_dict(w.controller.graph) == expected
    assert w.windowTitle().startswith("dropped.lfproj")


def test_dropping_other_files_is_refused(qtbot, tmp_path):
    w = make_window(qtbot)
    other = tmp_path / "notes.pdf"
    other.write_text("hi")
    assert _drop(w, [other]) == (False, False)
    assert w.controller.path is None


def test_edit_actions_delete_undo_duplicate_copy_paste(qtbot):
    w = make_window(qtbot)
    ids = add_chain(w.controller)
    before = graph_to_dict(w.controller.graph)
    w.select_ids([ids[1]])
    qtbot.waitUntil(lambda: w.selected_ids() == [ids[1]], timeout=1000)
    w.actions_by_key["delete"].trigger()
    assert ids[1] not in w.controller.graph
    w.actions_by_key["undo"].trigger()
    assert graph_to_dict(w.controller.graph) == before
    w.select_ids([ids[1]])
    qtbot.waitUntil(lambda: w.selected_ids() == [ids[1]], timeout=1000)
    w.actions_by_key["duplicate"].trigger()
    assert len(w.controller.graph) == 4
    w.select_ids([ids[0]])
    qtbot.waitUntil(lambda: w.selected_ids() == [ids[0]], timeout=1000)
    w.actions_by_key["copy"].trigger()
    w.actions_by_key["paste"].trigger()
    assert len(w.controller.graph) == 5
    w.actions_by_key["select_all"].trigger()
    qtbot.waitUntil(lambda: len(w.selected_ids()) == 5, timeout=1000)


def test_geometry_is_remembered(qtbot):
    from app.document import DocumentController
    from app.main_window import MainWindow

    w = MainWindow(DocumentController(), persist_settings=True)
    qtbot.addWidget(w)
    w.resize(760, 560)
    w.show()
    qtbot.waitExposed(w)
    assert w.close()
    w2 = MainWindow(DocumentController(), persist_settings=True)
    qtbot.addWidget(w2)
    assert (w2.width(), w2.height()) == (760, 560)


def test_dropping_a_project_file_on_the_canvas_opens_it(qtbot, tmp_path):
    src = make_window(qtbot, show=False)
    add_chain(src.controller)
    path = tmp_path / "on_canvas.lfproj"
    src.controller.save(str(path))
    w = make_window(qtbot)
    _drop(w.view.viewport(), [path])
    qtbot.waitUntil(lambda: w.controller.path is not None, timeout=2000)
    assert graph_to_dict(w.controller.graph) == graph_to_dict(src.controller.graph)
