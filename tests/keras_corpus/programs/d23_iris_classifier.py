# Source: https://machinelearningmastery.com/multi-class-classification-tutorial-keras-deep-learning-library/
#   (Multi-class classification with Keras: the iris flowers, one-hot labels, Dense 8 relu +
#   softmax 3, categorical_crossentropy with adam; here without the scikit-learn wrapper)
# Kind: dense (tabular)
# Original import lines: from keras.models import Sequential / from keras.layers import Dense
#   / from keras.utils import to_categorical
# Data: iris.csv -> scikit-learn's bundled copy of the same data
import numpy as np
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split

from core.keras.layers import Dense
from core.keras.models import Sequential
from core.keras.utils import to_categorical

iris = load_iris()
X = iris.data.astype(float)
encoded_Y = iris.target
dummy_y = to_categorical(encoded_Y)
X_train, X_test, y_train, y_test = train_test_split(X, dummy_y, test_size=0.2, random_state=7)


def baseline_model():
    model = Sequential()
    model.add(Dense(8, input_shape=(4,), activation="relu"))
    model.add(Dense(3, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


model = baseline_model()
model.fit(X_train, y_train, epochs=200, batch_size=5, verbose=0)
loss, acc = model.evaluate(X_test, y_test, verbose=0)
print("Baseline: %.2f%%" % (acc * 100))
print(np.argmax(model.predict(X_test[:5]), axis=1), np.argmax(y_test[:5], axis=1))
