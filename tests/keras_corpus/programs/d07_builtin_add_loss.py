# Source: https://keras.io/guides/training_with_built_in_methods/
#   (keras-io guides/training_with_built_in_methods.py: "Handling losses and metrics that don't
#   fit the standard signature" - an ActivityRegularizationLayer calling self.add_loss)
# Kind: dense
# Original import lines: import keras / from keras import layers / from keras import ops
# Data: keras.datasets.mnist -> synthetic arrays of the same shapes, fewer rows
import numpy as np

from core import keras
from core.keras import layers, ops

rng = np.random.default_rng(5)
x_train = rng.random((2000, 784)).astype("float32")
y_train = rng.integers(0, 10, 2000).astype("float32")


class ActivityRegularizationLayer(layers.Layer):
    def call(self, inputs):
        self.add_loss(ops.sum(inputs) * 0.1)
        return inputs  # Pass-through layer.


inputs = keras.Input(shape=(784,), name="digits")
x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
x = ActivityRegularizationLayer()(x)
x = layers.Dense(64, activation="relu", name="dense_2")(x)
outputs = layers.Dense(10, name="predictions")(x)

model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(
    optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
)
# The displayed loss will be much higher than before due to the regularization component.
model.fit(x_train, y_train, batch_size=64, epochs=1)
