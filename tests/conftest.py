"""Test configuration shared by every test: no display needed, fixed seeds."""

from __future__ import annotations

import os

# The app tests run headless everywhere (CI has no display).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("PYTHONHASHSEED", "0")
