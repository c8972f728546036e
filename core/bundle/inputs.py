"""What a bundled model reads from a source, whatever its samples are: a table's
rows (a DataFrame, a list of dicts, a CSV path), the image files of a folder,
or the windows over a series. `model_inputs` applies the bundle's fitted
preprocessing and returns `ModelInputs`: the rows a predictions table starts
with (the CSV rows, or one row per image file), the network's input, and the
row each sample belongs to, so that predictions line up with their rows even
when some rows give no sample (an unreadable image, the first rows of a series
before a whole window)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ModelInputs", "image_inputs"]


@dataclass
class ModelInputs:
    """`x[i]` is the network's input for row `at[i]` of `rows`; `notices` say what was
    skipped. `labels` holds each row's class folder for an image folder (else None)."""

    rows: pd.DataFrame
    x: np.ndarray
    at: np.ndarray
    notices: list[str] = field(default_factory=list)
    labels: list[str | None] | None = None

    def aligned(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`frame` (one row per sample) spread over `rows`: empty where a row has none."""
        if len(self.at) == len(self.rows) and (self.at == np.arange(len(self.at))).all():
            return frame.reset_index(drop=True)
        out = frame.copy()
        out.index = self.at
        return out.reindex(range(len(self.rows)))


def image_inputs(spec: Any, source: Any) -> ModelInputs:
    """One row per image file under `source` (a folder, an image file, or a list of
    image files): its path, the folder it is in, and its pixels as `spec` reads them."""
    import pandas as pd

    from core.data.image_folder import scan_folder

    if isinstance(source, (list, tuple)):
        files = [os.fspath(f) for f in source]
        root = os.path.commonpath([os.path.dirname(os.path.abspath(f)) for f in files] or ["."])
        labels: list[str | None] = [None] * len(files)
        relative = files
    elif isinstance(source, (str, os.PathLike)):
        scan = scan_folder(source)
        files, root = scan.files, scan.root
        labels = [scan.classes[k] if k >= 0 else None for k in scan.labels]
        relative = [scan.relative(f) for f in files]
    else:
        raise DataError(
            "Expected image files: a folder of PNG or JPEG images, one image file, or a list "
            f"of image file paths. Received: {type(source).__name__}."
        )
    if not files:
        raise DataError(
            "Expected PNG or JPEG images to predict. Received: a folder without any. Check "
            "the folder.",
            path=os.fspath(source) if isinstance(source, (str, os.PathLike)) else None,
        )
    decoded = spec.load(files, owner="the images to predict")
    rows = pd.DataFrame({"file": relative, "folder": [lab or "" for lab in labels]})
    notices = []
    if decoded.skipped:
        names = ", ".join(os.path.relpath(f, root) for f, _ in decoded.skipped[:3])
        notices.append(
            f"{len(decoded.skipped)} image file(s) could not be read and have no prediction "
            f"({names}{' and more' if len(decoded.skipped) > 3 else ''})"
        )
    if decoded.resized:
        notices.append(
            f"resized {decoded.resized} image(s) to {spec.height}x{spec.width}, the size the "
            "model was trained on"
        )
    return ModelInputs(rows, decoded.x, decoded.ok, notices, labels)
