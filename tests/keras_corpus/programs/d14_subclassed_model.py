# Source: https://keras.io/api/models/model/#by-subclassing-the-model-class
#   (Keras API docs, "By subclassing the Model class": layers in __init__, forward pass in
#   call(), an optional training argument; then compile/fit/evaluate/predict)
# Kind: dense
# Original import line: import keras
# Data: random arrays
import numpy as np

from core import keras


class MyModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense1 = keras.layers.Dense(32, activation="relu")
        self.dense2 = keras.layers.Dense(5, activation="softmax")
        self.dropout = keras.layers.Dropout(0.5)

    def call(self, inputs, training=False):
        x = self.dense1(inputs)
        x = self.dropout(x, training=training)
        return self.dense2(x)


model = MyModel()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
x = np.random.random((512, 20)).astype("float32")
y = np.random.randint(0, 5, size=(512,))
model.fit(x, y, epochs=3, batch_size=32)
print(model.evaluate(x, y, verbose=0))
print(model.predict(x[:4], verbose=0).shape)
model.summary()
print(len(model.trainable_weights))
