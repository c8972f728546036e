"""How a Model's steps run: through a plan when one can be traced, eagerly otherwise.

`loss_step` is the body of the default `train_step`/`test_step` (forward, loss and, when
training, backward and the optimizer's update); `predict_batch` the body of
`predict_step`. Both hand the step's arrays to the model's `StepRunner`
(`core.engine.plan`): the first batch of a shape runs eagerly while it is traced, later
batches replay the plan. Eager mode is kept for `compile(run_eagerly=True)`, for data
that is not plain arrays, and for anything the tracer cannot replay (the reason is in
`model.plan_info()`). `batch_buffers` gives the trainer the arrays to gather batches into,
so a planned step reads its batch where the gather wrote it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from threading import get_ident
from typing import Any

import numpy as np

from core.engine.autograd import no_grad
from core.engine.plan import Plan

Layout = tuple[int, int, bool]  # (input arrays, target arrays, sample weights given)


def _flatten(model: Any, x: Any, y: Any, sw: Any) -> tuple[list[np.ndarray], Layout] | None:
    """The step's arrays in a fixed order, or None when any is not a plain ndarray."""
    xs = x if type(x) is list else [x]
    ys = y if model._multi_out else [y]
    arrays = [*xs, *ys] if sw is None else [*xs, *ys, sw]
    for a in arrays:
        if type(a) is not np.ndarray:
            return None
    return arrays, (len(xs), len(ys), sw is not None)


def _unflatten(model: Any, arrays: Sequence[np.ndarray], layout: Layout) -> tuple[Any, Any, Any]:
    nx, ny, has_sw = layout
    x: Any = list(arrays[:nx]) if nx > 1 or model._multi_in else arrays[0]
    y: Any = list(arrays[nx : nx + ny]) if model._multi_out or not ny else arrays[nx]
    return x, y, (arrays[nx + ny] if has_sw else None)


def _params(model: Any) -> Any:
    opt = model.optimizer
    return None if opt is None else opt.parameter_buffer


def _plan_for(model: Any, kind: str, arrays: list[np.ndarray], layout: Layout) -> Plan | None:
    runner = model._steps
    plan = runner.last.get((kind, get_ident()))
    params = _params(model)
    if plan is not None and plan.tag == layout and plan.params is params:
        for a, b in zip(arrays, plan.inputs, strict=False):
            if a is not b:
                break
        else:
            if len(arrays) == len(plan.inputs):
                return plan
    return runner.lookup(kind, layout, arrays, params)


def loss_step(model: Any, x: Any, y: Any, sw: Any, training: bool) -> tuple[float, Any]:
    """Forward one batch, compute its loss (fused where possible) and, in training,
    backward and the update (skipped when the loss is not finite). Returns the loss
    value and the per-output probabilities; updates the loss tracker."""
    kind = "train" if training else "test"
    plan = model._steps.last.get((kind, get_ident()))
    if plan is not None and sw is None and plan.params is _params(model):
        ins = plan.inputs  # the batch was gathered into this plan's arrays: no lookup
        if len(ins) == 2 and ins[0] is x and ins[1] is y:
            value = plan.run(training)
            probs = plan.results[1]
            model._loss_tracker.update_state(value, count=len(probs[0]))
            return value, probs
    flat = None if model.run_eagerly else _flatten(model, x, y, sw)
    if flat is not None:
        arrays, layout = flat
        plan = _plan_for(model, kind, arrays, layout)
        if plan is not None:
            plan.load(arrays)
            value = plan.run(training)
            probs = plan.results[1]
            model._loss_tracker.update_state(value, count=len(probs[0]))
            return value, probs
        runner = model._steps
        if runner.will_trace(kind, layout, arrays):
            if training:
                model.optimizer.zero_grad()

            def traced(*bufs: np.ndarray) -> Any:
                bx, by, bsw = _unflatten(model, bufs, layout)
                outs = model._forward(bx, training, model._fused)
                return model._loss_and_probs(outs, by, bsw, model._fused)

            watch = model.non_trainable_weights if training else ()
            out = runner.trace(kind, layout, arrays, traced, model.optimizer, _params(model), watch)
            value = out[0] if training else float(out[0].data)
            probs = out[1]
            model._loss_tracker.update_state(value, count=len(probs[0]))
            return value, probs
    if training:
        model.optimizer.zero_grad()
    return eager_loss_step(model, x, y, sw, training)


def eager_loss_step(model: Any, x: Any, y: Any, sw: Any, training: bool) -> tuple[float, Any]:
    """`loss_step` without a plan: the reference every plan reproduces."""
    if training:
        outs = model._forward(x, training, model._fused)
        loss_t, probs = model._loss_and_probs(outs, y, sw, model._fused)
    else:
        with no_grad():
            outs = model._forward(x, training, model._fused)
            loss_t, probs = model._loss_and_probs(outs, y, sw, model._fused)
    value = float(loss_t.data)
    if training and math.isfinite(value):
        if loss_t.requires_grad:
            loss_t.backward()
        model.optimizer.step()
    model._loss_tracker.update_state(value, count=len(probs[0]))
    return value, probs


def predict_batch(model: Any, x: Any) -> list[Any]:
    """The model's outputs for one batch (training=False, no gradients), one per output.

    Planned outputs are the plan's arrays, overwritten by the next batch: copy to keep.
    """
    xs = x if type(x) is list else [x]
    if not model.run_eagerly and all(type(a) is np.ndarray for a in xs):
        layout = (len(xs), 0, False)
        plan = _plan_for(model, "predict", xs, layout)
        if plan is not None:
            plan.load(xs)
            plan.run_forward()
            return list(plan.results)
        runner = model._steps
        if runner.will_trace("predict", layout, xs):

            def traced(*bufs: np.ndarray) -> Any:
                return model._forward(_unflatten(model, bufs, layout)[0], False)

            return list(runner.trace("predict", layout, xs, traced, None, _params(model)))
    with no_grad():
        return model._forward(x, False)


def batch_buffers(model: Any, specs: list[tuple[tuple[int, ...], Any]]) -> list[np.ndarray] | None:
    """Arrays (shape, dtype per spec) to gather a training batch into, or None when the
    model's steps would not read them in place (eager, or a custom train_step)."""
    from core.engine.models.functional import Model

    if model.run_eagerly or type(model).train_step is not Model.train_step:
        return None
    return model._steps.input_buffers(specs)
