# Source: Deep Learning with Python, 2nd ed. (F. Chollet), chapter 4.2, "Classifying newswires";
#   https://github.com/fchollet/deep-learning-with-python-notebooks (chapter04...ipynb):
#   46-way softmax over multi-hot vectors, to_categorical labels, categorical_crossentropy
# Kind: dense
# Original import lines: from tensorflow import keras / from tensorflow.keras import layers
#   / from tensorflow.keras.utils import to_categorical
# Data: keras.datasets.reuters -> synthetic sequences and 46 topic labels, fewer rows
import numpy as np

from core import keras
from core.keras import layers
from core.keras.utils import to_categorical

rng = np.random.default_rng(21)
train_data = [list(rng.integers(1, 10000, rng.integers(20, 120))) for _ in range(1500)]
test_data = [list(rng.integers(1, 10000, rng.integers(20, 120))) for _ in range(300)]
train_labels = rng.integers(0, 46, 1500)
test_labels = rng.integers(0, 46, 300)


def vectorize_sequences(sequences, dimension=10000):
    results = np.zeros((len(sequences), dimension))
    for i, sequence in enumerate(sequences):
        for j in sequence:
            results[i, j] = 1.0
    return results


x_train = vectorize_sequences(train_data)
x_test = vectorize_sequences(test_data)
y_train = to_categorical(train_labels)
y_test = to_categorical(test_labels)
model = keras.Sequential(
    [
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(46, activation="softmax"),
    ]
)
model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
x_val, partial_x_train = x_train[:300], x_train[300:]
y_val, partial_y_train = y_train[:300], y_train[300:]
history = model.fit(
    partial_x_train, partial_y_train, epochs=20, batch_size=512, validation_data=(x_val, y_val)
)
results = model.evaluate(x_test, y_test)
print(results)
predictions = model.predict(x_test)
print(predictions[0].shape, np.sum(predictions[0]), np.argmax(predictions[0]))
