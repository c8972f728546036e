# Source: https://keras.io/examples/nlp/text_classification_from_scratch/
#   (keras-io examples/nlp/text_classification_from_scratch.py: TextVectorization, Embedding,
#   Conv1D and GlobalMaxPooling1D over raw review strings)
# Kind: recurrent/sequence (expected unsupported until text and sequence layers land)
# Original import lines: import keras / from keras import layers
# Data: the aclImdb folder -> a few synthetic strings
import numpy as np

from core import keras
from core.keras import layers

max_features = 20000
sequence_length = 500
vectorize_layer = layers.TextVectorization(
    max_tokens=max_features, output_mode="int", output_sequence_length=sequence_length
)
texts = np.array(["a good film", "a bad film", "not good at all", "great acting"])
vectorize_layer.adapt(texts)
inputs = keras.Input(shape=(None,), dtype="int64")
x = layers.Embedding(max_features, 128)(inputs)
x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
x = layers.GlobalMaxPooling1D()(x)
predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
model = keras.Model(inputs, predictions)
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
