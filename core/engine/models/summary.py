"""The Keras 3 style `model.summary()` table.

Columns: "Layer (type)", "Output Shape", "Param #" and, for functional models
with branches or several inputs, "Connected to"; then the total, trainable
and non-trainable parameter counts with their size in bytes (float32).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from core.engine.layers import InputLayer
from core.engine.layers.spec import type_name


def _bytes(n: int) -> str:
    size = float(n * 4)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"


def _rows(model: Any) -> tuple[list[list[str]], bool]:
    rows: list[list[str]] = []
    plan = getattr(model, "_plan", [])
    sequential = type(model).__name__ == "Sequential"
    connected = not sequential and (
        len(model._inputs) > 1
        or any(len(s.tensor.inbound) > 1 for s in plan)
        or len({id(p) for s in plan for p in s.tensor.inbound}) < len(plan)
    )
    if not model.built:
        for layer in model.layers:
            rows.append([f"{layer.name} ({type_name(type(layer))})", "?", "0 (unbuilt)", ""])
        return rows, False
    if not sequential:
        for t in model._inputs:
            rows.append([f"{t.layer.name} ({type(t.layer).__name__})", str(t.shape), "0", "-"])
    counted: set[int] = set()
    for s in plan:
        layer = s.layer
        params = 0 if id(layer) in counted else layer.count_params()
        counted.add(id(layer))
        conn = ", ".join(f"{p.name}[0][0]" for p in s.tensor.inbound) or "-"
        rows.append(
            [f"{layer.name} ({type_name(type(layer))})", str(s.tensor.shape), f"{params:,}", conn]
        )
    return rows, connected


def print_summary(
    model: Any, line_length: int | None = None, print_fn: Callable[..., Any] | None = None
) -> None:
    """Write the summary table through `print_fn` (default: standard output)."""
    if print_fn is None:

        def print_fn(line: str, **_: Any) -> None:
            sys.stdout.write(line + "\n")

    rows, connected = _rows(model)
    heads = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if connected else [])
    rows = [r[: len(heads)] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) + 2 for i, h in enumerate(heads)]
    widths = [max(w, m) for w, m in zip(widths, [31, 22, 13, 18], strict=False)]
    if line_length:
        extra = line_length - sum(widths) - len(widths) - 1
        if extra > 0:
            widths[0] += extra

    def line(left: str, mid: str, right: str, fill: str) -> str:
        return left + mid.join(fill * w for w in widths) + right

    def cells(values: list[str], sep: str) -> str:
        out = []
        for i, (v, w) in enumerate(zip(values, widths, strict=True)):
            out.append(" " + (v.rjust(w - 2) if i == 2 else v.ljust(w - 2)) + " ")
        return sep + sep.join(out) + sep

    print_fn(f'Model: "{model.name}"')
    print_fn(line("┏", "┳", "┓", "━"))
    print_fn(cells(heads, "┃"))
    print_fn(line("┡", "╇", "┩", "━"))
    for i, r in enumerate(rows):
        print_fn(cells(r, "│"))
        if i < len(rows) - 1:
            print_fn(line("├", "┼", "┤", "─"))
    print_fn(line("└", "┴", "┘", "─"))
    total = model.count_params() if model.built else 0
    trainable = sum(v.data.size for v in model.trainable_weights) if model.built else 0
    non = total - trainable
    print_fn(f" Total params: {total:,} ({_bytes(total)})")
    print_fn(f" Trainable params: {trainable:,} ({_bytes(trainable)})")
    print_fn(f" Non-trainable params: {non:,} ({_bytes(non)})")


__all__ = ["InputLayer", "print_summary"]
