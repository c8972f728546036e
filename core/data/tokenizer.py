"""A text column as integer token ids for an `Embedding`: the fitted tokenizer.

Text is lower-cased (when asked), split into words (runs of letters and digits,
keeping inner apostrophes: "don't"; punctuation is dropped, like Keras's
`TextVectorization` default), and each word becomes its id in a vocabulary of
the top-N words of the training rows (most frequent first, ties in alphabetical
order). Id 0 is padding and id 1 stands for any word not in the vocabulary, so
the vocabulary size an `Embedding` needs as `input_dim` is N + 2. Every text
becomes exactly `sequence_length` ids: shorter ones are padded with 0, longer
ones cut (at the end, "post", or at the start, "pre"). An empty cell is an
all-padding sequence. The fitted `Tokenizer` is plain JSON (its vocabulary is
a list of words) and travels with the rest of the preprocessing."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from core.errors import ConfigError, DataError, FormatError

KIND = "text"
PAD_ID = 0
OOV_ID = 1
OOV_TOKEN = "[UNK]"
#: Ids below this are reserved (padding, unknown word).
RESERVED = 2
SIDES = ("post", "pre")
#: The most words a vocabulary may hold, and the longest sequence.
MAX_WORDS = 1_000_000
MAX_LENGTH = 100_000
#: A fitted sequence length covers this share of the training texts whole ...
LENGTH_QUANTILE = 0.95
#: ... and is at most this long (the user may choose longer).
SUGGESTED_MAX_LENGTH = 500
DEFAULT_MAX_WORDS = 10_000

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class TextOptions:
    """The user's choices for a text column (`DataConfig.input`); None = fitted/suggested."""

    column: str | None = None
    max_words: int = DEFAULT_MAX_WORDS
    sequence_length: int | None = None
    lowercase: bool = True
    padding: str = "post"
    truncating: str = "post"

    def __post_init__(self) -> None:
        if self.column is not None and not isinstance(self.column, str):
            raise ConfigError(
                f"Expected the text column's name or null. Received: {self.column!r}."
            )
        if not _whole(self.max_words) or self.max_words < 1:
            raise ConfigError(
                "Expected a vocabulary of at least 1 word (max_words, the N most frequent "
                f"words kept). Received: {self.max_words!r}. Set max_words to 1 or more; "
                f"{DEFAULT_MAX_WORDS:,} suits most texts."
            )
        if self.max_words > MAX_WORDS:
            raise ConfigError(
                f"Expected max_words at most {MAX_WORDS:,}. Received: {self.max_words:,}."
            )
        if self.sequence_length is not None and (
            not _whole(self.sequence_length) or not 1 <= self.sequence_length <= MAX_LENGTH
        ):
            raise ConfigError(
                f"Expected sequence_length as a whole number from 1 to {MAX_LENGTH:,}, or "
                f"null to fit it. Received: {self.sequence_length!r}."
            )
        if not isinstance(self.lowercase, bool):
            raise ConfigError(f"Expected lowercase true or false. Received: {self.lowercase!r}.")
        for name in ("padding", "truncating"):
            if getattr(self, name) not in SIDES:
                raise ConfigError(
                    f"Expected {name} 'post' (at the end) or 'pre' (at the start). Received: "
                    f"{getattr(self, name)!r}."
                )

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TextOptions:
        known = {"kind", "column", "max_words", "sequence_length", "lowercase", "padding"}
        known |= {"truncating"}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(
                f"Expected text settings among {sorted(known)}. Received unknown keys: {unknown}."
            )
        return cls(**{k: v for k, v in d.items() if k != "kind"})

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": KIND,
            "column": self.column,
            "max_words": self.max_words,
            "sequence_length": self.sequence_length,
            "lowercase": self.lowercase,
            "padding": self.padding,
            "truncating": self.truncating,
        }


def _text(value: Any) -> str:
    """A cell as text: missing (None, NaN) is empty."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return value if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class Tokenizer:
    """Fitted: the vocabulary (id of `vocabulary[i]` is i + 2) and the sequence layout."""

    column: str
    vocabulary: tuple[str, ...]
    sequence_length: int
    lowercase: bool = True
    padding: str = "post"
    truncating: str = "post"
    kind: str = KIND

    # ------------------------------------------------------------------ fit

    @classmethod
    def fit(cls, texts: Iterable[Any], options: TextOptions, column: str) -> Tokenizer:
        """The top-`options.max_words` words of `texts` (the training rows' cells)."""
        counts: Counter[str] = Counter()
        lengths: list[int] = []
        for cell in texts:
            words = split_words(_text(cell), options.lowercase)
            counts.update(words)
            lengths.append(len(words))
        if not counts:
            raise DataError(
                f"Expected words in the text column '{column}' of the training rows. Received: "
                f"{len(lengths)} rows with no word (empty cells, or no letters or digits). "
                "Choose the column that holds the text.",
                column=column,
            )
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        vocabulary = tuple(w for w, _ in ranked[: options.max_words])
        length = options.sequence_length or suggested_length(lengths)
        return cls(
            column,
            vocabulary,
            int(length),
            options.lowercase,
            options.padding,
            options.truncating,
        )

    # ------------------------------------------------------------------ use

    @property
    def vocabulary_size(self) -> int:
        """The ids in use, padding and unknown included: an `Embedding`'s `input_dim`."""
        return len(self.vocabulary) + RESERVED

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.sequence_length,)

    @cached_property
    def _index(self) -> dict[str, int]:
        return {w: i + RESERVED for i, w in enumerate(self.vocabulary)}

    def ids(self, text: Any) -> list[int]:
        """The ids of every word of one text, before padding or cutting."""
        index = self._index
        return [index.get(w, OOV_ID) for w in split_words(_text(text), self.lowercase)]

    def encode(self, texts: Sequence[Any]) -> np.ndarray:
        """(len(texts), sequence_length) int32 ids, padded with 0 and cut as fitted."""
        from core.resources import check_allocation

        length = self.sequence_length
        check_allocation(
            "the tokenizer",
            "token ids",
            (len(texts), length),
            fix="Choose a shorter sequence length, or fewer rows.",
        )
        out = np.full((len(texts), length), PAD_ID, dtype=np.int32)
        for i, cell in enumerate(texts):
            ids = self.ids(cell)
            if not ids:
                continue
            cut = ids[:length] if self.truncating == "post" else ids[-length:]
            if self.padding == "post":
                out[i, : len(cut)] = cut
            else:
                out[i, length - len(cut) :] = cut
        return out

    def tokens(self, ids: Sequence[int]) -> list[str]:
        """The words of a sequence of ids (padding left out, unknown words as [UNK])."""
        words = []
        for k in ids:
            k = int(k)
            if k == PAD_ID:
                continue
            words.append(self.vocabulary[k - RESERVED] if k >= RESERVED else OOV_TOKEN)
        return words

    def shape_table(
        self, df: Any, flat: np.ndarray, *, path: str | None = None, header_lines: int = 1
    ) -> np.ndarray:
        """The token ids of the text column of `df`."""
        return self.encode(df[self.column].tolist())

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """`n` sequences of valid ids to check an export on."""
        return rng.integers(0, self.vocabulary_size, (n, self.sequence_length)).astype(np.int32)

    def describe(self) -> str:
        case = "lower-cased, " if self.lowercase else ""
        return (
            f"the text column '{self.column}' {case}split into words, each word replaced by "
            f"its id in the fitted vocabulary of {len(self.vocabulary):,} words (0 padding, 1 "
            f"unknown word; the vocabulary is the pipeline's 'input.vocabulary' in the "
            f".lfmodel's config.json, word i has id i + 2), padded ({self.padding}) or cut "
            f"({self.truncating}) to {self.sequence_length} ids"
        )

    # ------------------------------------------------------------------ JSON

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": KIND,
            "column": self.column,
            "vocabulary": list(self.vocabulary),
            "sequence_length": self.sequence_length,
            "lowercase": self.lowercase,
            "padding": self.padding,
            "truncating": self.truncating,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Tokenizer:
        vocab = d.get("vocabulary")
        if not isinstance(vocab, list) or not all(isinstance(w, str) for w in vocab):
            raise FormatError("Expected the tokenizer's vocabulary as a list of words.")
        if len(vocab) > MAX_WORDS:
            raise FormatError(
                f"Expected at most {MAX_WORDS:,} words in the vocabulary. Received: "
                f"{len(vocab):,}. The file is damaged."
            )
        try:
            options = TextOptions(
                column=str(d["column"]),
                max_words=max(len(vocab), 1),
                sequence_length=d["sequence_length"],
                lowercase=d.get("lowercase", True),
                padding=d.get("padding", "post"),
                truncating=d.get("truncating", "post"),
            )
        except ConfigError as exc:
            raise FormatError(f"The tokenizer cannot be read: {exc}") from None
        return cls(
            str(options.column),
            tuple(vocab),
            int(options.sequence_length or 1),
            options.lowercase,
            options.padding,
            options.truncating,
        )


def split_words(text: str, lowercase: bool = True) -> list[str]:
    """The words of `text` (see the module docstring)."""
    return _WORD.findall(text.lower() if lowercase else text)


def suggested_length(lengths: Sequence[int]) -> int:
    """A sequence length that keeps `LENGTH_QUANTILE` of the texts whole (at least 1, at
    most `SUGGESTED_MAX_LENGTH`)."""
    if not lengths:
        return 1
    q = int(np.quantile(np.asarray(lengths), LENGTH_QUANTILE, method="inverted_cdf"))
    return int(min(max(q, 1), SUGGESTED_MAX_LENGTH))
