"""The bar charts of "What it learned" stay legible with many inputs: as many bars as
the height gives a row, the largest first, and a last row counting the rest."""

from __future__ import annotations

import numpy as np

from app.results.learned_charts import BarChart


def test_many_names_show_the_first_and_count_the_rest(qtbot) -> None:
    chart = BarChart(x_label="score lost when shuffled")
    qtbot.addWidget(chart)
    chart.resize(400, 300)
    chart.show()
    qtbot.waitExposed(chart)
    names = [f"column {i}" for i in range(30)]
    values = np.linspace(0.3, 0.0, 30)
    chart.set_bars(names, values, errors=np.full(30, 0.01))
    drawn = chart.shown()
    fit = chart.rows_that_fit()
    assert len(drawn) == fit - 1 < 30
    assert [n for n, _ in drawn] == names[: fit - 1]
    assert chart.names_axis.names[-1] == f"… {30 - fit + 1} more, smaller"

    chart.resize(400, 900)  # a taller chart: more rows fit, every bar once they all do
    qtbot.waitUntil(lambda: chart.rows_that_fit() > fit)
    assert len(chart.shown()) > len(drawn)
    chart.resize(400, 2000)
    qtbot.waitUntil(lambda: len(chart.shown()) == 30)
    assert chart.names_axis.names == names


def test_few_names_are_all_drawn(qtbot) -> None:
    chart = BarChart()
    qtbot.addWidget(chart)
    chart.resize(400, 300)
    chart.show()
    chart.set_bars(["a", "b", "c", "d"], [0.4, -0.1, 0.05, 0.0])
    assert chart.shown() == [("a", 0.4), ("b", -0.1), ("c", 0.05), ("d", 0.0)]
