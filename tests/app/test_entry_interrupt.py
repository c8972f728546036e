"""The entry point turns a Ctrl+C that Python would only print and lose (raised inside a
weakref callback, as an import lock's is while modules load) into a quiet exit 130, and
leaves every other unraisable error to the previous hook."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX exit codes")


def _raise_in_weakref_callback(error: str) -> subprocess.CompletedProcess[str]:
    """Run a process that installs the hook, then raises `error` in a weakref callback."""
    code = (
        "import weakref\n"
        "from app.__main__ import _quit_on_swallowed_interrupts\n"
        "_quit_on_swallowed_interrupts()\n"
        "class Module: pass\n"
        "m = Module()\n"
        f"def cb(_ref): raise {error}\n"
        "r = weakref.ref(m, cb)\n"
        "del m\n"
        "print('kept running')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_interrupt_inside_a_weakref_callback_quits_quietly() -> None:
    proc = _raise_in_weakref_callback("KeyboardInterrupt")
    assert proc.returncode == 130
    assert proc.stderr == "interrupted\n" and proc.stdout == ""


def test_other_unraisable_errors_still_reach_the_previous_hook() -> None:
    proc = _raise_in_weakref_callback("ValueError('boom')")
    assert proc.returncode == 0 and proc.stdout == "kept running\n"
    assert "ValueError: boom" in proc.stderr
