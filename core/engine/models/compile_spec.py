"""compile()'s loss, loss_weights and metrics, laid out per model output like Keras.

Each may be one item for every output, a list with one entry per output, or
a dict keyed by output name. Metrics are resolved into `(metric, output index,
weighted)` triples; with several outputs a metric logs as
"<output name>_<metric name>", as in Keras 3.
"""

from __future__ import annotations

import copy
from typing import Any

from core.engine import losses as _losses
from core.engine import metrics as _metrics
from core.errors import ConfigError


def _by_name(spec: dict[str, Any], names: list[str], what: str) -> list[Any]:
    unknown = sorted(set(spec) - set(names))
    if unknown:
        raise ConfigError(
            f"compile: {what} names output(s) {unknown}, which the model does not have. "
            f"Expected output names: {', '.join(names)}."
        )
    return [spec.get(n) for n in names]


def losses_per_output(loss: Any, names: list[str]) -> list[_losses.Loss | None]:
    """One Loss (or None: no loss for that output) per output."""
    n = len(names)
    if isinstance(loss, dict):
        items = _by_name(loss, names, "loss")
    elif isinstance(loss, (list, tuple)):
        if len(loss) == 1:
            items = list(loss) * n
        elif len(loss) != n:
            raise ConfigError(
                f"compile: Expected one loss or {n} losses (one per output). Received: {len(loss)}."
            )
        else:
            items = list(loss)
    else:
        items = [loss] * n
    return [None if item is None else _losses.get(item) for item in items]


def loss_weights_per_output(weights: Any, names: list[str]) -> list[float] | None:
    if weights is None:
        return None
    if isinstance(weights, dict):
        return [1.0 if w is None else float(w) for w in _by_name(weights, names, "loss_weights")]
    if isinstance(weights, (list, tuple)):
        if len(weights) != len(names):
            raise ConfigError(
                f"compile: Expected {len(names)} loss_weights (one per output). "
                f"Received: {len(weights)}."
            )
        return [float(w) for w in weights]
    return [float(weights)] * len(names)


def _as_list(item: Any) -> list[Any]:
    if item is None:
        return []
    return list(item) if isinstance(item, (list, tuple)) else [item]


def metric_specs_per_output(metrics: Any, names: list[str]) -> list[tuple[Any, int]]:
    """(metric spec, output index) pairs from compile's metrics argument."""
    n = len(names)
    if metrics is None:
        return []
    if isinstance(metrics, dict):
        return [
            (m, i)
            for i, item in enumerate(_by_name(metrics, names, "metrics"))
            for m in _as_list(item)
        ]
    items = _as_list(metrics)
    nested = all(isinstance(m, (list, tuple)) or m is None for m in items) and items
    if nested:
        if n == 1:
            return [(m, 0) for item in items for m in _as_list(item)]
        if len(items) != n:
            raise ConfigError(
                f"compile: Expected {n} metric lists (one per output). Received: {len(items)}."
            )
        return [(m, i) for i, item in enumerate(items) for m in _as_list(item)]
    return [(m, i) for i in range(n) for m in items]


def flat_specs(metrics: Any) -> list[Any]:
    """Every metric spec in compile's metrics argument, in order (for files and checks)."""
    if isinstance(metrics, dict):
        return [m for item in metrics.values() for m in _as_list(item)]
    return [m for item in _as_list(metrics) for m in _as_list(item)]


def resolve(
    specs: list[tuple[Any, int]],
    weighted: list[tuple[Any, int]],
    names: list[str],
    loss_names: list[str],
    out_shapes: list[Any],
    y_shapes: list[Any],
) -> list[tuple[_metrics.Metric, int, bool]]:
    """Metric objects for (spec, output) pairs, "accuracy" resolved per output."""
    multi = len(names) > 1
    out: list[tuple[_metrics.Metric, int, bool]] = []
    used: set[int] = set()
    for pairs, is_weighted in ((specs, False), (weighted, True)):
        for spec, i in pairs:
            if isinstance(spec, str) and spec in _metrics.ACCURACY_NAMES:
                m = _metrics.resolve_accuracy(spec, loss_names[i], out_shapes[i], y_shapes[i])
            else:
                m = _metrics.get(spec)
                if id(m) in used:  # one object listed for several outputs: one copy each
                    m = copy.deepcopy(m)
                used.add(id(m))
            if multi:
                m.name = f"{names[i]}_{m.name}"
            if is_weighted and not multi and any(x.name == m.name for x, _, _ in out):
                m.name = f"weighted_{m.name}"
            out.append((m, i, is_weighted))
    return out
