# Source: https://keras.io/api/callbacks/learning_rate_scheduler/ ,
#   https://keras.io/api/callbacks/csv_logger/ and https://keras.io/api/callbacks/backup_and_restore/
#   (Keras API docs examples: a schedule(epoch, lr) function, a CSVLogger file, and
#   BackupAndRestore resuming an interrupted fit)
# Kind: dense
# Original import lines: import keras / import numpy as np
# Data: random arrays, as in the docs
import os
import tempfile

import numpy as np

from core import keras


def scheduler(epoch, lr):
    if epoch < 10:
        return lr
    else:
        return lr * np.exp(-0.1)


model = keras.models.Sequential([keras.layers.Dense(10)])
model.compile(keras.optimizers.SGD(), loss="mse")
print(round(model.optimizer.learning_rate, 5))
callback = keras.callbacks.LearningRateScheduler(scheduler)
history = model.fit(
    np.arange(100).reshape(5, 20), np.zeros(5), epochs=15, callbacks=[callback], verbose=0
)
print(round(model.optimizer.learning_rate, 5))

log_path = os.path.join(tempfile.mkdtemp(), "training.log")
csv_logger = keras.callbacks.CSVLogger(log_path)
model.fit(np.arange(100).reshape(5, 20), np.zeros(5), epochs=3, callbacks=[csv_logger], verbose=0)
print(open(log_path).read())


class InterruptingCallback(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 4:
            raise RuntimeError("Interrupting!")


backup_dir = os.path.join(tempfile.mkdtemp(), "backup")
callback = keras.callbacks.BackupAndRestore(backup_dir=backup_dir)
model = keras.models.Sequential([keras.layers.Dense(10)])
model.compile(keras.optimizers.SGD(), loss="mse")
try:
    model.fit(
        np.arange(100).reshape(5, 20),
        np.zeros(5),
        epochs=10,
        batch_size=1,
        callbacks=[callback, InterruptingCallback()],
        verbose=0,
    )
except Exception:
    pass
history = model.fit(
    np.arange(100).reshape(5, 20),
    np.zeros(5),
    epochs=10,
    batch_size=1,
    callbacks=[callback],
    verbose=0,
)
print(len(history.history["loss"]))
