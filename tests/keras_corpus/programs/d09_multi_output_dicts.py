# Source: https://keras.io/guides/training_with_built_in_methods/#passing-data-to-multi-input-multi-output-models
#   (keras-io guides/training_with_built_in_methods.py: two inputs, two named outputs, losses,
#   per-output metric lists and loss weights given as dicts keyed by output name; here the
#   inputs are flat feature vectors instead of image and time-series tensors)
# Kind: dense
# Original import lines: import keras / from keras import layers
# Data: random arrays, as in the guide
import numpy as np

from core import keras
from core.keras import layers

image_input = keras.Input(shape=(64,), name="img_input")
timeseries_input = keras.Input(shape=(20,), name="ts_input")
x1 = layers.Dense(32, activation="relu")(image_input)
x2 = layers.Dense(32, activation="relu")(timeseries_input)
x = layers.concatenate([x1, x2])
score_output = layers.Dense(1, name="score_output")(x)
class_output = layers.Dense(5, name="class_output")(x)
model = keras.Model(inputs=[image_input, timeseries_input], outputs=[score_output, class_output])

model.compile(
    optimizer=keras.optimizers.RMSprop(1e-3),
    loss={
        "score_output": keras.losses.MeanSquaredError(),
        "class_output": keras.losses.CategoricalCrossentropy(from_logits=True),
    },
    metrics={
        "score_output": [
            keras.metrics.MeanAbsolutePercentageError(),
            keras.metrics.MeanAbsoluteError(),
        ],
        "class_output": [keras.metrics.CategoricalAccuracy()],
    },
    loss_weights={"score_output": 2.0, "class_output": 1.0},
)
img_data = np.random.random_sample(size=(100, 64))
ts_data = np.random.random_sample(size=(100, 20))
score_targets = np.random.random_sample(size=(100, 1))
class_targets = np.random.random_sample(size=(100, 5))
model.fit([img_data, ts_data], [score_targets, class_targets], batch_size=32, epochs=1)
model.fit(
    {"img_input": img_data, "ts_input": ts_data},
    {"score_output": score_targets, "class_output": class_targets},
    batch_size=32,
    epochs=1,
)
