# Source: https://www.tensorflow.org/tutorials/images/cnn
#   (Convolutional Neural Network: CIFAR-10 with Conv2D/MaxPooling2D then Dense)
# Kind: conv
# Original import lines: import tensorflow as tf / from tensorflow.keras import datasets, layers, models
# Data: datasets.cifar10 -> synthetic 32x32x3 images, fewer rows
import numpy as np

import core as tf
from core.keras import layers, models

rng = np.random.default_rng(104)
train_images = rng.random((500, 32, 32, 3)).astype("float32")
train_labels = rng.integers(0, 10, (500, 1))
model = models.Sequential()
model.add(layers.Conv2D(32, (3, 3), activation="relu", input_shape=(32, 32, 3)))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Conv2D(64, (3, 3), activation="relu"))
model.add(layers.Flatten())
model.add(layers.Dense(64, activation="relu"))
model.add(layers.Dense(10))
model.compile(
    optimizer="adam",
    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
model.fit(train_images, train_labels, epochs=10)
