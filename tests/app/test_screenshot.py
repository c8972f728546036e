"""`layerforge --screenshot OUT.png [PROJECT]` renders the window to a PNG that is not blank."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage


def _distinct_colours(path, step=7):
    img = QImage(str(path))
    assert not img.isNull()
    colours = set()
    for y in range(0, img.height(), step):
        for x in range(0, img.width(), step):
            colours.add(img.pixel(x, y))
    return img, colours


def _run(args, tmp_path):
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("QT_QPA_PLATFORM", None)  # --screenshot must choose offscreen by itself
    env["XDG_CONFIG_HOME"] = str(tmp_path / "cfg")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])  # this checkout's code
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )


def test_screenshot_writes_a_non_blank_png(tmp_path):
    out = tmp_path / "shot.png"
    proc = _run(["--screenshot", str(out)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    img, colours = _distinct_colours(out)
    assert (img.width(), img.height()) == (1400, 900)
    assert len(colours) >= 8, f"only {len(colours)} colours: looks blank"


def test_screenshot_of_a_project(qtbot, tmp_path):
    from tests.app._gui_helpers import add_chain, make_window

    w = make_window(qtbot, show=False)
    add_chain(w.controller)
    project = tmp_path / "p.lfproj"
    w.controller.save(str(project))
    out = tmp_path / "p.png"
    proc = _run([str(project), "--screenshot", str(out), "--size", "1000x700"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    img, colours = _distinct_colours(out)
    assert (img.width(), img.height()) == (1000, 700)
    assert len(colours) >= 8


def test_missing_project_is_a_clear_error(tmp_path):
    proc = _run([str(tmp_path / "nope.lfproj"), "--screenshot", str(tmp_path / "x.png")], tmp_path)
    assert proc.returncode == 2
    assert "nope.lfproj" in proc.stderr
    assert not (tmp_path / "x.png").exists()


def test_startup_imports_no_heavy_modules(tmp_path):
    """Launch stays fast: plots, data and export libraries load only when used.

    The example project's CSV is read on purpose `DATA_DELAY_MS` after the first frame;
    that delay is lengthened here, so a slow first frame on a busy machine cannot let
    the planned read into the check.
    """
    code = (
        "import sys\n"
        "import app.training_ui\n"
        "app.training_ui.DATA_DELAY_MS = 60_000\n"
        "from app.gui import create_application, build_window\n"
        "app = create_application()\n"
        "w = build_window(None, persist_settings=False)\n"
        "w.show(); app.processEvents()\n"
        "heavy = [m for m in ('pyqtgraph', 'pandas', 'onnx', 'h5py', 'onnxruntime')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp_path),
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout


IRIS = Path(__file__).resolve().parents[2] / "resources" / "examples" / "iris.lfproj"


def test_screenshot_of_each_view(tmp_path):
    """`--view KEY` renders that page (canvas is the Network page); the pages differ."""
    shots = {}
    for view in ("canvas", "network", "data", "training"):
        out = tmp_path / f"{view}.png"
        proc = _run(["--screenshot", str(out), str(IRIS), "--view", view], tmp_path)
        assert proc.returncode == 0, proc.stderr
        img, colours = _distinct_colours(out)
        assert (img.width(), img.height()) == (1400, 900) and len(colours) >= 8
        shots[view] = img
    assert shots["canvas"] == shots["network"]
    assert shots["data"] != shots["network"] and shots["training"] != shots["data"]


def test_screenshot_of_an_unknown_view_lists_the_views(tmp_path):
    out = tmp_path / "x.png"
    proc = _run(["--screenshot", str(out), str(IRIS), "--view", "plots"], tmp_path)
    assert proc.returncode == 2
    line = proc.stderr.strip().splitlines()[-1]
    assert "'plots'" in line and "network (or canvas), data, training" in line, proc.stderr
    assert not out.exists()
