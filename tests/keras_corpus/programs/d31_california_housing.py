# Source: https://keras.io/api/datasets/california_housing/ plus the regression pattern of
#   "Hands-On Machine Learning" (A. Geron, 3rd ed.) chapter 10, "Building a Regression MLP
#   Using the Sequential API": Normalization adapted to the training set, Dense 50-50-50-1,
#   mse loss with RootMeanSquaredError, evaluate and predict on new rows
# Kind: dense (tabular regression)
# Original import line: import tensorflow as tf
# Data: keras.datasets.california_housing -> synthetic 8-feature rows, fewer of them
import numpy as np

import core as tf

tf.random.set_seed(42)
rng = np.random.default_rng(31)
x = rng.normal(size=(3000, 8)).astype("float32") * [2, 12, 2, 0.5, 1000, 3, 2, 2] + 5
y = (x[:, 0] * 0.4 + rng.normal(0, 0.5, 3000)).astype("float32")
X_train_full, X_test, y_train_full, y_test = x[:2500], x[2500:], y[:2500], y[2500:]
X_train, X_valid = X_train_full[:2000], X_train_full[2000:]
y_train, y_valid = y_train_full[:2000], y_train_full[2000:]

norm_layer = tf.keras.layers.Normalization(input_shape=X_train.shape[1:])
model = tf.keras.Sequential(
    [
        norm_layer,
        tf.keras.layers.Dense(50, activation="relu"),
        tf.keras.layers.Dense(50, activation="relu"),
        tf.keras.layers.Dense(50, activation="relu"),
        tf.keras.layers.Dense(1),
    ]
)
optimizer = tf.keras.optimizers.Adam(learning_rate=1e-3)
model.compile(loss="mse", optimizer=optimizer, metrics=["RootMeanSquaredError"])
norm_layer.adapt(X_train)
history = model.fit(X_train, y_train, epochs=20, validation_data=(X_valid, y_valid))
mse_test, rmse_test = model.evaluate(X_test, y_test)
X_new = X_test[:3]
y_pred = model.predict(X_new)
print(rmse_test, y_pred.ravel())
