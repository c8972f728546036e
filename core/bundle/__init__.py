"""The trained-model bundle (`.lfmodel`): a model with everything needed to use it.

A bundle is a zip file in the spirit of Keras's `.keras`: `metadata.json`
(format version, LayerForge version, creation time, task, feature names,
class labels, training metrics), `config.json` (the architecture as the
model's own config and, when it came from the canvas, the graph without
positions; the fitted preprocessing `Pipeline`; loss and metrics) and
`weights.npz` (read with `allow_pickle=False`). No pickle, no eval.

- `file_format`: the zip itself: `write_bundle` / `read_bundle` of two JSON
  objects and the weight arrays, with every check that needs no model;
- `model_file`: `save_model_bundle` (a trained model → a file) and
  `load_model` (a file → a `BundledModel`, weights checked against the
  architecture);
- `predictor`: `BundledModel.predict` on raw rows (a DataFrame, a list of dicts
  or a CSV path; columns matched by name) giving a `Prediction`.
"""

from __future__ import annotations

from core.bundle.file_format import BUNDLE_SUFFIX, FORMAT, FORMAT_VERSION, read_bundle_info
from core.bundle.model_file import load_model, save_model_bundle
from core.bundle.predictor import BundledModel, Prediction

__all__ = [
    "BUNDLE_SUFFIX",
    "FORMAT",
    "FORMAT_VERSION",
    "BundledModel",
    "Prediction",
    "load_model",
    "read_bundle_info",
    "save_model_bundle",
]
