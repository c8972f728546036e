# Source: https://keras.io/guides/custom_train_step_in_tensorflow/#providing-your-own-evaluation-step
#   (keras-io guides/custom_train_step_in_tensorflow.py: overriding test_step, then evaluate)
# Kind: dense
# Original import line: import keras
# Data: random arrays, as in the guide
import numpy as np

from core import keras


class CustomModel(keras.Model):
    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


inputs = keras.Input(shape=(32,))
outputs = keras.layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)
model.compile(loss="mse", metrics=["mae"])
x = np.random.random((1000, 32))
y = np.random.random((1000, 1))
model.fit(x, y, epochs=2, verbose=0)
print(model.evaluate(x, y))
