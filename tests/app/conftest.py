"""Fixtures for the Qt tests; isolates QSettings and recovery copies from the user's."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    # Recovery copies of the test windows go to the test's folder, never the user's.
    monkeypatch.setenv("LAYERFORGE_RECOVERY_DIR", str(tmp_path / "recovery"))
    from PySide6.QtCore import QCoreApplication, QSettings

    QCoreApplication.setOrganizationName("LayerForgeTests")
    QCoreApplication.setApplicationName("LayerForgeTests")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "cfg"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    yield


@pytest.fixture
def work_window(qtbot):
    """A main window at 1400x900, shown; its run (if any) is stopped at teardown."""
    from tests.app._gui_helpers import make_window

    w = make_window(qtbot)
    w.resize(1400, 900)
    yield w
    w.training.session.shutdown()


@pytest.fixture
def panel(qtbot):
    """A Data page over a fresh session, 900x700, shown; the session ends at teardown."""
    from app.data_panel import DataPanel
    from app.document import DocumentController
    from app.session import TrainingSession

    session = TrainingSession(DocumentController())
    p = DataPanel(session)
    qtbot.addWidget(p)
    p.resize(900, 700)
    p.show()
    yield p
    session.shutdown()
    session.loader.wait()  # a file still opening in the background lets go of it


@pytest.fixture(autouse=True, scope="session")
def _release_clipboard_at_exit():
    """pytest-qt never quits the app, so do what aboutToQuit does in the real app."""
    yield
    from app.canvas.view import release_clipboard

    release_clipboard()
