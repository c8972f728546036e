"""LayerForge core: the Qt-free engine, data, document, export and CLI.

The Keras-shaped API is `core.keras` (so `import core as tf; tf.keras.Sequential`
and `from core import keras` both work); the engine is `core.Tensor` with
`core.no_grad`. Only core modules are imported here.
"""

from __future__ import annotations

from core import keras
from core.autograd import Tensor, no_grad
from core.random import set_random_seed

__all__ = ["Tensor", "keras", "no_grad", "set_random_seed"]
from core.bundle import load_model, save_model_bundle as save_model  # noqa: E402, I001
__all__ += ["load_model", "save_model"]
