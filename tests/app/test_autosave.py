"""Autosave in a running window: a copy at the end of every run, none once saved or closed."""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import Qt

from tests.app._gui_helpers import make_window
from tests.app.test_keep_work import copy_example, open_and_wait


def indexes() -> list[dict]:
    root = Path(os.environ["LAYERFORGE_RECOVERY_DIR"])
    return [json.loads(p.read_text()) for p in root.glob("*/recovery.json")]


def test_the_end_of_a_run_writes_a_copy_and_saving_or_closing_removes_it(qtbot, tmp_path):
    path = copy_example(tmp_path)
    w = make_window(qtbot)  # the 30 s timer does not fire during this test
    open_and_wait(qtbot, w, path)
    assert indexes() == []  # nothing unsaved, nothing written
    panel, session = w.training.training_panel, w.training.session
    qtbot.waitUntil(panel.start_button.isEnabled, timeout=10_000)
    with qtbot.waitSignal(session.runFinished, timeout=60_000):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    [index] = indexes()
    assert index["reason"] == "end of run" and index["epochs_trained"] == 4
    assert index["original_path"] == str(path.resolve())

    w.actions_by_key["save"].trigger()
    assert indexes() == []  # saved: the copy is not needed any more

    w.controller.add_node("Dropout", 900, 0)  # an edit: the next timer tick writes a copy
    w.recovery.timer.timeout.emit()
    [index] = indexes()
    assert index["layers"] == 5 and index["epochs_trained"] == 4
    w.recovery.timer.timeout.emit()
    assert w.recovery.writes == 2  # unchanged since the last copy: not written again

    w.controller.mark_clean()
    w.close()
    root = Path(os.environ["LAYERFORGE_RECOVERY_DIR"])
    assert not root.exists() or not any(root.iterdir())
