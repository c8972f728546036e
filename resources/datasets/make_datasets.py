"""Regenerate the bundled datasets in this folder (fixed seeds, deterministic).

    python resources/datasets/make_datasets.py

iris.csv, diabetes.csv and digits.csv are converted from copies that
scikit-learn ships; the 2-D toy sets come from `core.data.generators`;
seed_binary.csv is a synthetic table in the spirit of the Pima Indians
diabetes data; reviews.csv (short film reviews) and load.csv (an hourly
electricity load) are generated here.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd

from core.data.generators import circles, spiral, two_moons, xor

HERE = Path(__file__).resolve().parent


def _sklearn_data() -> Path:
    import sklearn

    return Path(sklearn.__file__).resolve().parent / "datasets" / "data"


def make_iris() -> None:
    raw = pd.read_csv(_sklearn_data() / "iris.csv", skiprows=1, header=None)
    names = np.array(["setosa", "versicolor", "virginica"])
    df = pd.DataFrame(
        raw.iloc[:, :4].to_numpy(),
        columns=["sepal_length", "sepal_width", "petal_length", "petal_width"],
    )
    df["species"] = names[raw.iloc[:, 4].to_numpy().astype(int)]
    df.to_csv(HERE / "iris.csv", index=False)


def make_diabetes() -> None:
    data = _sklearn_data()
    with gzip.open(data / "diabetes_data_raw.csv.gz", "rt") as fh:
        x = np.loadtxt(fh)
    with gzip.open(data / "diabetes_target.csv.gz", "rt") as fh:
        y = np.loadtxt(fh)
    cols = [
        "age",
        "sex",
        "bmi",
        "blood_pressure",
        "total_cholesterol",
        "ldl",
        "hdl",
        "cholesterol_hdl_ratio",
        "log_triglycerides",
        "blood_sugar",
    ]
    df = pd.DataFrame(x, columns=cols)
    df["progression"] = y.astype(int)
    df.to_csv(HERE / "diabetes.csv", index=False, float_format="%.4g")


def make_toys() -> None:
    for name, fn in (
        ("two_moons", two_moons),
        ("circles", circles),
        ("xor", xor),
        ("spiral", spiral),
    ):
        rng = np.random.default_rng(7)
        noise = {"two_moons": 0.1, "circles": 0.08, "xor": 0.05, "spiral": 0.03}[name]
        x, y = fn(300, noise, rng)
        df = pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "label": y})
        df.to_csv(HERE / f"{name}.csv", index=False, float_format="%.4f")


def make_seed_binary(n: int = 768, seed: int = 1234) -> pd.DataFrame:
    """8 numeric features + a 0/1 outcome, about 35% positive; a linear model
    reaches roughly 78% accuracy (the label has irreducible noise)."""
    rng = np.random.default_rng(seed)
    pregnancies = rng.poisson(3.8, n).clip(0, 17)
    age = (21 + rng.gamma(2.0, 6.0, n) + 1.2 * pregnancies).clip(21, 81).round()
    glucose = rng.normal(121, 30, n).clip(44, 199).round()
    blood_pressure = (rng.normal(69, 12, n) + 0.15 * (age - 33)).clip(24, 122).round()
    skin = rng.normal(29, 10, n).clip(7, 99).round()
    bmi = (rng.normal(32, 7, n) + 0.1 * (skin - 29)).clip(18, 67).round(1)
    insulin = (rng.gamma(2.0, 50.0, n) + 0.8 * (glucose - 120)).clip(14, 846).round()
    pedigree = rng.gamma(2.0, 0.24, n).clip(0.078, 2.42).round(3)
    z = (
        1.7
        * (
            0.035 * (glucose - 121)
            + 0.09 * (bmi - 32)
            + 0.9 * (pedigree - 0.47)
            + 0.025 * (age - 33)
            + 0.06 * (pregnancies - 3.8)
            - 0.004 * (blood_pressure - 69)
        )
        - 0.95
    )
    outcome = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return pd.DataFrame(
        {
            "pregnancies": pregnancies,
            "glucose": glucose,
            "blood_pressure": blood_pressure,
            "skin_thickness": skin,
            "insulin": insulin,
            "bmi": bmi,
            "pedigree": pedigree,
            "age": age.astype(int),
            "outcome": outcome,
        }
    ).astype({"glucose": int, "blood_pressure": int, "skin_thickness": int, "insulin": int})


def make_digits() -> None:
    """scikit-learn's bundled copy of the UCI 8x8 digits: 64 pixel columns (0..16, row by
    row) and the digit."""
    with gzip.open(_sklearn_data() / "digits.csv.gz", "rt") as fh:
        data = np.loadtxt(fh, delimiter=",")
    df = pd.DataFrame(data[:, :64].astype(int), columns=[f"pixel{i}" for i in range(64)])
    df["digit"] = data[:, 64].astype(int)
    df.to_csv(HERE / "digits.csv", index=False)


SUBJECTS = (
    "the film",
    "this movie",
    "the plot",
    "the acting",
    "the soundtrack",
    "the ending",
    "the story",
    "the cast",
    "the dialogue",
    "the camera work",
    "the script",
    "the pacing",
)
VERBS = ("was", "is", "felt", "seemed", "looked")
POSITIVE = (
    "great",
    "wonderful",
    "moving",
    "clever",
    "funny",
    "beautiful",
    "gripping",
    "charming",
    "brilliant",
    "memorable",
    "fresh",
    "delightful",
)
NEGATIVE = (
    "dull",
    "boring",
    "clumsy",
    "predictable",
    "weak",
    "awful",
    "tedious",
    "forgettable",
    "messy",
    "shallow",
    "bland",
    "painful",
)
INTENSIFIERS = ("", "", "very ", "really ", "quite ", "truly ", "rather ")
OPENERS = ("", "", "", "honestly, ", "i think ", "overall ", "to be fair ", "frankly ")
JOINERS = (" and ", ", ", " but ", ". ")


def _clause(rng: np.random.Generator) -> tuple[str, bool]:
    """One statement and whether it is positive: a word of either kind, maybe negated
    ("was not funny" is negative, "was not boring" positive)."""
    positive_word = bool(rng.random() < 0.5)
    negated = bool(rng.random() < 0.3)
    adjective = str(rng.choice(POSITIVE if positive_word else NEGATIVE))
    degree = "not " if negated else str(rng.choice(INTENSIFIERS))
    text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {degree}{adjective}"
    return text, positive_word != negated


def make_reviews(n: int = 1500, seed: int = 2024) -> pd.DataFrame:
    """Generated one-line film reviews: one or three statements; the sentiment is the
    majority of the statements' (negation flips a statement, so word order matters)."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        parts = [_clause(rng) for _ in range(int(rng.choice([1, 3], p=[0.6, 0.4])))]
        text = parts[0][0]
        for clause, _ in parts[1:]:
            joiner = str(rng.choice(JOINERS))
            text += joiner + (clause[0].upper() + clause[1:] if joiner == ". " else clause)
        text = str(rng.choice(OPENERS)) + text
        text = text[0].upper() + text[1:] + str(rng.choice([".", ".", "!", "..."]))
        votes = sum(1 if positive else -1 for _, positive in parts)
        rows.append((text, "positive" if votes > 0 else "negative"))
    return pd.DataFrame(rows, columns=["review", "sentiment"])


def make_load(weeks: int = 8, seed: int = 11) -> pd.DataFrame:
    """Generated hourly electricity load (MW): an evening and a morning peak, lower
    weekends, a slow rise, and autocorrelated noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(24 * 7 * weeks)
    hour, day = t % 24, (t // 24) % 7
    daily = 12 * np.exp(-((hour - 19) ** 2) / 18) + 6 * np.exp(-((hour - 8) ** 2) / 8)
    weekly = np.where(day >= 5, -5.0, 0.0)
    noise = np.zeros(len(t))
    shocks = rng.normal(0.0, 1.0, len(t))
    for i in range(1, len(t)):
        noise[i] = 0.8 * noise[i - 1] + shocks[i]
    load = 50 + daily + weekly + 0.004 * t + noise
    stamps = pd.date_range("2024-01-01", periods=len(t), freq="h").strftime("%Y-%m-%d %H:%M")
    return pd.DataFrame({"time": stamps, "load_mw": np.round(load, 2)})


def main() -> None:
    make_iris()
    make_diabetes()
    make_toys()
    make_seed_binary().to_csv(HERE / "seed_binary.csv", index=False)
    make_digits()
    make_reviews().to_csv(HERE / "reviews.csv", index=False)
    make_load().to_csv(HERE / "load.csv", index=False)


if __name__ == "__main__":
    main()
