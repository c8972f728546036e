"""Guarded resources: will this network and batch fit in this computer's memory?

Before anything is allocated, the memory a training run needs is estimated
from the graph's analysis (parameter counts and output shapes, computed
without weights): the weights, their gradients and the optimizer's state,
plus one batch's activations and their gradients. Anything that would not
fit in the memory available now is refused with a `ResourceError` whose
message names the layer and the size ("dense_1 would need 2.1 PiB for its
weights; this computer has 22 GiB available").

- `memory_problem(graph, ...)` returns that message or None and never raises:
  the inspector calls it as the user types.
- `check_graph_memory(...)` raises it (used by `core.run` for the CLI and the
  GUI, and by `layerforge new`).
- `check_allocation(...)` guards a single weight array just before it is
  created (the Python API's build path and `.lfmodel` loading).
- `MAX_EPOCHS` and `MAX_BATCH_SIZE` bound the training settings (`core.run`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import ResourceError

__all__ = [
    "MAX_BATCH_SIZE",
    "MAX_EPOCHS",
    "MemoryEstimate",
    "available_memory",
    "check_allocation",
    "check_graph_memory",
    "estimate_graph_memory",
    "format_bytes",
    "memory_problem",
]

#: More epochs than this is a typing slip, not a plan.
MAX_EPOCHS = 1_000_000
#: Rows per batch beyond this are refused before the memory check.
MAX_BATCH_SIZE = 1 << 24
#: Bytes per parameter or activation value (float32).
FLOAT_BYTES = 4
#: Per-parameter state arrays of each optimizer, in units of the weights' size.
OPTIMIZER_SLOTS: dict[str, int] = {
    "sgd": 1,
    "adam": 2,
    "adamw": 2,
    "adamax": 2,
    "nadam": 2,
    "rmsprop": 2,
    "adagrad": 1,
    "adadelta": 2,
    "lion": 1,
}
#: Rows evaluated at once after training (`core.run.evaluate_splits`).
EVAL_BATCH = 256
#: Fraction of the available memory a run may plan to use.
HEADROOM = 0.8
#: Arrays smaller than this are not checked one by one (no system call per weight).
SMALL_ARRAY = 64 << 20


def format_bytes(n: float) -> str:
    """`n` bytes in binary units: "512 B", "3.2 MiB", "2.1 PiB"."""
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if abs(n) < 1024 or unit == "EiB":
            if unit == "B":
                return f"{int(n)} B"
            return f"{n:.2g} {unit}" if n < 10 else f"{n:.0f} {unit}"
        n /= 1024
    return f"{n:.0f} EiB"  # pragma: no cover - the loop returns


def available_memory() -> int:
    """Bytes this process can still allocate: MemAvailable, lowered by a cgroup limit."""
    found: list[int] = []
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        pass
    if not found and hasattr(os, "sysconf"):
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError):
            pass
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as fh:
            limit = fh.read().strip()
        if limit.isdigit():
            with open("/sys/fs/cgroup/memory.current", encoding="ascii") as fh:
                found.append(int(limit) - int(fh.read().strip()))
    except (OSError, ValueError):
        pass
    positive = [f for f in found if f > 0]
    return min(positive) if positive else 8 << 30


def _computer(available: int) -> str:
    return f"this computer has {format_bytes(available)} of memory available"


def check_allocation(
    owner: str,
    what: str,
    shape: Any,
    itemsize: int = FLOAT_BYTES,
    available: int | None = None,
    fix: str = "Use fewer units or a smaller input.",
) -> None:
    """`ResourceError` when an array of `shape` for `owner` could not be allocated."""
    try:
        count = math.prod(int(d) for d in shape)
    except (TypeError, ValueError):
        return
    need = count * int(itemsize)
    if need < SMALL_ARRAY and available is None:
        return
    free = available_memory() if available is None else available
    if need > free * HEADROOM:
        raise ResourceError(
            f"{owner} would need {format_bytes(need)} for its {what} (shape "
            f"{tuple(int(d) for d in shape)}); {_computer(free)}. {fix}",
            layer=owner,
            need=need,
            available=free,
        )


@dataclass(frozen=True)
class LayerNeed:
    """What one layer needs: its weights and one batch of its output."""

    layer: str
    params: int
    weight_bytes: int
    activation_bytes: int


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a training run needs, by kind and by layer."""

    weights: int
    optimizer: int
    activations: int
    available: int
    batch_size: int
    optimizer_name: str
    layers: tuple[LayerNeed, ...] = field(default_factory=tuple)

    @property
    def total(self) -> int:
        return self.weights + self.optimizer + self.activations

    @property
    def fits(self) -> bool:
        return self.total <= self.available * HEADROOM

    def problem(self) -> str | None:
        """The plain message when the run would not fit, naming the largest layer."""
        if self.fits:
            return None
        free = _computer(self.available)
        if not self.layers:
            return f"Training would need {format_bytes(self.total)}; {free}."
        by_weights = max(self.layers, key=lambda r: r.weight_bytes)
        by_acts = max(self.layers, key=lambda r: r.activation_bytes)
        if by_weights.weight_bytes * 2 >= self.activations or by_weights.weight_bytes > (
            self.available * HEADROOM
        ):
            share = self.weights and by_weights.weight_bytes / self.weights
            return (
                f"{by_weights.layer} would need {format_bytes(by_weights.weight_bytes)} for "
                f"its weights ({by_weights.params:,} parameters); training the network "
                f"needs {format_bytes(self.total)} with the {self.optimizer_name} optimizer's "
                f"state; {free}. Use fewer units in {by_weights.layer}"
                + (" or in the layers before it." if share < 0.99 else ".")
            )
        return (
            f"{by_acts.layer} would need {format_bytes(by_acts.activation_bytes)} for one "
            f"batch of {self.batch_size:,} rows (training needs "
            f"{format_bytes(self.total)} in all); {free}. Use a smaller batch size."
        )


def _elements(shape: Any) -> int:
    if shape is None:
        return 0
    if isinstance(shape, list):  # a layer with several outputs
        return sum(_elements(s) for s in shape)
    dims = [d for d in tuple(shape)[1:] if d is not None]
    return math.prod(int(d) for d in dims) if dims else 1


def estimate_graph_memory(
    graph: Any,
    *,
    batch_size: int = 32,
    optimizer: str = "adam",
    n_features: int | None = None,
    analysis: Any | None = None,
    available: int | None = None,
) -> MemoryEstimate:
    """The memory a training run of `graph` needs (see the module docstring). Never allocates."""
    if analysis is None:
        from core.document.analysis import analyze

        analysis = analyze(graph, n_features=n_features)
    counts: Mapping[str, int] = analysis.param_counts
    shapes: Mapping[str, Any] = analysis.shapes
    rows: list[LayerNeed] = []
    batch = max(int(batch_size), 1)
    for nid in analysis.order:
        params = int(counts.get(nid, 0) or 0)
        values = _elements(shapes.get(nid))
        rows.append(
            LayerNeed(
                layer=str(analysis.names.get(nid, nid)),
                params=params,
                weight_bytes=params * FLOAT_BYTES,
                activation_bytes=values * FLOAT_BYTES * max(2 * batch, EVAL_BATCH),
            )
        )
    weights = sum(r.weight_bytes for r in rows)
    name = str(optimizer or "adam").lower()
    slots = OPTIMIZER_SLOTS.get(name, 2)
    # gradients and one scratch buffer, plus the optimizer's own state
    state = weights * (2 + slots)
    return MemoryEstimate(
        weights=weights,
        optimizer=state,
        activations=sum(r.activation_bytes for r in rows),
        available=available_memory() if available is None else int(available),
        batch_size=batch,
        optimizer_name=name,
        layers=tuple(rows),
    )


def check_graph_memory(graph: Any, **kwargs: Any) -> MemoryEstimate:
    """`estimate_graph_memory`, raising `ResourceError` when the run would not fit."""
    estimate = estimate_graph_memory(graph, **kwargs)
    message = estimate.problem()
    if message is not None:
        biggest = max(estimate.layers, key=lambda r: r.weight_bytes, default=None)
        raise ResourceError(
            message,
            layer=biggest.layer if biggest else None,
            need=estimate.total,
            available=estimate.available,
        )
    return estimate


def memory_problem(
    graph: Any,
    *,
    batch_size: int = 32,
    optimizer: str = "adam",
    n_features: int | None = None,
    analysis: Any | None = None,
) -> str | None:
    """The message for a network that would not fit in memory, else None. Never raises:
    cheap enough for the inspector to call on every edit (pass the analysis it has)."""
    try:
        return estimate_graph_memory(
            graph,
            batch_size=batch_size,
            optimizer=optimizer,
            n_features=n_features,
            analysis=analysis,
        ).problem()
    except Exception:  # noqa: BLE001 - advisory while typing; the real check runs at train time
        return None
