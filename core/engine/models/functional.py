"""The functional `Model`: a DAG of layer calls with the Keras training API.

`Model(inputs, outputs)` walks the `SymbolicTensor` histories from the outputs
back to the inputs into an execution plan (any DAG: branches, Add,
Concatenate, shared layers, several inputs and outputs). `compile` resolves
optimizer, loss and metrics from strings or objects; `fit` consumes
`core.engine.training.train` and returns a `History`; `evaluate`, `predict`,
`train_on_batch`, weights and configs follow Keras. Every loop goes through the
public step interface (`train_step`, `test_step`, `predict_step`), so a subclass
that overrides a step changes what the loops do, as in Keras 3. When the output layer
ends in sigmoid (softmax) and the loss is binary (categorical / sparse)
cross-entropy from probabilities, the loss is computed from the layer's
pre-activation logits with the stable fused form, as TensorFlow does, and
metrics read probabilities derived from the logits in NumPy.
"""

from __future__ import annotations

import difflib
import math
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from core.engine import losses as _losses
from core.engine import metrics as _metrics
from core.engine import optimizers as _optimizers
from core.engine.autograd import Tensor
from core.engine.batches import is_dataset, materialize, row_weights
from core.engine.callbacks import Callback, CallbackList, History, ProgbarLogger
from core.engine.layers import InputLayer, Layer, SymbolicTensor, deserialize, serialize
from core.engine.layers.base import assign_weights, unique_name
from core.engine.masking import propagate
from core.engine.models import compile_spec as _spec
from core.engine.models import planned as _planned
from core.engine.models import subclassing as _sub
from core.engine.models.saving import SavingMixin
from core.engine.models.summary import print_summary
from core.engine.plan import PlanInfo, StepRunner
from core.engine.training import (
    TrainingFinished,
    all_finite,
    rows,
    run_test_steps,
    take,
    train,
)
from core.errors import ConfigError, DataError, GraphError

#: Output activation -> the loss classes (exactly these, not subclasses) computed from logits.
_FUSABLE: dict[str, tuple[type, ...]] = {
    "sigmoid": (_losses.BinaryCrossentropy,),
    "softmax": (_losses.CategoricalCrossentropy, _losses.SparseCategoricalCrossentropy),
}


class _Step:
    """One layer call in the plan: slots of its inputs, the slot of its output."""

    __slots__ = ("layer", "ins", "out", "multi", "tensor")

    def __init__(
        self, layer: Layer, ins: tuple[int, ...], out: int, multi: bool, tensor: SymbolicTensor
    ) -> None:
        self.layer, self.ins, self.out, self.multi, self.tensor = layer, ins, out, multi, tensor


class Model(SavingMixin):
    """A network of layers with Keras's compile / fit / evaluate / predict API.

    Built three ways, as in Keras: functional (`Model(inputs, outputs)`), `Sequential`,
    or by subclassing (layers assigned in `__init__`, the forward pass in `call`; see
    `core.engine.models.subclassing`). A model can be used as a layer of another.

    The step interface (Keras 3's), which every loop goes through:

    - `prepare(x, y, where=..., training=...)` checks the data and gets the model
      ready (built, metrics resolved, optimizer slots);
    - `train_step(data)`, `test_step(data)` and `predict_step(data)` do one batch;
      `fit`, `evaluate`, `predict`, `train_on_batch` and `core.engine.training.train`
      call only these, so a subclass overrides them to customise the loops;
    - `compute_loss`, `compute_metrics`, `get_metrics_result`, `reset_metrics` and
      `metrics` (the loss tracker first) are the pieces to write a step with.
    """

    def __init__(
        self, inputs: Any = None, outputs: Any = None, name: str | None = None, **kwargs: Any
    ) -> None:
        if kwargs.pop("trainable", True) is not True:
            raise ConfigError("Model: trainable=False at construction is not supported.")
        if kwargs:
            raise ConfigError(
                f"Model: unknown argument(s) {sorted(kwargs)}. Expected inputs, outputs, name."
            )
        object.__setattr__(self, "_tracked", [])
        self._added_losses: list[Tensor] = []
        self._layer_view: Layer | None = None
        self.name = name or unique_name(self._default_name())
        self.optimizer: _optimizers.Optimizer | None = None
        self.loss: Any = None
        self.compiled = False
        self.stop_training = False
        self.history: History | None = None
        self._metric_specs: list[Any] = []
        self._metrics_arg: Any = None
        self._weighted_arg: Any = None
        self._loss_weights_arg: Any = None
        self._loss_weights: list[float] | None = None
        self._metric_slots: list[tuple[_metrics.Metric, int, bool]] = []
        self._metrics: list[_metrics.Metric] | None = None
        self._loss_fns: list[_losses.Loss] = []
        self._loss_tracker = _metrics.Mean(name="loss")
        self._fused: list[str | None] = []
        self._opt_vars: list[int] = []
        self._inputs: list[SymbolicTensor] = []
        self._outputs: list[SymbolicTensor] = []
        self._plan: list[_Step] = []
        self._layers: list[Layer] = []
        self._reg_layers: list[Layer] = []
        self._multi_in = self._multi_out = False
        self._steps = StepRunner()
        self._run_eagerly = False
        self._masking = False
        self._data_checks: list[tuple[int, Layer]] = []
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ConfigError(
                    "Model: Expected both inputs and outputs (from keras.Input and layer "
                    f"calls). Received: inputs={inputs!r}, outputs={outputs!r}"
                )
            self._set_graph(inputs, outputs)

    def _default_name(self) -> str:
        return "functional"

    # ------------------------------------------------------------- subclassing
    def __setattr__(self, key: str, value: Any) -> None:
        """Track layers and models a subclass assigns (`self.dense = Dense(8)`), in order."""
        if not key.startswith("_") and "_tracked" in self.__dict__:
            for item in _sub.tracked_items(value):
                if item is not self and all(item is not t for t in self._tracked):
                    self._tracked.append(item)
        object.__setattr__(self, key, value)

    @property
    def _subclassed(self) -> bool:
        """Whether this model's forward pass is a subclass's own `call`."""
        return type(self).call is not Model.call

    def call(self, inputs: Any, training: bool = False) -> Any:
        """The forward pass (Keras's `call`): the functional graph, or a subclass's own."""
        outs = self._forward(inputs, training)
        return outs if self._multi_out else outs[0]

    def add_loss(self, loss: Any) -> None:
        """Add a scalar loss term from `call` (Keras's add_loss); training minimises it too."""
        self._added_losses.append(loss if isinstance(loss, Tensor) else Tensor(np.asarray(loss)))

    @property
    def losses(self) -> list[Tensor]:
        """The weight penalties of every layer and the terms added with add_loss."""
        out: list[Tensor] = list(self._added_losses)
        for layer in self._layers:
            out += layer.losses
        return out

    def as_layer(self) -> Layer:
        """This model as a layer of another model (shares the weights)."""
        if self._layer_view is None:
            self._layer_view = _sub.ModelLayer(self)
        return self._layer_view

    # ---------------------------------------------------------------- the graph
    def _set_graph(self, inputs: Any, outputs: Any) -> None:
        self._multi_in = isinstance(inputs, (list, tuple))
        self._multi_out = isinstance(outputs, (list, tuple))
        ins = list(inputs) if self._multi_in else [inputs]
        outs = list(outputs) if self._multi_out else [outputs]
        for t in ins + outs:
            if not isinstance(t, SymbolicTensor):
                raise ConfigError(
                    "Model: Expected symbolic tensors from keras.Input(...) and layer calls. "
                    f"Received: {type(t).__name__}."
                )
        for t in ins:
            if not isinstance(t.layer, InputLayer):
                raise GraphError(
                    f"Model inputs must come from keras.Input. Received the output of layer "
                    f"'{t.name}'."
                )
        slot: dict[int, int] = {id(t): i for i, t in enumerate(ins)}
        order: list[SymbolicTensor] = []
        visiting: set[int] = set()
        done: set[int] = set(slot)
        for root in outs:
            stack: list[tuple[SymbolicTensor, bool]] = [(root, False)]
            while stack:
                t, expanded = stack.pop()
                if id(t) in done:
                    continue
                if expanded:
                    done.add(id(t))
                    visiting.discard(id(t))
                    order.append(t)
                    continue
                if isinstance(t.layer, InputLayer) and not t.inbound:
                    raise GraphError(
                        f"Output depends on input '{t.name}', which is not in the model's "
                        f"inputs ({', '.join(i.name for i in ins)}). Expected every "
                        "keras.Input that feeds an output to be passed as an input."
                    )
                visiting.add(id(t))
                stack.append((t, True))
                for parent in reversed(t.inbound):
                    if id(parent) not in done:
                        stack.append((parent, False))
        plan = []
        for t in order:
            slot[id(t)] = len(slot)
            layer, inbound = t._history
            plan.append(
                _Step(
                    layer,
                    tuple(slot[id(p)] for p in inbound),
                    slot[id(t)],
                    layer.MAX_INPUTS != 1 or len(inbound) > 1,
                    t,
                )
            )
        self._inputs, self._outputs, self._plan = ins, outs, plan
        self._out_slots = [slot[id(t)] for t in outs]
        self._n_slots = len(slot)
        layers: list[Layer] = []
        seen: set[int] = set()
        for layer in [t.layer for t in ins] + [s.layer for s in plan]:
            if id(layer) not in seen:
                seen.add(id(layer))
                layers.append(layer)
        self._layers = layers
        self._reg_layers = [
            la
            for la in layers
            if any(getattr(v, "regularizer", None) is not None for v in la.weights)
        ]
        self._fused = []
        self._opt_vars = []
        self._steps.reset()
        # Sequence masks (Embedding(mask_zero=True)) ride along only in models that make them.
        self._masking = any(getattr(la, "mask_zero", False) for la in layers)
        # Layers that check a whole input array before training (Embedding: the token ids).
        self._data_checks = [
            (s.ins[0], s.layer)
            for s in plan
            if not s.multi and s.ins[0] < len(ins) and hasattr(s.layer, "check_data")
        ]

    def _check_input_data(self, x: Any, where: str) -> None:
        """Let the layers fed straight from an input check all of its data (naming the row)."""
        xs = x if isinstance(x, list) else [x]
        for slot, layer in self._data_checks:
            layer.check_data(xs[slot], f"{where}: x" + (f"[{slot}]" if len(xs) > 1 else ""))

    @property
    def built(self) -> bool:
        return bool(self._outputs)

    @property
    def inputs(self) -> list[SymbolicTensor]:
        return list(self._inputs)

    @property
    def outputs(self) -> list[SymbolicTensor]:
        return list(self._outputs)

    @property
    def input_shape(self) -> Any:
        shapes = [t.shape for t in self._inputs]
        return shapes if self._multi_in else (shapes[0] if shapes else None)

    @property
    def output_shape(self) -> Any:
        shapes = [t.shape for t in self._outputs]
        return shapes if self._multi_out else (shapes[0] if shapes else None)

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer called `name` (or at `index`), with a did-you-mean when unknown."""
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        names = [la.name for la in self.layers]
        close = difflib.get_close_matches(str(name), names, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ConfigError(f"No such layer: {name!r}. Expected one of: {', '.join(names)}.{hint}")

    def _ensure_built(self, x: Any) -> None:
        """Build from data (Sequential without an input shape overrides this)."""
        if self.built:
            return
        if self._subclassed:
            _sub.build_from_call(self, x)
            return
        raise ConfigError(
            f"Model '{self.name}' has no layers to run. Expected Model(inputs, outputs), a "
            "Sequential with layers, or a subclass that defines call()."
        )

    # ------------------------------------------------------------------ weights
    @property
    def weights(self) -> list[Any]:
        out, seen = [], set()
        for layer in self._layers:
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def trainable_weights(self) -> list[Any]:
        return [v for layer in self._layers for v in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list[Any]:
        return [v for layer in self._layers for v in layer.non_trainable_weights]

    trainable_variables = trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        return [v.data.copy() for v in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Copy arrays into the model's weights, in `weights` order (shapes must match)."""
        assign_weights(self.weights, weights, f"Model '{self.name}': ")

    def count_params(self) -> int:
        return sum(v.data.size for v in self.weights)

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        loss_weights: Any = None,
        metrics: Any = None,
        weighted_metrics: Any = None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile: Any = "auto",
        auto_scale_loss: bool = True,
    ) -> None:
        """Resolve optimizer, loss and metrics (strings or objects), like Keras.

        `loss`, `loss_weights` and `metrics` may be given per output (a list, or a dict
        keyed by output name; see `compile_spec`); `weighted_metrics` are updated with
        the sample/class weights, `metrics` without them, as in Keras 3.
        """
        del steps_per_execution, jit_compile, auto_scale_loss
        self._run_eagerly = bool(run_eagerly)
        self._steps.reset("compile(run_eagerly=True)" if run_eagerly else "")
        self.optimizer = _optimizers.get(optimizer)
        for item in loss.values() if isinstance(loss, dict) else _spec.flat_specs(loss):
            if item is not None:
                _losses.get(item)  # fail early on unknown names
        self.loss = loss
        self._loss_weights_arg = loss_weights
        self._metrics_arg = metrics
        self._weighted_arg = weighted_metrics
        self._metric_specs = _spec.flat_specs(metrics) + _spec.flat_specs(weighted_metrics)
        for m in self._metric_specs:  # fail early on unknown names
            if isinstance(m, str) and m not in _metrics.ACCURACY_NAMES:
                _metrics.get(m)
        self._loss_fns = []
        self._loss_weights = None
        self._metric_slots: list[tuple[_metrics.Metric, int, bool]] = []
        self._metrics = None
        self._opt_vars = []
        self._fused = []
        self.compiled = True

    def _output_names(self) -> list[str]:
        return [t.layer.name for t in self._outputs]

    @property
    def metrics_names(self) -> list[str]:
        return ["loss"] + [m.name for m in (self._metrics or [])]

    @property
    def metrics(self) -> list[_metrics.Metric]:
        return [self._loss_tracker] + list(self._metrics or [])

    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise ConfigError(
                f"You must call compile() before {what}(). Expected e.g. "
                "model.compile(optimizer='adam', loss='binary_crossentropy', "
                "metrics=['accuracy']). Received: an uncompiled model."
            )

    def _losses_for_outputs(self) -> list[_losses.Loss | None]:
        if not self._loss_fns:
            names = self._output_names()
            self._loss_fns = _spec.losses_per_output(self.loss, names)
            self._loss_weights = _spec.loss_weights_per_output(self._loss_weights_arg, names)
        return self._loss_fns

    def _resolve(self, y: Any) -> None:
        """Resolve per-output losses, 'accuracy' and the fused-loss path once shapes are known."""
        loss_fns = self._losses_for_outputs()
        if not self._fused:
            fused: list[str | None] = []
            for t, loss in zip(self._outputs, loss_fns, strict=True):
                act = getattr(t.layer, "output_activation", None)
                ok = (
                    loss is not None
                    and act in _FUSABLE
                    and type(loss) in _FUSABLE[act]
                    and not getattr(loss, "from_logits", True)
                    and hasattr(t.layer, "call_pre_activation")
                )
                fused.append(act if ok else None)
            self._fused = fused
        if self._metrics is None:
            names = self._output_names()
            ys = y if self._multi_out else [y]
            self._metric_slots = _spec.resolve(
                _spec.metric_specs_per_output(self._metrics_arg, names),
                _spec.metric_specs_per_output(self._weighted_arg, names),
                names,
                [getattr(f, "name", "") for f in loss_fns],
                [t.shape for t in self._outputs],
                [np.shape(a) for a in ys],
            )
            self._metrics = [m for m, _, _ in self._metric_slots]

    def _ensure_optimizer(self) -> None:
        tw = self.trainable_weights
        ids = [id(v) for v in tw]
        if ids != self._opt_vars or not self.optimizer.built:
            self.optimizer.build(tw)
            self._opt_vars = ids

    # --------------------------------------------------------------------- data
    def _expected_inputs(self) -> list[tuple[Any, ...]]:
        return [t.shape for t in self._inputs]

    def _prepare_x(self, x: Any, where: str) -> Any:
        if x is None:
            raise DataError(f"{where}: Expected input data x. Received: None.")
        xs = (
            list(x)
            if (self._multi_in or (isinstance(x, (list, tuple)) and len(self._inputs) > 1))
            else [x]
        )
        if self.built and len(xs) != len(self._inputs):
            raise DataError(
                f"{where}: Expected {len(self._inputs)} input arrays (one per model input). "
                f"Received: {len(xs)}."
            )
        out = []
        for i, a in enumerate(xs):
            arr = _as_float32(a, f"{where}: x" + (f"[{i}]" if len(xs) > 1 else ""))
            if self.built:
                exp = self._inputs[i].shape
                if arr.ndim == 1 and len(exp) == 2 and exp[1] == 1:
                    arr = arr.reshape(-1, 1)
                if arr.ndim != len(exp) or any(
                    e is not None and a != e for a, e in zip(arr.shape[1:], exp[1:], strict=True)
                ):
                    feat = f" ({exp[1]} features)" if len(exp) == 2 else ""
                    raise DataError(
                        f"{where}: Expected input of shape {tuple(exp)}{feat} for input "
                        f"'{self._inputs[i].name}'. Received: data of shape {arr.shape}. "
                        "Check the columns you pass, or the model's input shape."
                    )
            out.append(arr)
        return out if len(out) > 1 or self._multi_in else out[0]

    def _by_name(self, data: Any, tensors: list[SymbolicTensor], what: str, where: str) -> Any:
        """Data given as a dict keyed by input/output layer name, as a list in model order."""
        if not isinstance(data, dict):
            return data
        names = [t.layer.name for t in tensors]
        missing = [n for n in names if n not in data]
        if missing or not names:
            raise DataError(
                f"{where}: Expected {what} keyed by the model's {what} names "
                f"({', '.join(names) or 'unknown until the model is built'}). Received keys: "
                f"{', '.join(map(str, data))}."
            )
        items = [data[n] for n in names]
        return items if len(items) > 1 else items[0]

    def _prepare_data(self, x: Any, y: Any, where: str) -> tuple[Any, Any]:
        x = self._by_name(x, self._inputs, "inputs", where)
        y = self._by_name(y, self._outputs, "outputs", where)
        if y is None:
            raise DataError(f"{where}: Expected targets y. Received: None.")
        x = self._prepare_x(x, where) if self.built else _prepare_unbuilt(x, where)
        ys = list(y) if self._multi_out else [y]
        yarrs = []
        n = rows(x)
        for i, yy in enumerate(ys):
            arr = np.asarray(getattr(yy, "values", yy))
            if arr.dtype.kind not in "biuf":
                raise DataError(
                    f"{where}: Expected numeric targets y. Received: dtype {arr.dtype}. "
                    "Encode class names as integers 0..k-1 first."
                )
            if arr.dtype.kind == "f":
                arr = arr.astype(np.float32, copy=False)
                if not all_finite(arr):
                    raise DataError(
                        where=f"{where}: y" + ("" if len(ys) == 1 else f"[{i}]"),
                        row=int(np.argwhere(~np.isfinite(arr.reshape(len(arr), -1)))[0][0]),
                        expected="finite target values",
                        received="NaN or infinity",
                        fix="Drop or fill the missing targets",
                    )
            if arr.ndim == 0 or len(arr) != n:
                raise DataError(
                    f"{where}: Expected x and y with the same number of rows. Received: x has "
                    f"{n} rows, y{'' if len(ys) == 1 else f'[{i}]'} has "
                    f"{arr.shape[0] if arr.ndim else 0}. Pass matching arrays (same samples, "
                    "same order)."
                )
            yarrs.append(arr)
        return x, (yarrs if self._multi_out else yarrs[0])

    # ----------------------------------------------------------------- running
    def _forward(self, x: Any, training: bool, fused: Sequence[str | None] = ()) -> list[Tensor]:
        _sub.clear_added_losses(self)
        if self._subclassed:
            return _sub.forward_subclassed(self, x, training)
        vals: list[Any] = [None] * self._n_slots
        if isinstance(x, list):
            for i, a in enumerate(x):
                vals[i] = a if isinstance(a, Tensor) else Tensor(a)
        else:
            vals[0] = x if isinstance(x, Tensor) else Tensor(x)
        fuse_at = {self._out_slots[i] for i, f in enumerate(fused) if f} if fused else ()
        masking = self._masking
        for s in self._plan:
            args = [vals[i] for i in s.ins] if s.multi else vals[s.ins[0]]
            if s.out in fuse_at:
                vals[s.out] = s.layer.call_pre_activation(args, training)
            else:
                vals[s.out] = s.layer.call(args, training)
            if masking and not s.multi:
                propagate(s.layer, args, vals[s.out])
        return [vals[i] for i in self._out_slots]

    def __call__(self, x: Any, training: bool = False) -> Any:
        """Run the model on arrays/Tensors (records the graph when gradients are on)."""
        if isinstance(x, SymbolicTensor) or (
            isinstance(x, (list, tuple)) and x and isinstance(x[0], SymbolicTensor)
        ):
            return self.as_layer()(x)  # a model inside a functional graph
        if not self.built:
            self._ensure_built(_prepare_unbuilt(x, "call"))
        outs = self._forward(
            x if isinstance(x, (Tensor, list)) else _as_float32(x, "call"), training
        )
        return outs if self._multi_out else outs[0]

    def _loss_and_probs(
        self, outs: list[Tensor], y: Any, sample_weight: Any, fused: Sequence[str | None]
    ) -> tuple[Tensor, list[np.ndarray]]:
        """The total loss of forward outputs, and the probabilities the metrics read.

        An output marked in `fused` (see the module docstring) holds pre-activation
        logits: its loss uses the stable logits form and its probabilities are derived
        in NumPy.
        """
        ys = y if self._multi_out else [y]
        loss_fns = self._losses_for_outputs()
        total: Tensor | None = None
        probs = []
        for i, (out, loss, yy) in enumerate(zip(outs, loss_fns, ys, strict=True)):
            if loss is None:  # no loss for this output (a dict that leaves it out)
                probs.append(out.data)
                continue
            if fused and fused[i] is not None:
                term, prob = loss.call_from_logits_with_probs(yy, out, sample_weight)
                probs.append(prob)
            else:
                term = loss(yy, out, sample_weight)
                probs.append(out.data)
            if self._loss_weights is not None and len(self._loss_weights) > i:
                term = term * self._loss_weights[i]
            total = term if total is None else total + term
        for layer in self._reg_layers:
            reg = layer.regularization_loss()
            if reg is not None:
                total = total + reg
        for term in _sub.take_added_losses(self):
            term = term.sum() if term.data.ndim else term
            total = term if total is None else total + term
        if total is None:
            raise ConfigError(
                f"Model '{self.name}': Expected a loss to minimise: compile(loss=...) or terms "
                "added with add_loss(). Received: neither."
            )
        return total, probs

    # ----------------------------------------------------------- step interface
    def compute_loss(
        self,
        x: Any = None,
        y: Any = None,
        y_pred: Any = None,
        sample_weight: Any = None,
        training: bool = True,
    ) -> Tensor:
        """The compiled loss of `y_pred` (the model's outputs) against `y`, plus regularization.

        As in Keras 3: `y_pred` is what `self(x, training=...)` returned (a Tensor, or a
        list for several outputs); the result is a scalar Tensor to call `.backward()` on.
        `x` and `training` are accepted for signature compatibility.
        """
        del x, training
        self._require_compiled("compute_loss")
        outs = list(y_pred) if self._multi_out else [y_pred]
        outs = [o if isinstance(o, Tensor) else Tensor(_as_float32(o, "y_pred")) for o in outs]
        return self._loss_and_probs(outs, y, sample_weight, ())[0]

    def compute_metrics(
        self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None
    ) -> dict[str, float]:
        """Update the compiled metrics with this batch and return `get_metrics_result()`.

        The loss tracker (`metrics[0]`, named "loss") is not touched here: `train_step`
        and `test_step` update it with the batch loss, as Keras 3 does.
        """
        del x
        ys = y if self._multi_out else (y,)
        preds = y_pred if isinstance(y_pred, (list, tuple)) else (y_pred,)
        for m, i, weighted in self._metric_slots:
            p = preds[i]
            if type(p) is not np.ndarray:
                p = getattr(p, "data", p)
            m.update_state(ys[i], p, sample_weight if weighted else None)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict[str, float]:
        """The running value of every metric since the last `reset_metrics()`, by name."""
        logs = {"loss": self._loss_tracker.result()}
        for m in self._metrics or ():
            value = m.result()  # a Keras-style metric may hold its state in Variables
            logs[m.name] = value if type(value) is float else _metrics.scalar(value)
        return logs

    def reset_metrics(self) -> None:
        """Start every metric, the loss tracker included, from zero."""
        self._loss_tracker.reset_state()
        for m in self._metrics or ():
            m.reset_state()

    def _step_loss(self, x: Any, y: Any, sample_weight: Any, training: bool) -> tuple[float, Any]:
        """Forward one batch and compute its loss (fused where possible); backward and the
        update in training (see `core.engine.models.planned.loss_step`).

        Returns the loss value and the per-output probabilities. A non-finite loss takes
        no optimizer step, so the weights stay as they were.
        """
        return _planned.loss_step(self, x, y, sample_weight, training)

    @property
    def run_eagerly(self) -> bool:
        """Keras's run_eagerly: True runs every step eagerly instead of replaying a plan."""
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value: bool) -> None:
        self._run_eagerly = bool(value)
        self._steps.reset("run_eagerly=True" if value else "")

    def plan_info(self, kind: str = "train") -> PlanInfo:
        """How this model's steps of `kind` ("train", "test", "predict") run: replayed from
        a traced plan, or eagerly and why (`core.engine.plan`)."""
        return self._steps.info(kind)

    def batch_buffers(self, specs: list[tuple[tuple[int, ...], Any]]) -> list[np.ndarray] | None:
        """Arrays the trainer may gather a batch into (see `planned.batch_buffers`)."""
        return _planned.batch_buffers(self, specs)

    def train_step(self, data: Any) -> dict[str, float]:
        """One optimizer step on one batch; returns the running logs (Keras 3's contract).

        `data` is `(x, y)` or `(x, y, sample_weight)` with arrays already checked by
        `prepare`. Every training loop (`fit`, `train_on_batch`, `core.engine.training.train`,
        and so the CLI and the app) calls this method, so a subclass may override it. An
        override computes the loss, takes the step and returns `{name: running value}`
        with "loss" as the running mean over the epoch (weighted by batch size), e.g.::

            def train_step(self, data):
                x, y = data
                self.optimizer.zero_grad()
                y_pred = self(x, training=True)
                loss = self.compute_loss(x, y, y_pred)
                loss.backward()
                self.optimizer.step()
                self.metrics[0].update_state(float(loss.data), count=len(y))
                return self.compute_metrics(x, y, y_pred)

        `metrics[0]` is the loss tracker: the trainer reads each batch's loss from what
        the step added to it (or from the logs' "loss" when it is left alone) to stop a
        diverging run. The default adds the fused logits path (stable cross-entropy
        from logits) and skips the update when the loss is not finite.
        """
        if type(data) is tuple and len(data) == 2:  # the loops' (x, y), without a call
            x, y = data
            sample_weight = None
        else:
            x, y, sample_weight = unpack_x_y_sample_weight(data)
        _, probs = self._step_loss(x, y, sample_weight, True)  # zeroes the gradients itself
        return self.compute_metrics(x, y, probs, sample_weight)

    def test_step(self, data: Any) -> dict[str, float]:
        """Loss and metrics of one batch without gradients; returns the running logs.

        `data` is `(x, y)` or `(x, y, sample_weight)`. `evaluate` and the trainer's
        validation pass call this method, so a subclass may override it.
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        _, probs = self._step_loss(x, y, sample_weight, False)
        return self.compute_metrics(x, y, probs, sample_weight)

    def predict_step(self, data: Any) -> Any:
        """The outputs (probabilities, not logits) for one batch of inputs, without gradients.

        `data` is `x` (arrays checked by `predict`) or a tuple whose first item is `x`.
        `predict` calls this method and concatenates the batches, so a subclass may
        override it (returning Tensors or arrays).
        """
        x = data[0] if isinstance(data, tuple) else data
        outs = [np.array(getattr(o, "data", o)) for o in _planned.predict_batch(self, x)]
        return outs if self._multi_out else outs[0]

    def prepare(
        self, x: Any, y: Any, *, where: str = "fit", training: bool = True
    ) -> tuple[Any, Any]:
        """Check `x` and `y` and get the compiled model ready to step on them.

        Converts the data to float32 arrays checked against the model's inputs (a
        `DataError` names the bad row and column), builds the model from the data if
        needed, resolves "accuracy" and the fused loss path and, when `training`, builds
        the optimizer's slots. Returns the checked `(x, y)`. `where` names the call in
        error messages ("fit", "evaluate", "validation_data", ...).
        """
        self._require_compiled(where)
        x, y = self._prepare_data(x, y, where)
        self._ensure_built(x)
        if not self._subclassed:
            self._check_input_data(x, where)
        self._resolve(y)
        if training:
            self._ensure_optimizer()
        return x, y

    # ---------------------------------------------------------------- Keras API
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: Any = "auto",
        callbacks: Iterable[Callback] | None = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        class_weight: Any = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: Any = None,
        validation_steps: Any = None,
        validation_batch_size: Any = None,
        validation_freq: int = 1,
        seed: int | None = None,
        stream: Any = None,
    ) -> History:
        """Train for `epochs`; returns the History (`.history` dict of per-epoch lists)."""
        if steps_per_epoch is not None:
            raise ConfigError(
                "fit: steps_per_epoch is not supported yet. Expected None (one pass over the "
                "data per epoch)."
            )
        del validation_steps, validation_batch_size, validation_freq
        verbose = _verbosity(verbose)
        history = History()
        cbs: list[Callback] = list(callbacks or [])
        if verbose:
            cbs.insert(0, ProgbarLogger(verbose, stream=stream))
        cbs.append(history)
        finished = None
        for event in train(
            self,
            x,
            y,
            epochs=epochs,
            batch_size=batch_size,
            validation_data=validation_data,
            validation_split=validation_split,
            shuffle=shuffle,
            seed=seed,
            callbacks=cbs,
            initial_epoch=initial_epoch,
            sample_weight=sample_weight,
            class_weight=class_weight,
        ):
            if isinstance(event, TrainingFinished):
                finished = event
        self.last_run = finished
        if finished is not None and finished.reason == "diverged":
            # keep what the run did: the epochs before, and the diverged epoch's running logs
            history.record_partial_epoch(finished.epoch, finished.logs)
            warnings.warn(finished.message, RuntimeWarning, stacklevel=2)
        self.history = history
        return history

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: Any = "auto",
        sample_weight: Any = None,
        steps: Any = None,
        callbacks: Any = None,
        return_dict: bool = False,
        stream: Any = None,
    ) -> Any:
        """Loss and metrics on (x, y): a scalar, a list [loss, *metrics], or a dict."""
        if is_dataset(x):
            x, y, sample_weight = materialize(x)
        x, y = self.prepare(x, y, where="evaluate", training=False)
        weights = row_weights(y, sample_weight, None, "evaluate")
        batch_size = int(batch_size or 32)
        cbs = CallbackList(list(callbacks or []), model=self)
        cbs.on_test_begin({})
        steps_total = max(1, math.ceil(rows(x) / batch_size))
        bar = ProgbarLogger(_verbosity(verbose), stream=stream)
        bar.set_params({"epochs": 1, "steps": steps_total})
        bar.on_train_begin()
        bar.start_timer()
        logs = run_test_steps(
            self,
            x,
            y,
            batch_size,
            bar.on_train_batch_end if bar.verbose == 1 else None,
            sample_weight=weights,
        )
        if bar.verbose:
            bar.on_epoch_end(0, logs)
        cbs.on_test_end(dict(logs))
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: Any = "auto",
        steps: Any = None,
        callbacks: Any = None,
    ) -> Any:
        """Outputs for x, computed in batches without gradients (probabilities, not logits)."""
        if is_dataset(x):
            x = materialize(x)[0]
        cbs = CallbackList(list(callbacks or []), model=self)
        cbs.on_predict_begin({})
        if not self.built:
            self._ensure_built(_prepare_unbuilt(x, "predict"))
        x = self._prepare_x(x, "predict")
        if not self._subclassed:
            self._check_input_data(x, "predict")
        batch_size = int(batch_size or 32)
        n = rows(x)
        own_step = type(self).predict_step is Model.predict_step
        results: list[np.ndarray] | None = None
        for lo in range(0, n, batch_size):
            batch = take(x, slice(lo, lo + batch_size))
            if own_step:  # the plan's arrays, copied into the results below
                out: Any = _planned.predict_batch(self, batch)
            else:
                out = self.predict_step(batch)
                out = out if self._multi_out else [out]
            arrays = [np.asarray(getattr(o, "data", o)) for o in out]
            if results is None:
                results = [np.empty((n,) + a.shape[1:], a.dtype) for a in arrays]
            for dst, a in zip(results, arrays, strict=True):
                dst[lo : lo + len(a)] = a
        if results is None:
            results = [
                np.zeros((0,) + tuple(d or 0 for d in t.shape[1:]), np.float32)
                for t in self._outputs
            ]
        v = _verbosity(verbose)
        if v:
            steps_total = max(1, math.ceil(n / batch_size))
            (sys.stdout).write(f"{steps_total}/{steps_total} " + "━" * 20 + "\n")
        cbs.on_predict_end({})
        return results if self._multi_out else results[0]

    def predict_on_batch(self, x: Any) -> Any:
        return self.predict(
            x, batch_size=max(1, len(x[0] if isinstance(x, list) else x)), verbose=0
        )

    def train_on_batch(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        class_weight: Any = None,
        return_dict: bool = False,
    ) -> Any:
        """One optimizer step; returns the batch loss (and metrics), like Keras."""
        x, y = self.prepare(x, y, where="train_on_batch")
        self.reset_metrics()
        logs = self.train_step((x, y))
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def test_on_batch(
        self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False
    ) -> Any:
        return self.evaluate(x, y, batch_size=max(1, len(y)), verbose=0, return_dict=return_dict)

    def summary(
        self,
        line_length: int | None = None,
        positions: Any = None,
        print_fn: Callable[..., Any] | None = None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range: Any = None,
    ) -> None:
        """Print the Keras-style table of layers, output shapes and parameter counts."""
        print_summary(self, line_length=line_length, print_fn=print_fn)

    # ------------------------------------------------------------------ configs
    def get_config(self) -> dict[str, Any]:
        """Keras's functional config: layers with inbound_nodes, input and output layers."""
        node_index: dict[int, tuple[str, int]] = {}
        calls: dict[int, int] = {}
        for t in self._inputs:
            node_index[id(t)] = (t.layer.name, 0)
            calls[id(t.layer)] = 1
        entries: dict[int, dict[str, Any]] = {}
        for t in self._inputs:
            entries[id(t.layer)] = {**serialize(t.layer), "name": t.layer.name, "inbound_nodes": []}
        for s in self._plan:
            k = calls.get(id(s.layer), 0)
            calls[id(s.layer)] = k + 1
            node_index[id(s.tensor)] = (s.layer.name, k)
            entry = entries.setdefault(
                id(s.layer), {**serialize(s.layer), "name": s.layer.name, "inbound_nodes": []}
            )
            entry["inbound_nodes"].append([[*node_index[id(p)], 0, {}] for p in s.tensor.inbound])
        return {
            "name": self.name,
            "trainable": True,
            "layers": list(entries.values()),
            "input_layers": [[*node_index[id(t)], 0] for t in self._inputs],
            "output_layers": [[*node_index[id(t)], 0] for t in self._outputs],
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Model:
        made: dict[tuple[str, int], SymbolicTensor] = {}
        pending = list(config["layers"])
        layers: dict[str, Layer] = {}
        progress = True
        while pending and progress:
            progress = False
            for entry in list(pending):
                name = entry.get("name") or entry["config"]["name"]
                layer = layers.get(name) or deserialize(entry)
                layers[name] = layer
                if isinstance(layer, InputLayer):
                    made[(name, 0)] = layer.output
                    pending.remove(entry)
                    progress = True
                    continue
                nodes = entry.get("inbound_nodes", [])
                done = sum(1 for key in made if key[0] == name)
                while done < len(nodes):
                    node = nodes[done]
                    keys = [(str(p[0]), int(p[1])) for p in node]
                    if not all(k in made for k in keys):
                        break
                    args = [made[k] for k in keys]
                    made[(name, done)] = layer(
                        args if len(args) > 1 or layer.MAX_INPUTS != 1 else args[0]
                    )
                    done += 1
                    progress = True
                if done == len(nodes):
                    pending.remove(entry)
        if pending:
            raise GraphError(
                "Model config: could not connect layers "
                f"{', '.join(e.get('name', '?') for e in pending)}: their inputs are missing."
            )
        ins = [made[(str(a[0]), int(a[1]))] for a in config["input_layers"]]
        outs = [made[(str(a[0]), int(a[1]))] for a in config["output_layers"]]
        return cls(
            ins if len(ins) > 1 else ins[0],
            outs if len(outs) > 1 else outs[0],
            name=config.get("name"),
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.name}'>"


def unpack_x_y_sample_weight(data: Any) -> tuple[Any, Any, Any]:
    """`(x, y, sample_weight)` from a step's `data`: `(x,)`, `(x, y)` or `(x, y, sw)` (Keras)."""
    if isinstance(data, tuple):
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
        if len(data) == 1:
            return data[0], None, None
        raise ConfigError(
            "Expected step data (x,), (x, y) or (x, y, sample_weight). Received: a tuple of "
            f"{len(data)} items."
        )
    return data, None, None


def _verbosity(verbose: Any) -> int:
    if verbose == "auto":
        return 1
    if verbose in (0, 1, 2) or verbose in (False, True):
        return int(verbose)
    raise ConfigError(f"Expected verbose 'auto', 0, 1 or 2. Received: verbose={verbose!r}")


def _as_float32(a: Any, where: str) -> np.ndarray:
    """A float32 array with finite values, or a DataError naming the first bad cell."""
    raw = a.data if isinstance(a, Tensor) else getattr(a, "values", a)
    try:
        arr = np.asarray(raw)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{where}: Expected a numeric array. Received: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise DataError(
            f"{where}: Expected numeric data. Received: dtype {arr.dtype}. Convert text columns "
            "to numbers (or one-hot) first."
        )
    if arr.dtype != np.float32:
        arr = arr.astype(np.float32)
    if arr.ndim == 0:
        raise DataError(f"{where}: Expected an array of samples. Received: a scalar.")
    arr = np.ascontiguousarray(arr)
    if not all_finite(arr):  # no temporary the size of the data
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise DataError(
            where=where,
            row=int(bad[0]),
            column=str(int(bad[1])) if len(bad) > 1 else None,
            expected="finite numbers",
            received=str(arr[tuple(bad)]),
            fix="Drop or impute missing values (e.g. pandas fillna) before training",
        )
    return arr


def _prepare_unbuilt(x: Any, where: str) -> Any:
    if isinstance(x, (list, tuple)) and x and hasattr(x[0], "shape"):
        return [_as_float32(a, where) for a in x]
    return _as_float32(x, where)
