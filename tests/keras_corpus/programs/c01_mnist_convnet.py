# Source: https://keras.io/examples/vision/mnist_convnet/
#   (keras-io examples/vision/mnist_convnet.py: Conv2D + MaxPooling2D on MNIST)
# Kind: conv
# Original import lines: import numpy as np / import keras / from keras import layers
# Data: keras.datasets.mnist -> synthetic arrays of the same shapes, fewer rows
import numpy as np

from core import keras
from core.keras import layers

num_classes = 10
input_shape = (28, 28, 1)
rng = np.random.default_rng(101)
x_train = rng.random((1000, 28, 28)).astype("float32")
y_train = keras.utils.to_categorical(rng.integers(0, 10, 1000), num_classes)
x_train = np.expand_dims(x_train, -1)
model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=128, epochs=15, validation_split=0.1)
