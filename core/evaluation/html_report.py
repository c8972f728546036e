"""A self-contained HTML report of one evaluation, to mail to a colleague.

Everything is in the one file: the CSS inline and the charts (`plots`) as
base64 PNG images. It opens with the headline sentence, then the model
against its baseline, the charts (and a series' forecast along time), the
per-class table, the feature importance when given, and the rows the model
got most wrong. Every piece of user text (labels, file names, column names) is HTML-escaped.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from core.document.fileio import atomic_write_text
from core.evaluation import plots
from core.evaluation.importance import Importances
from core.evaluation.results import Evaluation

__all__ = ["render_report", "write_report"]

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2933;
 background:#f5f7fa;margin:0;line-height:1.45}
main{max-width:980px;margin:0 auto;padding:28px 28px 48px}
header h1{font-size:22px;margin:0 0 4px} header p{margin:0;color:#616e7c;font-size:13px}
.headline{background:#fff;border-left:6px solid #0072B2;border-radius:6px;padding:16px 20px;
 margin:22px 0 8px;font-size:20px;font-weight:600;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.note{background:#fff8e6;border:1px solid #f0d48a;border-radius:6px;padding:8px 12px;
 font-size:13px;margin:8px 0}
section{background:#fff;border-radius:6px;padding:16px 20px;margin:16px 0;
 box-shadow:0 1px 2px rgba(0,0,0,.06)}
h2{font-size:16px;margin:0 0 12px}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{padding:5px 10px;border-bottom:1px solid #e4e7eb;text-align:right}
th:first-child,td:first-child{text-align:left} th{color:#616e7c;font-weight:600}
td.better{color:#007a55;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
.charts img{max-width:100%;height:auto}
.muted{color:#616e7c;font-size:12px}
footer{color:#9aa5b1;font-size:12px;text-align:center;margin-top:24px}
"""


def _img(png: bytes, alt: str) -> str:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        w = im.width // plots.SCALE
    data = base64.b64encode(png).decode("ascii")
    return f'<img width="{w}" alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _num(v: float | None, pct: bool = False) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "–"
    if pct:
        return f"{v * 100:.1f} %"
    return f"{v:.4f}" if abs(v) < 1e-3 else f"{v:.4g}"


def _compare_rows(ev: Evaluation) -> list[tuple[str, str, str, bool]]:
    """(metric, model, baseline, model is better) rows of the comparison table."""
    m, b = ev.model, ev.baseline_scores
    if ev.is_classification:
        mc, bc = m.classification, b.classification
        rows = [
            ("accuracy", mc.accuracy, bc.accuracy, True, True),
            ("macro F1", mc.macro_f1, bc.macro_f1, True, False),
            (
                "ROC AUC" + (" (macro, one-vs-rest)" if len(ev.labels) > 2 else ""),
                m.roc_auc,
                b.roc_auc,
                True,
                False,
            ),
        ]
        if m.pr is not None:
            rows.append(("PR AUC (average precision)", m.pr_auc, b.pr_auc, True, False))
    else:
        mr, br = m.regression, b.regression
        rows = [
            ("MAE", mr.mae, br.mae, False, False),
            ("RMSE", mr.rmse, br.rmse, False, False),
            ("R²", mr.r2, br.r2, True, False),
        ]
    out = []
    for name, a, c, higher, pct in rows:
        better = a is not None and c is not None and (a > c if higher else a < c)
        out.append((name, _num(a, pct), _num(c, pct), better))
    return out


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], better: Sequence[int] = ()) -> str:
    h = "".join(f"<th>{html.escape(x)}</th>" for x in head)
    body = []
    for i, r in enumerate(rows):
        cells = []
        for j, c in enumerate(r):
            cls = ' class="better"' if j == 1 and i in better else ""
            cells.append(f"<td{cls}>{html.escape(str(c))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{h}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _worst(ev: Evaluation, limit: int = 12) -> str:
    t = ev.predictions
    order = t.worst_first()[:limit]
    recs = t.records(order)
    cols = t.columns
    rows = [[_cell(r[c]) for c in cols] for r in recs]
    names = {"probability_actual": "p(actual)", "probability": "p(predicted)"}
    return _table([names.get(c, c) for c in cols], rows)


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "" if v is None else str(v)


def _boundary_section(plan: Any, grid: Any | None) -> str:
    esc = html.escape
    head = "<section><h2>What the model decides where</h2>"
    if grid is None:
        return f"{head}<p>{esc(plan.reason)}</p></section>"
    if plan.mode == "features":
        how = (
            f"the two most important inputs, '{plan.axis_names[0]}' and "
            f"'{plan.axis_names[1]}', with every other input at its median"
        )
    else:
        how = (
            "the first two principal components of all inputs "
            f"({sum(plan.explained_variance) * 100:.0f} % of their spread)"
        )
    return (
        f"{head}<p class='muted'>The model's answer over {esc(how)}, in standardised "
        "units; dots are the evaluated rows, coloured by their actual value.</p>"
        f"{_img(plots.boundary_png(grid, plan), 'decision boundary')}</section>"
    )


def _forecast_section(f: Any) -> str:
    from core.evaluation.forecast_png import forecast_png

    first = f.step(1)
    more = (
        f" The model forecasts {f.horizon} steps ahead; the first is drawn (mean absolute "
        f"error {first.mae:.4g}; {f.horizon} steps ahead: {f.step(f.horizon).mae:.4g})."
        if f.horizon > 1
        else f" Mean absolute error {first.mae:.4g}."
    )
    return (
        "<section><h2>Forecast along time</h2>"
        f"<p class='muted'>{len(first.rows):,} forecasts of '{html.escape(f.target)}' over "
        f"the actual series of {f.n_rows:,} rows, in time order.{html.escape(more)}</p>"
        f"{_img(forecast_png(f, 1), f'forecast of {f.target} along time')}</section>"
    )


def render_report(
    ev: Evaluation,
    *,
    title: str = "Model evaluation",
    facts: Mapping[str, str] | None = None,
    importance: Importances | None = None,
    boundary: tuple[Any, Any | None] | None = None,
    explanation: tuple[str, Sequence[tuple[str, float]]] | None = None,
) -> str:
    """The report as one HTML string (see the module docstring).

    `boundary` is a (`BoundaryPlan`, `BoundaryGrid` or None) pair: a map, or the
    plan's explanation of why there is none. `explanation` is (sentence,
    [(input column, contribution)]) for one row (`from_bundle.explain_worst_row`).
    """
    esc = html.escape
    when = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    facts_text = " · ".join(f"{esc(k)}: {esc(str(v))}" for k, v in (facts or {}).items())
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>",
        f"<header><h1>{esc(title)}</h1><p>{facts_text}{' · ' if facts_text else ''}"
        f"{esc(ev.task)} task · {when}</p></header>",
        f"<div class='headline'>{esc(ev.headline)}</div>",
    ]
    if ev.split_note:
        parts.append(f"<div class='note'>{esc(ev.split_note)}</div>")
    if ev.baseline.source != "training rows":
        parts.append(
            "<div class='note'>The model file has no record of its training rows, so the "
            "baseline is fitted on the evaluated rows themselves.</div>"
        )
    compare = _compare_rows(ev)
    parts.append(
        "<section><h2>Model against the baseline</h2>"
        + _table(
            ["metric", "model", ev.baseline.describe()],
            [r[:3] for r in compare],
            [i for i, r in enumerate(compare) if r[3]],
        )
    )
    notes = [ev.model.roc_note, ev.model.regression.r2_note if ev.model.regression else ""]
    if ev.model.pr is not None:
        notes.append(ev.model.pr.note)
    if ev.threshold is not None and ev.task == "binary":
        notes.append(f"decision threshold {ev.threshold:g} on p('{ev.labels[1]}')")
    notes = [n for n in notes if n]
    if notes:
        parts.append("<p class='muted'>" + esc("; ".join(notes)) + ".</p>")
    parts.append("</section>")
    charts: list[str] = []
    if ev.is_classification:
        c = ev.model.classification
        charts.append(
            _img(plots.confusion_png(c.labels, c.matrix, c.normalized), "confusion matrix")
        )
        charts.append(_img(plots.roc_png(ev.model.roc, ev.model.roc_auc), "ROC curves"))
        if ev.model.pr is not None:
            prevalence = float(np.mean(ev.actual == 1))
            charts.append(
                _img(plots.pr_png(ev.model.pr, ev.labels[1], prevalence), "precision-recall curve")
            )
    else:
        r = ev.model.regression
        charts.append(
            _img(
                plots.scatter_png(r.actual, r.predicted, ev.target or "value"),
                "predicted against actual",
            )
        )
        charts.append(
            _img(
                plots.histogram_png(r.residuals, "Residuals (predicted - actual)", "error"),
                "residual histogram",
            )
        )
    parts.append(
        "<section><h2>Charts</h2><div class='charts'>" + "".join(charts) + "</div></section>"
    )
    if ev.forecast is not None:
        parts.append(_forecast_section(ev.forecast))
    if ev.is_classification:
        pc = ev.model.classification.per_class
        rows = [
            [lab, f"{m.precision:.3f}", f"{m.recall:.3f}", f"{m.f1:.3f}", str(m.support)]
            for lab, m in pc.items()
        ]
        absent = ev.model.classification.absent_classes
        extra = (
            (
                f"<p class='muted'>No evaluated row is of class {', '.join(map(repr, absent))}"
                " (support 0).</p>"
            )
            if absent
            else ""
        )
        parts.append(
            "<section><h2>Per class</h2>"
            + _table(["class", "precision", "recall", "F1", "support"], rows)
            + extra
            + "</section>"
        )
    if importance is not None and importance.features:
        f = importance.features
        png = plots.bars_png(
            [x.name for x in f],
            [x.mean for x in f],
            [x.std for x in f],
            "Permutation feature importance",
            importance.describe(),
        )
        parts.append(
            "<section><h2>Which inputs matter</h2>"
            f"<p class='muted'>Each column shuffled {len(f[0].scores)} times on "
            f"{importance.n_rows} rows; bars show the {esc(importance.describe())}."
            f"</p>{_img(png, 'feature importance')}</section>"
        )
    if boundary is not None:
        parts.append(_boundary_section(*boundary))
    if explanation is not None and explanation[1]:
        sentence, pairs = explanation
        png = plots.bars_png(
            [name for name, _ in pairs],
            [value for _, value in pairs],
            [0.0] * len(pairs),
            "Why this prediction",
            "contribution (integrated gradients)",
        )
        parts.append(
            "<section><h2>The worst row, explained</h2>"
            f"<p>{esc(sentence)}</p><p class='muted'>Blue bars pushed the answer up, "
            "red bars down, compared with an average row; they add up to the difference."
            f"</p>{_img(png, 'explanation of one prediction')}</section>"
        )
    parts.append(
        f"<section><h2>The rows the model got most wrong</h2>{_worst(ev)}"
        f"<p class='muted'>{ev.n_rows} rows evaluated; row numbers count data rows "
        "of the file from 1.</p></section>"
    )
    parts.append("<footer>Made with LayerForge</footer></main></body></html>")
    return "\n".join(parts)


def write_report(path: str | os.PathLike[str], ev: Evaluation, **kwargs: Any) -> None:
    """Write `render_report(ev, ...)` to `path` atomically."""
    atomic_write_text(path, render_report(ev, **kwargs), action="written")
