# Source: https://keras.io/examples/nlp/bidirectional_lstm_imdb/
#   (keras-io examples/nlp/bidirectional_lstm_imdb.py: Embedding + Bidirectional LSTM)
# Kind: recurrent
# Original import lines: import numpy as np / import keras / from keras import layers
# Data: keras.datasets.imdb -> synthetic padded sequences, fewer rows
import numpy as np

from core import keras
from core.keras import layers

max_features = 20000
maxlen = 200
inputs = keras.Input(shape=(None,), dtype="int32")
x = layers.Embedding(max_features, 128)(inputs)
x = layers.Bidirectional(layers.LSTM(64, return_sequences=True))(x)
x = layers.Bidirectional(layers.LSTM(64))(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
rng = np.random.default_rng(102)
x_train = keras.utils.pad_sequences(
    [list(rng.integers(1, max_features, 150)) for _ in range(200)], maxlen=maxlen
)
y_train = rng.integers(0, 2, 200)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=2)
