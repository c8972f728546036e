"""File ▸ New from Data File… / New from Image Folder… make the same starter as
`layerforge new` (core.starters): a person picks the data, the canvas shows the network
that suits it, the data is opened with it, and Train is ready."""

from __future__ import annotations

from pathlib import Path

from tests.app._gui_helpers import make_window
from tests.core.shaped_data import digits_csv, image_folder


def _new_from(qtbot, monkeypatch, key: str, path: Path):  # noqa: ANN001, ANN202
    w = make_window(qtbot)
    monkeypatch.setattr(w.files, "ask_data_path", lambda folder: str(path))
    w.actions_by_key[key].trigger()
    s = w.training.session
    qtbot.waitUntil(lambda: s.dataset is not None, timeout=20_000)
    w.controller.analyze_now()
    return w


def test_pixel_columns_open_as_a_cnn_ready_to_train(qtbot, monkeypatch, tmp_path) -> None:  # noqa: ANN001
    w = _new_from(qtbot, monkeypatch, "new_from_data", digits_csv(tmp_path / "d.csv", n=300))
    types = [n.type for n in w.controller.graph.nodes.values()]
    assert types == ["Input", "Conv2D", "MaxPooling2D", "Conv2D", "Flatten", "Dense"]
    assert w.training.session.dataset.input_shape == (8, 8, 1)
    assert w.training.session.readiness()[0]
    assert w.document_name().startswith("d")
    assert "its 64 numeric columns make 8x8x1 images" in w.statusBar().currentMessage()
    w.controller.mark_clean()


def test_an_image_folder_opens_as_a_cnn(qtbot, monkeypatch, tmp_path) -> None:  # noqa: ANN001
    folder = image_folder(tmp_path / "shades", per_class=6)
    w = _new_from(qtbot, monkeypatch, "new_from_images", folder)
    types = [n.type for n in w.controller.graph.nodes.values()]
    assert types[:3] == ["Input", "Conv2D", "MaxPooling2D"]
    assert w.training.session.readiness()[0]
    w.controller.mark_clean()


def test_a_file_that_is_no_data_says_why(qtbot, monkeypatch, tmp_path) -> None:  # noqa: ANN001
    w = make_window(qtbot)
    w.files.headless = True  # the error is recorded instead of a dialog
    bad = tmp_path / "empty.csv"
    bad.write_text("", encoding="utf-8")
    monkeypatch.setattr(w.files, "ask_data_path", lambda folder: str(bad))
    w.actions_by_key["new_from_data"].trigger()
    qtbot.waitUntil(lambda: bool(w.files.errors), timeout=20_000)  # read in a pool thread
    (title, message), *_ = w.files.errors
    assert title == "Cannot make a network for this data" and "empty.csv" in message
    assert not w.controller.graph.nodes


def test_the_data_is_read_in_a_pool_thread_not_the_gui_thread(qtbot, monkeypatch, tmp_path) -> None:  # noqa: ANN001
    """A large CSV must not freeze the window while its starter is made."""
    import threading

    import core.starters

    real, threads = core.starters.new_project, []

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(core.starters, "new_project", spy)
    w = _new_from(qtbot, monkeypatch, "new_from_data", digits_csv(tmp_path / "d.csv", n=120))
    assert threads and threads[0] is not threading.main_thread()
    assert [n.type for n in w.controller.graph.nodes.values()][:2] == ["Input", "Conv2D"]
    w.controller.mark_clean()
