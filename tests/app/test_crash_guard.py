"""An unexpected error while the app runs becomes a message, and the app keeps going."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QMessageBox, QWidget

from app.crash_guard import install


def test_uncaught_error_shows_one_message_with_details(qtbot, capsys, monkeypatch):
    window = QWidget()
    qtbot.addWidget(window)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    install(window)
    for _ in range(2):  # a repeating error opens one message, not two
        try:
            raise ValueError("the layer 'dense_9' vanished")
        except ValueError:
            sys.excepthook(*sys.exc_info())
    boxes = [w for w in window.findChildren(QMessageBox) if w.objectName() == "unexpectedErrorBox"]
    assert len(boxes) == 1
    box = boxes[0]
    assert box.isVisible() and not box.isModal()
    assert "dense_9" in box.text() and "keeps running" in box.text()
    assert "ValueError" in box.detailedText()
    assert "Traceback" in capsys.readouterr().err
    box.close()
