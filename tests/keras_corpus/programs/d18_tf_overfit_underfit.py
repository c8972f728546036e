# Source: https://www.tensorflow.org/tutorials/keras/overfit_and_underfit
#   (Overfit and underfit: the Higgs dataset with 28 features; models of growing size, an
#   InverseTimeDecay schedule, BinaryCrossentropy from logits as loss and as a metric,
#   EarlyStopping on val_binary_crossentropy, L2 weight regularization and Dropout; the
#   tf.data pipeline is replaced by NumPy arrays)
# Kind: dense
# Original import lines: import tensorflow as tf / from tensorflow.keras import layers, regularizers
# Data: HIGGS.csv.gz (11M rows) -> synthetic 28-feature rows, fewer of them
import numpy as np

import core as tf
from core.keras import layers, regularizers

FEATURES = 28
N_TRAIN = 2000
BATCH_SIZE = 500
STEPS_PER_EPOCH = N_TRAIN // BATCH_SIZE
rng = np.random.default_rng(18)
features = rng.normal(size=(N_TRAIN + 500, FEATURES)).astype("float32")
labels = (features[:, :3].sum(axis=1) + rng.normal(size=N_TRAIN + 500) > 0).astype("float32")
train_x, train_y = features[:N_TRAIN], labels[:N_TRAIN]
validate_x, validate_y = features[N_TRAIN:], labels[N_TRAIN:]

lr_schedule = tf.keras.optimizers.schedules.InverseTimeDecay(
    0.001, decay_steps=STEPS_PER_EPOCH * 1000, decay_rate=1, staircase=False
)


def get_optimizer():
    return tf.keras.optimizers.Adam(lr_schedule)


def get_callbacks(name):
    return [tf.keras.callbacks.EarlyStopping(monitor="val_binary_crossentropy", patience=200)]


def compile_and_fit(model, name, optimizer=None, max_epochs=10000):
    if optimizer is None:
        optimizer = get_optimizer()
    model.compile(
        optimizer=optimizer,
        loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[
            tf.keras.metrics.BinaryCrossentropy(from_logits=True, name="binary_crossentropy"),
            "accuracy",
        ],
    )
    model.summary()
    history = model.fit(
        train_x,
        train_y,
        batch_size=BATCH_SIZE,
        epochs=max_epochs,
        validation_data=(validate_x, validate_y),
        callbacks=get_callbacks(name),
        verbose=0,
    )
    return history


size_histories = {}
tiny_model = tf.keras.Sequential(
    [layers.Dense(16, activation="elu", input_shape=(FEATURES,)), layers.Dense(1)]
)
size_histories["Tiny"] = compile_and_fit(tiny_model, "sizes/Tiny")
l2_model = tf.keras.Sequential(
    [
        layers.Dense(
            512,
            activation="elu",
            kernel_regularizer=regularizers.l2(0.0001),
            input_shape=(FEATURES,),
        ),
        layers.Dense(512, activation="elu", kernel_regularizer=regularizers.l2(0.0001)),
        layers.Dense(1),
    ]
)
size_histories["l2"] = compile_and_fit(l2_model, "regularizers/l2")
dropout_model = tf.keras.Sequential(
    [
        layers.Dense(512, activation="elu", input_shape=(FEATURES,)),
        layers.Dropout(0.5),
        layers.Dense(512, activation="elu"),
        layers.Dropout(0.5),
        layers.Dense(1),
    ]
)
size_histories["dropout"] = compile_and_fit(dropout_model, "regularizers/dropout")
for name, h in size_histories.items():
    print(name, h.history["val_binary_crossentropy"][-1])
