"""The Keras 3 face of LayerForge: `from core import keras` or `import core as tf; tf.keras`.

Laid out like Keras 3's public API for everything LayerForge implements:
`keras.layers`, `.models`, `.ops`, `.utils`, `.losses`, `.metrics`,
`.optimizers` (with `.schedules`), `.callbacks`, `.initializers`,
`.regularizers`, `.activations`, `.config`, `.backend`, `.random`,
`.datasets`, `.saving` and `.preprocessing.sequence`, so that
`from keras.layers import Dense` runs as `from core.keras.layers import Dense`.
Any other public Keras name (a layer, a function or a whole module) raises
`UnsupportedFeatureError` naming it and saying it is not supported yet.
"""

from __future__ import annotations

from core.engine.autograd import Tensor as KerasTensor
from core.engine.initializers import Initializer
from core.engine.layers import Input, InputLayer, Layer, Variable
from core.engine.losses import Loss
from core.engine.metrics import Metric
from core.engine.models import Model, Sequential
from core.engine.optimizers import Optimizer
from core.engine.regularizers import Regularizer
from core.keras._unsupported import UnsupportedFeatureError, install_module_finder, missing_names

install_module_finder()

from core.keras import (  # noqa: E402 - the finder must be in place for the submodules
    activations,
    backend,
    callbacks,
    config,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    preprocessing,
    random,
    regularizers,
    saving,
    utils,
)

#: The Keras API version LayerForge mirrors, marked as LayerForge's (PEP 440 local version).
__version__ = "3.0.0+layerforge"


def version() -> str:
    """keras.version(): the version string."""
    return __version__


__all__ = [
    "Initializer",
    "Input",
    "InputLayer",
    "KerasTensor",
    "Layer",
    "Loss",
    "Metric",
    "Model",
    "Optimizer",
    "Regularizer",
    "Sequential",
    "UnsupportedFeatureError",
    "Variable",
    "activations",
    "backend",
    "callbacks",
    "config",
    "datasets",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "preprocessing",
    "random",
    "regularizers",
    "saving",
    "utils",
    "version",
]

__getattr__ = missing_names(__name__)
