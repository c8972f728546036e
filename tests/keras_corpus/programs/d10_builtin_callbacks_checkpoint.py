# Source: https://keras.io/guides/training_with_built_in_methods/#using-callbacks
#   (keras-io guides/training_with_built_in_methods.py: EarlyStopping, ModelCheckpoint with a
#   templated .keras file name, a learning-rate schedule object passed to the optimizer)
# Kind: dense
# Original import lines: import keras / from keras import layers
# Data: keras.datasets.mnist -> synthetic arrays of the same shapes, fewer rows
import os
import tempfile

import numpy as np

from core import keras
from core.keras import layers

rng = np.random.default_rng(8)
x_train = rng.random((2000, 784)).astype("float32")
y_train = rng.integers(0, 10, 2000).astype("float32")


def get_compiled_model():
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    initial_learning_rate = 1e-3
    lr_schedule = keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate, decay_steps=100000, decay_rate=0.96, staircase=True
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=lr_schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    return model


model = get_compiled_model()
workdir = tempfile.mkdtemp()
callbacks = [
    keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=1e-2, patience=2, verbose=1),
    keras.callbacks.ModelCheckpoint(
        filepath=os.path.join(workdir, "mymodel_{epoch}.keras"),
        save_best_only=True,
        monitor="val_loss",
        verbose=1,
    ),
]
model.fit(x_train, y_train, epochs=20, batch_size=64, callbacks=callbacks, validation_split=0.2)
print(sorted(os.listdir(workdir)))
