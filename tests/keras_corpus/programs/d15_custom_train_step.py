# Source: https://keras.io/guides/custom_train_step_in_tensorflow/
#   (keras-io guides/custom_train_step_in_tensorflow.py: a keras.Model subclass overriding
#   train_step with tf.GradientTape, compute_loss, optimizer.apply and the metrics loop; the
#   model itself built with the functional API)
# Kind: dense
# Original import lines: import tensorflow as tf / import keras
# Data: random arrays, as in the guide
import numpy as np

import core as tf
from core import keras


class CustomModel(keras.Model):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


inputs = keras.Input(shape=(32,))
outputs = keras.layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
x = np.random.random((1000, 32))
y = np.random.random((1000, 1))
model.fit(x, y, epochs=3)
