"""`core` never depends on Qt or on `app`: import every core module in a fresh process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import importlib, pkgutil, sys
import core
names = sorted(m.name for m in pkgutil.walk_packages(core.__path__, "core."))
for name in names:
    importlib.import_module(name)
bad = sorted({m.split(".")[0] for m in sys.modules}
             & {"PySide6", "shiboken6", "pyqtgraph", "app"})
print(len(names), "MODULES")
print("LEAKED", bad)
"""


def test_every_core_module_imports_without_qt_or_app() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert int(lines[0].split()[0]) >= 30  # the walk really found the package's modules
    assert lines[-1] == "LEAKED []"
