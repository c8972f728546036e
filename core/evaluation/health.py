"""Activation health: dead ReLU units and saturated sigmoid/tanh units, per layer.

`activation_health` runs the model on some rows and looks at each hidden
layer whose output goes through relu, sigmoid or tanh. A ReLU unit is dead
when it outputs 0 on every row (it no longer learns); a sigmoid or tanh unit
is saturated when at least 90 % of the rows put it in the flat ends of its
curve (sigmoid below 0.01 or above 0.99, tanh beyond ±0.99), where its
gradient is nearly zero. A layer is judged by the activation it ends with
(Dense or Activation with relu, sigmoid or tanh; a ReLU layer without a
negative slope). Output layers are left out: a confident sigmoid or softmax
output is what training aims for. Each layer gets a plain-words hint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.engine.autograd import Tensor, no_grad

__all__ = ["LayerHealth", "activation_health", "judged_activation", "layer_outputs"]

SATURATED_SHARE = 0.9
WARN_SHARE = 0.25


@dataclass(frozen=True)
class LayerHealth:
    """How many of a layer's units are dead (relu) or saturated (sigmoid/tanh)."""

    layer: str
    activation: str
    units: int
    flagged: int
    level: str
    hint: str

    @property
    def share(self) -> float:
        return self.flagged / self.units if self.units else 0.0

    @property
    def label(self) -> str:
        """A few words for a badge: "40 % dead" (relu) or "10 % saturated"."""
        word = "dead" if self.activation == "relu" else "saturated"
        return f"{self.share * 100:.0f} % {word}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "activation": self.activation,
            "units": self.units,
            "flagged": self.flagged,
            "share": self.share,
            "level": self.level,
            "hint": self.hint,
        }


def layer_outputs(model: Any, x: np.ndarray) -> list[tuple[Any, np.ndarray]]:
    """(layer, output) for every layer call of a built `core` model on rows `x`."""
    plan = getattr(model, "_plan", None)
    if plan is None:
        raise TypeError(f"Expected a built core model. Received {type(model).__name__}.")
    vals: list[Any] = [None] * model._n_slots
    vals[0] = Tensor(np.asarray(x, dtype=np.float32))
    found = []
    with no_grad():
        for step in plan:
            args = [vals[i] for i in step.ins] if step.multi else vals[step.ins[0]]
            vals[step.out] = step.layer.call(args, False)
            found.append((step.layer, np.asarray(vals[step.out].data)))
    return found


def _hint(activation: str, layer: str, units: int, flagged: int) -> tuple[str, str]:
    share = flagged / units if units else 0.0
    level = "ok" if flagged == 0 else ("warning" if share >= WARN_SHARE else "note")
    pct = f"{share * 100:.0f} %"
    if flagged == 0:
        return level, f"All {units} units of '{layer}' respond to the data."
    if activation == "relu":
        return level, (
            f"{flagged} of {units} ReLU units in '{layer}' ({pct}) output 0 for every row: they "
            "are dead and no longer learn. Try a lower learning rate, 'he_normal' "
            "initialisation, or a leaky_relu/elu activation."
        )
    return level, (
        f"{flagged} of {units} {activation} units in '{layer}' ({pct}) are stuck at the ends "
        "of their range (saturated), where they learn very slowly. Standardise the inputs, "
        "lower the learning rate, or use relu in hidden layers."
    )


def judged_activation(layer: Any) -> str | None:
    """ "relu", "sigmoid" or "tanh" when `layer`'s output can die or saturate, else None."""
    act = getattr(layer, "output_activation", None)
    if act in ("relu", "sigmoid", "tanh"):
        return str(act)
    if type(layer).__name__ == "ReLU" and not getattr(layer, "negative_slope", 0.0):
        return "relu"  # a plain ReLU layer leaves output_activation unset
    return None


def activation_health(model: Any, x: np.ndarray, max_rows: int = 2000) -> list[LayerHealth]:
    """Health of every hidden relu/sigmoid/tanh layer on (up to `max_rows` of) rows `x`."""
    x = np.asarray(x, dtype=np.float32)[:max_rows]
    outputs = {id(t.layer) for t in getattr(model, "outputs", [])}
    report = []
    for layer, out in layer_outputs(model, x):
        act = judged_activation(layer)
        if act is None or id(layer) in outputs or out.ndim < 2:
            continue
        a = out.reshape(len(out), -1)
        if act == "relu":
            flagged = int(np.sum(np.all(a <= 0.0, axis=0)))
        else:
            flat = (a < 0.01) | (a > 0.99) if act == "sigmoid" else np.abs(a) > 0.99
            flagged = int(np.sum(flat.mean(axis=0) >= SATURATED_SHARE))
        units = int(a.shape[1])
        level, hint = _hint(act, layer.name, units, flagged)
        report.append(LayerHealth(layer.name, act, units, flagged, level, hint))
    return report
