# Source: https://keras.io/guides/serialization_and_saving/
#   (keras-io guides/serialization_and_saving.py: model.save / load_model round trip, a custom
#   registered layer with get_config, to_json / model_from_json, weights transfer with
#   get_weights/set_weights and save_weights/load_weights)
# Kind: dense
# Original import line: import keras
# Data: random arrays, as in the guide
import os
import tempfile

import numpy as np

from core import keras

workdir = tempfile.mkdtemp()


def get_model():
    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(), loss="mean_squared_error")
    return model


model = get_model()
test_input = np.random.random((128, 32))
test_target = np.random.random((128, 1))
model.fit(test_input, test_target)
path = os.path.join(workdir, "my_model.keras")
model.save(path)
reconstructed_model = keras.models.load_model(path)
np.testing.assert_allclose(model.predict(test_input), reconstructed_model.predict(test_input))
reconstructed_model.fit(test_input, test_target)

json_config = model.to_json()
new_model = keras.models.model_from_json(json_config)
new_model.set_weights(model.get_weights())
np.testing.assert_allclose(model.predict(test_input), new_model.predict(test_input))

sequential_model = keras.Sequential(
    [
        keras.Input(shape=(784,), name="digits"),
        keras.layers.Dense(64, activation="relu", name="dense_1"),
        keras.layers.Dense(64, activation="relu", name="dense_2"),
        keras.layers.Dense(10, name="predictions"),
    ]
)
weights_path = os.path.join(workdir, "ckpt.weights.h5")
sequential_model.save_weights(weights_path)
cloned = keras.models.clone_model(sequential_model)
cloned.load_weights(weights_path)
for a, b in zip(cloned.get_weights(), sequential_model.get_weights()):
    np.testing.assert_allclose(a, b)
print(sequential_model.get_layer("dense_1").get_weights()[0].shape)
print(len(sequential_model.layers[1].get_weights()))
