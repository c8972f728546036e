"""The Results page, driven as a person would: train in the window (or open a project the
command line trained), read the page, click a matrix cell, move the threshold, export.

The numbers shown are compared with `core.evaluation` (which tests/core checks against
scikit-learn): the page must show core's numbers, never its own.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPoint, Qt

from app.results.hub import COMPUTING, READY, TRAINING
from app.results.text import percent, score, value
from core.cli import main as cli
from tests.app._gui_helpers import make_window

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "resources" / "examples"
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def window(qtbot: Any) -> Any:
    w = make_window(qtbot)
    w.resize(1400, 900)
    yield w
    w.training.session.shutdown()


def _open(qtbot: Any, window: Any, project: Path, example: bool = False) -> None:
    if example:
        assert window.files.open_example(str(project), ask=False)
    else:
        assert window.files.open_path(str(project))
    qtbot.waitUntil(lambda: window.training.session.dataset is not None, timeout=10_000)


def _train(qtbot: Any, window: Any) -> None:
    """Press Start and wait for the run's end; the page says "Training…" meanwhile."""
    session, hub = window.training.session, window.results.hub
    with qtbot.waitSignal(session.runFinished, timeout=120_000):
        qtbot.mouseClick(window.training.training_panel.start_button, LEFT)
        assert hub.status == TRAINING and hub.message.startswith("Training…")
    qtbot.waitUntil(lambda: hub.status == READY, timeout=10_000)


def _cell(model: Any, row: int, name: str) -> str:
    return model.data(model.index(row, model.columns.index(name)))


def test_iris_run_brings_results_forward_and_a_cell_click_filters_the_table(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    _open(qtbot, window, EXAMPLES / "iris.lfproj", example=True)
    _train(qtbot, window)
    assert window.workspace.current_key() == "results"  # came forward at the run's end
    view, ev = window.results.view, window.results.hub.evaluation
    assert ev.split == "test" and ev.task == "multiclass"
    assert view.headline.isVisible() and not view.status.isVisible()
    assert view.headline.sentence.text() == ev.headline
    report = ev.model.classification
    assert view.headline.text("Accuracy") == percent(report.accuracy)
    assert view.headline.text("Accuracy", "baseline") == percent(ev.baseline_scores.accuracy)
    assert view.headline.text("ROC AUC") == score(ev.model.roc_auc)
    assert view.headline.text("Macro F1") == score(report.macro_f1)
    for k, label in enumerate(report.labels):
        assert view.class_table.text(label, "Precision") == score(report.precision[k])
        assert view.class_table.text(label, "Recall") == score(report.recall[k])
        assert view.class_table.text(label, "F1") == score(report.f1[k])
        assert view.class_table.text(label, "Support") == str(report.support[k])
    assert view.curves.titles["roc"].endswith(score(ev.model.roc_auc))

    table = view.predictions.model
    assert table.rowCount() == ev.n_rows
    errors = [float(_cell(table, r, "error")) for r in range(table.rowCount())]
    assert errors == sorted(errors, reverse=True)  # worst first

    off = [(i, j) for i in range(3) for j in range(3) if i != j and report.matrix[i, j]]
    i, j = off[0] if off else (1, 1)  # a mistake when there is one, else a right answer
    assert report.matrix[i, j] > 0
    matrix = view.matrix
    qtbot.mouseClick(matrix, LEFT, pos=matrix.cell_rect(i, j).center())
    assert matrix.selected == (i, j)
    assert table.rowCount() == report.matrix[i, j] == int(matrix.cell_text(i, j))
    for r in range(table.rowCount()):
        assert _cell(table, r, "actual") == report.labels[i]
        assert _cell(table, r, "predicted") == report.labels[j]
    assert view.predictions.show_all.isVisible()
    assert f"{report.matrix[i, j]} of {ev.n_rows} rows" in view.predictions.filter_label.text()

    # Export CSV… writes the rows shown (the cell), in the table's order
    out = tmp_path / "cell.csv"
    asked: list[str] = []
    view.predictions.ask_path = lambda _parent, suggested: asked.append(suggested) or str(out)
    qtbot.mouseClick(view.predictions.export_button, LEFT)
    assert asked and asked[0].endswith("predictions.csv")
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == report.matrix[i, j] and list(rows[0]) == ev.predictions.columns
    assert [int(r["row"]) for r in rows] == [int(_cell(table, k, "row")) for k in range(len(rows))]
    assert all(r["actual"] == report.labels[i] and r["predicted"] == report.labels[j] for r in rows)
    assert f"Wrote {len(rows)} rows" in view.predictions.filter_label.text()

    qtbot.mouseClick(view.predictions.show_all, LEFT)
    assert table.rowCount() == ev.n_rows and matrix.selected is None
    qtbot.mouseClick(view.card.share_button, LEFT)  # row-normalised view
    assert matrix.cell_text(i, i) == percent(report.normalized[i, i], 0)

    # the same results, computed in the background (the path a 100k-row table takes)
    hub = window.results.hub
    before = ev.headline
    hub.sync_limit = 0
    hub.refresh()
    assert hub.status == COMPUTING and not view.headline.isVisible()
    qtbot.waitUntil(lambda: hub.status == READY, timeout=10_000)
    assert hub.evaluation.headline == before and view.headline.sentence.text() == before


def test_threshold_slider_changes_the_counts_and_the_metrics(qtbot: Any, window: Any) -> None:
    _open(qtbot, window, EXAMPLES / "seed.lfproj", example=True)
    _train(qtbot, window)
    view, hub = window.results.view, window.results.hub
    base = hub.evaluation
    assert base.task == "binary" and view.threshold.isVisible()
    assert view.threshold.threshold == 0.5
    p = base.probabilities[:, 1]
    slider = view.threshold.slider
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_PageDown)  # one page: 0.05 lower
    qtbot.keyClick(slider, Qt.Key.Key_PageDown)
    assert view.threshold.threshold == pytest.approx(0.4)
    ev = hub.evaluation
    assert ev.threshold == pytest.approx(0.4)
    predicted = (p >= 0.4).astype(int)
    counts = np.array(
        [[np.sum((base.actual == a) & (predicted == b)) for b in (0, 1)] for a in (0, 1)]
    )
    np.testing.assert_array_equal(ev.model.classification.matrix, counts)
    assert [[view.matrix.cell_text(a, b) for b in (0, 1)] for a in (0, 1)] == counts.astype(
        str
    ).tolist()
    assert view.headline.text("Accuracy") == percent(ev.model.classification.accuracy)
    assert view.headline.sentence.text() == ev.headline
    assert view.headline.text("ROC AUC") == score(base.model.roc_auc)  # areas do not move
    qtbot.keyClick(slider, Qt.Key.Key_Home)  # threshold 0: every row predicted positive
    assert hub.evaluation.model.classification.matrix[:, 0].sum() == 0
    assert view.matrix.cell_text(0, 0) == "0" and view.matrix.cell_text(1, 0) == "0"
    assert {_cell(view.predictions.model, r, "predicted") for r in range(base.n_rows)} == {
        base.labels[1]
    }
    qtbot.mouseClick(view.threshold.reset, LEFT)
    assert hub.evaluation.threshold == 0.5
    np.testing.assert_array_equal(
        hub.evaluation.model.classification.matrix, base.model.classification.matrix
    )


def test_regression_view_on_diabetes(qtbot: Any, window: Any) -> None:
    _open(qtbot, window, EXAMPLES / "regression.lfproj", example=True)
    _train(qtbot, window)
    view, ev = window.results.view, window.results.hub.evaluation
    assert ev.task == "regression"
    assert view.regression_charts.isVisible() and not view.classification.isVisible()
    reg, base = ev.model.regression, ev.baseline_scores.regression
    for name, ours, theirs in (
        ("MAE", value(reg.mae), value(base.mae)),
        ("RMSE", value(reg.rmse), value(base.rmse)),
        ("R²", score(reg.r2), score(base.r2)),
    ):
        assert view.headline.text(name) == ours
        assert view.headline.text(name, "baseline") == theirs
    assert view.regression.points_drawn == ev.n_rows
    assert "progression" in view.regression.titles["scatter"]
    table = view.predictions.model
    assert table.columns == ["row", "actual", "predicted", "error"]
    sizes = [abs(float(_cell(table, r, "error"))) for r in range(table.rowCount())]
    assert sizes == sorted(sizes, reverse=True)  # worst first, by the size of the error
    header = view.predictions.view.horizontalHeader()
    qtbot.mouseClick(header.viewport(), LEFT, pos=QPoint(header.sectionViewportPosition(1) + 5, 5))
    actual = [float(_cell(table, r, "actual")) for r in range(table.rowCount())]
    assert actual == sorted(actual) or actual == sorted(actual, reverse=True)


def test_without_a_test_split_the_results_are_on_validation_and_say_so(
    qtbot: Any, window: Any
) -> None:
    _open(qtbot, window, EXAMPLES / "iris.lfproj", example=True)
    spin = window.training.data_panel.test_split
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "0")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: len(window.training.session.dataset.x_test) == 0, timeout=5000)
    _train(qtbot, window)
    view, ev = window.results.view, window.results.hub.evaluation
    assert ev.split == "validation"
    assert "validation rows (there is no test split)" in view.headline.sentence.text()
    assert view.headline.note.isVisible()
    assert (
        "no test split" in view.headline.note.text() and ev.split_note in view.headline.note.text()
    )


def _three_kinds(path: Path) -> Path:
    """Classes a and b (60 rows each) and c (2 rows): c is in no test row (stratified)."""
    rng = np.random.default_rng(0)
    parts = [
        pd.DataFrame(rng.normal(size=(m, 2)) + 3 * k, columns=["x1", "x2"]).assign(kind=lab)
        for k, (lab, m) in enumerate((("a", 60), ("b", 60), ("c", 2)))
    ]
    pd.concat(parts).to_csv(path, index=False)
    return path


def test_a_project_trained_from_the_cli_opens_with_its_results(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    data = _three_kinds(tmp_path / "kinds.csv")
    proj = tmp_path / "kinds.lfproj"
    assert cli(["new", "--data", str(data), "--target", "kind", "--out", str(proj)]) == 0
    assert cli(["train", str(proj), "--epochs", "30", "--quiet"]) == 0
    _open(qtbot, window, proj)
    hub = window.results.hub
    qtbot.waitUntil(lambda: hub.status == READY, timeout=10_000)
    window.workspace.show_page("results")
    view, ev = window.results.view, hub.evaluation
    state = window.controller.trained_state
    assert state is not None and "layerforge train" in state.finish["summary"]
    assert ev.model.accuracy == pytest.approx(state.test_metrics["accuracy"], abs=1e-6)
    assert view.headline.sentence.text() == ev.headline
    assert view.headline.text("Accuracy") == percent(ev.model.accuracy)
    # class 'c' has no test row: it keeps its row in the matrix, with support 0
    report = ev.model.classification
    assert report.labels == ("a", "b", "c") and report.support[2] == 0
    assert [view.matrix.cell_text(2, j) for j in range(3)] == ["0", "0", "0"]
    assert view.class_table.text("c", "Support") == "0"
    assert "No test row is 'c'" in view.headline.note.text()
    qtbot.mouseClick(view.matrix, LEFT, pos=view.matrix.cell_rect(2, 2).center())
    assert view.predictions.model.rowCount() == 0  # an empty cell lists no rows, no crash


def test_a_single_valued_test_target_shows_no_r2_and_why(qtbot: Any) -> None:
    from app.results.headline import Headline
    from core.evaluation import baseline_from_targets, evaluate_outputs

    base = baseline_from_targets("regression", (), np.array([1.0, 2.0, 4.0]))
    ev = evaluate_outputs(
        np.array([2.9, 3.2, 3.0]),
        np.array([3.0, 3.0, 3.0]),
        kind="regression",
        baseline=base,
        split="test",
    )
    headline = Headline()
    qtbot.addWidget(headline)
    headline.set_evaluation(ev)
    assert headline.text("R²") == "—" and headline.text("R²", "baseline") == "—"
    notes = [headline.grid.itemAtPosition(r, 3).widget().text() for r in range(1, 4)]
    assert ev.model.regression.r2_note in notes and notes[-1].startswith("no R²: every one")
    assert headline.text("MAE") == value(ev.model.regression.mae)
