# Source: https://www.tensorflow.org/tutorials/keras/regression
#   (Basic regression: predict fuel efficiency - a pandas table, a Normalization layer adapted
#   to the features, a DNN trained with validation_split, history as a DataFrame, evaluate,
#   predict, save and reload as .keras)
# Kind: dense (tabular)
# Original import line: import tensorflow as tf
# Data: the Auto MPG CSV from the UCI site -> a synthetic DataFrame with the same columns
import os
import tempfile

import numpy as np
import pandas as pd

import core as tf

rng = np.random.default_rng(17)
n = 392
raw = pd.DataFrame(
    {
        "Cylinders": rng.choice([4, 6, 8], n).astype(float),
        "Displacement": rng.uniform(70, 450, n),
        "Horsepower": rng.uniform(45, 230, n),
        "Weight": rng.uniform(1600, 5100, n),
        "Acceleration": rng.uniform(8, 25, n),
        "Model Year": rng.integers(70, 83, n).astype(float),
        "Origin": rng.choice([1, 2, 3], n),
    }
)
raw["MPG"] = 60 - raw["Weight"] / 120 + rng.normal(0, 2, n)
dataset = raw.copy()
dataset["Origin"] = dataset["Origin"].map({1: "USA", 2: "Europe", 3: "Japan"})
dataset = pd.get_dummies(dataset, columns=["Origin"], prefix="", prefix_sep="")
train_dataset = dataset.sample(frac=0.8, random_state=0)
test_dataset = dataset.drop(train_dataset.index)
train_features = train_dataset.copy()
test_features = test_dataset.copy()
train_labels = train_features.pop("MPG")
test_labels = test_features.pop("MPG")

normalizer = tf.keras.layers.Normalization(axis=-1)
normalizer.adapt(np.array(train_features).astype("float32"))
print(normalizer.mean.numpy())


def build_and_compile_model(norm):
    model = tf.keras.Sequential(
        [
            norm,
            tf.keras.layers.Dense(64, activation="relu"),
            tf.keras.layers.Dense(64, activation="relu"),
            tf.keras.layers.Dense(1),
        ]
    )
    model.compile(loss="mean_absolute_error", optimizer=tf.keras.optimizers.Adam(0.001))
    return model


dnn_model = build_and_compile_model(normalizer)
history = dnn_model.fit(
    train_features.astype("float32"), train_labels, validation_split=0.2, verbose=0, epochs=100
)
hist = pd.DataFrame(history.history)
hist["epoch"] = history.epoch
print(hist.tail())
test_results = {
    "dnn_model": dnn_model.evaluate(test_features.astype("float32"), test_labels, verbose=0)
}
test_predictions = dnn_model.predict(test_features.astype("float32")).flatten()
path = os.path.join(tempfile.mkdtemp(), "dnn_model.keras")
dnn_model.save(path)
reloaded = tf.keras.models.load_model(path)
test_results["reloaded"] = reloaded.evaluate(
    test_features.astype("float32"), test_labels, verbose=0
)
print(pd.DataFrame(test_results, index=["Mean absolute error [MPG]"]).T)
