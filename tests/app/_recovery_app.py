"""A real LayerForge window that a test kills with SIGKILL: `python _recovery_app.py MODE PROJECT`.

MODE "edit": the project is opened and a layer is added from the Layers panel;
"train": a run is started with the Start button and keeps going.
Once the autosave has written a recovery copy that holds that work, the
script prints "READY <what the copy holds>" and carries on (editing nothing
more, or training) until it is killed. Autosave runs every
$LAYERFORGE_AUTOSAVE_SECONDS into $LAYERFORGE_RECOVERY_DIR.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402


def newest_index() -> dict | None:
    root = Path(os.environ["LAYERFORGE_RECOVERY_DIR"])
    for index in root.glob("*/recovery.json"):
        try:
            return json.loads(index.read_text())
        except (OSError, ValueError):
            return None
    return None


def main(mode: str, project: str) -> int:
    from app.gui import build_window, create_application

    app = create_application()
    window = build_window(project, persist_settings=False, headless=True)
    window.files.headless = False
    window.show()
    session = window.training.session

    def edit() -> None:
        window.palette.add_layer("Dropout")  # what double-clicking it in the Layers panel does

    def train() -> None:
        panel = window.training.training_panel
        if not panel.start_button.isEnabled():
            QTimer.singleShot(100, train)
            return
        QTest.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)

    def wait_for_data(then: object) -> None:
        if session.dataset is None:
            QTimer.singleShot(50, lambda: wait_for_data(then))
            return
        then()  # type: ignore[operator]

    def check() -> None:
        index = newest_index()
        if index is not None and (
            (mode == "edit" and index["layers"] == 5)
            or (mode == "train" and index["epochs_trained"] >= 2)
        ):
            print("READY", json.dumps(index), flush=True)
            return
        QTimer.singleShot(50, check)

    wait_for_data(edit if mode == "edit" else train)
    QTimer.singleShot(50, check)
    return int(app.exec())


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
