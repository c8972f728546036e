# Source: https://github.com/topics/xor-neural-network (the classic Keras XOR script, e.g.
#   "Solving XOR with a neural network in Keras"): Dense 8 tanh + Dense 1 sigmoid, SGD(lr=0.1),
#   binary_crossentropy, many tiny epochs, predictions rounded
# Kind: dense
# Original import lines: from keras.models import Sequential / from keras.layers import Dense
#   / from keras.optimizers import SGD
# Data: the four XOR rows (no download)
import numpy as np

from core.keras.layers import Dense
from core.keras.models import Sequential
from core.keras.optimizers import SGD

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], "float32")
y = np.array([[0], [1], [1], [0]], "float32")

model = Sequential()
model.add(Dense(8, input_dim=2, activation="tanh"))
model.add(Dense(1, activation="sigmoid"))
sgd = SGD(learning_rate=0.1)
model.compile(loss="binary_crossentropy", optimizer=sgd, metrics=["binary_accuracy"])
model.fit(X, y, batch_size=1, epochs=1000, verbose=0)
print(model.predict(X).round())
print(model.get_weights()[0].shape)
