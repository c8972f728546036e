"""Files: open -> edit -> save -> reopen, recent files, examples, errors, diagram export."""

from __future__ import annotations

import json

import pytest
from PySide6.QtGui import QImage

from app import recent
from core.document.graph_io import graph_to_dict
from tests.app._gui_helpers import add_chain, make_window


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


def _saved_project(qtbot, tmp_path, name="net.lfproj"):
    src = make_window(qtbot, show=False)
    add_chain(src.controller)
    path = tmp_path / name
    src.controller.save(str(path))
    return path, graph_to_dict(src.controller.graph)


def test_open_edit_save_reopen_gives_the_same_document(qtbot, window, tmp_path, monkeypatch):
    path, original = _saved_project(qtbot, tmp_path)
    monkeypatch.setattr(window.files, "ask_open_path", lambda: str(path))
    window.actions_by_key["open"].trigger()
    assert graph_to_dict(window.controller.graph) == original
    assert window.windowTitle() == "net.lfproj[*] — LayerForge"
    assert not window.isWindowModified()

    dense = window.controller.graph.node_by_name("dense").id
    window.controller.set_params(dense, {"units": 64})
    window.controller.rename(dense, "hidden")
    assert window.isWindowModified()
    edited = graph_to_dict(window.controller.graph)
    window.actions_by_key["save"].trigger()
    assert not window.isWindowModified()
    assert json.loads(path.read_text())  # valid JSON on disk

    again = make_window(qtbot, show=False)
    assert again.files.open_path(str(path))
    assert graph_to_dict(again.controller.graph) == edited


def test_save_as_picks_a_path_and_adds_the_suffix(qtbot, window, tmp_path, monkeypatch):
    add_chain(window.controller)
    monkeypatch.setattr(window.files, "ask_save_path", lambda *a, **k: str(tmp_path / "mine"))
    window.actions_by_key["save_as"].trigger()
    assert (tmp_path / "mine.lfproj").is_file()
    assert window.windowTitle() == "mine.lfproj[*] — LayerForge"
    assert not window.isWindowModified()


def test_save_of_an_untitled_document_asks_where(qtbot, window, tmp_path, monkeypatch):
    add_chain(window.controller)
    asked = []
    monkeypatch.setattr(
        window.files, "ask_save_path", lambda *a, **k: asked.append(1) or None
    )  # the person cancels
    window.actions_by_key["save"].trigger()
    assert asked == [1]
    assert window.isWindowModified()


def test_recent_files_are_remembered_and_listed(qtbot, window, tmp_path):
    p1, _ = _saved_project(qtbot, tmp_path, "one.lfproj")
    p2, _ = _saved_project(qtbot, tmp_path, "two.lfproj")
    assert window.files.open_path(str(p1))
    assert window.files.open_path(str(p2))
    assert recent.recent_files() == [str(p2), str(p1)]
    assert window.files.open_path(str(p1))
    assert recent.recent_files() == [str(p1), str(p2)]
    menu = window.submenus["recent"]
    menu.aboutToShow.emit()
    labels = [a.text() for a in menu.actions() if a.text()]
    assert labels[:2] == ["&1 one.lfproj", "&2 two.lfproj"]
    # choosing an entry opens it
    window.controller.new()
    next(a for a in menu.actions() if a.text() == "&2 two.lfproj").trigger()
    assert window.controller.path.endswith("two.lfproj")


def test_recent_list_drops_missing_files_and_is_capped(tmp_path):
    paths = []
    for i in range(recent.MAX_RECENT + 3):
        p = tmp_path / f"p{i}.lfproj"
        p.write_text("{}")
        paths.append(p)
        recent.add_recent_file(str(p))
    assert len(recent.recent_files()) == recent.MAX_RECENT
    paths[-1].unlink()
    assert str(paths[-1]) not in recent.recent_files()


def test_a_broken_file_shows_the_reason_and_keeps_the_document(
    qtbot, window, tmp_path, monkeypatch
):
    add_chain(window.controller)
    before = graph_to_dict(window.controller.graph)
    bad = tmp_path / "bad.lfproj"
    bad.write_text("{ not json")
    shown = []
    monkeypatch.setattr(
        "app.files.QMessageBox.warning", lambda _parent, title, text: shown.append((title, text))
    )
    assert not window.files.open_path(str(bad))
    assert shown and "bad.lfproj" in shown[0][1]
    assert graph_to_dict(window.controller.graph) == before


def test_example_opens_as_an_untitled_copy(qtbot, window, tmp_path, monkeypatch):
    path, original = _saved_project(qtbot, tmp_path, "demo.lfproj")
    assert window.files.open_example(str(path))
    assert graph_to_dict(window.controller.graph) == original
    assert window.controller.path is None  # Save asks where; the example is never overwritten
    assert window.windowTitle().startswith("demo.lfproj")
    asked = []
    monkeypatch.setattr(window.files, "ask_save_path", lambda *a, **k: asked.append(1) or None)
    window.files.save()
    assert asked == [1]


def test_new_asks_about_unsaved_changes(qtbot, window, monkeypatch):
    add_chain(window.controller)
    monkeypatch.setattr(window.files, "ask_save_changes", lambda: "cancel")
    window.actions_by_key["new"].trigger()
    assert len(window.controller.graph) == 3
    monkeypatch.setattr(window.files, "ask_save_changes", lambda: "discard")
    window.actions_by_key["new"].trigger()
    assert len(window.controller.graph) == 0
    assert window.windowTitle() == "Untitled.lfproj[*] — LayerForge"


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_export_diagram(qtbot, window, tmp_path, monkeypatch, suffix):
    add_chain(window.controller)
    qtbot.wait(20)
    out = tmp_path / f"diagram.{suffix}"
    monkeypatch.setattr(window.files, "ask_save_path", lambda *a, **k: str(out))
    window.actions_by_key["export_diagram"].trigger()
    assert out.is_file() and out.stat().st_size > 0
    if suffix == "png":
        assert not QImage(str(out)).isNull()
    else:
        assert out.read_text().lstrip().startswith("<?xml")
