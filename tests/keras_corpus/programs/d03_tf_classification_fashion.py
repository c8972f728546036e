# Source: https://www.tensorflow.org/tutorials/keras/classification
#   (Basic classification: Fashion MNIST with Flatten + Dense, argmax of a probability model)
# Kind: dense
# Original import line: import tensorflow as tf
# Data: tf.keras.datasets.fashion_mnist -> synthetic 28x28 images and labels, fewer rows
import numpy as np

import core as tf

rng = np.random.default_rng(1)
train_images, train_labels = rng.integers(0, 256, (2000, 28, 28)), rng.integers(0, 10, 2000)
test_images, test_labels = rng.integers(0, 256, (400, 28, 28)), rng.integers(0, 10, 400)
class_names = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
train_images = train_images / 255.0
test_images = test_images / 255.0

model = tf.keras.Sequential(
    [
        tf.keras.layers.Flatten(input_shape=(28, 28)),
        tf.keras.layers.Dense(128, activation="relu"),
        tf.keras.layers.Dense(10),
    ]
)
model.compile(
    optimizer="adam",
    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
model.fit(train_images, train_labels, epochs=10)
test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
print("\nTest accuracy:", test_acc)
probability_model = tf.keras.Sequential([model, tf.keras.layers.Softmax()])
predictions = probability_model.predict(test_images)
print(predictions[0], np.argmax(predictions[0]), class_names[np.argmax(predictions[0])])
img = np.expand_dims(test_images[1], 0)
print(np.argmax(probability_model.predict(img)[0]))
