"""Property test: whatever bytes or CSV-like text a user opens, the data layer
returns a Dataset or raises DataError, never anything else."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.data import DataConfig, DataError, Dataset, load_dataset

CELL = st.one_of(
    st.sampled_from(
        [
            "",
            "NA",
            "N/A",
            "null",
            "?",
            "nan",
            "inf",
            "-inf",
            "1e308",
            "yes",
            "no",
            "True",
            "false",
            '"a,b"',
            '"x\ny"',
            '"',
            "é",
            "0",
            "1",
            "-1.5",
            " 3 ",
        ]
    ),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet="abcxyz,;|\t\"' .-0123456789\r", max_size=8),
)
ROW = st.lists(CELL, min_size=1, max_size=6)
DELIM = st.sampled_from([",", ";", "\t", "|"])
NEWLINE = st.sampled_from(["\n", "\r\n"])


@st.composite
def csv_like(draw: st.DrawFn) -> bytes:
    delim, nl = draw(DELIM), draw(NEWLINE)
    if draw(st.booleans()):  # rectangular: reaches profiling and preprocessing
        width = draw(st.integers(1, 5))
        simple = st.one_of(CELL, st.integers(-50, 50).map(str), st.sampled_from(["a", "b", "c"]))
        rows = draw(
            st.lists(st.lists(simple, min_size=width, max_size=width), min_size=0, max_size=15)
        )
    else:
        rows = draw(st.lists(ROW, min_size=0, max_size=12))
    text = nl.join(delim.join(r) for r in rows) + draw(st.sampled_from(["", nl]))
    enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"]))
    return text.encode(enc, errors="replace")


def outcome(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "fuzz.csv"
        p.write_bytes(data)
        try:
            ds = load_dataset(p, DataConfig(validation_split=0.25, seed=0))
        except DataError as exc:
            assert str(exc)
            return
        assert isinstance(ds, Dataset)
        assert ds.x_train.dtype == np.float32 and np.isfinite(ds.x_train).all()
        assert len(ds.x_train) == len(ds.y_train) >= 1


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes_give_dataset_or_data_error(data: bytes) -> None:
    outcome(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_like())
def test_random_csv_text_gives_dataset_or_data_error(data: bytes) -> None:
    outcome(data)
