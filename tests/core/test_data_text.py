"""A text column becomes a fitted tokenizer: lower-case, word split, the top-N
vocabulary (0 padding, 1 unknown), a sequence length, padding and truncation;
stored as JSON with the preprocessing, giving int32 ids for an Embedding. Empty
cells are all-padding sequences; a vocabulary of 0 words is a clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data import DataConfig, Pipeline, prepare, read_csv
from core.data.text_dataset import text_preview
from core.data.tokenizer import TextOptions, Tokenizer, split_words, suggested_length
from core.errors import ConfigError, DataError, GraphError
from tests.core.shaped_data import reviews_csv


def _fit(texts: list[object], **options: object) -> Tokenizer:
    return Tokenizer.fit(texts, TextOptions(**options), "text")


def test_words_are_lowercased_and_split_without_punctuation() -> None:
    assert split_words("Don't STOP, me-now! 3 cafés_ok") == [
        "don't",
        "stop",
        "me",
        "now",
        "3",
        "cafés",
        "ok",
    ]
    assert split_words("Keep Case", lowercase=False) == ["Keep", "Case"]
    assert split_words("  ,;!?  ") == []


def test_vocabulary_is_the_top_words_most_frequent_first() -> None:
    tok = _fit(["b a a", "c b a", "d"], max_words=3, sequence_length=4)
    assert tok.vocabulary == ("a", "b", "c")  # a 3, b 2, then c and d tie: alphabetical
    assert tok.vocabulary_size == 5  # padding, unknown and 3 words: Embedding input_dim
    ids = tok.encode(["a b c d e", "A"])
    assert ids.dtype == np.int32
    assert ids.tolist() == [[2, 3, 4, 1], [2, 0, 0, 0]]  # d, e unknown (1); cut at 4
    assert tok.tokens(ids[0]) == ["a", "b", "c", "[UNK]"]


def test_padding_and_truncation_sides() -> None:
    texts = ["one two three four five", "one"]
    post = _fit(texts, sequence_length=3)
    pre = _fit(texts, sequence_length=3, padding="pre", truncating="pre")
    one, two, three, four, five = (post.ids(w)[0] for w in ("one", "two", "three", "four", "five"))
    assert post.encode(texts).tolist() == [[one, two, three], [one, 0, 0]]
    assert pre.encode(texts).tolist() == [[three, four, five], [0, 0, one]]


def test_empty_and_missing_cells_are_all_padding() -> None:
    tok = _fit(["good film", "", None, float("nan"), "!!!"], sequence_length=3)
    assert tok.encode(["", None, float("nan"), "...", 12]).tolist() == [
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [1, 0, 0],  # a number cell is its text: "12", an unknown word
    ]


def test_vocabulary_of_zero_words_is_refused() -> None:
    with pytest.raises(
        ConfigError, match=r"Expected a vocabulary of at least 1 word .*Received: 0"
    ):
        TextOptions(max_words=0)
    with pytest.raises(ConfigError, match="at least 1 word"):
        DataConfig(input={"kind": "text", "max_words": -3})
    with pytest.raises(
        DataError, match="Expected words in the text column 'text'.*3 rows with no word"
    ):
        _fit(["", None, "?!"])


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("sequence_length", 0, "sequence_length as a whole number"),
        ("padding", "middle", "padding 'post'"),
        ("truncating", None, "truncating 'post'"),
        ("lowercase", "yes", "lowercase true or false"),
        ("max_words", 2.5, "at least 1 word"),
        ("vocab", 3, "unknown keys"),
    ],
)
def test_bad_text_settings_say_what_is_expected(key: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DataConfig(input={"kind": "text", key: value})


def test_suggested_length_keeps_most_texts_whole() -> None:
    assert suggested_length([3] * 95 + [100] * 5) == 3
    assert suggested_length([]) == 1 and suggested_length([0, 0]) == 1
    assert suggested_length([10_000]) == 500


def test_text_table_becomes_token_ids(tmp_path: Path) -> None:
    csv = reviews_csv(tmp_path / "reviews.csv", n=80)
    frame = pd.read_csv(csv)
    frame.loc[5, "review"] = None
    frame["stars"] = np.arange(len(frame)) % 5
    frame.to_csv(csv, index=False)
    config = DataConfig(target="sentiment", input={"kind": "text", "max_words": 50})
    ds = prepare(read_csv(csv), config)
    tok = ds.pipeline.input_spec
    assert isinstance(tok, Tokenizer) and tok.column == "review"
    assert ds.x_train.dtype == np.int32 and ds.input_shape == (tok.sequence_length,)
    assert int(ds.x_train.max()) < tok.vocabulary_size
    assert ds.task.class_labels == ("negative", "positive")
    text = " | ".join(ds.notices)
    assert "the model reads only the text column 'review'; 1 other column(s) are not used" in text
    assert "1 row(s) have no words in 'review': their sequences are all padding" in text
    # fitted on the training rows only: a word seen only in validation rows is unknown
    assert Pipeline.from_dict(ds.pipeline.to_dict()) == ds.pipeline
    again = Pipeline.from_dict(ds.pipeline.to_dict()).transform(frame)
    assert again.shape == (len(frame), tok.sequence_length)
    assert again[5].tolist() == [0] * tok.sequence_length


def test_tokenizer_fits_on_training_rows_only(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    rows = [("alpha beta", "a"), ("gamma beta", "b")] * 10 + [("zeta", "a"), ("zeta", "b")]
    pd.DataFrame(rows, columns=["text", "y"]).to_csv(csv, index=False)
    config = DataConfig(
        target="y", input={"kind": "text", "column": "text"}, validation_split=0.1, seed=3
    )
    ds = prepare(read_csv(csv), config)
    seen_in_training = {w for row in ds.x_train for w in ds.pipeline.input_spec.tokens(row)}
    assert set(ds.pipeline.input_spec.vocabulary) == seen_in_training


def test_text_column_choice_errors(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    pd.DataFrame({"a": [1, 2, 3, 4], "y": [0, 1, 0, 1]}).to_csv(csv, index=False)
    with pytest.raises(DataError, match="Expected a column of free text"):
        prepare(read_csv(csv), DataConfig(target="y", input={"kind": "text"}))
    with pytest.raises(DataError, match="Expected a text column named 'body'") as info:
        prepare(read_csv(csv), DataConfig(target="y", input={"kind": "text", "column": "body"}))
    assert info.value.column == "body"
    with pytest.raises(DataError, match="Expected the text column to differ from the target"):
        prepare(read_csv(csv), DataConfig(target="y", input={"kind": "text", "column": "y"}))


def test_all_empty_training_texts_name_the_file_and_column(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    pd.DataFrame({"note": ["", "", "...", "", ""], "y": [0, 1, 0, 1, 0]}).to_csv(csv, index=False)
    config = DataConfig(target="y", input={"kind": "text", "column": "note"})
    with pytest.raises(DataError, match="Expected words in the text column 'note'") as info:
        prepare(read_csv(csv), config)
    assert info.value.path == str(csv) and info.value.column == "note"


def test_preview_shows_vocabulary_size_and_a_tokenized_row() -> None:
    tok = _fit(["good movie", "bad movie"], sequence_length=4)
    preview = text_preview(tok, ["", "A good, GOOD movie; unseen"])
    assert preview.vocabulary_size == 5
    assert preview.text == "A good, GOOD movie; unseen"
    assert preview.words == ("[UNK]", "good", "good", "movie")
    assert preview.ids == (1, tok.ids("good")[0], tok.ids("good")[0], tok.ids("movie")[0])


def test_embedding_smaller_than_the_vocabulary_is_a_problem_with_a_fix(tmp_path: Path) -> None:
    from core.document.analysis import analyze
    from core.run import check_graph
    from tests.core.shaped_data import project

    csv = reviews_csv(tmp_path / "reviews.csv", n=60)
    config = DataConfig(target="sentiment", input={"kind": "text", "sequence_length": 6})
    ds = prepare(read_csv(csv), config)
    vocab = ds.vocabulary_size
    assert vocab == ds.pipeline.input_spec.vocabulary_size
    net = [
        ("Input", {"shape": [6]}),
        ("Embedding", {"input_dim": 10, "output_dim": 4}),
        ("GlobalAveragePooling1D", {}),
        ("Dense", {"units": 1, "activation": "sigmoid"}),
    ]
    graph = project(csv, net, {}).graph
    analysis = analyze(graph, input_shape=ds.input_shape, task=ds.task, vocabulary_size=vocab)
    (problem,) = analysis.problems
    assert problem.message == (
        f"Embedding 'embedding' takes word ids below 10 but the text's vocabulary has {vocab} "
        f"ids (its words, padding and unknown) — set input_dim to {vocab}"
    )
    assert problem.fix.params == {"input_dim": vocab}
    with pytest.raises(GraphError, match="set input_dim to"):
        check_graph(graph, ds)
    embedding = next(n for n in graph.nodes.values() if n.type == "Embedding")
    graph.set_params(embedding.id, {"input_dim": vocab})
    assert check_graph(graph, ds).problems == []
