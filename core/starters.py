"""Starter projects for a user's data: `detect_kind` says what one sample of the data
is (a table row, pixel columns that make an image, an image folder, a text column, a
window of a time series) and why; `starter_graph` builds a small network that suits
that sample (Dense layers for a table; Conv2D -> MaxPooling2D -> Conv2D -> Flatten or
GlobalAveragePooling2D for images; Embedding -> GlobalAveragePooling1D for text; an
LSTM forecaster for a series), ending in the output layer the task suggests; and
`new_project` puts it together with the data settings and the starter training
settings. `layerforge new` and `core.run.new_project_from_csv` go through it."""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import ConfigError

if TYPE_CHECKING:
    from core.data import ColumnProfile, Dataset, Table
    from core.document.graph import Graph
    from core.document.project import Project

__all__ = [
    "DEFAULT_HIDDEN",
    "KINDS",
    "STARTER_TRAINING",
    "Detected",
    "detect_kind",
    "new_project",
    "parse_hidden",
    "starter_graph",
]

#: What `--kind` accepts: "auto" asks `detect_kind`.
KINDS = ("auto", "table", "pixels", "images", "text", "series")
#: The table starter's hidden layer sizes. Small on purpose: starter tables are often a
#: few hundred rows, where wider layers overfit before early stopping keeps the best epoch.
DEFAULT_HIDDEN = (16, 8)
#: The Dense layers before the output of the other starters (None: the kind's default).
KIND_HIDDEN: dict[str, tuple[int, ...]] = {"pixels": (), "images": (), "text": (16,), "series": ()}
#: A starter project's training settings beyond the task's loss and metrics: train
#: until the validation loss has not improved for 10 epochs (at most 200) and keep the
#: best weights, so that neither a small nor a large table needs its epochs tuned.
STARTER_TRAINING: dict[str, Any] = {
    "epochs": 200,
    "early_stopping": {
        "enabled": True,
        "monitor": "val_loss",
        "patience": 10,
        "restore_best_weights": True,
        "min_delta": 0.0,
    },
}
#: The fewest numeric columns read as an image without being asked (8x8 digits): a
#: narrower numeric table stays a table.
MIN_AUTO_PIXELS = 64
#: The image starter flattens feature maps of at most this many positions (after the
#: pooling); larger ones are averaged (GlobalAveragePooling2D) to keep the Dense small.
MAX_FLATTEN_POSITIONS = 256
#: Horizontal distance between the starter's cards (a canvas column: a card and a gap).
X_STEP = 260.0


@dataclass(frozen=True)
class Detected:
    """The kind of sample chosen for the data, and why (said to the user)."""

    kind: str
    reason: str


def parse_hidden(
    hidden: Sequence[int] | str | None, default: Sequence[int] = DEFAULT_HIDDEN
) -> list[int]:
    """Hidden layer sizes from "16,8", a list, or None (`default`); ConfigError if bad."""
    if hidden is None:
        return list(default)
    if isinstance(hidden, str):
        parts = [p.strip() for p in hidden.split(",") if p.strip()]
        try:
            units = [int(p) for p in parts]
        except ValueError:
            raise ConfigError(
                f"Expected hidden layer sizes as whole numbers separated by commas, e.g. "
                f"32,16. Received: {hidden!r}."
            ) from None
    else:
        units = [int(u) for u in hidden]
    if any(u < 1 for u in units):
        raise ConfigError(f"Expected hidden layer sizes >= 1. Received: {units}.")
    return units


# --------------------------------------------------------------------------- detecting


def _is_time_order(values: Any) -> bool:
    """True when every value is a date or time and they rise row by row."""
    import pandas as pd

    if len(values) < 4:
        return False
    try:
        stamps = pd.to_datetime(values, errors="coerce", format="mixed")
    except (TypeError, ValueError):
        return False
    return bool(stamps.notna().all() and stamps.is_monotonic_increasing and stamps.is_unique)


def _numeric(p: ColumnProfile) -> bool:
    return p.minimum is not None


def detect_kind(
    path: str | os.PathLike[str],
    table: Table | None = None,
    profiles: Sequence[ColumnProfile] | None = None,
    target: str | None = None,
) -> Detected:
    """What one sample of the data at `path` most likely is (see the module docstring).

    A folder is an image folder. In a CSV: a column of dates in rising order makes a
    time series; a text column with no other feature column, a text; at least
    `MIN_AUTO_PIXELS` numeric columns and nothing else, whose count makes a square
    image (64 -> 8x8x1, 784 -> 28x28x1, 3072 -> 32x32x3), pixel columns; else a table.
    """
    if Path(path).is_dir():
        return Detected("images", "a folder: one sub-folder of images per class")
    from core.data import profile_table, read_csv, suggest_target
    from core.data.pixels import suggest_image_shape

    table = table if table is not None else read_csv(path)
    profiles = list(profiles) if profiles is not None else profile_table(table)
    target = target or suggest_target(list(profiles))
    others = [p for p in profiles if p.name != target]
    for p in others:
        if (
            p.kind in ("text", "identifier")
            and not _numeric(p)
            and _is_time_order(table.df[p.name])
        ):
            return Detected("series", f"'{p.name}' holds dates in time order")
    texts = [p for p in others if p.kind == "text"]
    features = [p for p in others if p.suggested_role != "ignore" and p.kind != "text"]
    if texts and not features:
        return Detected("text", f"'{texts[0].name}' holds text")
    numeric = [p for p in others if _numeric(p)]
    shape = suggest_image_shape(len(numeric))
    if len(numeric) >= MIN_AUTO_PIXELS and len(numeric) == len(others) and shape:
        h, w, c = shape
        return Detected("pixels", f"its {len(numeric)} numeric columns make {h}x{w}x{c} images")
    return Detected("table", "each row is one sample of feature columns")


def _input_settings(
    kind: str, table: Table | None, profiles: Sequence[ColumnProfile], target: str | None
) -> dict[str, Any] | None:
    """The data settings' `input` for `kind` (None for a table)."""
    if kind == "images":
        return {"kind": "images"}
    from core.data.inputs import suggested_input

    numeric = sum(1 for p in profiles if _numeric(p) and p.name != target)
    return suggested_input(
        kind,
        profiles,
        target,
        n_features=numeric,
        n_rows=table.n_rows if table is not None else 0,
    )


# --------------------------------------------------------------------------- networks


class _Chain:
    """Adds layers left to right, each fed by the one before."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.last: str | None = None

    def add(self, type_name: str, params: dict[str, Any], name: str | None = None) -> None:
        x = X_STEP * len(self.graph.nodes)
        node = self.graph.add_node(type_name, params, x=x, y=0.0, name=name)
        if self.last is not None:
            self.graph.connect(self.last, node.id)
        self.last = node.id


def _image_layers(chain: _Chain, shape: tuple[int, ...]) -> None:
    h, w = shape[0], shape[1]
    conv = {"kernel_size": 3, "activation": "relu", "padding": "same"}
    chain.add("Conv2D", {"filters": 16, **conv})
    chain.add("MaxPooling2D", {"pool_size": 2})
    chain.add("Conv2D", {"filters": 32, **conv})
    if (h // 2) * (w // 2) <= MAX_FLATTEN_POSITIONS:
        chain.add("Flatten", {})
    else:
        chain.add("GlobalAveragePooling2D", {})


def starter_graph(dataset: Dataset, kind: str, hidden: Sequence[int] | None = None) -> Graph:
    """The starter network for `dataset`, whose samples are `kind` (see `KINDS`)."""
    import core.engine.layers  # noqa: F401 - registers the layer types
    from core.document.graph import Graph
    from core.engine.layers.spec import CATALOG

    shape = tuple(dataset.input_shape)
    graph = Graph(catalog=CATALOG)
    chain = _Chain(graph)
    chain.add("Input", {"shape": list(shape)})
    if kind in ("pixels", "images"):
        if len(shape) == 1:  # flat pixels: the square image they make
            from core.data.pixels import suggest_image_shape

            image = suggest_image_shape(shape[0])
            if image is None:
                raise ConfigError(
                    f"Expected pixel columns that make a square image (64 -> 8x8x1, 784 -> "
                    f"28x28x1). Received: {shape[0]} values per row. Choose another --kind."
                )
            chain.add("Reshape", {"target_shape": list(image)})
            shape = image
        _image_layers(chain, shape)
    elif kind == "text":
        vocabulary = dataset.vocabulary_size or 1
        chain.add("Embedding", {"input_dim": vocabulary, "output_dim": 32, "mask_zero": True})
        chain.add("GlobalAveragePooling1D", {})
    elif kind == "series":
        chain.add("LSTM", {"units": 32})
    for units in parse_hidden(hidden, KIND_HIDDEN.get(kind, DEFAULT_HIDDEN)):
        chain.add("Dense", {"units": units, "activation": "relu"})
    task = dataset.task
    chain.add(
        "Dense",
        {"units": task.output_units, "activation": task.output_activation},
        name="output",
    )
    return graph


# --------------------------------------------------------------------------- projects


def new_project(
    data_path: str | os.PathLike[str],
    target: str | None = None,
    *,
    kind: str = "auto",
    hidden: Sequence[int] | str | None = None,
    project_path: str | os.PathLike[str] | None = None,
    data_config: dict[str, Any] | None = None,
) -> tuple[Project, Detected]:
    """A starter project for the data at `data_path` (a CSV or an image folder) and the
    kind of sample it was built for. `kind` "auto" detects it; `hidden` None takes the
    kind's Dense layers before the output. Rows are split 60/20/20 into train,
    validation and test and a regression target is standardized unless `data_config`
    says otherwise. The project is not saved."""
    from core.data import DataConfig, load_dataset, profile_table, read_csv, suggest_target
    from core.document.project import Project
    from core.resources import check_graph_memory
    from core.run import TrainSettings, data_settings

    if kind not in KINDS:
        raise ConfigError(f"Expected a kind of sample in {list(KINDS)}. Received: {kind!r}.")
    if hidden is not None:
        parse_hidden(hidden)  # a bad size is refused before the data is read
    folder = Path(data_path).is_dir()
    table = None if folder else read_csv(data_path)
    profiles = [] if table is None else profile_table(table)
    if target is None and profiles:
        target = suggest_target(profiles)
    detected = (
        detect_kind(data_path, table, profiles, target)
        if kind == "auto"
        else Detected(kind, "as asked")
    )
    cfg: dict[str, Any] = {"validation_split": 0.2, "test_split": 0.2, "scale_target": True}
    if detected.kind != "table":
        cfg["input"] = _input_settings(detected.kind, table, profiles, target)
    cfg.update(data_config or {})
    if target is not None:
        cfg["target"] = target
    config = DataConfig.from_dict(cfg)
    dataset = load_dataset(data_path, config)
    if config.target is None and dataset.target:
        config = replace(config, target=dataset.target)
    task = dataset.task
    graph = starter_graph(dataset, detected.kind, hidden)
    train_config = TrainSettings.from_dict(
        {**copy.deepcopy(STARTER_TRAINING), "loss": task.loss, "metrics": list(task.metrics)}
    ).to_dict()
    check_graph_memory(
        graph,
        batch_size=min(int(train_config["batch_size"]), max(len(dataset.x_train), 1)),
        optimizer=str(train_config["optimizer"]),
    )
    project = Project(
        graph=graph,
        data_path=str(Path(data_path).resolve()),
        data_config=data_settings(config),
        train_config=train_config,
        path=str(Path(project_path).resolve()) if project_path else None,
    )
    return project, detected
