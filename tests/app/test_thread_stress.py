"""Guard for the PySide6 pin: the app trains in its worker thread while its window paints.

A subprocess (`_stress_app.py`) runs the real main window and `TrainingSession`
(the real trainer, the GUI gate on, as the app runs) for 10 s of training
while the GUI thread repaints the window and runs Python slots, then stops
the run with the Stop button. PySide6 6.12.0 dies here with "Fatal Python
error: bool_dealloc" (a refcount bug hit when a Python worker thread runs
NumPy while the GUI thread runs Python slots and pyqtgraph painting). Run
this test before moving the pin.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("_stress_app.py")


@pytest.mark.slow
def test_training_thread_with_painting_gui_exits_cleanly(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONFAULTHANDLER="1",
        XDG_CONFIG_HOME=str(tmp_path),  # the window's settings stay out of the user's
        LAYERFORGE_RECOVERY_DIR=str(tmp_path / "recovery"),  # and its recovery copies
    )
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "10"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=str(SCRIPT.parents[2]),
    )
    output = proc.stdout + proc.stderr
    assert "Fatal Python error" not in output, output[-4000:]
    assert "QThread: Destroyed while thread is still running" not in output, output[-4000:]
    assert proc.returncode == 0, output[-4000:]
    assert "finished=stopped" in proc.stdout and "idle=True" in proc.stdout, output[-4000:]
    batches = int(proc.stdout.split("batches=")[1].split(",")[0])
    paints = int(proc.stdout.split("paints=")[1].split(",")[0])
    panel_paints = int(proc.stdout.split("panel_paints=")[1].split(",")[0])
    trained = float(proc.stdout.split("trained=")[1].split("s")[0])
    # Both threads really ran at once: training went on while the window and the live
    # plots painted (how fast each went is measured in benchmarks.ui_latency).
    assert batches > 100 and paints > 10 and panel_paints > 10, proc.stdout
    assert trained >= 10.0, proc.stdout
