"""Typed errors carry their parts (where, expected, received, fix) as fields."""

from __future__ import annotations

import pytest

from core import keras
from core.errors import ConfigError, DataError, LayerForgeError, ShapeError


def test_a_layer_argument_error_has_its_parts_and_keras_wording() -> None:
    with pytest.raises(ConfigError) as info:
        keras.layers.Dense(0)
    err = info.value
    assert str(err) == "Dense: argument `units` Expected a positive integer. Received: units=0"
    assert (err.where, err.expected, err.received, err.fix) == (
        "Dense",
        "a positive integer",
        "units=0",
        None,
    )
    assert err.detail == "argument `units` Expected a positive integer. Received: units=0"
    assert err.plain() == "Expected a positive integer. Received: units=0."


def test_a_misspelt_choice_carries_the_suggestion_as_its_fix() -> None:
    with pytest.raises(ConfigError) as info:
        keras.layers.Dense(3, kernel_initializer="glorot_unifrm")
    assert info.value.fix == "Did you mean 'glorot_uniform'?"
    assert info.value.received == "kernel_initializer='glorot_unifrm'"
    assert str(info.value).endswith(". Did you mean 'glorot_uniform'?")
    with pytest.raises(ConfigError) as info:
        keras.layers.Dense(3, unitz=4)
    assert (info.value.where, info.value.received) == ("Dense", "`unitz`")
    assert info.value.fix == "Did you mean 'units'?"


def test_parts_alone_compose_the_message() -> None:
    err = LayerForgeError(where="model.csv", expected="a header row", received="an empty file")
    assert str(err) == "model.csv: Expected a header row. Received: an empty file."
    err = ConfigError(expected="epochs >= 1", received="epochs=0", fix="Train at least one epoch")
    assert str(err) == "Expected epochs >= 1. Received: epochs=0. Train at least one epoch."
    assert err.where is None


def test_a_plain_message_stays_as_it_is() -> None:
    err = ConfigError("Something specific went wrong.")
    assert str(err) == err.message == err.detail == err.plain() == "Something specific went wrong."
    assert (err.where, err.expected, err.received, err.fix) == (None, None, None, None)
    shape = ShapeError("n1", "Add needs inputs of the same shape.")
    assert shape.node_id == "n1" and shape.message == "Add needs inputs of the same shape."


def test_data_error_places_file_row_and_column() -> None:
    err = DataError(
        expected="a number", received="'abc'", path="data.csv", row=4, column="age", fix="Fix it"
    )
    assert err.where == "data.csv, row 4, column 'age'"
    assert str(err) == "data.csv, row 4, column 'age': Expected a number. Received: 'abc'. Fix it."
    assert (err.path, err.row, err.column) == ("data.csv", 4, "age")
