"""Run the Keras corpus programs on LayerForge or on real Keras and report each outcome.

    python -m tests.keras_corpus.runner --backend layerforge --out results.json [NAME ...]

Every program in `programs/` is stored with its import lines pointing at
LayerForge (`from core import keras`, `import core as tf`); `--backend keras`
points them back at Keras 3 (programs that use `import core as tf` need
TensorFlow and are skipped there). Programs run one after another in this
process, each in a fresh namespace and temporary working directory, with
NumPy's and the backend's seeds set, stdout captured, and a time limit. The
epochs are capped with Keras's own `KERAS_MAX_EPOCHS` environment variable,
which both backends honour, so the program text stays as it is. The final
logs of the last `fit` of each program are recorded for comparisons.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import math
import os
import re
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

PROGRAMS = Path(__file__).with_name("programs")
TIME_LIMIT_S = 120


def programs() -> list[Path]:
    return sorted(PROGRAMS.glob("*.py"))


def header(path: Path) -> dict[str, str]:
    """The `# Key: value` lines at the top of a program (Source, Kind, ...)."""
    out: dict[str, str] = {}
    for line in path.read_text("utf-8").splitlines():
        if not line.startswith("#"):
            break
        m = re.match(r"#\s*([A-Z][\w ]*):\s*(.*)", line)
        if m:
            out[m.group(1).strip()] = m.group(2).strip()
    return out


def to_keras(source: str) -> str | None:
    """The program with its imports pointed at Keras 3, or None when it needs TensorFlow."""
    if re.search(r"^import core as tf", source, re.M):
        return None
    source = re.sub(r"^from core import keras$", "import keras", source, flags=re.M)
    return re.sub(r"^from core\.keras(\.| )", r"from keras\1", source, flags=re.M)


class _TimeLimit(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _TimeLimit(f"the program ran longer than {TIME_LIMIT_S} s")


def _finite(logs: dict[str, Any]) -> dict[str, float]:
    out = {}
    for k, v in logs.items():
        try:
            f = float(v[-1] if isinstance(v, list) else v)
        except (TypeError, ValueError, IndexError):
            continue
        out[k] = f if math.isfinite(f) else None
    return out


def run_one(path: Path, backend: str) -> dict[str, Any]:
    import numpy as np

    source = path.read_text("utf-8")
    if backend == "keras":
        source = to_keras(source)
        if source is None:
            return {"status": "skipped", "error": "uses `import tensorflow as tf`"}
        import keras

        model_cls = keras.Model
        keras.utils.set_random_seed(0)
        keras.backend.clear_session()
    else:
        from core import keras

        model_cls = keras.Model
        keras.utils.set_random_seed(0)
        keras.backend.clear_session()
    np.random.seed(0)
    fits: list[dict[str, Any]] = []
    original_fit = model_cls.fit

    def recording_fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        history = original_fit(self, *args, **kwargs)
        fits.append(_finite(getattr(history, "history", {}) or {}))
        return history

    model_cls.fit = recording_fit
    out = io.StringIO()
    start = time.perf_counter()
    old_cwd = os.getcwd()
    result: dict[str, Any]
    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(TIME_LIMIT_S)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                code = compile(source, str(path), "exec")
                exec(code, {"__name__": "__main__", "__file__": str(path)})
            result = {"status": "passed"}
        except BaseException as exc:  # noqa: BLE001 - every failure is reported, not raised
            tb = traceback.extract_tb(exc.__traceback__)
            line = next((f.lineno for f in reversed(tb) if f.filename == str(path)), None)
            result = {
                "status": "failed",
                "error_type": type(exc).__name__,
                "error": f"{type(exc).__name__}: {exc}",
                "line": line,
                "traceback": "".join(traceback.format_exception(exc))[-3000:],
            }
        finally:
            signal.alarm(0)
            os.chdir(old_cwd)
            model_cls.fit = original_fit
    result["seconds"] = round(time.perf_counter() - start, 2)
    result["final"] = fits[-1] if fits else {}
    result["fits"] = len(fits)
    result["output_tail"] = out.getvalue()[-1500:]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("layerforge", "keras"), default="layerforge")
    parser.add_argument("--out", required=True)
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    if args.backend == "keras" and "KERAS_BACKEND" not in os.environ:
        # Keras alone defaults to TensorFlow; use whichever CPU backend is installed.
        installed = [b for b in ("torch", "jax") if importlib.util.find_spec(b) is not None]
        if installed:
            os.environ["KERAS_BACKEND"] = installed[0]
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    results: dict[str, Any] = {}
    for path in programs():
        if args.names and path.stem not in args.names:
            continue
        results[path.stem] = {**header(path), **run_one(path, args.backend)}
    Path(args.out).write_text(json.dumps(results, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
