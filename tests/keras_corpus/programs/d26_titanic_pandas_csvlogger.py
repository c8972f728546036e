# Source: https://www.kaggle.com/c/titanic (a common Keras pattern from the "Titanic with Keras"
#   notebooks): pandas preprocessing with get_dummies and fillna, a Dense network trained on a
#   DataFrame with validation_split, ModelCheckpoint of the best weights and a CSVLogger
# Kind: dense (tabular)
# Original import lines: from tensorflow import keras /
#   from tensorflow.keras.callbacks import ModelCheckpoint, CSVLogger
# Data: train.csv from Kaggle -> a synthetic DataFrame with the same columns
import os
import tempfile

import numpy as np
import pandas as pd

from core import keras
from core.keras.callbacks import CSVLogger, ModelCheckpoint

rng = np.random.default_rng(26)
n = 891
df = pd.DataFrame(
    {
        "Pclass": rng.choice([1, 2, 3], n),
        "Sex": rng.choice(["male", "female"], n),
        "Age": np.where(rng.random(n) < 0.2, np.nan, rng.uniform(1, 80, n)),
        "SibSp": rng.integers(0, 5, n),
        "Parch": rng.integers(0, 4, n),
        "Fare": rng.exponential(30, n),
        "Embarked": rng.choice(["S", "C", "Q"], n),
    }
)
df["Survived"] = ((df["Sex"] == "female") | (rng.random(n) < 0.2)).astype(int)
df["Age"] = df["Age"].fillna(df["Age"].median())
df = pd.get_dummies(df, columns=["Sex", "Embarked", "Pclass"], dtype=float)
y = df.pop("Survived")
X = (df - df.mean()) / df.std()

model = keras.Sequential(
    [
        keras.layers.Dense(32, activation="relu", input_shape=(X.shape[1],)),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
out = tempfile.mkdtemp()
callbacks = [
    ModelCheckpoint(
        os.path.join(out, "best.weights.h5"),
        monitor="val_accuracy",
        save_best_only=True,
        save_weights_only=True,
    ),
    CSVLogger(os.path.join(out, "training.log")),
]
history = model.fit(
    X, y, validation_split=0.2, epochs=50, batch_size=32, callbacks=callbacks, verbose=2
)
model.load_weights(os.path.join(out, "best.weights.h5"))
print(open(os.path.join(out, "training.log")).read().splitlines()[:3])
print(max(history.history["val_accuracy"]))
