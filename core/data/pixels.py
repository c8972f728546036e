"""Pixel-column tables read as images: a digits export (64 columns) or an MNIST
export (784 columns) is a table whose numeric columns are the pixels of one
image per row. This module suggests an image shape from the pixel count
(64 -> 8x8x1, 784 -> 28x28x1, 3072 -> 32x32x3), fits one scaling shared by every
pixel column (the training rows' smallest and largest value map to 0 and 1), and
holds the fitted `PixelLayout` that reshapes the preprocessed (rows, pixels)
matrix into (rows, height, width, channels). The layout is plain JSON and
travels with the rest of the fitted preprocessing."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from core.errors import ConfigError, DataError, FormatError

KIND = "pixels"
#: The smallest side a suggested shape may have (4 numbers are not an image).
MIN_SIDE = 4
#: The largest side accepted for an image shape.
MAX_SIDE = 4096


def suggest_image_shape(n_pixels: int) -> tuple[int, int, int] | None:
    """An image shape for `n_pixels` pixel columns: a square grayscale image when the
    count is a square (64 -> (8, 8, 1), 784 -> (28, 28, 1)), else a square RGB one when
    it is three times a square (3072 -> (32, 32, 3)); None when neither fits."""
    if n_pixels < MIN_SIDE * MIN_SIDE:
        return None
    side = math.isqrt(n_pixels)
    if side * side == n_pixels and side <= MAX_SIDE:
        return (side, side, 1)
    if n_pixels % 3 == 0:
        side = math.isqrt(n_pixels // 3)
        if side * side * 3 == n_pixels and MIN_SIDE <= side <= MAX_SIDE:
            return (side, side, 3)
    return None


def parse_shape(value: Any, *, error: type[Exception] = ConfigError) -> tuple[int, int, int]:
    """(height, width, channels) from a list of 2 or 3 whole numbers (channels 1 or 3)."""
    if (
        not isinstance(value, (list, tuple))
        or len(value) not in (2, 3)
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise error(
            "Expected an image shape as [height, width] or [height, width, channels] in whole "
            f"numbers. Received: {value!r}."
        )
    h, w = int(value[0]), int(value[1])
    c = int(value[2]) if len(value) == 3 else 1
    if not (1 <= h <= MAX_SIDE and 1 <= w <= MAX_SIDE) or c not in (1, 3):
        raise error(
            f"Expected an image shape with sides from 1 to {MAX_SIDE} and 1 (grayscale) or 3 "
            f"(RGB) channels. Received: {list(value)!r}."
        )
    return h, w, c


@dataclass(frozen=True)
class PixelOptions:
    """The user's choice for a pixel-column table (`DataConfig.input`): its image shape."""

    shape: tuple[int, int, int]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PixelOptions:
        unknown = sorted(set(d) - {"kind", "shape"})
        if unknown:
            raise ConfigError(
                f"Expected pixel settings among ['kind', 'shape']. Received unknown keys: "
                f"{unknown}."
            )
        return cls(parse_shape(d.get("shape")))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": KIND, "shape": list(self.shape)}


@dataclass(frozen=True)
class PixelLayout:
    """Fitted: the preprocessed pixel matrix reshaped into images of `shape`."""

    shape: tuple[int, int, int]
    kind: str = KIND

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.shape

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def check_width(self, n_features: int, *, path: str | None = None) -> None:
        """DataError unless `n_features` pixel columns fill the shape exactly."""
        if n_features != self.size:
            h, w, c = self.shape
            raise DataError(
                f"Expected {self.size} numeric pixel columns for images of {h}x{w}x{c}. "
                f"Received: {n_features} feature values. Choose a shape whose height x width "
                "x channels equals the number of pixel columns, or set the other columns' "
                "role to ignore.",
                path=path,
            )

    def reshape(self, flat: np.ndarray) -> np.ndarray:
        """(rows, pixels) -> (rows, height, width, channels), a view when possible."""
        return flat.reshape((len(flat), *self.shape))

    def shape_table(
        self, df: Any, flat: np.ndarray, *, path: str | None = None, header_lines: int = 1
    ) -> np.ndarray:
        """The preprocessed pixel matrix of `df` as images."""
        self.check_width(flat.shape[1], path=path)
        return self.reshape(flat)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """`n` preprocessed images (values in [0, 1]) to check an export on."""
        return rng.random((n, *self.shape)).astype(np.float32)

    def describe(self) -> str:
        h, w, c = self.shape
        return (
            f"the {self.size} pixel columns, scaled to [0, 1] with the training rows' range, "
            f"arranged as {h}x{w}x{c} images (row by row)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"kind": KIND, "shape": list(self.shape)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PixelLayout:
        return cls(parse_shape(d.get("shape"), error=FormatError))


def shared_pixel_scaling(specs: Sequence[Any], low: float, high: float) -> list[Any]:
    """The numeric `ColumnSpec`s of the pixel columns with one shared offset and scale,
    so that `low` (the training rows' smallest pixel value) maps to 0 and `high` (the
    largest) to 1; a constant image set keeps scale 1."""
    width = high - low if np.isfinite(high - low) and high > low else 1.0
    offset = float(low) if np.isfinite(low) else 0.0
    return [replace(s, offset=offset, scale=float(width)) for s in specs]


def pixel_range(values: Sequence[np.ndarray]) -> tuple[float, float]:
    """The smallest and largest value over the pixel columns' training values (NaN
    ignored); (0, 1) when there is none."""
    lows = [float(np.nanmin(v)) for v in values if v.size and not np.isnan(v).all()]
    highs = [float(np.nanmax(v)) for v in values if v.size and not np.isnan(v).all()]
    if not lows:
        return 0.0, 1.0
    return min(lows), max(highs)
