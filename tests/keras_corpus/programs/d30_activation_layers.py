# Source: https://keras.io/api/layers/activation_layers/ (ReLU, LeakyReLU, Softmax layer
#   docs) and https://keras.io/api/layers/normalization_layers/batch_normalization/: a model
#   using activation layers after linear Dense layers with BatchNormalization between
# Kind: dense
# Original import lines: import keras / from keras import layers
# Data: random arrays
import numpy as np

from core import keras
from core.keras import layers

layer = keras.layers.ReLU()
print(layer(np.array([-3.0, -1.0, 0.0, 2.0])).numpy())
layer = keras.layers.ReLU(max_value=1.0)
print(layer(np.array([-3.0, -1.0, 0.0, 2.0])).numpy())
layer = keras.layers.ReLU(negative_slope=1.0)
print(layer(np.array([-3.0, -1.0, 0.0, 2.0])).numpy())
leaky_relu_layer = keras.layers.LeakyReLU(negative_slope=0.5)
print(leaky_relu_layer(np.array([-3.0, -1.0, 0.0, 2.0])).numpy())
softmax_layer = keras.layers.Softmax()
print(softmax_layer(np.array([[1.0, 2.0, 1.0]])).numpy())

model = keras.Sequential(
    [
        keras.Input(shape=(20,)),
        layers.Dense(64),
        layers.BatchNormalization(),
        layers.LeakyReLU(negative_slope=0.1),
        layers.Dense(32),
        layers.ReLU(max_value=6.0),
        layers.Dense(4),
        layers.Softmax(),
    ]
)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
x = np.random.normal(size=(600, 20)).astype("float32")
y = np.random.randint(0, 4, 600)
model.fit(x, y, epochs=5, batch_size=32, validation_split=0.1)
model.summary()
