"""LayerForge core: the Qt-free engine, data, document, export and CLI.

The Keras-shaped API is `core.keras` (so `import core as tf; tf.keras.Sequential`
and `from core import keras` both work); the engine is `core.Tensor` with
`core.no_grad`. Only core modules are imported here.
"""

from __future__ import annotations

from core import keras
from core.bundle import load_model
from core.bundle import save_model_bundle as save_model
from core.engine.autograd import Tensor, no_grad
from core.engine.random import set_random_seed

__all__ = ["Tensor", "keras", "load_model", "no_grad", "save_model", "set_random_seed"]
