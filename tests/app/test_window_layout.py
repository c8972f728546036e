"""QA audit fixes: screenshot errors, page layouts, panels that fit, settings sync, stray lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QScrollArea, QTabBar, QWidget

from tests.app._gui_helpers import click_page, make_window
from tests.app._training_fixtures import fake_trainer, seed_csv
from tests.app.test_screenshot import _run

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "resources" / "examples" / "seed.lfproj"


# ----------------------------------------------------------------------------- 1. bad files


@pytest.mark.parametrize("content,name", [('{"format":', "t.lfproj"), ("a,b\n1,2\n", "data.csv")])
def test_screenshot_of_a_bad_file_exits_with_one_line(tmp_path, content, name):
    bad = tmp_path / name
    bad.write_text(content, encoding="utf-8")
    out = tmp_path / "x.png"
    proc = _run(["--screenshot", str(out), str(bad)], tmp_path)  # timeout 60 s: no hang
    assert proc.returncode == 1
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("layerforge:")]
    assert len(lines) == 1 and name in lines[0], proc.stderr
    assert not out.exists()


def test_bad_project_in_the_gui_reports_over_an_open_window(qtbot, tmp_path, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text: shown.append(title))
    w = make_window(qtbot)
    bad = tmp_path / "t.lfproj"
    bad.write_text('{"format":', encoding="utf-8")
    assert not w.files.open_path(str(bad))
    assert shown == ["Cannot open project"] and w.isVisible()
    assert w.files.errors[-1][0] == "Cannot open project"
    w.files.headless = True
    assert not w.files.open_path(str(bad))
    assert len(shown) == 1  # headless: recorded, no dialog


# ----------------------------------------------------------------------------- helpers


def _window(qtbot, monkeypatch=None):
    w = make_window(qtbot, show=False)
    w.apply_default_dock_sizes()
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    qtbot.wait(50)
    return w


def _fits(widget: QWidget, viewport: QWidget) -> bool:
    """`widget` lies horizontally inside `viewport` (nothing cut at the right edge)."""
    left = widget.mapTo(viewport, QPoint(0, 0)).x()
    return left >= 0 and left + widget.width() <= viewport.width()


def _scroll_of(panel: QWidget) -> QScrollArea:
    parent = panel.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    assert parent is not None
    return parent


# ----------------------------------------------------------------------------- 2. plots


def test_plots_are_tall_and_landscape_on_the_training_page(qtbot, tmp_path):
    w = _window(qtbot)
    t = w.training
    assert not t.plots.built  # pyqtgraph waits until its page is really shown
    assert t.data_panel.open_path(str(seed_csv(tmp_path)))
    from tests.app._training_fixtures import add_seed_graph

    add_seed_graph(w.controller)
    w.controller.analyze_now()
    w.controller.update_train_config({"epochs": 2})
    click_page(qtbot, w, "training")
    t.training_panel.start_button.click()
    qtbot.waitUntil(lambda: not t.session.is_running(), timeout=20000)
    click_page(qtbot, w, "training")  # the run's end brought the results forward
    qtbot.waitUntil(lambda: "accuracy" in t.plots.plots, timeout=3000)
    qtbot.wait(50)
    loss, acc = t.plots.plots["loss"].plot, t.plots.plots["accuracy"].plot
    a, b = loss.sceneBoundingRect(), acc.sceneBoundingRect()
    assert not a.intersects(b)
    assert min(a.height(), b.height()) >= 200, (a, b)
    assert a.width() >= a.height() and b.width() >= b.height(), (a, b)  # curves read best wide
    assert w.saveState(3) and w.restoreState(w.saveState(3), 3)


def test_old_saved_layout_is_ignored():
    import app.main_window as mw

    assert mw._STATE_VERSION >= 3


# ----------------------------------------------------------------------------- 3./4. fit


def test_training_settings_fit_their_column(qtbot):
    w = _window(qtbot)
    t = w.training
    click_page(qtbot, w, "training")
    qtbot.wait(50)
    scroll = _scroll_of(t.training_panel)
    assert not scroll.horizontalScrollBar().isVisible()
    assert not scroll.verticalScrollBar().isVisible()  # at 1400x900 nothing is below the fold
    assert t.training_panel.width() <= scroll.viewport().width()
    buttons = [b for b in t.training_panel.findChildren(QAbstractButton) if b.isVisible()]
    assert len(buttons) >= 7
    for b in buttons:
        assert _fits(b, scroll.viewport()), b.text()
    for field in (t.training_panel.monitor, t.training_panel.patience, t.training_panel.loss):
        assert _fits(field, scroll.viewport())


def test_data_page_shows_roles_and_options_without_scrolling(qtbot, tmp_path):
    w = _window(qtbot)
    t = w.training
    click_page(qtbot, w, "data")
    assert t.data_panel.open_path(str(seed_csv(tmp_path)))
    qtbot.wait(50)
    panel = t.data_panel
    assert w.workspace.currentWidget() is panel
    assert _fits(panel.file_label, panel)
    box = next(iter(panel.role_boxes.values()))
    table = panel.columns
    assert _fits(box, table.viewport()), "the role selector must be visible without scrolling"
    # rows on top; the column table and the options below, side by side
    assert panel.splitter.count() == 2 and panel.lower_splitter.count() == 2
    assert min(panel.splitter.sizes() + panel.lower_splitter.sizes()) >= 60
    assert not panel.options_scroll.verticalScrollBar().isVisible()
    for field in (panel.impute, panel.scale, panel.validation_split, panel.test_split):
        top = field.mapTo(panel, QPoint(0, 0)).y()
        assert 0 <= top and top + field.height() <= panel.height(), field
        assert _fits(field, panel)


# ----------------------------------------------------------------------------- 5. settings


def test_panel_follows_train_config_and_edits_are_undoable(qtbot, tmp_path):
    w = _window(qtbot)
    t, c = w.training, w.controller
    t.session.trainer = fake_trainer(batches=3)
    panel = t.training_panel
    # a config changed behind the panel's back shows when the run starts
    c.update_train_config({"epochs": 3})
    assert t.data_panel.open_path(str(seed_csv(tmp_path)))
    from tests.app._training_fixtures import add_seed_graph

    add_seed_graph(c)
    c.analyze_now()
    panel.start_button.click()
    assert panel.epochs.value() == 3
    qtbot.waitUntil(lambda: not t.session.is_running(), timeout=5000)
    # opening a project shows its settings
    w.files.open_path(str(SEED))
    assert panel.epochs.value() == int(c.project.train_config["epochs"])
    assert not c.is_modified()
    # an edit in the panel is one undo step and marks the document modified
    before = panel.epochs.value()
    panel.epochs.setValue(before + 7)
    assert c.project.train_config["epochs"] == before + 7
    assert c.is_modified() and w.isWindowModified()
    c.undo_stack.undo()
    assert c.project.train_config["epochs"] == before
    assert panel.epochs.value() == before
    assert not c.is_modified()
    c.undo_stack.redo()
    assert panel.epochs.value() == before + 7


def test_typing_into_one_field_is_one_undo_step(qtbot):
    w = _window(qtbot)
    panel, c = w.training.training_panel, w.controller
    n = c.undo_stack.count()
    for v in (11, 12, 13):
        panel.batch_size.setValue(v)
    assert c.undo_stack.count() == n + 1
    panel.seed.setValue(5)
    assert c.undo_stack.count() == n + 2


# ----------------------------------------------------------------------------- 6. stray line


def test_no_stray_tab_bars_under_docks_or_canvas(qtbot):
    w = _window(qtbot)
    w.files.open_path(str(SEED))
    qtbot.wait(50)
    page = w.network_page
    covers = [d.geometry() for d in w.docks.values() if d.isVisible()]
    covers.append(page.centralWidget().geometry())
    bars = [b for b in page.findChildren(QTabBar) if b.isVisible() and b.parent() is page]
    assert bars, "the tabbed docks have tab bars"
    for bar in bars:
        r: QRect = bar.geometry()
        assert not any(c.intersects(r) for c in covers), r
