"""The Layer contract, weight Variables and the symbolic functional API.

`Layer` validates its arguments against its declared `PARAMS` in `__init__`,
creates weights in `build(input_shape, rng)` through `add_weight`, computes in
`call(inputs, training)`, and describes itself without building through
`compute_output_shape` and `count_params_for`. Calling a layer on a
`SymbolicTensor` (made by `Input(shape=...)`) records the call instead of
computing, which is how a functional `Model(inputs, outputs)` is described.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from core.engine import initializers, regularizers, settings
from core.engine.autograd import Tensor, no_grad
from core.engine.layers.spec import (
    ParamSpec,
    argument_error,
    register,
    type_name,
    unknown_argument,
)
from core.engine.random import default_generator, make_generator
from core.errors import ConfigError, ShapeError
from core.naming import snake_case

Shape = tuple[int | None, ...]

# ----------------------------------------------------------------- auto names
_name_counts: dict[str, int] = {}


def unique_name(base: str) -> str:
    """'dense', then 'dense_1', 'dense_2', ... per process (like keras.utils.naming)."""
    n = _name_counts.get(base, 0)
    _name_counts[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def reset_names() -> None:
    """Forget the automatic names handed out so far (for tests)."""
    _name_counts.clear()


# ------------------------------------------------------------------- variables
class Variable(Tensor):
    """A layer weight: a Tensor with `trainable`, `regularizer` and `path` ("dense/kernel").

    Trainable variables have requires_grad=True. An optimizer may replace
    `.data` with a view into one flat buffer; code that writes weights must copy
    into `.data` (`v.data[...] = w`), never rebind it.
    """

    __slots__ = ("trainable", "regularizer", "path")

    def __init__(
        self,
        data: np.ndarray,
        trainable: bool = True,
        regularizer: regularizers.Regularizer | None = None,
        path: str = "",
    ) -> None:
        super().__init__(data, requires_grad=trainable, name=path.rsplit("/", 1)[-1])
        self.trainable = trainable
        self.regularizer = regularizer
        self.path = path

    def assign(self, value: Any) -> None:
        """Copy `value` into the existing array (keeps views into flat buffers valid)."""
        self.data[...] = getattr(value, "data", value)

    def assign_add(self, value: Any) -> None:
        self.data[...] += getattr(value, "data", value)

    def assign_sub(self, value: Any) -> None:
        self.data[...] -= getattr(value, "data", value)

    @property
    def value(self) -> Variable:
        return self

    def __repr__(self) -> str:
        return f"Variable({self.path!r}, shape={self.data.shape}, trainable={self.trainable})"


# ------------------------------------------------------------- symbolic tensors
class SymbolicTensor:
    """A placeholder for a layer output in the functional API (no data).

    Attributes:
        shape: the output shape with a leading None batch dimension, e.g. (None, 10).
        dtype: "float32".
        name: the name of the layer that produced it.
        _history: (layer, inbound) where `layer` produced this tensor and
            `inbound` is the tuple of SymbolicTensors it was called on (empty
            for the tensor that `Input` returns; that layer is an InputLayer).
            A functional Model walks these back from its outputs to its inputs.
            A layer called several times appears in several histories and
            shares its weights.
    """

    __slots__ = ("shape", "dtype", "name", "_history")

    def __init__(
        self,
        shape: Shape,
        layer: Layer,
        inbound: tuple[SymbolicTensor, ...] = (),
        dtype: str = "float32",
    ) -> None:
        self.shape: Shape = tuple(shape)
        self.dtype = dtype
        self.name = layer.name
        self._history: tuple[Layer, tuple[SymbolicTensor, ...]] = (layer, tuple(inbound))

    @property
    def layer(self) -> Layer:
        return self._history[0]

    @property
    def inbound(self) -> tuple[SymbolicTensor, ...]:
        return self._history[1]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<SymbolicTensor shape={self.shape} from '{self.name}'>"


def _dims(shape: Shape) -> str:
    """A shape without its batch dimension, as the user thinks of it: (10,)."""
    return str(tuple(shape[1:]))


def _is_symbolic(inputs: Any) -> bool:
    t = type(inputs)
    if t is SymbolicTensor:
        return True
    return (t is list or t is tuple) and len(inputs) > 0 and type(inputs[0]) is SymbolicTensor


def _shape_of(x: Any) -> Shape:
    shape = x.shape if hasattr(x, "shape") else np.shape(x)
    return (None,) + tuple(shape[1:])


# ------------------------------------------------------------------------ layer
_COMMON_KWARGS = ("name", "trainable", "dtype", "input_shape", "input_dim", "batch_input_shape")


def assign_weights(variables: Sequence[Any], weights: Sequence[Any], owner: str = "") -> None:
    """Copy `weights` into `variables` in order, after checking every count and shape
    (nothing is written unless all match). `owner` prefixes the error ("Dense 'd': ")."""
    if len(weights) != len(variables):
        raise ConfigError(
            f"{owner}set_weights Expected {len(variables)} arrays "
            f"(shapes {[v.shape for v in variables]}). Received: {len(weights)}."
        )
    arrays = [np.asarray(w) for w in weights]
    for v, w in zip(variables, arrays, strict=True):
        if v.data.shape != w.shape:
            raise ConfigError(
                f"{owner}set_weights: weight '{getattr(v, 'path', '?')}' Expected shape "
                f"{v.data.shape}. Received: {w.shape}."
            )
    for v, w in zip(variables, arrays, strict=True):
        v.data[...] = w


class Layer:
    """Base class of every layer. See the module docstring for the contract.

    Subclasses declare PARAMS (every constructor argument, in order), CATEGORY,
    DESCRIPTION, MIN_INPUTS/MAX_INPUTS, and store each validated argument under
    its PARAMS name (so `get_config` is generic). Layers whose final step is an
    activation set `output_activation` and implement `call_pre_activation`.
    """

    PARAMS: ClassVar[tuple[ParamSpec, ...]] = ()
    CATEGORY: ClassVar[str] = "Core"
    DESCRIPTION: ClassVar[str] = ""
    MIN_INPUTS: ClassVar[int] = 1
    MAX_INPUTS: ClassVar[int | None] = 1
    #: Name of the activation applied last by `call`, or None (see call_pre_activation).
    output_activation: str | None = None
    #: Whether a sequence mask on the input still fits the output (Keras's
    #: supports_masking): a functional model carries it through such layers.
    SUPPORTS_MASKING: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Adapt Keras-style `build(self, input_shape)` and `call(self, inputs)` overrides.

        The engine calls `build(input_shape, rng=...)` and `call(inputs, training)`; a
        subclass written for Keras (no `rng`, no or keyword-only `training`, a `mask`
        second argument) gets thin adapters so it runs unchanged.
        """
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not _accepts(build, "rng"):
            cls.build = _build_adapter(build)  # type: ignore[method-assign]
        call = cls.__dict__.get("call")
        if call is not None:
            names = list(inspect.signature(call).parameters)
            if len(names) < 3 or names[2] != "training":
                cls.call = _call_adapter(call, _accepts(call, "training"))  # type: ignore[method-assign]

    def __init__(self, name: str | None = None, trainable: bool = True, **kwargs: Any) -> None:
        cls_name = type_name(type(self))
        if name is None:
            name = unique_name(snake_case(cls_name))
        elif not isinstance(name, str) or not name.strip():
            raise argument_error(cls_name, "name", name, "a non-empty text")
        if not isinstance(trainable, (bool, np.bool_)):
            raise argument_error(cls_name, "trainable", trainable, "True or False")
        self.name: str = name
        self._trainable = bool(trainable)
        self.built = False
        self._weights: list[Variable] = []
        self._input_shape_arg: tuple[int | None, ...] | None = None
        self.dtype = settings.floatx()
        self._sublayers: list[Layer] = []
        self._added_losses: list[Tensor] = []
        dtype = kwargs.pop("dtype", None)
        if dtype is not None:
            if str(np.dtype(dtype)) not in ("float32", "float64"):
                raise argument_error(cls_name, "dtype", dtype, "'float32' or 'float64'")
            self.dtype = str(np.dtype(dtype))
        if "batch_input_shape" in kwargs:
            self._input_shape_arg = tuple(kwargs.pop("batch_input_shape"))
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
            if isinstance(shape, int):
                shape = (shape,)
            if not isinstance(shape, (list, tuple)):
                raise argument_error(cls_name, "input_shape", shape, "a shape such as (8,)")
            self._input_shape_arg = (None,) + tuple(shape)
        if "input_dim" in kwargs:
            self._input_shape_arg = (None, int(kwargs.pop("input_dim")))
        if kwargs:
            known = [p.name for p in self.PARAMS] + list(_COMMON_KWARGS)
            raise unknown_argument(cls_name, next(iter(kwargs)), known)

    # ---------------------------------------------------------------- helpers
    def _check(self, name: str, value: Any) -> Any:
        """Validate one constructor argument against its ParamSpec."""
        for spec in self.PARAMS:
            if spec.name == name:
                return spec.validate(value, type_name(type(self)))
        raise KeyError(name)

    @property
    def input_shape_hint(self) -> tuple[int | None, ...] | None:
        """The batch input shape given as `input_shape=` (Sequential's first layer), or None."""
        return self._input_shape_arg

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for v in self._weights:
            if v.trainable:
                v.requires_grad = self._trainable

    # ---------------------------------------------------------------- weights
    def add_weight(
        self,
        name: Any = None,
        shape: Any = None,
        initializer: Any = None,
        regularizer: Any = None,
        trainable: bool = True,
        rng: np.random.Generator | None = None,
        dtype: Any = None,
        constraint: Any = None,
        **kwargs: Any,
    ) -> Variable:
        """Create, remember and return a weight Variable named "<layer>/<name>".

        Keras 2 (`add_weight("w", (3, 4))`) and Keras 3 (`add_weight(shape=(3, 4),
        initializer="random_normal")`, name optional) call forms both work; the
        default initializer is glorot_uniform, as in Keras. A weight that would not
        fit in memory raises `ResourceError` naming the layer.
        """
        if isinstance(name, (tuple, list, int)) and shape is None:
            name, shape = None, name  # Keras 3: the first positional argument is the shape
        kwargs.pop("autocast", None)
        kwargs.pop("aggregation", None)
        kwargs.pop("synchronization", None)
        kwargs.pop("use_resource", None)
        if kwargs:
            raise ConfigError(
                f"{type_name(type(self))} '{self.name}': add_weight got unknown argument(s) "
                f"{sorted(kwargs)}. Expected shape, initializer, dtype, trainable, "
                "regularizer, constraint, name."
            )
        if constraint is not None:
            raise ConfigError(
                f"{type_name(type(self))} '{self.name}': add_weight(constraint=...) is not "
                "supported yet. Expected constraint=None."
            )
        shape = () if shape is None else ((shape,) if isinstance(shape, int) else tuple(shape))
        if name is None:
            taken = {v.path.rsplit("/", 1)[-1] for v in self._weights}
            name = "variable"
            k = 1
            while name in taken:
                name, k = f"variable_{k}", k + 1
        from core.resources import check_allocation

        check_allocation(
            self.name, f"'{name}' weights", shape, np.dtype(dtype or self.dtype).itemsize
        )
        init = initializers.get("glorot_uniform" if initializer is None else initializer)
        data = init(tuple(shape), str(np.dtype(dtype or self.dtype)), rng)
        var = Variable(
            np.array(data, order="C"),  # (ascontiguousarray would make a scalar 1-D)
            trainable=trainable,
            regularizer=regularizers.get(regularizer),
            path=f"{self.name}/{name}",
        )
        if trainable and not self._trainable:
            var.requires_grad = False
        self._weights.append(var)
        return var

    def __setattr__(self, key: str, value: Any) -> None:
        """Track sub-layers assigned as attributes (a custom layer's own Dense, ...)."""
        if not key.startswith("_") and "_sublayers" in self.__dict__:
            items = value if isinstance(value, (list, tuple)) else (value,)
            for item in items:
                if isinstance(item, Layer) and item is not self and item not in self._sublayers:
                    self._sublayers.append(item)
        object.__setattr__(self, key, value)

    def _all_weights(self) -> list[Variable]:
        if not self._sublayers:
            return self._weights
        out = list(self._weights)
        seen = {id(v) for v in out}
        for layer in self._sublayers:
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def weights(self) -> list[Variable]:
        return list(self._all_weights())

    variables = weights

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self._trainable:
            return []
        own = [v for v in self._weights if v.trainable]
        return own + [v for la in self._sublayers for v in la.trainable_weights]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list[Variable]:
        if not self._trainable:
            return list(self._all_weights())
        own = [v for v in self._weights if not v.trainable]
        return own + [v for la in self._sublayers for v in la.non_trainable_weights]

    non_trainable_variables = non_trainable_weights

    def count_params(self) -> int:
        return sum(v.data.size for v in self._all_weights())

    def get_weights(self) -> list[np.ndarray]:
        return [v.data.copy() for v in self._all_weights()]

    # ----------------------------------------------------------------- losses
    def add_loss(self, loss: Any) -> None:
        """Add a scalar loss term from `call` (Keras's activity losses); the model adds it."""
        self._added_losses.append(loss if isinstance(loss, Tensor) else Tensor(np.asarray(loss)))

    @property
    def losses(self) -> list[Tensor]:
        """Weight penalties and the terms `call` added with add_loss, of this layer and its own."""
        out: list[Tensor] = []
        for v in self._weights:
            if v.regularizer is not None:
                out.append(v.regularizer(v))
        out += self._added_losses
        for layer in self._sublayers:
            out += layer.losses
        return out

    def _clear_added_losses(self) -> None:
        self._added_losses = []
        for layer in self._sublayers:
            layer._clear_added_losses()

    def set_weights(self, weights: list[Any]) -> None:
        """Copy arrays into the existing weights, in `weights` order (shapes must match)."""
        assign_weights(self._all_weights(), weights, f"{type_name(type(self))} '{self.name}': ")

    def regularization_loss(self) -> Tensor | None:
        """Sum of this layer's weight penalties from the current variables, or None."""
        total: Tensor | None = None
        for v in self._all_weights():
            if v.regularizer is not None:
                term = v.regularizer(v)
                total = term if total is None else total + term
        return total

    # --------------------------------------------------------------- building
    def build(self, input_shape: Any, rng: np.random.Generator | None = None) -> None:
        """Create the weights for `input_shape` (leading None batch dim). Default: none."""
        self.built = True

    def _build_checked(self, input_shape: Any, rng: np.random.Generator | None = None) -> None:
        try:
            self.compute_output_shape(input_shape)  # ShapeError before any allocation
        except ShapeError as exc:
            shapes = input_shape if isinstance(input_shape, list) else [input_shape]
            what = " and ".join(_dims(tuple(s)) for s in shapes)
            raise ShapeError(
                None, f"{type_name(type(self))} '{self.name}' cannot take {what}: {exc.message}"
            ) from None
        self.build(input_shape, rng=rng)
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        raise NotImplementedError

    def __call__(self, inputs: Any, training: bool = False, rng: Any = None) -> Any:
        """Build on first use (with `rng` or core.engine.random.default_generator()), then call.

        On SymbolicTensor(s) this records the call and returns a SymbolicTensor.
        """
        t = type(inputs)
        if self.built and t is not SymbolicTensor and t is not list and t is not tuple:
            return self.call(inputs, training)  # the hot path: one type check, then call
        if _is_symbolic(inputs):
            return self._call_symbolic(inputs, rng)
        if isinstance(inputs, (list, tuple)):
            shape: Any = [_shape_of(x) for x in inputs]
        else:
            shape = _shape_of(inputs)
        self._build_checked(shape, make_generator(rng))
        return self.call(inputs, training)

    def _call_symbolic(self, inputs: Any, rng: Any = None) -> SymbolicTensor:
        multi = isinstance(inputs, (list, tuple))
        seq: tuple[SymbolicTensor, ...] = tuple(inputs) if multi else (inputs,)
        cls = type_name(type(self))
        if len(seq) < self.MIN_INPUTS or (
            self.MAX_INPUTS is not None and len(seq) > self.MAX_INPUTS
        ):
            most = "any number of" if self.MAX_INPUTS is None else f"at most {self.MAX_INPUTS}"
            raise ShapeError(
                None,
                f"{cls} '{self.name}' takes at least {self.MIN_INPUTS} and {most} inputs. "
                f"Received: {len(seq)}.",
            )
        if any(type(s) is not SymbolicTensor for s in seq):
            raise ConfigError(
                f"{cls} '{self.name}': Expected only symbolic tensors (from Input) in the list. "
                f"Received: {[type(s).__name__ for s in seq]}."
            )
        shapes: Any = [s.shape for s in seq] if multi else seq[0].shape
        if _is_user_layer(type(self)):
            return SymbolicTensor(self._traced_output_shape(shapes, multi, rng), self, seq)
        try:
            out_shape = self.compute_output_shape(shapes)
        except ShapeError as exc:
            parts = [f"{_dims(s.shape)} from '{s.name}'" for s in seq]
            what = "combine " + " with ".join(parts) if multi else "take " + parts[0]
            raise ShapeError(None, f"{cls} '{self.name}' cannot {what}: {exc.message}") from None
        if not self.built:
            self.build(shapes, rng=make_generator(rng) if rng is not None else default_generator())
            self.built = True
        return SymbolicTensor(out_shape, self, seq)

    def _traced_output_shape(self, shapes: Any, multi: bool, rng: Any) -> Shape:
        """A user layer's output shape: build it, then run `call` on one zero sample."""
        if not self.built:
            self.build(shapes, rng=make_generator(rng) if rng is not None else default_generator())
            self.built = True

        def sample(shape: Shape) -> Tensor:
            return Tensor(np.zeros((1,) + tuple(d or 1 for d in shape[1:]), np.float32))

        x = [sample(s) for s in shapes] if multi else sample(shapes)
        with no_grad():
            out = self.call(x, False)
        self._clear_added_losses()
        if isinstance(out, (list, tuple)):
            raise ConfigError(
                f"{type_name(type(self))} '{self.name}': Expected call() to return one tensor "
                f"in a functional model. Received: {len(out)} tensors."
            )
        return (None,) + tuple(np.shape(getattr(out, "data", out))[1:])

    # ------------------------------------------------------------ description
    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for `input_shape` (leading None batch dim). Default: unchanged."""
        return tuple(input_shape)

    def count_params_for(self, input_shape: Any) -> int:
        """How many weights `build(input_shape)` would create, without allocating them."""
        return sum(math.prod(s) for s in self.weight_shapes_for(input_shape).values())

    def weight_shapes_for(self, input_shape: Any) -> dict[str, tuple[int, ...]]:
        """Weight name -> shape that `build(input_shape)` would create. Default: none."""
        return {}

    def get_config(self) -> dict[str, Any]:
        """JSON-ready constructor arguments, including `name` and `trainable`."""
        return self._config_with({spec.name: getattr(self, spec.name) for spec in self.PARAMS})

    def _config_with(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """`name`, `trainable`, `arguments` (made JSON-ready), the input shape and dtype."""
        config: dict[str, Any] = {"name": self.name, "trainable": self._trainable}
        for key, value in arguments.items():
            config[key] = _jsonable(value)
        if self._input_shape_arg is not None:
            config["batch_input_shape"] = list(self._input_shape_arg)
        if self.dtype != "float32":
            config["dtype"] = self.dtype
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type_name(type(self))} '{self.name}'>"


def _accepts(fn: Any, name: str) -> bool:
    params = inspect.signature(fn).parameters
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _build_adapter(build: Any) -> Any:
    @functools.wraps(build)
    def adapted(self: Layer, input_shape: Any, rng: Any = None) -> Any:
        return build(self, input_shape)

    return adapted


def _call_adapter(call: Any, takes_training: bool) -> Any:
    if takes_training:

        @functools.wraps(call)
        def adapted(self: Layer, inputs: Any, training: bool = False) -> Any:
            return call(self, inputs, training=training)

    else:

        @functools.wraps(call)
        def adapted(self: Layer, inputs: Any, training: bool = False) -> Any:
            return call(self, inputs)

    return adapted


def _is_user_layer(cls: type) -> bool:
    """A Layer subclass written outside LayerForge (its output shape comes from tracing)."""
    return (
        not cls.__module__.startswith("core.")
        and cls.compute_output_shape is Layer.compute_output_shape
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


# ---------------------------------------------------------------------- input
@register
class InputLayer(Layer):
    """The entry point of a network; `Input(shape=...)` makes one and returns its tensor."""

    TYPE_NAME = "Input"
    PARAMS = (
        ParamSpec("shape", "shape", (8,), "Shape of one sample, without the batch size.", key=True),
    )
    CATEGORY = "Core"
    DESCRIPTION = "Network input: the shape of one sample (features)."
    MIN_INPUTS = 0
    MAX_INPUTS = 0

    def __init__(self, shape: Any = (8,), name: str | None = None, **kwargs: Any) -> None:
        if "batch_shape" in kwargs:
            shape = tuple(kwargs.pop("batch_shape"))[1:]
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        input_dtype = kwargs.pop("dtype", None)
        for flag in ("sparse", "ragged"):
            if kwargs.pop(flag, None):
                raise ConfigError(f"Input: {flag}=True is not supported yet. Expected dense input.")
        super().__init__(name=name, **kwargs)
        try:
            kind = np.dtype(input_dtype or "float32").kind
        except TypeError:
            kind = ""
        if kind not in "biuf":
            raise argument_error(
                "Input", "dtype", input_dtype, "a numeric type such as 'float32' or 'int32'"
            )
        #: The dtype of the data this input takes (computation is in floating point).
        self.input_dtype = str(np.dtype(input_dtype or "float32"))
        self.shape: tuple[int, ...] = self._check("shape", shape)
        if any(d == -1 for d in self.shape):
            raise argument_error(
                "Input", "shape", shape, "positive sizes, or None for a size that varies"
            )
        self.built = True
        self.output = SymbolicTensor((None,) + self.shape, self, (), self.input_dtype)

    def compute_output_shape(self, input_shape: Any = None) -> Shape:
        return (None,) + self.shape

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        if self.input_dtype != "float32":
            config["dtype"] = self.input_dtype
        return config

    def call(self, inputs: Any, training: bool = False) -> Any:
        return inputs


def Input(  # noqa: N802 - Keras's name
    shape: Any = None,
    name: str | None = None,
    dtype: Any = None,
    batch_size: Any = None,
    **kwargs: Any,
) -> SymbolicTensor:
    """A symbolic network input of `shape` (one sample, no batch dim), like keras.Input."""
    if shape is None and "batch_shape" not in kwargs:
        raise ConfigError("Input: argument `shape` Expected a shape such as (8,). Received: None")
    if shape is not None:
        kwargs["shape"] = shape
    layer = InputLayer(name=name, dtype=dtype, **kwargs)
    return layer.output
