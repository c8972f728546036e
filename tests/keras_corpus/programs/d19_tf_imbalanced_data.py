# Source: https://www.tensorflow.org/tutorials/structured_data/imbalanced_data
#   (Classification on imbalanced data: credit-card fraud - a METRICS list of confusion counts,
#   precision, recall, ROC and PR AUC, an output bias from the class ratio, EarlyStopping on
#   val_prc with restore_best_weights, class weights, save_weights/load_weights)
# Kind: dense (tabular)
# Original import lines: import tensorflow as tf / from tensorflow import keras
# Data: creditcard.csv (284807 x 30) -> synthetic standardized rows with 2 % positives, fewer rows
import os
import tempfile

import numpy as np
from sklearn.preprocessing import StandardScaler

import core as tf
from core import keras

rng = np.random.default_rng(19)
n = 6000
features = rng.normal(size=(n, 29))
labels = (rng.random(n) < 0.02).astype(int)
features[labels == 1, :4] += 2.0
train_features, val_features, test_features = features[:4000], features[4000:5000], features[5000:]
train_labels, val_labels, test_labels = labels[:4000], labels[4000:5000], labels[5000:]
scaler = StandardScaler()
train_features = scaler.fit_transform(train_features)
val_features = scaler.transform(val_features)
test_features = scaler.transform(test_features)
neg, pos = np.bincount(train_labels)
total = neg + pos

METRICS = [
    keras.metrics.BinaryCrossentropy(name="cross entropy"),
    keras.metrics.MeanSquaredError(name="Brier score"),
    keras.metrics.TruePositives(name="tp"),
    keras.metrics.FalsePositives(name="fp"),
    keras.metrics.TrueNegatives(name="tn"),
    keras.metrics.FalseNegatives(name="fn"),
    keras.metrics.BinaryAccuracy(name="accuracy"),
    keras.metrics.Precision(name="precision"),
    keras.metrics.Recall(name="recall"),
    keras.metrics.AUC(name="auc"),
    keras.metrics.AUC(name="prc", curve="PR"),
]


def make_model(metrics=METRICS, output_bias=None):
    if output_bias is not None:
        output_bias = tf.keras.initializers.Constant(output_bias)
    model = keras.Sequential(
        [
            keras.layers.Dense(16, activation="relu", input_shape=(train_features.shape[-1],)),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(1, activation="sigmoid", bias_initializer=output_bias),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss=keras.losses.BinaryCrossentropy(),
        metrics=metrics,
    )
    return model


EPOCHS = 100
BATCH_SIZE = 2048
early_stopping = tf.keras.callbacks.EarlyStopping(
    monitor="val_prc", verbose=1, patience=10, mode="max", restore_best_weights=True
)
model = make_model()
model.summary()
print(model.predict(train_features[:10]))
results = model.evaluate(train_features, train_labels, batch_size=BATCH_SIZE, verbose=0)
print(f"Loss: {results[0]:0.4f}")
initial_bias = np.log([pos / neg])
model = make_model(output_bias=initial_bias)
initial_weights = os.path.join(tempfile.mkdtemp(), "initial.weights.h5")
model.save_weights(initial_weights)

weighted_model = make_model()
weighted_model.load_weights(initial_weights)
weight_for_0 = (1 / neg) * (total / 2.0)
weight_for_1 = (1 / pos) * (total / 2.0)
class_weight = {0: weight_for_0, 1: weight_for_1}
weighted_history = weighted_model.fit(
    train_features,
    train_labels,
    batch_size=BATCH_SIZE,
    epochs=EPOCHS,
    callbacks=[early_stopping],
    validation_data=(val_features, val_labels),
    class_weight=class_weight,
)
weighted_results = weighted_model.evaluate(
    test_features, test_labels, batch_size=BATCH_SIZE, verbose=0
)
for name, value in zip(weighted_model.metrics_names, weighted_results):
    print(name, ": ", value)
