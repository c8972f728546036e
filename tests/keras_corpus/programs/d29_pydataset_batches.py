# Source: https://keras.io/api/utils/python_utils/#pydataset-class
#   (Keras API docs, keras.utils.PyDataset: a class with __len__ and __getitem__ returning
#   batches, passed to fit; here the batches are feature rows instead of image files)
# Kind: dense
# Original import lines: import keras / import math / import numpy as np
# Data: random arrays instead of image files on disk
import math

import numpy as np

from core import keras


class TabularPyDataset(keras.utils.PyDataset):
    def __init__(self, x_set, y_set, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y = x_set, y_set
        self.batch_size = batch_size

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, idx):
        low = idx * self.batch_size
        high = min(low + self.batch_size, len(self.x))
        return self.x[low:high], self.y[low:high]


rng = np.random.default_rng(29)
x = rng.normal(size=(1000, 12)).astype("float32")
y = (x[:, 0] - x[:, 1] > 0).astype("float32")
train = TabularPyDataset(x[:800], y[:800], batch_size=64)
val = TabularPyDataset(x[800:], y[800:], batch_size=64)
model = keras.Sequential(
    [
        keras.Input((12,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(train, validation_data=val, epochs=5)
print(model.evaluate(val, verbose=0))
