# Source: https://keras.io/examples/timeseries/timeseries_classification_from_scratch/
#   (keras-io examples/timeseries/timeseries_classification_from_scratch.py: Conv1D blocks with
#   BatchNormalization and GlobalAveragePooling1D on the FordA series)
# Kind: conv
# Original import lines: import keras / import numpy as np
# Data: FordA_TRAIN.tsv -> synthetic series of length 500, fewer rows
import numpy as np

from core import keras

rng = np.random.default_rng(106)
x_train = rng.normal(size=(200, 500, 1)).astype("float32")
y_train = rng.integers(0, 2, 200)


def make_model(input_shape):
    input_layer = keras.layers.Input(input_shape)
    conv1 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(input_layer)
    conv1 = keras.layers.BatchNormalization()(conv1)
    conv1 = keras.layers.ReLU()(conv1)
    gap = keras.layers.GlobalAveragePooling1D()(conv1)
    output_layer = keras.layers.Dense(2, activation="softmax")(gap)
    return keras.models.Model(inputs=input_layer, outputs=output_layer)


model = make_model(input_shape=x_train.shape[1:])
model.compile(
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
    metrics=["sparse_categorical_accuracy"],
)
model.fit(x_train, y_train, batch_size=32, epochs=5, validation_split=0.2)
