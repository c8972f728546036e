"""The missing layer between the data and a layer, fixed in one click on the canvas: a
person opens pixel or text data, builds Input -> Conv2D / LSTM -> ... from the palette,
wires it by dragging ports, and follows the problems' fix buttons: the fix inserts a
Reshape, an Embedding or a Flatten card on the edge (one undo step, the cards in a tidy
row), the problem is gone, the network trains, and Undo puts the graph back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton

from app.canvas.style import NODE_WIDTH
from core.document.graph_io import graph_to_dict
from tests.app._gui_helpers import make_window

DATASETS = Path(__file__).resolve().parents[2] / "resources" / "datasets"


def _bars_csv(folder: Path, n: int = 240) -> Path:
    """8x8 pictures of a horizontal or a vertical bar with noise, as 64 pixel columns."""
    rng = np.random.default_rng(0)
    rows = [",".join([f"px{i}" for i in range(64)] + ["bar"])]
    for k in range(n):
        img = rng.uniform(0, 4, size=(8, 8))
        line = int(rng.integers(1, 7))
        vertical = k % 2 == 1
        if vertical:
            img[:, line] += 12
        else:
            img[line, :] += 12
        pixels = ",".join(f"{v:.1f}" for v in img.ravel())
        rows.append(f"{pixels},{'vertical' if vertical else 'horizontal'}")
    path = folder / "bars.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _palette_add(qtbot, w, type_name: str) -> str:  # noqa: ANN001
    """A person's double-click on the layer in the palette; the new layer's id."""
    before = set(w.controller.graph.nodes)
    pal = w.palette
    item = pal.item_for(type_name)
    pal.tree.scrollToItem(item)
    rect = pal.tree.visualItemRect(item)
    qtbot.mouseClick(pal.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(pal.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    (new,) = set(w.controller.graph.nodes) - before
    return new


def _build(qtbot, w, types: list[str]) -> list[str]:  # noqa: ANN001
    """Add `types` from the palette, drag them into a row and wire them port to port."""
    ids = [_palette_add(qtbot, w, t) for t in types]
    w.controller.move_nodes({nid: (260.0 * k, 0.0) for k, nid in enumerate(ids)})
    w.view.fit_all()
    scene = w.view.canvas
    vp = w.view.viewport()
    for a, b in zip(ids, ids[1:], strict=False):
        start = w.view.mapFromScene(scene.nodes[a].output_port.scenePos())
        end = w.view.mapFromScene(scene.nodes[b].input_port.scenePos())
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
        QTest.mouseMove(vp, (start + end) / 2)
        QTest.mouseMove(vp, end)
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert [(e.src, e.dst) for e in w.controller.graph.edges] == list(
        zip(ids, ids[1:], strict=False)
    )
    return ids


def _click_fix(qtbot, w, node_id: str, label: str) -> None:  # noqa: ANN001
    """Select the layer and click the inspector's fix button that says `label`."""
    w.controller.analyze_now()
    w.select_ids([node_id])
    qtbot.waitUntil(lambda: w.inspector.node_id == node_id, timeout=2000)
    buttons = w.inspector.problems_host.findChildren(QPushButton, "fixButton")
    texts = [b.text() for b in buttons]
    assert label in texts, texts
    qtbot.mouseClick(buttons[texts.index(label)], Qt.MouseButton.LeftButton)
    w.controller.analyze_now()


def _problems_at(w, node_id: str) -> list[str]:  # noqa: ANN001
    return [p.message for p in w.controller.analysis.problems_for(node_id)]


def _tidy_row(w, chain: list[str]) -> None:  # noqa: ANN001
    """The cards of `chain` stand left to right on one row, a card's width apart or more."""
    g = w.controller.graph
    xs = [g.node(n).x for n in chain]
    assert {g.node(n).y for n in chain} == {0.0}
    assert all(b - a >= NODE_WIDTH + 20 for a, b in zip(xs, xs[1:], strict=False)), xs


def _train(qtbot, w, epochs: int) -> None:  # noqa: ANN001
    t = w.training
    w.controller.update_train_config({"epochs": epochs, "learning_rate": 0.01})
    assert t.session.readiness()[0], t.session.readiness()[1]
    with qtbot.waitSignal(t.session.runFinished, timeout=120_000):
        qtbot.mouseClick(t.run_bar.button("start"), Qt.MouseButton.LeftButton)
    assert t.session.epochs_done == epochs


def _choose_kind(qtbot, w, kind: str) -> None:  # noqa: ANN001
    box = w.training.data_panel.samples.kind
    box.setCurrentIndex([box.itemData(i) for i in range(box.count())].index(kind))
    qtbot.waitUntil(lambda: w.training.session.data_config.input_kind == kind, timeout=10_000)
    qtbot.waitUntil(lambda: w.training.session.dataset is not None, timeout=10_000)


def test_conv2d_on_pixel_columns_gets_a_reshape_card_and_trains(qtbot, tmp_path) -> None:  # noqa: ANN001
    w = make_window(qtbot)
    c, s = w.controller, w.training.session
    assert s.open_csv(_bars_csv(tmp_path))
    qtbot.waitUntil(lambda: s.dataset is not None, timeout=20_000)
    assert s.dataset.input_shape == (64,)  # a plain table of 64 pixel columns
    inp, conv, flat, out = _build(qtbot, w, ["Input", "Conv2D", "Flatten", "Dense"])
    _click_fix(qtbot, w, inp, "Set Input shape to (64,)")
    c.set_params(conv, {"filters": 8, "activation": "relu"})
    c.analyze_now()
    (msg,) = _problems_at(w, conv)
    assert msg == (
        "Conv2D 'conv2d' needs an image-shaped input (height, width, channels); 'input' gives "
        "(None, 64). Insert Reshape(8, 8, 1)?"
    )
    before, steps = graph_to_dict(c.graph), c.undo_stack.count()
    _click_fix(qtbot, w, conv, "Insert Reshape(8, 8, 1)")
    assert c.undo_stack.count() == steps + 1  # one undo step
    (reshape,) = c.graph.inputs_of(conv)
    node = c.graph.node(reshape)
    assert node.type == "Reshape" and tuple(node.params["target_shape"]) == (8, 8, 1)
    assert c.graph.inputs_of(reshape) == [inp]
    assert c.analysis.shapes[conv] == (None, 6, 6, 8)
    assert not _problems_at(w, conv)
    _tidy_row(w, [inp, reshape, conv, flat, out])
    after = graph_to_dict(c.graph)
    w.actions_by_key["undo"].trigger()
    assert graph_to_dict(c.graph) == before
    w.actions_by_key["redo"].trigger()
    assert graph_to_dict(c.graph) == after
    _click_fix(qtbot, w, out, "Use Dense(1, sigmoid)")
    assert c.analysis.ok
    _train(qtbot, w, 5)
    assert s.history["val_accuracy"][-1] > 0.75  # two balanced classes: chance is 0.5
    c.mark_clean()


def test_an_lstm_on_token_ids_gets_an_embedding_card_and_trains(qtbot) -> None:  # noqa: ANN001
    w = make_window(qtbot)
    c, s = w.controller, w.training.session
    assert s.open_csv(DATASETS / "reviews.csv")  # as a table: no feature column yet
    qtbot.waitUntil(lambda: s.table is not None, timeout=20_000)
    _choose_kind(qtbot, w, "text")
    vocab, (length,) = s.dataset.vocabulary_size, s.dataset.input_shape
    inp, lstm, out = _build(qtbot, w, ["Input", "LSTM", "Dense"])
    _click_fix(qtbot, w, inp, f"Set Input shape to ({length},)")
    (msg,) = _problems_at(w, lstm)
    assert msg == (
        f"LSTM 'lstm' needs a sequence of vectors (steps, features); 'input' gives token ids "
        f"(None, {length}), one number per word. Insert Embedding(input_dim={vocab}, "
        "output_dim=32)?"
    )
    before, steps = graph_to_dict(c.graph), c.undo_stack.count()
    _click_fix(qtbot, w, lstm, f"Insert Embedding({vocab}, 32)")
    assert c.undo_stack.count() == steps + 1
    (emb,) = c.graph.inputs_of(lstm)
    assert c.graph.node(emb).type == "Embedding"
    assert c.graph.node(emb).params["input_dim"] == vocab
    assert c.analysis.shapes[emb] == (None, length, 32)
    assert not _problems_at(w, lstm)
    _tidy_row(w, [inp, emb, lstm, out])
    _click_fix(qtbot, w, out, "Use Dense(1, sigmoid)")
    assert c.analysis.ok
    _train(qtbot, w, 2)
    # Undo, Undo, ...: the epochs setting, the output fix, then the Embedding
    texts = []
    while c.undo_stack.index() > steps:
        texts.append(c.undo_stack.undoText())
        w.actions_by_key["undo"].trigger()
    assert texts[-1] == f"Insert Embedding({vocab}, 32)" and len(texts) == 3, texts
    assert graph_to_dict(c.graph) == before
    c.mark_clean()


def test_a_dense_on_feature_maps_before_the_loss_gets_a_flatten_card(qtbot) -> None:  # noqa: ANN001
    w = make_window(qtbot)
    c, s = w.controller, w.training.session
    assert s.open_csv(DATASETS / "digits.csv")
    qtbot.waitUntil(lambda: s.dataset is not None, timeout=20_000)
    _choose_kind(qtbot, w, "pixels")
    assert s.dataset.input_shape == (8, 8, 1)
    inp, conv, out = _build(qtbot, w, ["Input", "Conv2D", "Dense"])
    _click_fix(qtbot, w, inp, "Set Input shape to (8, 8, 1)")
    c.set_params(conv, {"filters": 8, "activation": "relu"})
    c.set_params(out, {"activation": "softmax"})
    c.analyze_now()
    assert c.analysis.shapes[out] == (None, 6, 6, 10)  # Keras: Dense on the last axis
    (msg,) = _problems_at(w, out)
    assert msg == (
        "The output layer 'dense' gives (6, 6, 10) per sample but the target is 10 classes: "
        "Dense 'dense' works on the last axis of the (6, 6, 8) that 'conv2d' gives — insert "
        "a Flatten before 'dense'"
    )
    before, steps = graph_to_dict(c.graph), c.undo_stack.count()
    # the card's red badge applies the fix
    card = w.view.canvas.nodes[out]
    qtbot.waitUntil(lambda: card.badge.isVisible(), timeout=2000)
    qtbot.mouseClick(
        w.view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=w.view.mapFromScene(card.badge.scenePos()),
    )
    c.analyze_now()
    (flat,) = c.graph.inputs_of(out)
    assert c.graph.node(flat).type == "Flatten" and c.graph.inputs_of(flat) == [conv]
    assert c.analysis.ok and c.analysis.shapes[out] == (None, 10)
    _tidy_row(w, [inp, conv, flat, out])
    _train(qtbot, w, 2)
    while c.undo_stack.index() > steps:
        w.actions_by_key["undo"].trigger()
    assert graph_to_dict(c.graph) == before
    c.mark_clean()
