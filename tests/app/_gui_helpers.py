"""Shared set-up for the main-window tests: a window over a fresh controller, a small network."""

from __future__ import annotations

from typing import Any


def make_window(qtbot: Any, show: bool = True) -> Any:
    """A MainWindow over a new DocumentController (settings not restored/saved)."""
    from app.document import DocumentController
    from app.main_window import MainWindow

    controller = DocumentController()
    window = MainWindow(controller, persist_settings=False)
    # Closing at teardown must never open the modal 'save changes?' box.
    qtbot.addWidget(window, before_close_func=lambda w: w.controller.mark_clean())
    window.resize(1200, 800)
    if show:
        window.show()
        qtbot.waitExposed(window)
    return window


def add_chain(controller: Any) -> list[str]:
    """Input(8) -> Dense(16, relu) -> Dense(1, sigmoid), connected; returns the ids."""
    a = controller.add_node("Input", 0, 0, {"shape": (8,)})
    b = controller.add_node("Dense", 250, 0, {"units": 16, "activation": "relu"})
    c = controller.add_node("Dense", 500, 0, {"units": 1, "activation": "sigmoid"})
    assert controller.connect(a, b) and controller.connect(b, c)
    controller.analyze_now()
    return [a, b, c]


def mark_clean(controller: Any) -> None:
    """Pretend the document was just saved, so closing does not ask."""
    controller.mark_clean()


def click_page(qtbot: Any, window: Any, key: str) -> None:
    """Bring the workspace page `key` forward the way a person does: a click on its tab."""
    from PySide6.QtCore import Qt

    bar = window.workspace.tabBar()
    pos = bar.tabRect(window.workspace.keys().index(key)).center()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=pos)
    assert window.workspace.current_key() == key
