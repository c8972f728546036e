"""Guard for the PySide6 pin: train in the worker thread while the GUI paints, in a subprocess.

The worker runs the real trainer, `core.engine.training.train`, for 10 s.
PySide6 6.12.0 dies here with "Fatal Python error: bool_dealloc" (a refcount
bug hit when a Python worker thread runs NumPy while the GUI thread runs
Python slots and pyqtgraph painting). Run this test before moving the pin.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("_stress_app.py")


@pytest.mark.slow
def test_training_thread_with_painting_gui_exits_cleanly() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONFAULTHANDLER="1")
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
    assert "finished=completed" in proc.stdout, output[-4000:]
    batches = int(proc.stdout.split("batches=")[1].split(",")[0])
    paints = int(proc.stdout.split("paints=")[1].split(",")[0])
    panel_paints = int(proc.stdout.split("panel_paints=")[1].split(",")[0])
    trained = float(proc.stdout.split("trained=")[1].split("s")[0])
    assert batches > 100 and paints > 50 and panel_paints > 50, proc.stdout
    assert trained >= 10.0, proc.stdout
