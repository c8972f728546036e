"""core.engine.allocator: the trainer keeps its working memory (glibc) instead of re-faulting it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
def test_training_raises_the_allocator_thresholds_once() -> None:
    code = (
        "import numpy as np\n"
        "from core import keras\nfrom core.engine import allocator\n"
        "assert allocator._done == []\n"
        "m = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])\n"
        "m.compile(optimizer='sgd', loss='mse')\n"
        "m.fit(np.ones((4, 2), np.float32), np.ones((4, 1), np.float32), verbose=0)\n"
        "m.fit(np.ones((4, 2), np.float32), np.ones((4, 1), np.float32), verbose=0)\n"
        "print(allocator._done)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[True]"  # applied, and only once
