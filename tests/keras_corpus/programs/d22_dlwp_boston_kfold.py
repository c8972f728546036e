# Source: Deep Learning with Python, 2nd ed. (F. Chollet), chapter 4.3, "Predicting house
#   prices"; https://github.com/fchollet/deep-learning-with-python-notebooks: feature-wise
#   normalization, build_model(), K-fold validation with mae, final evaluate
# Kind: dense (tabular regression)
# Original import lines: from tensorflow import keras / from tensorflow.keras import layers
# Data: keras.datasets.boston_housing -> synthetic 13-feature rows, the same row counts
import numpy as np

from core import keras
from core.keras import layers

rng = np.random.default_rng(22)
train_data = rng.normal(5, 3, size=(404, 13))
test_data = rng.normal(5, 3, size=(102, 13))
coef = rng.normal(size=13)
train_targets = 22 + train_data @ coef + rng.normal(0, 2, 404)
test_targets = 22 + test_data @ coef + rng.normal(0, 2, 102)
mean = train_data.mean(axis=0)
train_data -= mean
std = train_data.std(axis=0)
train_data /= std
test_data -= mean
test_data /= std


def build_model():
    model = keras.Sequential(
        [layers.Dense(64, activation="relu"), layers.Dense(64, activation="relu"), layers.Dense(1)]
    )
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    return model


k = 4
num_val_samples = len(train_data) // k
num_epochs = 100
all_scores = []
for i in range(k):
    print(f"Processing fold #{i}")
    val_data = train_data[i * num_val_samples : (i + 1) * num_val_samples]
    val_targets = train_targets[i * num_val_samples : (i + 1) * num_val_samples]
    partial_train_data = np.concatenate(
        [train_data[: i * num_val_samples], train_data[(i + 1) * num_val_samples :]], axis=0
    )
    partial_train_targets = np.concatenate(
        [train_targets[: i * num_val_samples], train_targets[(i + 1) * num_val_samples :]], axis=0
    )
    model = build_model()
    model.fit(
        partial_train_data, partial_train_targets, epochs=num_epochs, batch_size=16, verbose=0
    )
    val_mse, val_mae = model.evaluate(val_data, val_targets, verbose=0)
    all_scores.append(val_mae)
print(all_scores, np.mean(all_scores))
model = build_model()
model.fit(train_data, train_targets, epochs=130, batch_size=16, verbose=0)
test_mse_score, test_mae_score = model.evaluate(test_data, test_targets)
print(test_mae_score)
predictions = model.predict(test_data)
print(predictions[0])
