"""Per-row explanations: which inputs pushed one prediction up or down.

Both methods use the engine's autograd (`core.Tensor`): the gradient of the
explained output (the predicted class's probability, the positive class's
probability for a sigmoid output, or the value) with respect to the inputs.
Gradient × input multiplies it by the input's distance from the reference
(the training mean is 0 for standardised features, so the reference defaults
to zeros). Integrated gradients averages the gradient along the straight path
from the reference to the row (`steps` points, midpoint rule); its
contributions add up to the output's change from the reference to the row.
The model's weights are left untouched (no gradient is written into them).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.engine.autograd import Tensor
from core.errors import DataError

__all__ = ["Explanation", "explain_row", "input_gradients"]


@contextmanager
def _frozen_weights(model: Any) -> Iterator[None]:
    """Weights do not record gradients inside the block (their .grad stays as it was)."""
    weights = list(getattr(model, "weights", []))
    saved = [w.requires_grad for w in weights]
    try:
        for w in weights:
            w.requires_grad = False
        yield
    finally:
        for w, flag in zip(weights, saved, strict=True):
            w.requires_grad = flag


def input_gradients(
    model: Any, x: np.ndarray, output_index: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(outputs (n, K), d output[:, output_index] / d x (n, d)) for rows `x`."""
    xt = Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    with _frozen_weights(model):
        out = model(xt, training=False)
        if isinstance(out, list):
            out = out[0]
        if out.ndim == 1:
            out = out.reshape(-1, 1)
        if not 0 <= output_index < out.shape[1]:
            raise DataError(
                f"Expected an output index from 0 to {out.shape[1] - 1}. Received {output_index}."
            )
        out[:, output_index].sum().backward()
    grad = xt.grad if xt.grad is not None else np.zeros_like(xt.data)
    return np.asarray(out.data, dtype=np.float64), np.asarray(grad, dtype=np.float64)


@dataclass(frozen=True)
class Explanation:
    """Each input feature's contribution to one output of one row."""

    method: str
    feature_names: tuple[str, ...]
    inputs: np.ndarray
    reference: np.ndarray
    contributions: np.ndarray
    output_index: int
    output_name: str
    value: float
    reference_value: float

    def grouped(self, groups: Sequence[Any]) -> list[tuple[str, float]]:
        """Contributions summed per input column (`FeatureGroup`s), largest magnitude first."""
        pairs = [(g.name, float(self.contributions[list(g.columns)].sum())) for g in groups]
        return sorted(pairs, key=lambda p: -abs(p[1]))

    def ranked(self) -> list[tuple[str, float]]:
        """(feature, contribution) pairs, largest magnitude first."""
        order = np.argsort(-np.abs(self.contributions), kind="stable")
        return [(self.feature_names[i], float(self.contributions[i])) for i in order]

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "output": self.output_name,
            "value": self.value,
            "reference_value": self.reference_value,
            "contributions": dict(self.ranked()),
        }


def explain_row(
    model: Any,
    row: Any,
    *,
    method: str = "integrated_gradients",
    feature_names: Sequence[str] = (),
    output_index: int | None = None,
    output_names: Sequence[str] = (),
    reference: Any = None,
    steps: int = 32,
    pipeline: Any = None,
) -> Explanation:
    """Explain one row (network inputs, shape (d,)).

    `output_index` None explains the largest output (the predicted class of a
    softmax; the only output otherwise). `method` is "integrated_gradients" or
    "gradient_x_input". With a regression `pipeline` that scales the target, the
    value and the contributions are in the target's own units.
    """
    x = np.asarray(row, dtype=np.float64).reshape(1, -1)
    d = x.shape[1]
    ref = np.zeros((1, d)) if reference is None else np.asarray(reference, np.float64).reshape(1, d)
    names = tuple(feature_names) or tuple(f"x{i}" for i in range(d))
    if len(names) != d:
        raise DataError(f"Expected {d} feature names. Received {len(names)}.")
    if output_index is None:
        out, _ = input_gradients(model, x, 0)
        output_index = int(np.argmax(out[0])) if out.shape[1] > 1 else 0
    if method == "gradient_x_input":
        out, grad = input_gradients(model, x, output_index)
        contrib = (grad * (x - ref))[0]
        ref_out, _ = input_gradients(model, ref, output_index)
    elif method == "integrated_gradients":
        if steps < 1:
            raise DataError(f"Expected steps >= 1. Received {steps}.")
        alphas = (np.arange(steps) + 0.5) / steps
        path = ref + alphas[:, None] * (x - ref)
        _, grads = input_gradients(model, path, output_index)
        contrib = grads.mean(axis=0) * (x - ref)[0]
        out, _ = input_gradients(model, x, output_index)
        ref_out, _ = input_gradients(model, ref, output_index)
    else:
        raise DataError(
            f"Expected method 'integrated_gradients' or 'gradient_x_input'. Received {method!r}."
        )
    scaling = getattr(pipeline, "target_scaling", None)
    task = getattr(pipeline, "task", None)
    if scaling is not None and task is not None and task.kind == "regression":
        contrib = contrib * scaling.scale
        out = scaling.decode(out)
        ref_out = scaling.decode(ref_out)
    label = (
        str(output_names[output_index])
        if output_index < len(output_names)
        else f"output {output_index}"
    )
    return Explanation(
        method,
        names,
        x[0],
        ref[0],
        contrib,
        output_index,
        label,
        float(out[0, output_index]),
        float(ref_out[0, output_index]),
    )
