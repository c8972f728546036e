"""An image folder (one sub-folder per class) -> a `Dataset`: the images are
read once by `core.data.image_folder`, the class of each is its folder's name,
the split is drawn at random with the data seed (stratified by class when
asked), and the fitted preprocessing is a `Pipeline` with no columns whose
input spec is the chosen `ImageSpec` (size, colour, scaling), so that a saved
model reads new image files the same way."""

from __future__ import annotations

import os

import numpy as np

from core.data.dataset import DataConfig, Dataset, class_targets
from core.data.image_folder import FolderReport, ImageOptions, read_image_folder
from core.data.preprocess import Pipeline
from core.data.profile import TaskInfo
from core.data.split import split_indices
from core.errors import DataError

#: The name predictions and reports give the class of an image folder.
TARGET = "class"


def prepare_image_folder(path: str | os.PathLike[str], config: DataConfig) -> Dataset:
    """The `Dataset` of the labelled image folder at `path` under `config`."""
    dataset, _ = prepare_with_report(path, config)
    return dataset


def prepare_with_report(
    path: str | os.PathLike[str], config: DataConfig
) -> tuple[Dataset, FolderReport]:
    """`prepare_image_folder` and what reading the folder found (for the Data panel)."""
    options = config.input_options
    if not isinstance(options, ImageOptions):
        options = ImageOptions()
    x, codes, report, _ = read_image_folder(path, options)
    task = TaskInfo.classification(tuple(report.per_class), target=TARGET)
    if config.task not in (None, "classification", task.kind):
        raise DataError(
            f"Expected a classification task for an image folder (its classes are its "
            f"sub-folders). Received: task {config.task!r}. Clear the task setting.",
            path=str(path),
        )
    try:
        tr, va, te = split_indices(
            len(codes),
            validation_split=config.validation_split,
            test_split=config.test_split,
            rng=np.random.default_rng(config.seed),
            strata=codes if config.stratify else None,
        )
    except DataError as exc:
        raise DataError(exc.detail, path=str(path)) from exc
    order = np.concatenate([tr, va, te])
    a, b = len(tr), len(tr) + len(va)
    pipeline = Pipeline([], task=task, target=TARGET, input_spec=report.spec)
    y = class_targets(codes[order], task)
    dataset = Dataset.from_splits(x[order], y, a, b, pipeline, report.notices())
    return dataset, report
