"""Regenerate the example projects in this folder from the bundled datasets.

Each example is built with `core.document.graph` and saved with `core.document.project`, so the
files stay valid as those modules evolve: the Input is sized to the data after
encoding, node positions are laid out left to right in canvas columns, and
the data path is stored relative to the project file. Run:

    python -m resources.examples.make_examples
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATASETS = HERE.parent / "datasets"
#: Canvas spacing, the same as the app's auto-layout (app/canvas/layout.py).
COLUMN_GAP = 250.0
ROW_GAP = 110.0


@dataclass
class Example:
    """One example project: its dataset, target and network (a list of layers)."""

    name: str
    csv: str
    target: str | None
    layers: list[dict[str, Any]]
    train: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


def _dense(
    units: int | str,
    activation: str,
    name: str | None = None,
    col: int = 0,
    row: float = 0.0,
    inputs: Sequence[str] = (),
) -> dict[str, Any]:
    return {
        "type": "Dense",
        "params": {"units": units, "activation": activation},
        "name": name,
        "col": col,
        "row": row,
        "inputs": list(inputs),
    }


def _input(name: str) -> dict[str, Any]:
    return {"type": "Input", "params": {}, "name": name, "col": 0, "row": 0, "inputs": []}


def _layer(
    kind: str, params: dict[str, Any], name: str, col: int, inputs: Sequence[str] = ()
) -> dict[str, Any]:
    return {
        "type": kind,
        "params": dict(params),
        "name": name,
        "col": col,
        "row": 0.0,
        "inputs": list(inputs),
    }


def _wrapped(layers: list[dict[str, Any]], per_row: int) -> list[dict[str, Any]]:
    """A long chain laid out in rows of `per_row` cards: in one row the canvas would
    zoom the cards out until they are unreadable."""
    return [
        layer | {"col": i % per_row, "row": (i // per_row) * 1.1} for i, layer in enumerate(layers)
    ]


#: The digits CNN's convolutions: 3x3, relu, the image size kept.
CONV = {"kernel_size": 3, "activation": "relu", "padding": "same"}
#: Train until the validation loss has not improved for 8 epochs; keep the best weights.
EARLY_STOPPING = {
    "enabled": True,
    "monitor": "val_loss",
    "patience": 8,
    "restore_best_weights": True,
    "min_delta": 0.0,
}


def examples() -> list[Example]:
    """The example projects. Units "out" take the task's output size."""
    return [
        Example(
            "seed",
            "seed_binary.csv",
            "outcome",
            [
                _input("input"),
                _dense(10, "relu", "dense", 1, 0, ["input"]),
                _dense(10, "relu", "dense_1", 2, 0, ["dense"]),
                _dense("out", "sigmoid", "dense_2", 3, 0, ["dense_1"]),
            ],
            train={
                "optimizer": "adam",
                "learning_rate": 0.001,
                "loss": "binary_crossentropy",
                "metrics": ["accuracy"],
                "epochs": 10,
                "batch_size": 32,
            },
            data={"validation_split": 0.15, "test_split": 0.15},
        ),
        Example(
            "iris",
            "iris.csv",
            "species",
            [
                _input("measurements"),
                _dense(16, "relu", "hidden", 1, 0, ["measurements"]),
                _dense("out", "softmax", "species", 2, 0, ["hidden"]),
            ],
            train={
                "optimizer": "adam",
                "learning_rate": 0.01,
                "loss": "categorical_crossentropy",
                "metrics": ["accuracy"],
                "epochs": 60,
                "batch_size": 16,
            },
            data={"validation_split": 0.2, "test_split": 0.2},
        ),
        Example(
            "regression",
            "diabetes.csv",
            "progression",
            [
                _input("input"),
                _dense(32, "relu", "dense", 1, 0, ["input"]),
                _dense(16, "relu", "dense_1", 2, 0, ["dense"]),
                _dense("out", "linear", "prediction", 3, 0, ["dense_1"]),
            ],
            train={
                "optimizer": "adam",
                "learning_rate": 0.005,
                "loss": "mean_squared_error",
                "metrics": ["mae"],
                "epochs": 40,
                "batch_size": 32,
            },
            data={"validation_split": 0.2, "test_split": 0.2},
        ),
        Example(
            "moons",
            "two_moons.csv",
            "label",
            [
                _input("xy"),
                _dense(16, "relu", "relu_branch", 1, -0.5, ["xy"]),
                _dense(16, "tanh", "tanh_branch", 1, 0.5, ["xy"]),
                {
                    "type": "Concatenate",
                    "params": {},
                    "name": "concatenate",
                    "col": 2,
                    "row": 0,
                    "inputs": ["relu_branch", "tanh_branch"],
                },
                _dense(16, "relu", "dense", 3, 0, ["concatenate"]),
                _dense("out", "sigmoid", "moon", 4, 0, ["dense"]),
            ],
            train={
                "optimizer": "adam",
                "learning_rate": 0.01,
                "loss": "binary_crossentropy",
                "metrics": ["accuracy"],
                "epochs": 40,
                "batch_size": 32,
            },
            data={"validation_split": 0.2, "test_split": 0.2},
        ),
        Example(
            "digits",
            "digits.csv",
            "digit",
            _wrapped(
                [
                    _input("image"),
                    _layer("Conv2D", CONV | {"filters": 32}, "conv", 1, ["image"]),
                    _layer("MaxPooling2D", {"pool_size": 2}, "pool", 2, ["conv"]),
                    _layer("Conv2D", CONV | {"filters": 64}, "conv_1", 3, ["pool"]),
                    _layer("MaxPooling2D", {"pool_size": 2}, "pool_1", 4, ["conv_1"]),
                    _layer("Flatten", {}, "flatten", 5, ["pool_1"]),
                    _layer("Dropout", {"rate": 0.3}, "dropout", 6, ["flatten"]),
                    _dense(64, "relu", "dense", 7, 0, ["dropout"]),
                    _dense("out", "softmax", "digit", 8, 0, ["dense"]),
                ],
                per_row=3,
            ),
            train={
                "optimizer": "adam",
                "learning_rate": 0.002,
                "loss": "categorical_crossentropy",
                "metrics": ["accuracy"],
                "epochs": 40,
                "batch_size": 32,
                "early_stopping": EARLY_STOPPING,
            },
            data={
                "validation_split": 0.15,
                "test_split": 0.15,
                "input": {"kind": "pixels", "shape": [8, 8, 1]},
            },
        ),
        Example(
            "reviews",
            "reviews.csv",
            "sentiment",
            [
                _input("words"),
                _layer(
                    "Embedding",
                    {"input_dim": "vocabulary", "output_dim": 16, "mask_zero": True},
                    "embedding",
                    1,
                    ["words"],
                ),
                _layer("LSTM", {"units": 32}, "lstm", 2, ["embedding"]),
                _dense("out", "sigmoid", "sentiment", 3, 0, ["lstm"]),
            ],
            train={
                "optimizer": "adam",
                "learning_rate": 0.005,
                "loss": "binary_crossentropy",
                "metrics": ["accuracy"],
                "epochs": 15,
                "batch_size": 32,
            },
            data={
                "validation_split": 0.15,
                "test_split": 0.15,
                "input": {
                    "kind": "text",
                    "column": "review",
                    "max_words": 1000,
                    "sequence_length": 20,
                },
            },
        ),
        Example(
            "forecast",
            "load.csv",
            "load_mw",
            [
                _input("past_day"),
                _layer("LSTM", {"units": 32}, "lstm", 1, ["past_day"]),
                _dense("out", "linear", "next_6_hours", 2, 0, ["lstm"]),
            ],
            train={
                "optimizer": "adam",
                "learning_rate": 0.003,
                "loss": "mean_squared_error",
                "metrics": ["mae", "r2"],
                "epochs": 40,
                "batch_size": 32,
                "early_stopping": EARLY_STOPPING,
            },
            data={
                "validation_split": 0.15,
                "test_split": 0.15,
                "scale_target": True,
                "input": {"kind": "series", "window": 24, "horizon": 6},
            },
        ),
    ]


def build_project(example: Example, out_dir: Path = HERE) -> Any:
    """The `Project` for `example` (not saved)."""
    import core.engine.layers  # noqa: F401 - registers the layer types
    from core.data import DataConfig, prepare, read_csv
    from core.document.graph import Graph
    from core.document.project import Project, default_train_config
    from core.engine.layers.spec import CATALOG
    from core.run import data_settings

    data_path = DATASETS / example.csv
    config = DataConfig.from_dict({"target": example.target, "seed": 0, **example.data})
    dataset = prepare(read_csv(data_path), config)
    config_dict = data_settings(config)
    config_dict["target"] = dataset.target
    task = dataset.task
    graph = Graph(catalog=CATALOG)
    ids: dict[str, str] = {}
    for layer in example.layers:
        params = dict(layer["params"])
        if layer["type"] == "Input":
            params["shape"] = list(dataset.input_shape)
        if params.get("input_dim") == "vocabulary":  # an Embedding of the text's word ids
            params["input_dim"] = dataset.pipeline.input_spec.vocabulary_size
        if params.get("units") == "out":
            params["units"] = task.output_units
        node = graph.add_node(
            layer["type"],
            params,
            x=layer["col"] * COLUMN_GAP,
            y=round(layer["row"] * ROW_GAP * 1.2, 1),
            name=layer["name"],
        )
        ids[layer["name"]] = node.id
        for src in layer["inputs"]:
            graph.connect(ids[src], node.id)
    train = default_train_config()
    train.update(example.train)
    train.setdefault("seed", 0)
    return Project(
        graph=graph,
        data_path=str(data_path),
        data_config=config_dict,
        train_config=train,
        path=str(out_dir / f"{example.name}.lfproj"),
    )


def main(argv: Sequence[str] | None = None) -> int:
    from core.document.analysis import analyze
    from core.document.project import save_project

    out_dir = Path(argv[0]) if argv else HERE
    for example in examples():
        project = build_project(example, out_dir)
        analysis = analyze(project.graph)
        if analysis.problems:
            raise SystemExit(f"{example.name}: {analysis.message()}")
        target = out_dir / f"{example.name}.lfproj"
        save_project(project, target)
        print(f"wrote {target} ({analysis.total_params} parameters)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
