# Source: https://keras.io/guides/training_with_built_in_methods/
#   (github.com/keras-team/keras-io guides/training_with_built_in_methods.py: "a first end-to-end
#   example" - functional MNIST MLP, RMSprop, validation_data, evaluate, predict)
# Kind: dense
# Original import lines: import keras / from keras import layers
# Data: keras.datasets.mnist -> synthetic arrays of the same shapes, fewer rows
import numpy as np

from core import keras
from core.keras import layers

inputs = keras.Input(shape=(784,), name="digits")
x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
x = layers.Dense(64, activation="relu", name="dense_2")(x)
outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
model = keras.Model(inputs=inputs, outputs=outputs)

rng = np.random.default_rng(2)
x_train, y_train = rng.integers(0, 256, (3000, 28, 28)), rng.integers(0, 10, 3000)
x_test, y_test = rng.integers(0, 256, (500, 28, 28)), rng.integers(0, 10, 500)
x_train = x_train.reshape(3000, 784).astype("float32") / 255
x_test = x_test.reshape(500, 784).astype("float32") / 255
y_train = y_train.astype("float32")
y_test = y_test.astype("float32")
x_val, y_val = x_train[-500:], y_train[-500:]
x_train, y_train = x_train[:-500], y_train[:-500]

model.compile(
    optimizer=keras.optimizers.RMSprop(),
    loss=keras.losses.SparseCategoricalCrossentropy(),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
)
history = model.fit(x_train, y_train, batch_size=64, epochs=2, validation_data=(x_val, y_val))
print(history.history)
results = model.evaluate(x_test, y_test, batch_size=128)
print("test loss, test acc:", results)
predictions = model.predict(x_test[:3])
print("predictions shape:", predictions.shape)
