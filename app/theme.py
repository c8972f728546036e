"""The look of LayerForge: Fusion style, a calm light palette and one small stylesheet.

`apply_theme(app)` is called once at start-up. Colours that other widgets need
(for example the red of an inline error) live here as named constants so that
the whole app changes together.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

#: Named colours shared by the widgets.
WINDOW = "#f4f5f7"
BASE = "#ffffff"
ALT_BASE = "#f7f8fa"
TEXT = "#1f2430"
MUTED = "#6b7280"
BORDER = "#d9dde3"
ACCENT = "#3566d6"
ACCENT_SOFT = "#e3ebfb"
ERROR = "#c62828"
ERROR_SOFT = "#fdecea"
OK = "#2e7d32"
WARN = "#b26a00"

STYLESHEET = f"""
QMainWindow::separator {{ background: {WINDOW}; width: 5px; height: 5px; }}
QMainWindow::separator:hover {{ background: {ACCENT_SOFT}; }}
QDockWidget {{ font-weight: 600; color: {TEXT}; }}
QDockWidget::title {{
    background: {WINDOW}; padding: 6px 8px; border-bottom: 1px solid {BORDER};
    text-align: left;
}}
QDockWidget > QWidget {{ font-weight: normal; }}
QTreeView, QTableView, QListView, QUndoView {{
    background: {BASE}; border: 1px solid {BORDER}; border-radius: 4px;
    alternate-background-color: {ALT_BASE};
    selection-background-color: {ACCENT_SOFT}; selection-color: {TEXT};
}}
QTreeView::item, QListView::item {{ padding: 3px 2px; }}
QHeaderView::section {{
    background: {ALT_BASE}; color: {MUTED}; border: none;
    border-bottom: 1px solid {BORDER}; padding: 4px 6px; font-weight: 600;
}}
QLineEdit {{
    background: {BASE}; border: 1px solid {BORDER}; border-radius: 4px;
    padding: 3px 6px; min-height: 20px;
}}
QLineEdit:focus {{ border: 1px solid {ACCENT}; }}
QLineEdit[invalid="true"] {{ border: 1px solid {ERROR}; background: {ERROR_SOFT}; }}
QLabel[role="error"] {{ color: {ERROR}; }}
QLabel[role="muted"] {{ color: {MUTED}; }}
QLabel[role="heading"] {{ font-size: 14px; font-weight: 600; color: {TEXT}; }}
QLabel[role="title"] {{ font-size: 20px; font-weight: 600; color: {TEXT}; }}
QStatusBar {{ background: {WINDOW}; border-top: 1px solid {BORDER}; color: {MUTED}; }}
QStatusBar QLabel {{ padding: 0 8px; }}
QTabBar::tab {{
    background: {WINDOW}; border: 1px solid {BORDER}; border-bottom: none;
    padding: 4px 12px; margin-right: 2px; border-top-left-radius: 4px;
    border-top-right-radius: 4px; color: {MUTED};
}}
QTabBar::tab:selected {{ background: {BASE}; color: {TEXT}; }}
QPushButton {{
    background: {BASE}; border: 1px solid {BORDER}; border-radius: 4px; padding: 5px 12px;
}}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton[role="primary"] {{ background: {ACCENT}; color: white; border-color: {ACCENT}; }}
QMenuBar {{ background: {WINDOW}; border-bottom: 1px solid {BORDER}; }}
QToolBar#runBar {{ background: {WINDOW}; border-bottom: 1px solid {BORDER}; spacing: 4px; }}
QProgressBar#runProgress {{
    background: {BASE}; border: 1px solid {BORDER}; border-radius: 4px;
    color: {TEXT}; text-align: center; min-height: 18px;
}}
QProgressBar#runProgress::chunk {{ background: {ACCENT_SOFT}; border-radius: 3px; }}
QToolTip {{ background: {BASE}; color: {TEXT}; border: 1px solid {BORDER}; padding: 4px; }}
"""


def light_palette() -> QPalette:
    """A calm light palette for the Fusion style."""
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: WINDOW,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BASE,
        QPalette.ColorRole.AlternateBase: ALT_BASE,
        QPalette.ColorRole.ToolTipBase: BASE,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: MUTED,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: "#fbfbfc",
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.BrightText: ERROR,
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: ACCENT,
        QPalette.ColorRole.Mid: BORDER,
        QPalette.ColorRole.Midlight: "#eceef2",
        QPalette.ColorRole.Light: "#ffffff",
        QPalette.ColorRole.Dark: "#b8bec8",
        QPalette.ColorRole.Shadow: "#9aa1ad",
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor("#a0a6b0"))
    return pal


def apply_theme(app: QApplication) -> None:
    """Give `app` the Fusion style, the light palette, a readable font and the stylesheet."""
    app.setStyle("Fusion")
    app.setPalette(light_palette())
    font = QFont(app.font())
    if font.pointSizeF() < 9.5:
        font.setPointSizeF(9.5)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)
