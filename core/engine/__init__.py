"""The engine: tensors and autograd, ops, layers, models, losses, metrics,
optimizers, schedules, callbacks, initializers, regularizers and the trainer.

Everything a Keras-style model needs to build, train and predict, with NumPy
only. The Keras-compatible face over it is `core.keras`.
"""

from core.engine import ops as _ops  # noqa: F401 - registers Tensor's operators (see autograd)
