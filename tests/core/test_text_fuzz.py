"""Property test: whatever text a column holds (any Unicode, numbers, empty and
missing cells, punctuation only) and whatever text settings are chosen, the text
loader gives a Dataset of valid token ids or one of LayerForge's typed errors,
and a fitted tokenizer encodes any text without failing."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.data import DataConfig, Dataset, prepare, read_csv
from core.data.tokenizer import TextOptions, Tokenizer
from core.errors import LayerForgeError

CELL = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "NA", "...", "good film", "BAD film!", "l'été", "1.5", "日本語 テキスト"]),
    st.none(),
    st.floats(allow_nan=True).map(str),
)
OPTIONS = st.fixed_dictionaries(
    {"kind": st.just("text")},
    optional={
        "max_words": st.integers(-2, 30),
        "sequence_length": st.one_of(st.none(), st.integers(-1, 12)),
        "lowercase": st.booleans(),
        "padding": st.sampled_from(["pre", "post", "side"]),
        "truncating": st.sampled_from(["pre", "post"]),
        "column": st.sampled_from(["text", "label", "missing"]),
    },
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cells=st.lists(st.tuples(CELL, st.sampled_from(["x", "y", None])), min_size=0, max_size=25),
    options=OPTIONS,
)
def test_text_loader_gives_ids_or_a_typed_error(cells: list, options: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "t.csv"
        pd.DataFrame(cells, columns=["text", "label"]).to_csv(csv, index=False)
        try:
            ds = prepare(read_csv(csv), DataConfig(target="label", input=options))
        except LayerForgeError:
            return
        assert isinstance(ds, Dataset)
        vocab = ds.pipeline.input_spec.vocabulary_size
        for x in (ds.x_train, ds.x_val):
            assert x.dtype == np.int32 and x.ndim == 2
            assert x.size == 0 or (0 <= int(x.min()) and int(x.max()) < vocab)


@settings(max_examples=80, deadline=None)
@given(train=st.lists(st.text(max_size=30), min_size=1, max_size=8), new=st.lists(CELL, max_size=8))
def test_fitted_tokenizer_encodes_any_text(train: list, new: list) -> None:
    try:
        tok = Tokenizer.fit(train, TextOptions(max_words=5, sequence_length=4), "text")
    except LayerForgeError:
        return
    ids = tok.encode(new)
    assert ids.shape == (len(new), 4)
    assert Tokenizer.from_dict(tok.to_dict()) == tok
