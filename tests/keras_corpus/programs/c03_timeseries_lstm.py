# Source: https://keras.io/examples/timeseries/timeseries_weather_forecasting/
#   (keras-io examples/timeseries/timeseries_weather_forecasting.py: an LSTM(32) regressor on
#   windows of weather features)
# Kind: recurrent
# Original import lines: import keras / import numpy as np
# Data: the Jena climate CSV -> synthetic windows of the same shape, fewer of them
import numpy as np

from core import keras

rng = np.random.default_rng(103)
inputs_np = rng.normal(size=(256, 120, 7)).astype("float32")
targets = rng.normal(size=(256, 1)).astype("float32")
inputs = keras.layers.Input(shape=(inputs_np.shape[1], inputs_np.shape[2]))
lstm_out = keras.layers.LSTM(32)(inputs)
outputs = keras.layers.Dense(1)(lstm_out)
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
model.fit(inputs_np, targets, epochs=10, batch_size=64)
