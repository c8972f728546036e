"""Profiles, task detection, the fitted pipeline, splits and the bad-input
cases that only show up when a table becomes training data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data import (
    DataConfig,
    DataError,
    Pipeline,
    detect_task,
    load_dataset,
    prepare,
    profile_table,
    read_csv,
    split_indices,
    suggest_target,
)
from core.errors import ConfigError


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def mixed_csv(tmp_path: Path, n: int = 120, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "age": rng.integers(18, 80, n),
            "income": rng.normal(50_000, 12_000, n).round(2),
            "color": rng.choice(["red", "green", "blue"], n),
            "member": rng.choice(["yes", "no"], n),
            "comment": [f"free text comment number {i} here" for i in range(n)],
            "const": 7,
            "label": rng.choice(["malignant", "benign"], n),
        }
    )
    df.loc[3, "income"] = np.nan
    df.loc[5, "color"] = np.nan
    p = tmp_path / "mixed.csv"
    df.to_csv(p, index=False)
    return p


def test_profile_kinds_and_roles(tmp_path: Path) -> None:
    t = read_csv(mixed_csv(tmp_path))
    prof = {p.name: p for p in profile_table(t)}
    assert prof["id"].kind == "identifier" and prof["id"].suggested_role == "ignore"
    assert "identifier" in prof["id"].reason
    assert prof["age"].kind == "numeric" and prof["age"].suggested_role == "feature"
    assert prof["income"].missing == 1
    assert prof["color"].kind == "categorical" and prof["color"].distinct == 3
    assert prof["member"].kind == "boolean"
    assert prof["comment"].kind == "text" and "free text" in prof["comment"].reason
    assert prof["const"].kind == "constant" and "constant" in prof["const"].reason
    assert prof["label"].suggested_role == "target"
    assert suggest_target(list(prof.values())) == "label"
    assert prof["age"].minimum is not None and prof["age"].maximum is not None
    assert sum(c for _, c in prof["label"].top) == 120


def test_detect_task_binary_multiclass_regression(tmp_path: Path) -> None:
    t = read_csv(mixed_csv(tmp_path))
    b = detect_task(t, "label")
    assert (b.kind, b.class_labels, b.output_units, b.output_activation, b.loss) == (
        "binary",
        ("benign", "malignant"),
        1,
        "sigmoid",
        "binary_crossentropy",
    )
    assert b.metrics == ("accuracy",)
    m = detect_task(t, "color")
    assert (m.kind, m.n_classes, m.output_units, m.output_activation, m.loss) == (
        "multiclass",
        3,
        3,
        "softmax",
        "categorical_crossentropy",
    )
    r = detect_task(t, "income")
    assert (r.kind, r.output_units, r.output_activation, r.loss, r.metrics) == (
        "regression",
        1,
        "linear",
        "mean_squared_error",
        ("mae", "r2"),
    )


def test_class_labels_kept_as_written(tmp_path: Path) -> None:
    p = write(tmp_path, "x,y\n" + "".join(f"{i},class_{i % 3}\n" for i in range(30)))
    assert detect_task(read_csv(p), "y").class_labels == ("class_0", "class_1", "class_2")
    p2 = write(tmp_path, "x,y\n" + "".join(f"{i},{(i % 3) * 5}\n" for i in range(30)), "b.csv")
    assert detect_task(read_csv(p2), "y").class_labels == ("0", "5", "10")


def test_prepare_shapes_encoding_and_train_only_fit(tmp_path: Path) -> None:
    t = read_csv(mixed_csv(tmp_path))
    cfg = DataConfig(target="label", validation_split=0.25, test_split=0.1, seed=3)
    ds = prepare(t, cfg)
    n = len(ds.x_train) + len(ds.x_val) + len(ds.x_test)
    assert n == 120 and len(ds.x_test) == 12 and len(ds.x_val) == 30
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.float32
    assert ds.y_train.shape == (len(ds.x_train), 1)
    assert set(np.unique(ds.y_train)) <= {0.0, 1.0}
    assert ds.input_columns == ["age", "income", "color", "member"]
    assert ds.feature_names == ["age", "income", "color=blue", "color=green", "color=red", "member"]
    # standardised on the training split only: mean 0 / std 1 there, not elsewhere
    assert np.allclose(ds.x_train[:, 0].mean(), 0, atol=1e-5)
    assert np.allclose(ds.x_train[:, 0].std(), 1, atol=1e-4)
    assert not np.allclose(ds.x_val[:, 0].mean(), 0, atol=1e-5)
    onehot = ds.x_train[:, 2:5]
    assert set(onehot.sum(axis=1)) <= {0.0, 1.0}


def test_multiclass_targets_are_one_hot(tmp_path: Path) -> None:
    ds = load_dataset(Path("resources/datasets/iris.csv"), DataConfig(seed=1))
    assert ds.task.kind == "multiclass" and ds.y_train.shape[1] == 3
    assert np.all(ds.y_train.sum(axis=1) == 1)
    assert ds.task.class_labels == ("setosa", "versicolor", "virginica")


def test_regression_target(tmp_path: Path) -> None:
    ds = load_dataset(
        Path("resources/datasets/diabetes.csv"), DataConfig(target="progression", task="regression")
    )
    assert ds.task.kind == "regression" and ds.y_train.shape[1] == 1
    # standardized for training (the default); the pipeline gives the user's units back
    assert abs(float(ds.y_train.mean())) < 1e-5 and float(ds.y_train.std()) == pytest.approx(1.0)
    values = ds.pipeline.target_values(ds.y_train)
    assert values.min() >= 25 and values.max() <= 346
    raw = load_dataset(
        Path("resources/datasets/diabetes.csv"),
        DataConfig(target="progression", task="regression", scale_target=False),
    )
    assert raw.y_train.min() >= 25 and raw.y_train.max() <= 346
    assert raw.pipeline.target_scaling is None


@pytest.mark.parametrize("impute", ["mean", "median", "drop"])
@pytest.mark.parametrize("scale", ["standardize", "minmax", "none"])
def test_impute_and_scale_options(tmp_path: Path, impute: str, scale: str) -> None:
    ds = load_dataset(
        mixed_csv(tmp_path),
        DataConfig(target="label", impute=impute, scale=scale, validation_split=0.0),
    )
    assert np.isfinite(ds.x_train).all()
    n = len(ds.x_train)
    assert n == (118 if impute == "drop" else 120)  # rows 3 and 5 have a missing value
    if scale == "minmax":
        assert ds.x_train[:, 1].min() == pytest.approx(0) and ds.x_train[
            :, 1
        ].max() == pytest.approx(1)
    if scale == "none":
        assert ds.x_train[:, 0].max() > 18


def test_pipeline_json_round_trip_and_transform_by_name(tmp_path: Path) -> None:
    p = mixed_csv(tmp_path)
    ds = load_dataset(p, DataConfig(target="label", validation_split=0.0))
    d = ds.pipeline.to_dict()
    again = Pipeline.from_dict(json.loads(json.dumps(d)))
    assert again == ds.pipeline
    col = d["columns"][0]
    assert set(col) == {"column", "kind", "impute_value", "scale", "categories"}
    assert set(col["scale"]) == {"offset", "scale"}
    df = pd.read_csv(p)
    shuffled = df[["label", "member", "color", "income", "age", "comment"]].assign(extra=1)
    x = again.transform(shuffled)
    rebuilt = again.transform(df.iloc[np.argsort(np.arange(len(df)))])
    assert x.shape == (120, ds.pipeline.n_features) and x.dtype == np.float32
    assert np.allclose(x, rebuilt)
    assert np.allclose(np.sort(x[:, 0]), np.sort(ds.x_train[:, 0]), atol=1e-6)


def test_unknown_category_gives_all_zero_row() -> None:
    t_df = pd.DataFrame({"color": ["red", "blue", "red", "blue"], "y": [0, 1, 0, 1]})
    pipe = Pipeline.fit(t_df, [("color", "categorical")], rows=np.arange(4))
    x = pipe.transform(pd.DataFrame({"color": ["purple", "red", None]}))
    assert x.tolist() == [[0.0, 0.0], [0.0, 1.0], [0.0, 0.0]]


def test_missing_column_at_transform_is_named(tmp_path: Path) -> None:
    ds = load_dataset(mixed_csv(tmp_path), DataConfig(target="label"))
    with pytest.raises(DataError) as e:
        ds.pipeline.transform(
            pd.DataFrame({"age": [1], "color": ["red"], "member": ["yes"]}), path="new.csv"
        )
    assert "'income'" in str(e.value) and "new.csv" in str(e.value)
    assert e.value.column == "income"


def test_encode_and_decode_target(tmp_path: Path) -> None:
    ds = load_dataset(mixed_csv(tmp_path), DataConfig(target="label"))
    y = ds.pipeline.encode_target(pd.Series(["benign", "malignant", "benign"]))
    assert y.tolist() == [[0.0], [1.0], [0.0]]
    labels, probs = ds.pipeline.decode_predictions(np.array([[0.2], [0.9]]))
    assert labels.tolist() == ["benign", "malignant"]
    assert np.allclose(probs, [[0.8, 0.2], [0.1, 0.9]])
    with pytest.raises(DataError) as e:
        ds.pipeline.encode_target(pd.Series(["benign", "unknown"]))
    assert "'unknown'" in str(e.value) and "row 2" in str(e.value)


def test_stratified_split_keeps_proportions_and_is_seeded() -> None:
    y = np.array([0] * 900 + [1] * 90 + [2] * 10)
    tr, va, te = split_indices(
        1000, validation_split=0.2, test_split=0.1, rng=np.random.default_rng(5), strata=y
    )
    assert len(tr) + len(va) + len(te) == 1000
    assert len(np.intersect1d(tr, va)) == 0 and len(np.intersect1d(tr, te)) == 0
    for part, share in ((tr, 0.7), (va, 0.2), (te, 0.1)):
        counts = np.bincount(y[part], minlength=3)
        assert np.allclose(counts, np.array([900, 90, 10]) * share, atol=1)
    again = split_indices(
        1000, validation_split=0.2, test_split=0.1, rng=np.random.default_rng(5), strata=y
    )
    assert all(np.array_equal(a, b) for a, b in zip((tr, va, te), again, strict=True))
    other = split_indices(
        1000, validation_split=0.2, test_split=0.1, rng=np.random.default_rng(6), strata=y
    )
    assert not np.array_equal(tr, other[0])


def test_singleton_class_lands_in_train() -> None:
    y = np.array([0] * 20 + [1])
    tr, _, _ = split_indices(
        21, validation_split=0.3, test_split=0.2, rng=np.random.default_rng(0), strata=y
    )
    assert 20 in tr


def test_prepare_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    p = mixed_csv(tmp_path)
    a = load_dataset(p, DataConfig(target="label", seed=9))
    b = load_dataset(p, DataConfig(target="label", seed=9))
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_val, b.y_val)


def test_data_config_round_trip_and_validation() -> None:
    cfg = DataConfig(
        target="y",
        roles={"a": "ignore"},
        impute="median",
        scale="minmax",
        validation_split=0.1,
        test_split=0.2,
        seed=4,
        stratify=False,
    )
    assert DataConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    with pytest.raises(ConfigError):
        DataConfig(impute="zero")
    with pytest.raises(ConfigError):
        DataConfig(validation_split=0.6, test_split=0.5)
    with pytest.raises(ConfigError):
        DataConfig(roles={"a": "label"})


def test_roles_override(tmp_path: Path) -> None:
    ds = load_dataset(
        mixed_csv(tmp_path), DataConfig(target="label", roles={"color": "ignore", "id": "feature"})
    )
    assert "color" not in ds.input_columns and "id" in ds.input_columns


def test_batches_cover_the_split(tmp_path: Path) -> None:
    ds = load_dataset(mixed_csv(tmp_path), DataConfig(target="label"))
    seen = sum(len(xb) for xb, _ in ds.batches(16, np.random.default_rng(0)))
    assert seen == len(ds.x_train)


# ------------------------------------------------------------------ bad input


def test_single_class_target(tmp_path: Path) -> None:
    p = write(tmp_path, "x,y\n1,yes\n2,yes\n3,yes\n")
    with pytest.raises(DataError) as e:
        load_dataset(p, DataConfig(target="y"))
    msg = str(e.value)
    assert str(p) in msg and "'y'" in msg and "single class" in msg


@pytest.mark.parametrize("bad", ["inf", "-inf", "1e308", "-9.9e307"])
def test_infinite_or_huge_values(tmp_path: Path, bad: str) -> None:
    p = write(tmp_path, "x,z,y\n1.5,1,a\n2.5,2,b\n" + f"{bad},3,a\n" + "4.5,4,b\n")
    with pytest.raises(DataError) as e:
        load_dataset(p, DataConfig(target="y"))
    msg = str(e.value)
    assert str(p) in msg and "'x'" in msg and "row 3" in msg and "line 4" in msg
    assert e.value.row == 3


def test_single_data_row(tmp_path: Path) -> None:
    p = write(tmp_path, "x,y\n1,a\n")
    with pytest.raises(DataError) as e:
        load_dataset(p, DataConfig(target="y", task="regression"))
    assert str(p) in str(e.value)
    p2 = write(tmp_path, "x,y\n1,2\n", "num.csv")
    with pytest.raises(DataError) as e2:
        load_dataset(p2, DataConfig(target="y", task="regression"))
    assert str(p2) in str(e2.value)


def test_non_numeric_target_for_regression(tmp_path: Path) -> None:
    p = write(tmp_path, "x,y\n1,a\n2,b\n3,a\n")
    with pytest.raises(DataError) as e:
        load_dataset(p, DataConfig(target="y", task="regression"))
    msg = str(e.value)
    assert str(p) in msg and "'y'" in msg and "regression" in msg and "classification" in msg


def test_target_column_that_does_not_exist(tmp_path: Path) -> None:
    p = write(tmp_path, "x,y\n1,a\n2,b\n3,a\n")
    with pytest.raises(DataError) as e:
        load_dataset(p, DataConfig(target="Y"))
    msg = str(e.value)
    assert str(p) in msg and "'Y'" in msg and "'y'" in msg


def test_text_in_numeric_column_names_row(tmp_path: Path) -> None:
    body = "".join(f"{i}.5,{'a' if i % 2 else 'b'}\n" for i in range(30))
    p = write(tmp_path, "x,y\n" + body + "oops,a\n")
    with pytest.raises(DataError) as e:
        load_dataset(p, DataConfig(target="y"))
    msg = str(e.value)
    assert "'oops'" in msg and "row 31" in msg and "'x'" in msg and str(p) in msg


def test_no_feature_columns(tmp_path: Path) -> None:
    p = write(tmp_path, "id,y\n" + "".join(f"{i},{i % 2}\n" for i in range(1, 30)))
    with pytest.raises(DataError) as e:
        load_dataset(p, DataConfig(target="y"))
    assert "feature" in str(e.value) and str(p) in str(e.value)
