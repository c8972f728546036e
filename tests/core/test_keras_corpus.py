"""The Keras corpus (tests/keras_corpus/programs): public Keras programs, changed only in
their import lines, run on LayerForge in a subprocess with Keras's own epoch cap.

Dense and tabular programs must run, and so must the convolution, recurrent and embedding
programs; a program that needs a layer LayerForge lacks must fail with the exact unsupported
feature named (it moves to the passing list when that layer lands).
Where Keras 3 is installed, a fast subset also runs on real Keras at the same settings
and the median ratio of final training losses must be close to 1.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from tests.keras_corpus.runner import header, programs

ROOT = Path(__file__).resolve().parents[2]
ALL = {p.stem: header(p) for p in programs()}
DENSE = sorted(n for n, h in ALL.items() if h.get("Kind", "").startswith("dense"))
#: Convolution, recurrent and embedding programs (Conv1D/2D, pooling, LSTM, Bidirectional,
#: Embedding on variable-length int inputs) that run since those layers landed.
LAYER_PROGRAMS = [
    "c01_mnist_convnet",
    "c02_imdb_bidirectional_lstm",
    "c03_timeseries_lstm",
    "c04_tf_cnn_cifar10",
    "c06_timeseries_conv1d",
]
RUNNING = DENSE + LAYER_PROGRAMS
#: program -> (exception type, text its message must contain): what stops it today.
EXPECTED_UNSUPPORTED = {
    "c05_text_vectorization": (
        "UnsupportedFeatureError",
        "keras.layers.TextVectorization is not supported",
    ),
}
#: Programs quick enough on real Keras (on its installed CPU backend) for every test run.
KERAS_SUBSET = [
    "d09_multi_output_dicts",
    "d11_writing_callbacks",
    "d12_subclassing_layers",
    "d16_custom_test_step",
    "d21_dlwp_reuters",
    "d23_iris_classifier",
    "d25_xor_sgd",
    "d27_serialization_and_saving",
    "c01_mnist_convnet",
    "c03_timeseries_lstm",
]


def _run(backend: str, out: Path, names: list[str] = ()) -> dict:
    # KERAS_BACKEND is the installed CPU backend (tests/conftest.py chose it).
    env = {**os.environ, "KERAS_MAX_EPOCHS": "1"}
    cmd = [sys.executable, "-m", "tests.keras_corpus.runner", "--backend", backend]
    proc = subprocess.run(
        [*cmd, "--out", str(out), *names],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text("utf-8"))


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    return _run("layerforge", tmp_path_factory.mktemp("corpus") / "layerforge.json")


def test_the_corpus_is_complete_and_sourced() -> None:
    assert len(ALL) >= 30
    assert set(ALL) == set(RUNNING) | set(EXPECTED_UNSUPPORTED)
    for name, h in ALL.items():
        assert h.get("Source", "").strip(), f"{name} has no Source line"
        assert h.get("Data"), f"{name} does not say where its data comes from"


@pytest.mark.parametrize("name", RUNNING)
def test_program_runs_unchanged(results: dict, name: str) -> None:
    r = results[name]
    assert r["status"] == "passed", (
        f"{name} failed at line {r.get('line')}: {r.get('error')}\n{r.get('traceback')}"
    )


@pytest.mark.parametrize("name", sorted(EXPECTED_UNSUPPORTED))
def test_unsupported_program_stops_on_the_named_feature(results: dict, name: str) -> None:
    r = results[name]
    assert r["status"] == "failed", f"{name} runs now: move it to the running list"
    kind, text = EXPECTED_UNSUPPORTED[name]
    assert r["error_type"] == kind and text in r["error"], r.get("traceback")


def test_pass_rate_of_dense_programs(results: dict) -> None:
    passed = sum(results[n]["status"] == "passed" for n in DENSE)
    assert passed / len(DENSE) >= 0.9, f"{passed}/{len(DENSE)}"


#: Programs real Keras runs only on its torch and TensorFlow backends: on JAX a custom
#: `train_step`/`test_step` is stateless and takes `(state, data)`, not `(data)`.
STATEFUL_STEPS = {"d16_custom_test_step"}


def test_final_losses_match_real_keras(results: dict, tmp_path) -> None:
    pytest.importorskip("keras")
    subset = [
        name
        for name in KERAS_SUBSET
        if not (os.environ.get("KERAS_BACKEND") == "jax" and name in STATEFUL_STEPS)
    ]
    theirs = _run("keras", tmp_path / "keras.json", subset)
    ratios = []
    for name in subset:
        assert theirs[name]["status"] == "passed", theirs[name].get("error")
        ours_loss = results[name]["final"]["loss"]
        keras_loss = theirs[name]["final"]["loss"]
        assert math.isfinite(ours_loss) and math.isfinite(keras_loss), name
        ratios.append(ours_loss / keras_loss)
    assert 0.8 <= statistics.median(ratios) <= 1.25, ratios
