"""A table with a text column -> a `Dataset` of token ids: the target and the
random split are chosen as for any table, the tokenizer is fitted on the
training rows' texts only, and every row becomes `sequence_length` integer ids
(int32) that feed an `Embedding`. The fitted preprocessing is a `Pipeline` with
no columns whose input spec is the `Tokenizer`; `text_preview` gives what the
Data panel shows (the vocabulary size and one row tokenized)."""

from __future__ import annotations

from dataclasses import dataclass

from core.data.dataset import (
    DataConfig,
    Dataset,
    scaled_target,
    split_rows,
    split_targets,
    target_and_task,
)
from core.data.preprocess import Pipeline
from core.data.profile import profile_table
from core.data.reader import Table
from core.data.tokenizer import TextOptions, Tokenizer
from core.errors import DataError


def text_column(table: Table, options: TextOptions, target: str | None) -> str:
    """The column to tokenize: the chosen one, else the first column of free text."""
    names = [str(c) for c in table.df.columns]
    if options.column is not None:
        if options.column not in names:
            shown = ", ".join(repr(n) for n in names[:8])
            raise DataError(
                f"Expected a text column named '{options.column}'. Received: a table with "
                f"the columns {shown}. Choose one of them as the text column.",
                path=table.path,
                column=options.column,
            )
        if options.column == target:
            raise DataError(
                f"Expected the text column to differ from the target '{target}'. Choose "
                "another target or another text column.",
                path=table.path,
                column=options.column,
            )
        return options.column
    for p in profile_table(table, target):
        if p.kind == "text" and p.name != target:
            return p.name
    raise DataError(
        "Expected a column of free text to tokenize. Received: none (no column holds "
        "sentences or many distinct words). Name the text column in the text settings.",
        path=table.path,
    )


def prepare_text(table: Table, config: DataConfig) -> Dataset:
    """The `Dataset` of `table` whose samples are the token ids of its text column."""
    options = config.input_options
    if not isinstance(options, TextOptions):
        options = TextOptions()
    notices = list(table.notices)
    target, task = target_and_task(table, config)
    column = text_column(table, options, target)
    split = split_rows(table, config, target, task, notices)
    order, a = split.order, split.a
    texts = table.df[column].tolist()
    try:
        tokenizer = Tokenizer.fit([texts[i] for i in order[:a]], options, column)
    except DataError as exc:
        raise DataError(exc.detail, path=table.path, column=column) from exc
    pipeline = Pipeline([], task=task, target=target, input_spec=tokenizer)
    pipeline = scaled_target(table, config, pipeline, order[:a])
    chosen = [texts[i] for i in order]
    x = tokenizer.encode(chosen)
    y = split_targets(table, pipeline, order, split.codes)
    notices += _text_notices(table, column, target, tokenizer, chosen)
    return Dataset.from_splits(x, y, a, split.b, pipeline, notices)


def _text_notices(
    table: Table, column: str, target: str, tokenizer: Tokenizer, texts: list[object]
) -> list[str]:
    out = []
    others = [str(c) for c in table.df.columns if str(c) not in (column, target)]
    if others:
        out.append(
            f"the model reads only the text column '{column}'; {len(others)} other column(s) "
            "are not used"
        )
    lengths = [len(tokenizer.ids(t)) for t in texts]
    empty = sum(1 for n in lengths if n == 0)
    if empty:
        out.append(f"{empty} row(s) have no words in '{column}': their sequences are all padding")
    cut = sum(1 for n in lengths if n > tokenizer.sequence_length)
    if cut:
        out.append(
            f"{cut} text(s) are longer than {tokenizer.sequence_length} words and were cut "
            f"({tokenizer.truncating})"
        )
    return out


@dataclass(frozen=True)
class TextPreview:
    """What the Data panel shows for a text column: the vocabulary size, one row's text,
    its words as the model sees them (unknown ones as [UNK]) and its padded ids."""

    column: str
    vocabulary_size: int
    sequence_length: int
    text: str
    words: tuple[str, ...]
    ids: tuple[int, ...]


def text_preview(tokenizer: Tokenizer, texts: list[object]) -> TextPreview:
    """The preview of the first text among `texts` that has a word (else the first)."""
    text = next((t for t in texts if tokenizer.ids(t)), texts[0] if texts else "")
    ids = tokenizer.encode([text])[0]
    return TextPreview(
        tokenizer.column,
        tokenizer.vocabulary_size,
        tokenizer.sequence_length,
        "" if text is None or text != text else str(text),
        tuple(tokenizer.tokens(ids)),
        tuple(int(i) for i in ids),
    )


__all__ = ["TextPreview", "prepare_text", "text_column", "text_preview"]
