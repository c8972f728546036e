# Source: https://www.kaggle.com/code/ (a common pattern; e.g. "Breast Cancer Classification
#   with Keras" notebooks): scikit-learn's breast-cancer table, StandardScaler, Dense with
#   Dropout, EarlyStopping(restore_best_weights=True), history plots, predicted classes
# Kind: dense (tabular)
# Original import lines: from tensorflow.keras.models import Sequential /
#   from tensorflow.keras.layers import Dense, Dropout / from tensorflow.keras.callbacks import EarlyStopping
# Data: scikit-learn's bundled breast-cancer data (no download)
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from core.keras.callbacks import EarlyStopping
from core.keras.layers import Dense, Dropout
from core.keras.models import Sequential

data = load_breast_cancer()
X_train, X_test, y_train, y_test = train_test_split(
    data.data, data.target, test_size=0.25, random_state=101
)
scaler = StandardScaler()
X_train = scaler.fit_transform(X_train)
X_test = scaler.transform(X_test)

model = Sequential()
model.add(Dense(units=30, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(units=15, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(units=1, activation="sigmoid"))
model.compile(loss="binary_crossentropy", optimizer="adam")
early_stop = EarlyStopping(
    monitor="val_loss", mode="min", verbose=1, patience=25, restore_best_weights=True
)
model.fit(
    x=X_train,
    y=y_train,
    epochs=600,
    validation_data=(X_test, y_test),
    verbose=1,
    callbacks=[early_stop],
)
losses = model.history.history
print(len(losses["loss"]), losses["val_loss"][-1])
predictions = (model.predict(X_test) > 0.5).astype("int32")
print(classification_report(y_test, predictions))
