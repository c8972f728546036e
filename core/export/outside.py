"""Preprocessing that stays outside an exported file, said plainly.

ONNX, `.keras` and the generated scripts carry a table's fitted preprocessing
(fill, scale, one-hot) inside. What turns images, text or a series into the
network's input (decoding and resizing image files, a tokenizer's vocabulary,
windows over a series, pixel columns arranged as images) does not travel in
them: `without_shaped_input` hands the exporters the model on its own (its
input is the preprocessed array) and returns the note that says exactly what
a user must do before calling the exported file and what its outputs mean.
`sample_inputs` draws valid preprocessed samples to verify such an export on.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["sample_inputs", "without_shaped_input"]

#: Formats that carry a table's preprocessing but not a shaped sample's.
FORMATS_WITHOUT_SHAPED_INPUT = ("onnx", "keras", "numpy", "python")


def _outputs(pipeline: Any) -> str:
    task = pipeline.task
    if task is None:
        return "its outputs are the network's raw outputs"
    labels = ", ".join(f"'{c}'" for c in task.class_labels)
    if task.kind == "binary":
        return (
            f"its output is the probability of '{task.class_labels[1]}' "
            f"(against '{task.class_labels[0]}')"
        )
    if task.kind != "regression":
        return f"its outputs are the probabilities of the classes {labels}, in that order"
    scaling = pipeline.target_scaling
    target = pipeline.target or "the target"
    if scaling is None:
        return f"its outputs are '{target}' in its own units"
    return (
        f"its outputs are '{target}' standardized: multiply by {scaling.scale:.9g} and add "
        f"{scaling.offset:.9g} to get its own units"
    )


def _input_kind(spec: Any) -> str:
    if spec.kind == "text":
        return "array of token ids (whole numbers, passed as float32 where the file's input is)"
    return "float32 array"


def without_shaped_input(bundle: Any, fmt: str) -> tuple[Any, list[str]]:
    """(the bundle to export, notes): for a model whose samples are images, text or series
    windows, and a format that cannot hold that preprocessing, the bundle without its
    pipeline and the note saying what stays outside; else the bundle unchanged."""
    pipeline = getattr(bundle, "pipeline", None)
    spec = getattr(pipeline, "input_spec", None)
    if spec is None or fmt not in FORMATS_WITHOUT_SHAPED_INPUT:
        return bundle, []
    from core.bundle import BundledModel

    shape = ", ".join(str(d) for d in spec.input_shape)
    note = (
        f"preprocessing stays outside this file: {spec.describe()}. The file's input is "
        f"that preprocessed {_input_kind(spec)} of shape (N, {shape}); {_outputs(pipeline)}. "
        "`layerforge predict` on the .lfmodel applies all of it for you"
    )
    if fmt == "python":
        note += (
            ". The training script's build_model() makes the network, but its CSV reader "
            "cannot prepare these samples: train the model on arrays prepared as above"
        )
    bare = BundledModel(
        model=bundle.model,
        pipeline=None,
        metadata=dict(bundle.metadata),
        config=dict(bundle.config),
        path=bundle.path,
        task=None,
    )
    return bare, [note]


def sample_inputs(spec: Any, n: int, seed: int = 0) -> np.ndarray:
    """`n` preprocessed samples `spec` could produce, to verify an export on."""
    return spec.sample(n, np.random.default_rng(seed))
