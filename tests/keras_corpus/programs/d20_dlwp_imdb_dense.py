# Source: Deep Learning with Python, 2nd ed. (F. Chollet), chapter 4.1, "Classifying movie
#   reviews"; code at https://github.com/fchollet/deep-learning-with-python-notebooks
#   (chapter04_getting-started-with-neural-networks.ipynb): multi-hot vectors, Dense 16-16-1
# Kind: dense
# Original import lines: from tensorflow import keras / from tensorflow.keras import layers
# Data: keras.datasets.imdb word-index sequences -> synthetic sequences, fewer reviews
import numpy as np

from core import keras
from core.keras import layers

rng = np.random.default_rng(20)
train_data = [list(rng.integers(1, 10000, rng.integers(20, 200))) for _ in range(2000)]
test_data = [list(rng.integers(1, 10000, rng.integers(20, 200))) for _ in range(500)]
train_labels = rng.integers(0, 2, 2000)
test_labels = rng.integers(0, 2, 500)


def vectorize_sequences(sequences, dimension=10000):
    results = np.zeros((len(sequences), dimension))
    for i, sequence in enumerate(sequences):
        for j in sequence:
            results[i, j] = 1.0
    return results


x_train = vectorize_sequences(train_data)
x_test = vectorize_sequences(test_data)
y_train = np.asarray(train_labels).astype("float32")
y_test = np.asarray(test_labels).astype("float32")

model = keras.Sequential(
    [
        layers.Dense(16, activation="relu"),
        layers.Dense(16, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
x_val, partial_x_train = x_train[:500], x_train[500:]
y_val, partial_y_train = y_train[:500], y_train[500:]
history = model.fit(
    partial_x_train, partial_y_train, epochs=20, batch_size=512, validation_data=(x_val, y_val)
)
history_dict = history.history
print(history_dict.keys())
loss_values = history_dict["loss"]
val_loss_values = history_dict["val_loss"]
epochs = range(1, len(loss_values) + 1)
results = model.evaluate(x_test, y_test)
print(results)
print(model.predict(x_test)[:3])
