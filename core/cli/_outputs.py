"""Output paths of the subcommands, checked before anything runs.

An output must never destroy an input: `--out` (or `--metrics-json`) naming
the project, the model or the data file being read, through any spelling or
symbolic link, is refused, and so is an output whose suffix belongs to
another LayerForge format (a model zip named `.lfproj`, JSON named `.csv`).
Both are usage errors (exit code 2) with one line saying what to do.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from core.cli._common import UsageError

#: suffix -> what LayerForge keeps in such a file.
KNOWN_SUFFIXES: dict[str, str] = {
    ".lfproj": "a project",
    ".lfmodel": "a trained model",
    ".csv": "a data table",
    ".json": "JSON",
    ".onnx": "an ONNX model",
    ".keras": "a Keras model",
    ".py": "a Python script",
    ".npz": "NumPy weights",
}


def _same_file(a: Path, b: Path) -> bool:
    """True when `a` and `b` are one file (symlinks resolved, hard links compared)."""
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except (OSError, ValueError):  # a name the file system cannot hold is no file at all
        return False


def check_output(
    out: str | os.PathLike[str],
    *,
    flag: str,
    inputs: Iterable[str | os.PathLike[str] | None],
    expected: Iterable[str],
) -> Path:
    """`out` as a Path, or `UsageError` when it is one of `inputs` or has another format's suffix.

    `expected` lists the suffixes this output is written as (the first one is
    suggested); a suffix that LayerForge does not know is accepted.
    """
    path = Path(out)
    for given in inputs:
        if given is not None and _same_file(path, Path(given)):
            raise UsageError(
                f"{flag} {out} is the input file {given}; writing there would destroy it. "
                f"Choose another {flag} path."
            )
    wanted = [s.lower() for s in expected]
    suffix = path.suffix.lower()
    if suffix in KNOWN_SUFFIXES and suffix not in wanted:
        raise UsageError(
            f"{flag} {out}: the suffix {suffix} is for {KNOWN_SUFFIXES[suffix]}, but this "
            f"writes {KNOWN_SUFFIXES.get(wanted[0], wanted[0])}. Name it "
            f"{path.with_suffix(wanted[0]).name}."
        )
    return path
