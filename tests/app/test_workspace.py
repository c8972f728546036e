"""The workspace: pages by key, in tab order, brought forward by key or by a tab click."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.workspace import Workspace


def test_pages_by_key_in_tab_order(qtbot) -> None:
    ws = Workspace()
    qtbot.addWidget(ws)
    ws.add_page("network", "Network", QLabel("canvas"))
    ws.add_page("results", "Results", QLabel("results"))
    ws.add_page("data", "Data", QLabel("data"), after="network")
    assert ws.keys() == ["network", "data", "results"]
    assert ws.tabText(1) == "Data"
    with pytest.raises(ValueError, match="exists already"):
        ws.add_page("data", "Data again", QLabel())
    with pytest.raises(KeyError, match="network, data, results"):
        ws.page("weights")


def test_tab_click_announces_the_page(qtbot) -> None:
    ws = Workspace()
    qtbot.addWidget(ws)
    ws.add_page("network", "Network", QLabel("canvas"))
    ws.add_page("results", "Results", QLabel("results"))
    ws.show()
    qtbot.waitExposed(ws)
    bar = ws.tabBar()
    with qtbot.waitSignal(ws.pageChanged) as blocker:
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert blocker.args == ["results"]
    assert ws.current_key() == "results"
    ws.show_page("network")
    assert ws.current_key() == "network"
