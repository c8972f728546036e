"""Crash recovery, tested by killing a real LayerForge with SIGKILL and launching again.

The app (`_recovery_app.py`, a real main window) autosaves every 0.3 s into a
test folder; once its recovery copy holds the work (an added layer, or epochs
of a run still going), the test kills it with SIGKILL. The next launch (the
same window set-up `layerforge` uses) offers the copy in a dialog that says
what it holds and when it was saved; the test clicks Restore, as a person
would, and finds the work back, unsaved, with the trained model usable.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.app._gui_helpers import make_window
from tests.app.test_keep_work import copy_example

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

SCRIPT = Path(__file__).with_name("_recovery_app.py")


def run_and_kill(mode: str, project: Path, recovery_dir: Path) -> dict:
    """Start the app, wait until its recovery copy holds the work, SIGKILL it."""
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        LAYERFORGE_RECOVERY_DIR=str(recovery_dir),
        LAYERFORGE_AUTOSAVE_SECONDS="0.3",
    )
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), mode, str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=str(SCRIPT.parents[2]),
    )
    try:
        deadline = time.monotonic() + 120
        lines: list[str] = []
        reader = selectors.DefaultSelector()
        reader.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not reader.select(timeout=1.0):
                continue
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("READY "):
                index = json.loads(line[len("READY ") :])
                os.kill(proc.pid, signal.SIGKILL)
                assert proc.wait(30) == -signal.SIGKILL
                return index
        raise AssertionError("the app never wrote its recovery copy:\n" + "".join(lines[-40:]))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)


def click_in_recovery_box(qtbot, label: str, seen: list[tuple[str, str]]) -> None:
    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.objectName() != "recoveryBox":
            QTimer.singleShot(20, answer)
            return
        seen.append((box.text(), box.informativeText()))
        button = next(b for b in box.buttons() if b.text() == label)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, answer)


def relaunch(qtbot, label: str, seen: list) -> object:
    """A new window as `layerforge` makes it, offering what the killed app left."""
    from app.recovery import offer_recovery

    window = make_window(qtbot)
    click_in_recovery_box(qtbot, label, seen)
    offer_recovery(window)  # what run_gui schedules once the window is shown
    return window


def test_killed_mid_edit_the_next_launch_restores_the_edit(qtbot, tmp_path) -> None:
    project = copy_example(tmp_path)
    recovery_dir = Path(os.environ["LAYERFORGE_RECOVERY_DIR"])
    index = run_and_kill("edit", project, recovery_dir)
    assert index["layers"] == 5 and index["original_path"] == str(project.resolve())

    seen: list[tuple[str, str]] = []
    w = relaunch(qtbot, "Restore", seen)
    text, details = seen[0]
    assert "did not close normally" in text
    assert "A recovery copy of <b>seed.lfproj</b> was saved <b>today at " in details
    for part in ("5 layers", "no trained model", "the data file seed_binary.csv"):
        assert f"<li>{part}</li>" in details
    assert f"Its file: {project.resolve()}" in details
    assert len(w.controller.graph) == 5
    assert w.controller.path == str(project.resolve())
    assert w.isWindowModified()  # restored work is unsaved until the person saves it
    assert "Dropout" in {n.type for n in w.controller.graph.nodes.values()}
    # The killed app's copy is gone; this window's own copy holds the work now.
    folders = [p for p in recovery_dir.iterdir() if p.is_dir()]
    assert [p.name for p in folders] == [w.recovery.writer.session_id]
    w.actions_by_key["save"].trigger()
    assert not w.isWindowModified()
    w.close()
    assert not any(recovery_dir.iterdir())  # a clean exit leaves nothing behind


def test_killed_mid_training_the_next_launch_restores_the_trained_model(qtbot, tmp_path) -> None:
    from core.document.project import load_project, save_project

    project = copy_example(tmp_path)
    p = load_project(project)
    p.train_config["epochs"] = 100_000
    save_project(p, project)
    index = run_and_kill("train", project, Path(os.environ["LAYERFORGE_RECOVERY_DIR"]))
    epochs = index["epochs_trained"]
    assert epochs >= 2

    seen: list[tuple[str, str]] = []
    w = relaunch(qtbot, "Restore", seen)
    assert f"<li>a model trained for {epochs} epochs</li>" in seen[0][1]
    session = w.training.session
    qtbot.waitUntil(session.has_model, timeout=30_000)
    assert session.epochs_done == epochs and w.isWindowModified()
    panel = w.training.training_panel
    assert f"Epoch {epochs}/{epochs}" in panel.position.text()
    assert panel.more_button.isEnabled() and panel.save_button.isEnabled()
    assert w.training.plots.plots["loss"].points("train") == epochs
    with qtbot.waitSignal(session.runFinished, timeout=60_000):
        qtbot.mouseClick(panel.more_button, Qt.MouseButton.LeftButton)
    assert session.epochs_done == epochs + panel.more_epochs.value()
    w.controller.mark_clean()


def test_discard_deletes_the_copy_and_not_now_keeps_it(qtbot, tmp_path) -> None:
    project = copy_example(tmp_path)
    recovery_dir = Path(os.environ["LAYERFORGE_RECOVERY_DIR"])
    run_and_kill("edit", project, recovery_dir)
    seen: list[tuple[str, str]] = []
    w = relaunch(qtbot, "Not now", seen)
    assert len(w.controller.graph) == 0 and len(w.recovery.orphans()) == 1
    w.close()
    w2 = relaunch(qtbot, "Discard", seen)
    assert len(seen) == 2 and w2.recovery.orphans() == []
    assert len(w2.controller.graph) == 0
