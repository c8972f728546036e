"""What one sample is when it is more than a flat row of numbers: the `kind`
dispatch for the data settings' `input` options (`parse_options`, the user's
choices) and for the fitted input specs stored with the preprocessing
(`spec_from_dict`). The kinds: `pixels` (pixel columns as images), `images`
(an image folder), `text` (a tokenized text column) and `series` (windows over
a time series); each kind's module holds its options and its fitted spec."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.data.image_folder import ImageOptions, ImageSpec
from core.data.pixels import PixelLayout, PixelOptions, suggest_image_shape
from core.data.tokenizer import TextOptions, Tokenizer
from core.data.windows import SeriesOptions, Windowing
from core.errors import ConfigError, FormatError

#: kind -> (options class, fitted spec class)
_KINDS: dict[str, tuple[Any, Any]] = {
    "pixels": (PixelOptions, PixelLayout),
    "images": (ImageOptions, ImageSpec),
    "text": (TextOptions, Tokenizer),
    "series": (SeriesOptions, Windowing),
}
INPUT_KINDS = tuple(_KINDS)

InputOptions = PixelOptions | ImageOptions | TextOptions | SeriesOptions
InputSpec = PixelLayout | ImageSpec | Tokenizer | Windowing


def _kind(d: Any, error: type[Exception], what: str) -> str:
    kind = d.get("kind") if isinstance(d, dict) else None
    if kind not in _KINDS:
        shown = repr(d) if len(repr(d)) <= 80 else repr(d)[:77] + "..."
        raise error(
            f"Expected {what} as an object whose 'kind' is one of {list(_KINDS)}. "
            f"Received: {shown}."
        )
    return str(kind)


def parse_options(d: Any) -> InputOptions | None:
    """The typed options of a data settings' `input` (None: a flat table)."""
    if d is None:
        return None
    return _KINDS[_kind(d, ConfigError, "the input settings")][0].from_dict(d)


def spec_from_dict(d: Any) -> InputSpec:
    """The fitted input spec saved with a pipeline; FormatError when it is damaged."""
    try:
        return _KINDS[_kind(d, FormatError, "the pipeline's input")][1].from_dict(d)
    except FormatError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FormatError(f"Expected a valid fitted input. Received: {exc}.") from None


def suggested_input(
    kind: str,
    profiles: Sequence[Any],
    target: str | None,
    *,
    n_features: int | None = None,
    n_rows: int = 0,
) -> dict[str, Any] | None:
    """The first settings offered when a table's samples become `kind`: the suggested
    image shape for the feature count, the first free-text column, a window of a quarter
    of the series (at most 24 rows); None for "table"."""
    if kind == "table":
        return None
    if kind == "pixels":
        shape = suggest_image_shape(n_features or 0) or (1, max(n_features or 1, 1), 1)
        return PixelOptions(shape).to_dict()
    if kind == "text":
        texts = [p.name for p in profiles if p.kind == "text" and p.name != target]
        others = [p.name for p in profiles if p.name != target]
        column = (texts or others or [None])[0]
        return TextOptions(column=column).to_dict()
    if kind == "series":
        return SeriesOptions(window=max(1, min(24, n_rows // 4))).to_dict()
    raise ConfigError(
        f"Expected a kind of sample in {['table', *INPUT_KINDS]}. Received: {kind!r}."
    )
