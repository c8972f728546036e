"""core.export with real Keras 3: `.keras` files load with keras.saving.load_model and
agree with LayerForge; the generated Keras training script builds the same network
and trains for one epoch. Skipped with a reason when Keras is not installed."""

from __future__ import annotations

import runpy
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.bundle import load_model
from core.export import export_model
from core.export.verify import keras_features, sample_rows
from tests.core.test_export import (
    activations_model,
    all_layers_model,
    example_projects,
    export_example,
    train_tabular_models,
)

TOL = 1e-5


@pytest.fixture(scope="module")
def keras():  # noqa: ANN201 - the module
    return pytest.importorskip(
        "keras", reason='Keras 3 not installed: pip install "layerforge[keras]"'
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, Path]]:
    return train_tabular_models(tmp_path_factory, "kexport")


@pytest.mark.parametrize("factory", [all_layers_model, activations_model])
def test_keras_file_for_every_layer(keras, tmp_path: Path, factory) -> None:  # noqa: ANN001
    model = factory()
    path = tmp_path / "m.keras"
    report = export_model(model, "keras", path)
    assert report.verified and report.max_abs_diff <= TOL
    assert report.consumer.startswith("Keras 3")
    with zipfile.ZipFile(path) as zf:
        assert {"config.json", "metadata.json", "model.weights.h5"} <= set(zf.namelist())
    loaded = keras.saving.load_model(str(path))
    x = np.random.default_rng(3).normal(size=(25, *model.input_shape[1:])).astype(np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=TOL)
    assert [la.name for la in loaded.layers if la.weights] == [
        la.name for la in model.layers if la.get_weights()
    ]


@pytest.mark.parametrize("classes", [0, 2, 3])
def test_keras_file_with_preprocessing(
    keras,
    trained: dict,
    tmp_path: Path,  # noqa: ANN001
    classes: int,
) -> None:
    bundle = load_model(trained[classes][0])
    path = tmp_path / "m.keras"
    report = export_model(bundle, "keras", path, rows=trained[classes][1])
    assert report.max_abs_diff <= TOL
    assert any("missing values" in n and "one-hot" in n for n in report.notes)
    loaded = keras.saving.load_model(str(path))
    assert type(loaded.layers[1]).__name__ == "Normalization"
    rows = sample_rows(bundle, 50, seed=9)
    want = bundle.predict_raw(bundle.features(rows))
    got = loaded.predict(keras_features(bundle.pipeline, rows), verbose=0)
    np.testing.assert_allclose(got, want, atol=TOL * max(1.0, float(np.abs(want).max())))


def test_keras_every_example_project(keras, tmp_path: Path) -> None:  # noqa: ANN001
    from core.run import TrainSettings, save_trained, train_project

    for project in example_projects():
        settings = TrainSettings.from_dict(project.train_config).with_overrides(epochs=1)
        result = train_project(project, settings=settings)
        name = Path(project.path or "example").stem
        bundle = save_trained(result, tmp_path / f"{name}.lfmodel")
        report = export_example(load_model(bundle), "keras", tmp_path / f"{name}.keras", name)
        if report is not None:
            assert report.max_abs_diff <= TOL, name


def test_training_script_compiles_builds_and_trains(
    keras,
    trained: dict,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    bundle = load_model(trained[3][0])
    script = tmp_path / "train_keras.py"
    report = export_model(bundle, "python", script)
    assert report.max_abs_diff <= TOL and "script's model" in report.consumer
    text = script.read_text()
    compile(text, str(script), "exec")
    ns = runpy.run_path(str(script), run_name="test")
    out = tmp_path / "retrained.keras"
    assert ns["main"]([str(trained[3][1]), "--epochs", "1", "--out", str(out)]) == 0
    retrained = keras.saving.load_model(str(out))
    assert retrained.count_params() == bundle.model.count_params()
    x = ns["preprocess"](ns["read_table"](str(trained[3][1])))
    np.testing.assert_allclose(x, bundle.features(str(trained[3][1])), atol=1e-6)


def test_training_script_without_keras_is_still_checked(
    trained: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import core.export.verify as verify

    monkeypatch.setattr(verify, "keras_available", lambda: False)
    report = export_model(load_model(trained[0][0]), "python", tmp_path / "t.py")
    assert report.rows == 200 and report.max_abs_diff <= TOL
    assert any("Keras is not installed" in n for n in report.notes)
    report = export_model(load_model(trained[0][0]), "keras", tmp_path / "t.keras")
    assert not report.verified and "not loaded by Keras" in report.summary()
