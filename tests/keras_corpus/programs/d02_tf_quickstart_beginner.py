# Source: https://www.tensorflow.org/tutorials/quickstart/beginner
#   (TensorFlow 2 quickstart for beginners: MNIST MLP, logits, a Softmax probability model)
# Kind: dense
# Original import line: import tensorflow as tf
# Data: tf.keras.datasets.mnist -> synthetic uint8 images (28x28) and labels 0-9, fewer rows
import numpy as np

import core as tf

print("TensorFlow version:", tf.__version__)
rng = np.random.default_rng(0)
x_train, y_train = rng.integers(0, 256, (2000, 28, 28)), rng.integers(0, 10, 2000)
x_test, y_test = rng.integers(0, 256, (500, 28, 28)), rng.integers(0, 10, 500)
x_train, x_test = x_train / 255.0, x_test / 255.0

model = tf.keras.models.Sequential(
    [
        tf.keras.layers.Flatten(input_shape=(28, 28)),
        tf.keras.layers.Dense(128, activation="relu"),
        tf.keras.layers.Dropout(0.2),
        tf.keras.layers.Dense(10),
    ]
)
predictions = model(x_train[:1]).numpy()
print(predictions)
print(tf.nn.softmax(predictions).numpy())
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
print(loss_fn(y_train[:1], predictions).numpy())
model.compile(optimizer="adam", loss=loss_fn, metrics=["accuracy"])
model.fit(x_train, y_train, epochs=5)
model.evaluate(x_test, y_test, verbose=2)
probability_model = tf.keras.Sequential([model, tf.keras.layers.Softmax()])
print(probability_model(x_test[:5]))
