"""Weight initializers with Keras names and semantics.

Each initializer is an object called as `init(shape, dtype, rng)` that returns a
new ndarray; every random draw uses the given `np.random.Generator` (or, when
none is given, a Generator from the initializer's `seed`, else the process-wide
`core.engine.random.default_generator()`). `get(identifier)` accepts a Keras name, a
`{"class_name", "config"}` dict or an instance; `get_config`/`from_config`
round-trip through JSON.
"""

from __future__ import annotations

import difflib
import math
from typing import Any

import numpy as np

from core.engine.random import default_generator
from core.errors import ConfigError


def compute_fans(shape: tuple[int, ...]) -> tuple[float, float]:
    """Keras's (fan_in, fan_out) for a weight shape (kernels: receptive field x channels)."""
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = math.prod(shape[:-2])
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


class Initializer:
    """Base class: `__call__(shape, dtype="float32", rng=None) -> ndarray`."""

    def __init__(self, seed: int | None = None) -> None:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ConfigError(
                f"{type(self).__name__}: Expected an integer seed or None. Received: seed={seed!r}"
            )
        self.seed = seed

    def _rng(self, rng: np.random.Generator | None) -> np.random.Generator:
        if rng is not None:
            return rng
        if self.seed is not None:
            return np.random.default_rng(self.seed)
        return default_generator()

    def __call__(
        self, shape: tuple[int, ...], dtype: Any = "float32", rng: np.random.Generator | None = None
    ) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.get_config()})"


class Zeros(Initializer):
    def __init__(self) -> None:
        super().__init__(None)

    def __call__(self, shape: tuple[int, ...], dtype: Any = "float32", rng: Any = None) -> Any:
        return np.zeros(shape, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {}


class Ones(Zeros):
    def __call__(self, shape: tuple[int, ...], dtype: Any = "float32", rng: Any = None) -> Any:
        return np.ones(shape, dtype=dtype)


class Constant(Initializer):
    def __init__(self, value: float = 0.0) -> None:
        super().__init__(None)
        if isinstance(value, (np.ndarray, np.generic, list, tuple)) and np.size(value) == 1:
            value = float(np.asarray(value).reshape(-1)[0])  # Keras accepts a one-value array
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"Constant: Expected a number. Received: value={value!r}")
        self.value = float(value)

    def __call__(self, shape: tuple[int, ...], dtype: Any = "float32", rng: Any = None) -> Any:
        return np.full(shape, self.value, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value}


class RandomNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        if stddev < 0:
            raise ConfigError(f"RandomNormal: Expected stddev >= 0. Received: stddev={stddev!r}")
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape: tuple[int, ...], dtype: Any = "float32", rng: Any = None) -> Any:
        r = self._rng(rng)
        return (r.standard_normal(shape) * self.stddev + self.mean).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def _truncated_normal(r: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal draws re-drawn until inside [-2, 2] (Keras/TF truncated_normal)."""
    out = r.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = r.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return out


class TruncatedNormal(RandomNormal):
    def __call__(self, shape: tuple[int, ...], dtype: Any = "float32", rng: Any = None) -> Any:
        r = self._rng(rng)
        return (_truncated_normal(r, shape) * self.stddev + self.mean).astype(dtype)


class RandomUniform(Initializer):
    def __init__(
        self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None
    ) -> None:
        super().__init__(seed)
        if not minval <= maxval:
            raise ConfigError(
                f"RandomUniform: Expected minval <= maxval. Received: minval={minval!r}, "
                f"maxval={maxval!r}"
            )
        self.minval, self.maxval = float(minval), float(maxval)

    def __call__(self, shape: tuple[int, ...], dtype: Any = "float32", rng: Any = None) -> Any:
        return self._rng(rng).uniform(self.minval, self.maxval, shape).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class VarianceScaling(Initializer):
    """Keras VarianceScaling: scale / fan (fan_in, fan_out or fan_avg), normal or uniform."""

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
    ) -> None:
        super().__init__(seed)
        name = type(self).__name__
        if not scale > 0:
            raise ConfigError(f"{name}: Expected scale > 0. Received: scale={scale!r}")
        if mode not in self.MODES:
            raise ConfigError(f"{name}: Expected mode in {self.MODES}. Received: mode={mode!r}")
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in self.DISTRIBUTIONS:
            raise ConfigError(
                f"{name}: Expected distribution in {self.DISTRIBUTIONS}. "
                f"Received: distribution={distribution!r}"
            )
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def __call__(self, shape: tuple[int, ...], dtype: Any = "float32", rng: Any = None) -> Any:
        r = self._rng(rng)
        fan_in, fan_out = compute_fans(tuple(shape))
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        if self.distribution == "truncated_normal":
            std = math.sqrt(variance) / 0.87962566103423978
            out = _truncated_normal(r, tuple(shape)) * std
        elif self.distribution == "untruncated_normal":
            out = r.standard_normal(tuple(shape)) * math.sqrt(variance)
        else:
            limit = math.sqrt(3.0 * variance)
            out = r.uniform(-limit, limit, tuple(shape))
        return out.astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
        }


class Orthogonal(Initializer):
    """Keras Orthogonal: a random orthogonal matrix (QR of a normal one) times `gain`.

    The weight is seen as a (prod(shape[:-1]), shape[-1]) matrix whose rows or
    columns, whichever are fewer, are orthonormal.
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        super().__init__(seed)
        self.gain = float(gain)

    def __call__(self, shape: tuple[int, ...], dtype: Any = "float32", rng: Any = None) -> Any:
        shape = tuple(shape)
        if len(shape) < 2:
            raise ConfigError(
                f"Orthogonal: Expected a weight shape of at least 2 dimensions. Received: {shape}"
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._rng(rng).standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, "seed": self.seed}


def _preset(class_name: str, scale: float, mode: str, distribution: str) -> type:
    def __init__(self: VarianceScaling, seed: int | None = None) -> None:
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self: VarianceScaling) -> dict[str, Any]:
        return {"seed": self.seed}

    return type(class_name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config})


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform")

#: Keras short names -> classes.
ALIASES: dict[str, type] = {
    "zeros": Zeros,
    "ones": Ones,
    "constant": Constant,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_normal": HeNormal,
    "he_uniform": HeUniform,
    "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform,
    "orthogonal": Orthogonal,
    "uniform": RandomUniform,
    "normal": RandomNormal,
}
_CLASSES: dict[str, type] = {cls.__name__: cls for cls in ALIASES.values()}
NAMES: tuple[str, ...] = tuple(ALIASES)


def serialize(init: Initializer) -> str | dict[str, Any]:
    """A Keras short name when the config is the default one, else a class_name/config dict."""
    cls = type(init)
    for alias, c in ALIASES.items():
        if c is cls and init.get_config() == c().get_config():
            return alias
    return {"class_name": cls.__name__, "config": init.get_config()}


def get(identifier: Any) -> Initializer:
    """An initializer from a Keras name, a {"class_name", "config"} dict or an instance."""
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str):
        cls = ALIASES.get(identifier) or _CLASSES.get(identifier)
        if cls is None:
            close = difflib.get_close_matches(identifier, NAMES, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ConfigError(
                f"Unknown initializer '{identifier}'. Expected one of: {', '.join(NAMES)}.{hint}"
            )
        return cls()
    if isinstance(identifier, dict) and "class_name" in identifier:
        name = identifier["class_name"]
        cls = _CLASSES.get(name) or ALIASES.get(name)
        if cls is None:
            raise ConfigError(f"Unknown initializer class '{name}'. Expected one of: {NAMES}.")
        return cls.from_config(dict(identifier.get("config") or {}))
    raise ConfigError(
        "Expected an initializer name such as 'glorot_uniform', a config dict or an "
        f"Initializer. Received: {identifier!r}"
    )
