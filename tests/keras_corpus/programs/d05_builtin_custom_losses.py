# Source: https://keras.io/guides/training_with_built_in_methods/#custom-losses
#   (keras-io guides/training_with_built_in_methods.py: a loss function written with keras.ops
#   and a keras.losses.Loss subclass with call())
# Kind: dense
# Original import lines: import keras / from keras import layers / from keras import ops
# Data: keras.datasets.mnist -> synthetic arrays of the same shapes, fewer rows
import numpy as np

from core import keras
from core.keras import layers, ops

rng = np.random.default_rng(3)
x_train = rng.random((2000, 784)).astype("float32")
y_train = rng.integers(0, 10, 2000).astype("float32")


def get_uncompiled_model():
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


def custom_mean_squared_error(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


model = get_uncompiled_model()
model.compile(optimizer=keras.optimizers.Adam(), loss=custom_mean_squared_error)
y_train_one_hot = ops.one_hot(y_train, num_classes=10)
model.fit(x_train, y_train_one_hot, batch_size=64, epochs=1)


class CustomMSE(keras.losses.Loss):
    def __init__(self, regularization_factor=0.1, name="custom_mse"):
        super().__init__(name=name)
        self.regularization_factor = regularization_factor

    def call(self, y_true, y_pred):
        mse = ops.mean(ops.square(y_true - y_pred), axis=-1)
        reg = ops.mean(ops.square(0.5 - y_pred), axis=-1)
        return mse + reg * self.regularization_factor


model = get_uncompiled_model()
model.compile(optimizer=keras.optimizers.Adam(), loss=CustomMSE())
model.fit(x_train, y_train_one_hot, batch_size=64, epochs=1)
