"""Small things a newcomer hit: Ctrl+Y redoes (as well as Ctrl+Shift+Z), File ▸ Export
Model… sits above Quit, and the export dialog says how to get `.keras` files checked."""

from __future__ import annotations

import importlib.util
import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from app.export_dialog import ExportDialog
from core.document.graph_io import graph_to_dict
from core.export import as_bundle
from tests.app._gui_helpers import add_chain, make_window
from tests.core.test_export import all_layers_model


def _press(qtbot, window, key: Qt.Key, modifiers: Qt.KeyboardModifier) -> None:  # noqa: ANN001
    window.activateWindow()
    window.view.setFocus()
    qtbot.waitUntil(lambda: window.view.hasFocus(), timeout=2000)
    QTest.keyClick(window.view, key, modifiers)


def test_ctrl_y_and_ctrl_shift_z_both_redo(qtbot, monkeypatch) -> None:  # noqa: ANN001
    # a desktop (KDE, GNOME) whose standard Redo key is Ctrl+Shift+Z only, unlike the
    # offscreen platform, which also lists Ctrl+Y
    import app.actions

    class DesktopKeys(QKeySequence):
        @staticmethod
        def keyBindings(key):  # noqa: ANN001, ANN205
            if key == QKeySequence.StandardKey.Redo:
                return [QKeySequence("Ctrl+Shift+Z")]
            return QKeySequence.keyBindings(key)

    monkeypatch.setattr(app.actions, "QKeySequence", DesktopKeys)
    w = make_window(qtbot)
    add_chain(w.controller)
    done = graph_to_dict(w.controller.graph)
    ctrl = Qt.KeyboardModifier.ControlModifier
    for redo in (ctrl, ctrl | Qt.KeyboardModifier.ShiftModifier):
        _press(qtbot, w, Qt.Key.Key_Z, ctrl)  # undo the last connection
        assert graph_to_dict(w.controller.graph) != done
        key = Qt.Key.Key_Y if redo == ctrl else Qt.Key.Key_Z
        _press(qtbot, w, key, redo)
        assert graph_to_dict(w.controller.graph) == done
    shortcuts = {s.toString() for s in w.actions_by_key["redo"].shortcuts()}
    assert {"Ctrl+Y", "Ctrl+Shift+Z"} <= shortcuts


def test_export_model_sits_above_quit_in_the_file_menu(qtbot) -> None:  # noqa: ANN001
    w = make_window(qtbot)
    file_menu = next(a.menu() for a in w.menuBar().actions() if a.text().replace("&", "") == "File")
    items = ["-" if a.isSeparator() else a.text().replace("&", "") for a in file_menu.actions()]
    assert items[-1] == "Quit"
    assert items[-3:] == ["Export Model…", "-", "Quit"]
    assert items.index("Export Diagram…") < items.index("Export Model…")


def _dialog(qtbot, tmp_path) -> ExportDialog:  # noqa: ANN001
    dialog = ExportDialog(as_bundle(all_layers_model()), folder=str(tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _choose(qtbot, dialog: ExportDialog, fmt: str) -> None:  # noqa: ANN001
    """Pick a format with the keyboard, as a person would: focus the box, arrow keys."""
    dialog.format_box.setFocus()
    for _ in range(dialog.format_box.count()):
        if dialog.current_format() == fmt:
            return
        QTest.keyClick(dialog.format_box, Qt.Key.Key_Down)
    raise AssertionError(f"format {fmt} not offered")


def _pretend_installed(monkeypatch, present: set[str]) -> None:  # noqa: ANN001
    """find_spec answers as if exactly `present` of Keras and its backends were installed."""
    real = importlib.util.find_spec
    optional = {"keras", "tensorflow", "torch", "jax"}

    def find_spec(name: str, *args):  # noqa: ANN202, ANN002
        if name in optional:
            return real("json") if name in present else None
        return real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_export_dialog_says_how_keras_files_are_checked(
    qtbot,  # noqa: ANN001
    tmp_path,  # noqa: ANN001
    monkeypatch,  # noqa: ANN001
) -> None:
    _pretend_installed(monkeypatch, {"keras", "jax"})
    dialog = _dialog(qtbot, tmp_path)
    _choose(qtbot, dialog, "onnx")
    assert not dialog.keras_hint.isVisible()
    _choose(qtbot, dialog, "keras")
    assert dialog.keras_hint.isVisible()
    assert "checked by loading it in Keras" in dialog.keras_hint.text()


def test_export_dialog_without_keras_names_the_extra(
    qtbot,  # noqa: ANN001
    tmp_path,  # noqa: ANN001
    monkeypatch,  # noqa: ANN001
) -> None:
    _pretend_installed(monkeypatch, {"torch"})  # a backend, but no Keras
    dialog = _dialog(qtbot, tmp_path)
    _choose(qtbot, dialog, "keras")
    text = dialog.keras_hint.text()
    assert dialog.keras_hint.isVisible()
    assert "Keras is not installed" in text and 'pip install "layerforge[keras]"' in text


def test_epoch_axis_reads_epoch_after_one_step(qtbot, tmp_path) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QMainWindow

    from app.document import DocumentController
    from app.session import PAUSED
    from app.training_ui import install
    from tests.app._training_fixtures import add_seed_graph, fake_trainer, seed_csv

    window = QMainWindow()
    controller = DocumentController(parent=window)
    qtbot.addWidget(window)
    t = install(window, controller, trainer=fake_trainer(batches=200, delay=0.002))
    window.resize(1200, 800)
    window.show()
    try:
        assert t.data_panel.open_path(str(seed_csv(tmp_path)))
        add_seed_graph(controller)
        controller.analyze_now()
        t.training_panel.epochs.setValue(1)
        qtbot.mouseClick(t.training_panel.step_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: t.session.state == PAUSED, timeout=3000)
        loss = t.plots.plots["loss"]
        qtbot.waitUntil(lambda: loss.points("batch") == 1 and not loss.dirty, timeout=3000)
        (x0, x1), _ = loss.plot.vb.viewRange()
        assert x1 < 0.1  # one batch of 200: the axis spans a sliver of an epoch
        axis = loss.plot.getAxis("bottom")
        shown = re.sub(r"<[^>]+>", "", axis.labelString()).strip()
        assert shown == "epoch", axis.labelString()
    finally:
        t.session.shutdown()


def _port_drag(view, src_pos, dst_pos) -> None:  # noqa: ANN001
    vp = view.viewport()
    start, end = view.mapFromScene(src_pos), view.mapFromScene(dst_pos)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(vp, (start + end) / 2)
    QTest.mouseMove(vp, end)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def test_a_linear_dense_stacked_on_a_dense_warns_on_its_card(qtbot) -> None:  # noqa: ANN001
    w = make_window(qtbot)
    c = w.controller
    first = c.add_node("Input", 0, 0, {"shape": (4,)})
    out = c.add_node("Dense", 700, 0, {"units": 1, "activation": "sigmoid"})
    # a person double-clicks Dense in the palette (Keras's default activation: linear)
    pal = w.palette
    item = pal.item_for("Dense")
    pal.tree.scrollToItem(item)
    rect = pal.tree.visualItemRect(item)
    qtbot.mouseClick(pal.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(pal.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    new = next(nid for nid in c.graph.nodes if nid not in (first, out))
    assert c.graph.node(new).params.get("activation", "linear") == "linear"
    w.view.fit_all()
    scene = w.view.canvas
    qtbot.waitUntil(lambda: scene.nodes[new].isVisible(), timeout=1000)
    _port_drag(
        w.view, scene.nodes[first].output_port.scenePos(), scene.nodes[new].input_port.scenePos()
    )
    _port_drag(
        w.view, scene.nodes[new].output_port.scenePos(), scene.nodes[out].input_port.scenePos()
    )
    assert {(e.src, e.dst) for e in c.graph.edges} == {(first, new), (new, out)}
    c.analyze_now()
    card = scene.nodes[new]
    qtbot.waitUntil(lambda: card.badge.isVisible(), timeout=2000)
    assert not scene.node_info(new).problems  # advice, not an error: Train stays possible
    assert c.analysis.ok
    assert "two linear layers in a row work as one" in card.toolTip()
    assert card.toolTip().startswith("Warning:")
    # clicking the amber badge applies its fix: relu, one undo step
    badge = card.badge
    pos = w.view.mapFromScene(badge.scenePos())
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert c.graph.node(new).params["activation"] == "relu"
    c.analyze_now()
    qtbot.waitUntil(lambda: not card.badge.isVisible(), timeout=2000)
