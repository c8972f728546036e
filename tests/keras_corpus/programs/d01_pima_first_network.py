# Source: https://machinelearningmastery.com/tutorial-first-neural-network-python-keras/
#   ("Your First Deep Learning Project in Python with Keras Step-by-Step": Pima diabetes MLP)
# Kind: dense
# Original import lines: from keras.models import Sequential / from keras.layers import Dense
# Data: pima-indians-diabetes.csv (768 x 8 features, 0/1 outcome) -> synthetic rows, same shape
import numpy as np

from core.keras.layers import Dense
from core.keras.models import Sequential

rng = np.random.default_rng(7)
dataset = np.column_stack([rng.normal(size=(768, 8)) * 10 + 50, rng.integers(0, 2, 768)])
X = dataset[:, 0:8]
y = dataset[:, 8]

model = Sequential()
model.add(Dense(12, input_shape=(8,), activation="relu"))
model.add(Dense(8, activation="relu"))
model.add(Dense(1, activation="sigmoid"))
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(X, y, epochs=150, batch_size=10, verbose=0)
_, accuracy = model.evaluate(X, y, verbose=0)
print("Accuracy: %.2f" % (accuracy * 100))
predictions = (model.predict(X, verbose=0) > 0.5).astype(int)
for i in range(5):
    print("%s => %d (expected %d)" % (X[i].tolist(), predictions[i, 0], y[i]))
