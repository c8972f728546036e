"""Optimizers with Keras 3 names, defaults and update rules, over one flat buffer.

`optimizer.build(variables)` copies every trainable variable into one
contiguous parameter buffer and rebinds each variable's `.data` to a view of
it, and its `.grad` to a view of one matching gradient buffer (autograd
accumulates into a preset `.grad` in place). A step is then a handful of
vectorised, in-place NumPy operations over the whole buffer whatever the
number of layers, and `zero_grad()` is one `fill(0)`. Gradient clipping
(`clipnorm` per variable, `clipvalue`, `global_clipnorm`), AdamW's decoupled
weight decay (with a per-variable exclusion mask) and learning-rate schedules
follow Keras. Every `flush_every` steps, slot values below ~1e-30 are set to 0 so
that decaying moments never reach the slow subnormal range (`flush_period`).
`get(identifier)` resolves strings like "adam".
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from typing import Any

import numpy as np

from core.engine import schedules  # also keras.optimizers.schedules
from core.errors import ConfigError
from core.naming import snake_case


def _number(
    owner: str,
    name: str,
    value: Any,
    low: float = 0.0,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    bad = (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.floating))
        or (math.isnan(value))
    )
    if not bad:
        v = float(value)
        bad = (
            v < low
            or (low_open and v == low)
            or (high is not None and (v > high or (high_open and v == high)))
        )
    if bad:
        lo = f"{'>' if low_open else '>='} {low:g}"
        hi = "" if high is None else f" and {'<' if high_open else '<='} {high:g}"
        raise ConfigError(f"{owner}: Expected `{name}` {lo}{hi}. Received: {name}={value!r}")
    return float(value)


#: A slot value whose magnitude falls below this many times the dtype's smallest normal
#: number (float32: 1.18e-38 x 1e8 = 1.18e-30) is set to exactly 0 every `flush_every` steps.
FLUSH_RATIO = 1e8


def flush_period(factors: Iterable[float], dtype: Any) -> tuple[int, float]:
    """Keep decaying slot buffers out of the subnormal range: `(period, threshold)`.

    A slot that only decays (momentum, a moment of a weight whose gradient is 0, such as
    a dead ReLU unit's) shrinks by its factor f each step; after ~800 steps at 0.9 a
    float32 value enters the subnormal range (< 1.18e-38), where x86 arithmetic is ~100x
    slower, and NumPy has no flush-to-zero mode: W2's Adam step ran ~3x slower after 750
    batches. So every K steps the slots' values below `threshold` = tiny * 1e8 (float32:
    1.18e-30, float64: 2.2e-300) become exactly 0. K is the largest step count in which
    the fastest decay (the smallest factor f in (0, 1)) cannot take a value from the
    threshold into the subnormal range: threshold * f**K >= tiny, K = floor(ln(1e-8) /
    ln f) (f = 0.9: K = 174; 0.999: 18,412; 0.5: 26). A value set to 0 was below 1e-30,
    which changes an update by less than the precision of any weight above ~1e-23; values
    above the threshold are multiplied by exactly 1.0, so they stay bit-identical. Only
    a slot that receives a new value below the threshold (a gradient under 1e-30, not
    seen in practice) can be subnormal, for at most K steps. `period` 0: nothing decays.
    """
    info = np.finfo(np.dtype(dtype))
    decays = [float(f) for f in factors if 0.0 < float(f) < 1.0]
    if not decays:
        return 0, 0.0
    period = max(1, math.floor(math.log(1.0 / FLUSH_RATIO) / math.log(min(decays))))
    return period, float(info.tiny) * FLUSH_RATIO


class Optimizer:
    """Base class: learning rate (float or schedule), clipping, flat buffers, `step()`."""

    #: Attributes holding the per-parameter state arrays `_build_slots` makes (None if unused).
    _SLOTS: tuple[str, ...] = ()

    def __init__(
        self,
        learning_rate: float | schedules.LearningRateSchedule = 0.001,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
    ) -> None:
        owner = type(self).__name__
        if isinstance(learning_rate, dict):
            learning_rate = schedules.deserialize(learning_rate)
        if not isinstance(learning_rate, schedules.LearningRateSchedule):
            learning_rate = _number(owner, "learning_rate", learning_rate)
        self._learning_rate: float | schedules.LearningRateSchedule = learning_rate
        set_clips = [
            n
            for n, v in (
                ("clipnorm", clipnorm),
                ("clipvalue", clipvalue),
                ("global_clipnorm", global_clipnorm),
            )
            if v is not None
        ]
        if len(set_clips) > 1:
            raise ConfigError(
                f"{owner}: Expected at most one of `clipnorm`, `clipvalue` and "
                f"`global_clipnorm`. Received: {', '.join(set_clips)}."
            )
        self.clipnorm = (
            None if clipnorm is None else _number(owner, "clipnorm", clipnorm, low_open=True)
        )
        self.clipvalue = (
            None if clipvalue is None else _number(owner, "clipvalue", clipvalue, low_open=True)
        )
        self.global_clipnorm = (
            None
            if global_clipnorm is None
            else _number(owner, "global_clipnorm", global_clipnorm, low_open=True)
        )
        self.weight_decay = (
            None if weight_decay is None else _number(owner, "weight_decay", weight_decay)
        )
        self.name = name or snake_case(owner)
        self.iterations = 0
        self.built = False
        self.flush_every, self._flush_below = 0, 0.0
        self._variables: list[Any] = []
        self._params: np.ndarray = np.zeros(0, np.float32)
        self._grads: np.ndarray = np.zeros(0, np.float32)
        self._tmp: np.ndarray = np.zeros(0, np.float32)
        self._offsets: np.ndarray = np.zeros(0, np.intp)
        self._sizes: np.ndarray = np.zeros(0, np.intp)
        self._decay_mask: np.ndarray | None = None
        self._exclude_names: tuple[str, ...] = ()
        self._exclude_ids: set[int] = set()

    # ------------------------------------------------------------ learning rate
    @property
    def learning_rate(self) -> float:
        """The rate the next step uses (a schedule is evaluated at `iterations`)."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            return float(lr(self.iterations))
        return lr

    @learning_rate.setter
    def learning_rate(self, value: float | schedules.LearningRateSchedule) -> None:
        if isinstance(value, schedules.LearningRateSchedule):
            self._learning_rate = value
            return
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise ConfigError(
                f"{type(self).__name__}: this optimizer's learning rate is a schedule "
                f"({type(self._learning_rate).__name__}). Expected a schedule to replace it. "
                f"Received: {value!r}. Build a new optimizer to use a fixed rate."
            )
        self._learning_rate = _number(type(self).__name__, "learning_rate", value)

    @property
    def lr(self) -> float:  # Keras 2 alias
        return self.learning_rate

    @lr.setter
    def lr(self, value: float) -> None:
        self.learning_rate = value

    # ------------------------------------------------------------------- build
    @property
    def variables(self) -> list[Any]:
        return list(self._variables)

    @property
    def parameter_buffer(self) -> np.ndarray:
        return self._params

    @property
    def gradient_buffer(self) -> np.ndarray:
        return self._grads

    def build(self, variables: Sequence[Any]) -> None:
        """Pack `variables` into one parameter buffer and bind data/grad views to it."""
        variables = [v for v in variables if getattr(v, "trainable", True)]
        dtypes = {np.dtype(v.data.dtype) for v in variables}
        dtype = np.result_type(*dtypes) if dtypes else np.dtype(np.float32)
        sizes = np.array([v.data.size for v in variables], dtype=np.intp)
        offsets = np.zeros(len(variables), dtype=np.intp)
        if len(variables) > 1:
            offsets[1:] = np.cumsum(sizes)[:-1]
        total = int(sizes.sum()) if len(variables) else 0
        params = np.empty(total, dtype=dtype)
        grads = np.zeros(total, dtype=dtype)
        for v, off, n in zip(variables, offsets, sizes, strict=True):
            shape = v.data.shape
            params[off : off + n] = np.asarray(v.data, dtype=dtype).reshape(-1)
            v.data = params[off : off + n].reshape(shape)
            v.grad = grads[off : off + n].reshape(shape)
        self._variables = variables
        self._params, self._grads = params, grads
        self._tmp = np.empty(total, dtype=dtype)
        self._offsets, self._sizes = offsets, sizes
        self._decay_mask = None
        self.iterations = 0
        self._build_slots(total, dtype)
        self.flush_every, self._flush_below = flush_period(self._decay_factors(), dtype)
        self.built = True

    def _build_slots(self, size: int, dtype: np.dtype) -> None:
        """Allocate per-parameter state (momentum, moments) as flat arrays."""

    def _decay_factors(self) -> tuple[float, ...]:
        """The factors the slots are multiplied by each step (see `flush_period`)."""
        return ()

    def _flush_tiny_slots(self) -> None:
        """Set slot values below the flush threshold to 0, in place, with no allocation."""
        tmp = self._tmp
        for attr in self._SLOTS:
            slot = getattr(self, attr, None)
            if slot is not None:
                # 1.0 where |x| >= threshold (kept exactly), 0.0 below (flushed); heaviside
                # stays in the slot's dtype, where a comparison's bool output would be cast
                # through a transient buffer
                np.abs(slot, out=tmp)
                tmp -= self._flush_below
                np.heaviside(tmp, 1.0, out=tmp)
                slot *= tmp

    def save_own_variables(self, store: MutableMapping[str, np.ndarray]) -> None:
        """Keras 3 API: put the optimizer's state (step count and slots) into `store`.

        Keys are "iterations" and the slot names ("m", "v", ...); the arrays are copies.
        """
        store["iterations"] = np.asarray(self.iterations, dtype=np.int64)
        for attr in self._SLOTS:
            value = getattr(self, attr, None)
            if value is not None:
                scale = self._slot_scale(attr)
                store[attr.lstrip("_")] = (
                    np.array(value, copy=True) if scale == 1.0 else value.astype(np.float64) * scale
                )

    def _slot_scale(self, attr: str) -> float:
        """Keras's slot value per unit of the stored one (1: the slot is kept as Keras has it)."""
        return 1.0

    def load_own_variables(self, store: Mapping[str, Any]) -> None:
        """Keras 3 API: restore the state `save_own_variables` wrote, into a built optimizer.

        Every slot this optimizer uses must be present with its size; a missing,
        extra or wrongly sized array is a ConfigError and nothing changes.
        """
        owner = type(self).__name__
        if not self.built:
            raise ConfigError(
                f"{owner}: Expected build(variables) before load_own_variables(). "
                "Received: an optimizer with no variables."
            )
        size = int(self._params.shape[0])
        wanted = {a.lstrip("_"): a for a in self._SLOTS if getattr(self, a, None) is not None}
        extra = sorted(set(store) - set(wanted) - {"iterations"})
        missing = sorted(set(wanted) - set(store))
        if extra or missing or "iterations" not in store:
            raise ConfigError(
                f"{owner}: Expected the state arrays {sorted(['iterations', *wanted])}. "
                f"Received: {sorted(store)}."
            )
        arrays = {}
        for key in wanted:
            arr = np.asarray(store[key])
            if arr.shape != (size,) or arr.dtype.kind not in "fiu":
                raise ConfigError(
                    f"{owner}: state '{key}' Expected {size} numbers. "
                    f"Received: shape {arr.shape}, dtype {arr.dtype}."
                )
            arrays[key] = arr
        it = np.asarray(store["iterations"])
        if it.shape != () or it.dtype.kind not in "iu" or int(it) < 0:
            raise ConfigError(
                f"{owner}: state 'iterations' Expected a whole number >= 0. Received: {it!r}."
            )
        for key, arr in arrays.items():
            scale = self._slot_scale(wanted[key])
            getattr(self, wanted[key])[...] = arr if scale == 1.0 else arr / scale
        self.iterations = int(it)

    def _check_bound(self) -> None:
        for v in self._variables:
            if v.grad is None or not np.shares_memory(v.grad, self._grads):
                v.grad = self._grads[self._slice(v)].reshape(v.data.shape)

    def _slice(self, var: Any) -> slice:
        i = next(k for k, v in enumerate(self._variables) if v is var)
        off = int(self._offsets[i])
        return slice(off, off + int(self._sizes[i]))

    def zero_grad(self) -> None:
        """Clear every gradient at once (the gradient buffer is filled with 0)."""
        self._grads.fill(0)

    # ------------------------------------------------------------------- steps
    def step(self) -> None:
        """Apply one update from the gradient buffer to the parameter buffer, in place."""
        if not self.built:
            raise ConfigError(
                f"{type(self).__name__}: Expected build(variables) before step(). "
                "Received: an optimizer with no variables."
            )
        g = self._grads
        if self.clipvalue is not None:
            np.clip(g, -self.clipvalue, self.clipvalue, out=g)
        elif self.clipnorm is not None and g.size:
            sq = np.add.reduceat(g * g, self._offsets) if len(self._offsets) else g[:0]
            norms = np.sqrt(sq)
            scale = np.where(norms > self.clipnorm, self.clipnorm / np.maximum(norms, 1e-30), 1.0)
            if np.any(scale != 1.0):
                g *= np.repeat(scale.astype(g.dtype), self._sizes)
        elif self.global_clipnorm is not None:
            norm = math.sqrt(float(np.dot(g, g)))
            if norm > self.global_clipnorm:
                g *= self.global_clipnorm / norm
        lr = self.learning_rate
        if self.weight_decay:
            self._apply_weight_decay(lr)
        self._update(self._params, g, lr)
        self.iterations += 1
        if self.flush_every and self.iterations % self.flush_every == 0:
            self._flush_tiny_slots()

    def _apply_weight_decay(self, lr: float) -> None:
        # Keras 3: variable -= variable * weight_decay * lr (decoupled, before the update)
        if self._decay_mask is None:
            self._decay_mask = self._make_decay_mask()
        factor = self.weight_decay * lr
        if self._decay_mask is True:  # type: ignore[comparison-overlap]
            self._params *= 1.0 - factor
        else:
            np.multiply(self._params, self._decay_mask, out=self._tmp)
            self._tmp *= factor
            self._params -= self._tmp

    def _make_decay_mask(self) -> Any:
        if not self._exclude_names and not self._exclude_ids:
            return True
        mask = np.ones_like(self._params)
        for v, off, n in zip(self._variables, self._offsets, self._sizes, strict=True):
            name = str(getattr(v, "path", None) or getattr(v, "name", None) or "")
            if id(v) in self._exclude_ids or any(s in name for s in self._exclude_names):
                mask[off : off + n] = 0
        return mask

    def exclude_from_weight_decay(
        self, var_list: Iterable[Any] | None = None, var_names: Iterable[str] | None = None
    ) -> None:
        """Keras API: skip weight decay for these variables or names containing these strings."""
        self._exclude_ids |= {id(v) for v in (var_list or ())}
        self._exclude_names = tuple(self._exclude_names) + tuple(var_names or ())
        self._decay_mask = None

    def _update(self, p: np.ndarray, g: np.ndarray, lr: float) -> None:
        raise NotImplementedError

    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Any]]) -> None:
        """Keras API: apply explicit (gradient, variable) pairs (builds on first use)."""
        pairs = [(g, v) for g, v in grads_and_vars]
        if not self.built or any(not any(v is w for w in self._variables) for _, v in pairs):
            self.build([v for _, v in pairs])
        self.zero_grad()
        for g, v in pairs:
            if g is not None:
                self._grads[self._slice(v)] = np.asarray(
                    getattr(g, "data", g), dtype=self._grads.dtype
                ).reshape(-1)
        self.step()

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Any] | None = None) -> None:
        """Keras 3 API: apply `grads` to `trainable_variables` (default: the built ones)."""
        variables = self._variables if trainable_variables is None else trainable_variables
        self.apply_gradients(zip(grads, variables, strict=True))

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        lr = self._learning_rate
        return {
            "name": self.name,
            "learning_rate": schedules.serialize(lr)
            if isinstance(lr, schedules.LearningRateSchedule)
            else lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self._learning_rate!r})"


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum, Keras 3 rule."""

    _SLOTS = ("_m",)

    def __init__(
        self,
        learning_rate: Any = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str = "SGD",
    ) -> None:
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name)
        self.momentum = _number("SGD", "momentum", momentum, 0.0, 1.0)
        self.nesterov = bool(nesterov)

    def _build_slots(self, size: int, dtype: np.dtype) -> None:
        self._m = np.zeros(size, dtype) if self.momentum else None

    def _decay_factors(self) -> tuple[float, ...]:
        return (self.momentum,)

    def _update(self, p: np.ndarray, g: np.ndarray, lr: float) -> None:
        tmp = self._tmp
        if self._m is None:
            np.multiply(g, lr, out=tmp)
            p -= tmp
            return
        m = self._m
        # m = momentum * m - lr * g
        m *= self.momentum
        np.multiply(g, lr, out=tmp)
        m -= tmp
        if self.nesterov:
            # p += momentum * m - lr * g
            p -= tmp
            np.multiply(m, self.momentum, out=tmp)
            p += tmp
        else:
            p += m

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """RMSprop, Keras 3 rule (epsilon inside the square root; optional momentum, centered)."""

    _SLOTS = ("_v", "_avg", "_m")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str = "rmsprop",
    ) -> None:
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name)
        self.rho = _number("RMSprop", "rho", rho, 0.0, 1.0)
        self.momentum = _number("RMSprop", "momentum", momentum, 0.0, 1.0)
        self.epsilon = _number("RMSprop", "epsilon", epsilon)
        self.centered = bool(centered)

    def _build_slots(self, size: int, dtype: np.dtype) -> None:
        self._v = np.zeros(size, dtype)
        self._avg = np.zeros(size, dtype) if self.centered else None
        self._m = np.zeros(size, dtype) if self.momentum > 0 else None

    def _decay_factors(self) -> tuple[float, ...]:
        return (self.rho, self.momentum)

    def _update(self, p: np.ndarray, g: np.ndarray, lr: float) -> None:
        rho, tmp, v = self.rho, self._tmp, self._v
        v *= rho
        np.multiply(g, g, out=tmp)
        tmp *= 1 - rho
        v += tmp
        if self._avg is not None:
            a = self._avg
            a *= rho
            np.multiply(g, 1 - rho, out=tmp)
            a += tmp
            np.multiply(a, a, out=tmp)
            np.subtract(v, tmp, out=tmp)
            tmp += self.epsilon
        else:
            np.add(v, self.epsilon, out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(g, tmp, out=tmp)
        tmp *= lr
        if self._m is not None:
            self._m *= self.momentum
            self._m += tmp
            p -= self._m
        else:
            p -= tmp

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }


class Adagrad(Optimizer):
    """Adagrad, Keras 3 rule: acc += g^2; p -= lr * g / sqrt(acc + epsilon)."""

    _SLOTS = ("_acc",)

    def __init__(
        self,
        learning_rate: Any = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str = "adagrad",
    ) -> None:
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name)
        self.initial_accumulator_value = _number(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value
        )
        self.epsilon = _number("Adagrad", "epsilon", epsilon)

    def _build_slots(self, size: int, dtype: np.dtype) -> None:
        self._acc = np.full(size, self.initial_accumulator_value, dtype)

    def _update(self, p: np.ndarray, g: np.ndarray, lr: float) -> None:
        tmp, acc = self._tmp, self._acc
        np.multiply(g, g, out=tmp)
        acc += tmp
        np.add(acc, self.epsilon, out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(g, tmp, out=tmp)
        tmp *= lr
        p -= tmp

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }


class Adam(Optimizer):
    """Adam, Keras 3 rule (bias correction folded into the step size; optional AMSGrad)."""

    _SLOTS = ("_m", "_v", "_vhat")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str = "adam",
    ) -> None:
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name)
        owner = type(self).__name__
        self.beta_1 = _number(owner, "beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.beta_2 = _number(owner, "beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = _number(owner, "epsilon", epsilon)
        self.amsgrad = bool(amsgrad)

    def _build_slots(self, size: int, dtype: np.dtype) -> None:
        self._m = np.zeros(size, dtype)
        self._v = np.zeros(size, dtype)
        self._vhat = np.zeros(size, dtype) if self.amsgrad else None

    def _decay_factors(self) -> tuple[float, ...]:
        return (self.beta_1, self.beta_2)

    def _slot_scale(self, attr: str) -> float:
        # the moments are kept unnormalised: m' = m / (1 - beta_1), v' = v / (1 - beta_2)
        return 1.0 - (self.beta_1 if attr == "_m" else self.beta_2)

    def _update(self, p: np.ndarray, g: np.ndarray, lr: float) -> None:
        # Keras's rule m += (g - m)(1 - b1), v += (g^2 - v)(1 - b2),
        # p -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps), with the moments kept
        # unnormalised (m' = b1 m' + g, v' = b2 v' + g^2): the same update in 10 passes
        # over the flat buffers instead of 12, the constants folded into two scalars.
        t = self.iterations + 1
        b1, b2 = self.beta_1, self.beta_2
        k = math.sqrt(1.0 - b2)
        m, v, tmp = self._m, self._v, self._tmp
        m *= b1
        m += g
        v *= b2
        np.multiply(g, g, out=tmp)
        v += tmp
        if self._vhat is not None:
            np.maximum(self._vhat, v, out=self._vhat)
            v = self._vhat
        np.sqrt(v, out=tmp)  # p -= c m' / (sqrt(v') + eps / k)
        tmp += self.epsilon / k
        np.divide(m, tmp, out=tmp)
        tmp *= lr * math.sqrt(1.0 - b2**t) * (1.0 - b1) / ((1.0 - b1**t) * k)
        p -= tmp

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }


class AdamW(Adam):
    """Adam with decoupled weight decay (Keras 3: p -= p * weight_decay * lr first)."""

    def __init__(
        self,
        learning_rate: Any = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str = "adamw",
    ) -> None:
        if weight_decay is None:
            raise ConfigError("AdamW: Expected a number for `weight_decay`. Received: None")
        super().__init__(
            learning_rate,
            beta_1,
            beta_2,
            epsilon,
            amsgrad,
            weight_decay,
            clipnorm,
            clipvalue,
            global_clipnorm,
            name,
        )


ALL_OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
    "adam": Adam,
    "adamw": AdamW,
}
_CLASS_NAMES = {cls.__name__: cls for cls in ALL_OPTIMIZERS.values()}


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict[str, Any]) -> Optimizer:
    cls = _CLASS_NAMES.get(config.get("class_name", "")) or ALL_OPTIMIZERS.get(
        str(config.get("class_name", "")).lower()
    )
    if cls is None:
        return get(str(config.get("class_name")))
    return cls.from_config(config.get("config", {}))


def get(identifier: Any) -> Optimizer:
    """An optimizer from a name ("adam", "SGD"), a config dict or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = ALL_OPTIMIZERS.get(identifier.lower())
        if cls is not None:
            return cls()
        names = sorted(ALL_OPTIMIZERS)
        close = difflib.get_close_matches(identifier.lower(), names, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ConfigError(
            f"Unknown optimizer. Expected one of: {', '.join(names)} (or an Optimizer instance). "
            f"Received: {identifier!r}.{hint}"
        )
    raise ConfigError(f"Expected an optimizer name or Optimizer instance. Received: {identifier!r}")
