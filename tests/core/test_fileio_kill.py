"""Issue 11, finding 12: a save killed at any moment leaves the previous file intact,
and the next save of that file removes the temporary the killed one left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.document.fileio import atomic_write_text, clean_stray_temporaries

ROOT = Path(__file__).resolve().parents[2]
#: Saves version 1, 2, 3, ... of a ~2 MB JSON file until it is killed.
SAVER = """
import json, sys
from core.document.fileio import atomic_write_text
target, pad = sys.argv[1], "x" * 2_000_000
version = int(sys.argv[2])
print("ready", flush=True)
while True:
    version += 1
    atomic_write_text(target, json.dumps({"version": version, "pad": pad}))
"""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def strays(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{name}."))


def test_killing_saves_at_random_moments_never_corrupts_the_file(tmp_path: Path) -> None:
    target = tmp_path / "work.lfproj"
    atomic_write_text(target, json.dumps({"version": 0, "pad": ""}))
    rng = np.random.default_rng(1112)
    left_behind = 0
    for trial in range(24):
        before = json.loads(target.read_text())["version"]
        proc = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(target), str(before)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(float(rng.uniform(0.0, 0.25)))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        after = json.loads(target.read_text())  # always a whole file
        assert after["version"] >= before and after["pad"] in ("", "x" * 2_000_000), trial
        left_behind += bool(strays(tmp_path, target.name))
        # the next save removes what the killed one left
        atomic_write_text(target, json.dumps({"version": after["version"], "pad": ""}))
        assert strays(tmp_path, target.name) == [], trial
    assert left_behind > 0  # some kills did land mid-save


def test_only_temporaries_of_dead_processes_are_removed(tmp_path: Path) -> None:
    live = tmp_path / f".p.lfproj.{os.getpid()}.abcdefgh.tmp"
    dead_pid = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dead = tmp_path / f".p.lfproj.{dead_pid}.abcdefgh.tmp"
    fresh_old_style = tmp_path / ".p.lfproj.ab12cd34.tmp"
    stale_old_style = tmp_path / ".p.lfproj.zz12cd34.tmp"
    other = tmp_path / ".p.lfproj.notes.tmp"  # not a temporary name
    for p in (live, dead, fresh_old_style, stale_old_style, other):
        p.write_text("x")
    os.utime(stale_old_style, (time.time() - 3600, time.time() - 3600))
    removed = clean_stray_temporaries(tmp_path, "p.lfproj")
    assert sorted(p.name for p in removed) == sorted([dead.name, stale_old_style.name])
    assert live.exists() and fresh_old_style.exists() and other.exists()
