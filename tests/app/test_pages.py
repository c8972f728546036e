"""The window organised around the work, measured at 1400x900: what each page shows in view.

Network (canvas with its docks), Data (≥ 10 preview rows, the whole column table),
Training (each plot ≥ 200 px tall, the test score and a divergence message in view
without scrolling), the run bar on every page, pages switched by their tabs, and the
person's layout kept between sessions.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QScrollArea, QTableView, QWidget

from app.main_window import MainWindow
from tests.app._gui_helpers import add_chain, click_page, make_window
from tests.app._training_fixtures import add_seed_graph, fake_trainer, seed_csv

REPO = Path(__file__).resolve().parents[2]
DATASETS = REPO / "resources" / "datasets"
IRIS = REPO / "resources" / "examples" / "iris.lfproj"


def _window(qtbot, project: Path | None = None):
    w = make_window(qtbot, show=False)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    if project is not None:
        assert w.files.open_path(str(project))
        qtbot.waitUntil(lambda: w.training.session.dataset is not None, timeout=10_000)
    qtbot.wait(50)
    return w


def fully_visible_rows(view: QTableView) -> int:
    """Rows of `view` whose whole height lies inside its viewport."""
    viewport = view.viewport().rect()
    first = view.rowAt(0)
    if first < 0:
        return 0
    last = view.rowAt(viewport.height() - 1)
    last = view.model().rowCount() - 1 if last < 0 else last
    return sum(
        1
        for r in range(first, last + 1)
        if view.rowViewportPosition(r) >= 0
        and view.rowViewportPosition(r) + view.rowHeight(r) <= viewport.height()
    )


def in_view(widget: QWidget) -> bool:
    """`widget` is shown whole: nothing of it cut off by its parents or the window."""
    if isinstance(widget, QAbstractScrollArea):  # its viewport covers it: ask the viewport
        widget = widget.viewport()
    return widget.isVisible() and widget.visibleRegion().boundingRect() == widget.rect()


def scroll_areas_above(widget: QWidget, page: QWidget) -> list[QWidget]:
    found, parent = [], widget.parentWidget()
    while parent is not None and parent is not page:
        if isinstance(parent, QScrollArea):
            found.append(parent)
        parent = parent.parentWidget()
    return found


# ----------------------------------------------------------------------------- pages


def test_tabs_switch_pages_in_workflow_order_and_docks_stay_on_network(qtbot) -> None:
    w = _window(qtbot)
    assert w.workspace.keys()[:3] == ["network", "data", "training"]
    assert [w.workspace.tabText(i) for i in range(3)] == ["Network", "Data", "Training"]
    seen: list[str] = []
    w.workspace.pageChanged.connect(seen.append)
    for key in ("data", "training", "network"):
        click_page(qtbot, w, key)
    assert seen == ["data", "training", "network"]
    assert all(w.docks[k].isVisible() for k in ("palette", "inspector", "summary"))
    click_page(qtbot, w, "data")
    # the canvas docks take no room on the other pages
    assert not any(d.isVisible() for d in w.docks.values())
    page = w.workspace.page("data")
    assert page.width() >= w.width() - 40


def test_canvas_docks_stay_movable(qtbot) -> None:
    w = _window(qtbot)
    page, inspector = w.network_page, w.docks["inspector"]
    features = inspector.features()
    assert features & inspector.DockWidgetFeature.DockWidgetMovable
    assert features & inspector.DockWidgetFeature.DockWidgetFloatable
    page.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, inspector)
    assert page.dockWidgetArea(inspector) == Qt.DockWidgetArea.LeftDockWidgetArea
    panels = [a.text() for a in w.submenus["panels"].actions()]
    assert {"Layers", "Inspector", "Summary", "History"} <= set(panels)


# ----------------------------------------------------------------------------- data


def test_data_page_shows_ten_rows_and_the_whole_column_table(qtbot) -> None:
    w = _window(qtbot, IRIS)
    click_page(qtbot, w, "data")
    panel = w.training.data_panel
    for csv in ("iris.csv", "diabetes.csv"):
        assert panel.open_path(str(DATASETS / csv))
        qtbot.wait(50)
        assert in_view(panel.preview)
        assert fully_visible_rows(panel.preview) >= 10, csv
        table = panel.columns
        assert in_view(table)
        assert fully_visible_rows(table) == table.rowCount() == len(w.training.session.profiles)
        assert not table.horizontalScrollBar().isVisible(), csv
        for box in panel.role_boxes.values():
            assert in_view(box)
        assert in_view(panel.split_label) and in_view(panel.test_split)
    w.controller.mark_clean()


# ----------------------------------------------------------------------------- training


def _train(qtbot, w, **config) -> list[str]:
    """Train with `config` from the run bar; the pages in front at each epoch's end."""
    t = w.training
    w.controller.update_train_config(config)
    pages: list[str] = []
    record = lambda _e: pages.append(w.workspace.current_key())  # noqa: E731
    t.session.epochEnded.connect(record)
    with qtbot.waitSignal(t.session.runFinished, timeout=60_000):
        qtbot.mouseClick(t.run_bar.button("start"), Qt.MouseButton.LeftButton)
    t.session.epochEnded.disconnect(record)
    qtbot.wait(250)  # the plots' redraw tick
    return pages


def test_training_page_plots_are_tall_and_the_test_score_is_in_view(qtbot, tmp_path) -> None:
    w = _window(qtbot)
    t = w.training
    assert t.data_panel.open_path(str(seed_csv(tmp_path)))
    add_seed_graph(w.controller)
    w.controller.analyze_now()
    click_page(qtbot, w, "training")
    page = w.workspace.page("training")
    for metrics in (["accuracy"], ["accuracy", "precision", "recall", "auc"]):
        pages = _train(qtbot, w, epochs=2, metrics=metrics)
        assert pages == ["training", "training"]  # a run started here stays here
        click_page(qtbot, w, "training")  # the run's end brought the results forward
        assert set(t.plots.plots) == {"loss", *metrics}
        for name, plot in t.plots.plots.items():
            rect = plot.plot.sceneBoundingRect()
            assert rect.height() >= 200, (name, rect)
            view = t.plots.graphics.viewport().rect()
            assert view.contains(rect.toRect().adjusted(1, 1, -1, -1)), (name, rect, view)
        label = t.training_panel.test_label
        assert label.text().startswith("Test split:")
        assert in_view(label) and not scroll_areas_above(label, page)
        assert in_view(t.plots.graphics)
    w.controller.mark_clean()


def test_divergence_message_is_in_view_without_details_button(qtbot, tmp_path) -> None:
    w = _window(qtbot)
    t = w.training
    t.session.trainer = fake_trainer(diverge_at=(0, 2))
    assert t.data_panel.open_path(str(seed_csv(tmp_path)))
    add_seed_graph(w.controller)
    w.controller.analyze_now()
    click_page(qtbot, w, "training")
    _train(qtbot, w, epochs=3)
    click_page(qtbot, w, "training")
    notice = t.training_panel.notice
    assert "diverged" in notice.text() and "learning rate" in notice.text()
    assert in_view(notice) and not scroll_areas_above(notice, w.workspace.page("training"))
    page = w.workspace.page("training")
    texts = [b.text() for b in page.findChildren(QWidget) if hasattr(b, "text")]
    assert not any("Details" in str(text) for text in texts)
    # the run bar says how it ended, on every page
    click_page(qtbot, w, "network")
    assert "diverged" in t.training_panel.summary.text() and in_view(t.training_panel.progress)
    w.controller.mark_clean()


def test_run_bar_starts_and_stops_from_any_page_without_moving(qtbot, tmp_path) -> None:
    w = _window(qtbot)
    t = w.training
    t.session.trainer = fake_trainer(batches=1_000_000, delay=0.001)
    bar = t.run_bar
    # no data yet: Train is off and the bar says why, on the page the person is on
    assert not bar.button("start").isEnabled()
    assert "CSV" in bar.hint.text() and in_view(bar.hint)
    assert t.data_panel.open_path(str(seed_csv(tmp_path)))
    add_seed_graph(w.controller)
    w.controller.analyze_now()
    click_page(qtbot, w, "network")
    assert not bar.hint.isVisible()
    assert not bar.button("stop").isEnabled()
    qtbot.mouseClick(bar.button("start"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: t.session.samples_seen > 0, timeout=5000)
    assert w.workspace.current_key() == "network"
    click_page(qtbot, w, "data")
    qtbot.waitUntil(lambda: bar.button("pause").isEnabled(), timeout=2000)
    qtbot.mouseClick(bar.button("pause"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: t.actions["pause"].iconText() == "Resume", timeout=3000)
    assert w.workspace.current_key() == "data"
    with qtbot.waitSignal(t.session.runFinished, timeout=10_000):
        qtbot.mouseClick(bar.button("stop"), Qt.MouseButton.LeftButton)
    assert "Stopped at epoch 1" in t.training_panel.summary.text()
    w.controller.mark_clean()


# ----------------------------------------------------------------------------- layout kept


def _persisting_window(qtbot) -> MainWindow:
    from app.document import DocumentController

    w = MainWindow(DocumentController(), persist_settings=True, recovery=False)
    qtbot.addWidget(w, before_close_func=lambda win: win.controller.mark_clean())
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_layout_is_remembered_per_user_and_old_layouts_ignored(qtbot, tmp_path) -> None:
    import app.main_window as mw

    w = _persisting_window(qtbot)
    add_chain(w.controller)
    page = w.network_page
    page.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, w.docks["inspector"])
    click_page(qtbot, w, "training")
    splitter = w.training.training_page.splitter
    splitter.setSizes([500, splitter.width() - 500])
    wanted = splitter.sizes()
    w.controller.mark_clean()
    w.close()

    again = _persisting_window(qtbot)
    area = again.network_page.dockWidgetArea(again.docks["inspector"])
    assert area == Qt.DockWidgetArea.LeftDockWidgetArea
    click_page(qtbot, again, "training")
    assert again.training.training_page.splitter.sizes() == wanted
    again.close()

    # a layout saved by an older LayerForge is not applied
    QSettings().setValue("mainWindow/layoutVersion", str(mw._STATE_VERSION - 1))
    old = _persisting_window(qtbot)
    area = old.network_page.dockWidgetArea(old.docks["inspector"])
    assert area == Qt.DockWidgetArea.RightDockWidgetArea
    old.close()


def test_page_layout_states_reject_foreign_blobs(qtbot) -> None:
    w = _window(qtbot)
    data, training = w.training.data_panel, w.training.training_page
    assert not data.restore_layout_state(training.layout_state())  # other splitters
    assert not training.restore_layout_state(QByteArray(b"\x00\x00\x00\x01garbage"))
    assert data.restore_layout_state(data.layout_state())


def test_no_page_scrolls_sideways_at_1400x900(qtbot) -> None:
    w = _window(qtbot, IRIS)
    for key in w.workspace.keys():
        click_page(qtbot, w, key)
        qtbot.wait(30)
        page = w.workspace.page(key)
        for area in page.findChildren(QAbstractScrollArea):
            if isinstance(area, QScrollArea) and area.isVisible():
                assert not area.horizontalScrollBar().isVisible(), (key, area.objectName())
                assert not area.verticalScrollBar().isVisible(), (key, area.objectName())
    w.controller.mark_clean()


# ----------------------------------------------------------------------------- keys and menus


def _focus(qtbot, w, widget: QWidget) -> None:
    w.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=2000)


def test_canvas_keys_act_only_on_the_network_page(qtbot) -> None:
    from PySide6.QtTest import QTest

    w = _window(qtbot)
    ids = add_chain(w.controller)
    w.select_ids([ids[1]])
    click_page(qtbot, w, "data")
    _focus(qtbot, w, w.training.data_panel.preview)
    QTest.keyClick(w.training.data_panel.preview, Qt.Key.Key_Delete)
    QTest.keyClick(w.training.data_panel.preview, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(w.controller.graph) == 3  # nothing happened to the canvas out of sight
    assert w.workspace.current_key() == "data"
    # Edit ▸ Delete from the menu: the Network page comes forward and the layer goes
    w.actions_by_key["delete"].trigger()
    assert w.workspace.current_key() == "network" and len(w.controller.graph) == 2
    # on the Network page the key works as before
    w.select_ids([ids[0]])
    _focus(qtbot, w, w.view)
    QTest.keyClick(w.view, Qt.Key.Key_Delete)
    assert len(w.controller.graph) == 1
    # Layer ▸ Add Layer… (Ctrl+K) works from every page: it opens the palette's search
    click_page(qtbot, w, "training")
    _focus(qtbot, w, w.training.training_panel.learning_rate)
    QTest.keyClick(
        w.training.training_panel.learning_rate, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier
    )
    assert w.workspace.current_key() == "network"
    qtbot.waitUntil(w.palette.search.hasFocus, timeout=2000)
    w.controller.mark_clean()


def test_panels_menu_brings_a_closed_dock_back_on_its_page(qtbot) -> None:
    w = _window(qtbot)
    layers = w.docks["palette"]
    layers.close()
    click_page(qtbot, w, "data")
    menu = w.submenus["panels"]
    menu.aboutToShow.emit()
    by_text = {a.text(): a for a in menu.actions()}
    by_text["Layers"].trigger()
    assert w.workspace.current_key() == "network" and layers.isVisible()
    # the run bar can be hidden and shown again from the same menu
    by_text["Run bar"].trigger()
    assert not w.training.run_bar.isVisible()
    by_text["Run bar"].trigger()
    assert w.training.run_bar.isVisible()
