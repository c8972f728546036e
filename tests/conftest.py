"""Test configuration shared by every test: no display needed, fixed seeds."""

from __future__ import annotations

import importlib.util
import os

# The app tests run headless everywhere (CI has no display).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keras (optional: the `keras` extra) runs on whichever CPU backend is installed.
if "KERAS_BACKEND" not in os.environ:
    for _backend in ("torch", "jax"):
        if importlib.util.find_spec(_backend) is not None:
            os.environ["KERAS_BACKEND"] = _backend
            break
os.environ.setdefault("PYTHONHASHSEED", "0")
