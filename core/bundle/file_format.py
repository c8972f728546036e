"""The `.lfmodel` file format: a zip of `metadata.json`, `config.json` and `weights.npz`.

This module knows bytes, not models. `write_bundle` writes a `BundleContents`
(two JSON objects and a list of arrays) atomically (temporary file +
`os.replace`); `read_bundle` reads one back and checks everything that can be
checked without building the network: the archive members and their sizes,
valid JSON objects with the LayerForge envelope (`format`, `format_version`)
and nested at most `MAX_JSON_DEPTH` deep, the metadata fields the predictor
relies on, and the weight arrays (loaded with `allow_pickle=False`, numeric
and finite). Before any array is read, the `.npy` headers inside
`weights.npz` are read alone: each declared shape must be backed by as many
bytes as it claims and fit in memory, and, when the caller knows the shapes
the architecture needs (`expected_shapes`), match them, so a small hostile
file cannot make LayerForge allocate gigabytes. Every bad file becomes a
one-line `FormatError` naming the file. No pickle, no eval.

The model side (turning a trained model into contents and contents back into
a model) is `core.bundle.model_file`.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from core.document.fileio import atomic_write
from core.errors import FormatError

__all__ = [
    "BUNDLE_SUFFIX",
    "FORMAT",
    "FORMAT_VERSION",
    "MEMBERS",
    "BundleContents",
    "jsonable",
    "one_line",
    "read_bundle",
    "read_bundle_info",
    "write_bundle",
]

FORMAT = "layerforge-model"
FORMAT_VERSION = 1
BUNDLE_SUFFIX = ".lfmodel"
MEMBERS = ("metadata.json", "config.json", "weights.npz")
#: Refuse members bigger than this when unpacked (a damaged or hostile file).
MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_WEIGHTS_BYTES = 4 * 1024 * 1024 * 1024
#: The task kinds metadata.json may name.
TASK_KINDS = (None, "regression", "binary", "multiclass")
#: Weights larger than this overflow float32 arithmetic at once (trained ones are tiny).
MAX_ABS_WEIGHT = 1e30
#: JSON nested deeper than this is refused (a real config is about 10 deep).
MAX_JSON_DEPTH = 64
#: (shape, dtype) of every array in weights.npz, as its header declares it.
Declared = list[tuple[tuple[int, ...], np.dtype]]


@dataclass
class BundleContents:
    """What a `.lfmodel` file holds: metadata.json, config.json and the weight arrays."""

    metadata: dict[str, Any]
    config: dict[str, Any]
    weights: list[np.ndarray]


def one_line(message: str) -> str:
    """`message` on one line, at most 300 characters (for error messages)."""
    return " ".join(message.split())[:300]


def jsonable(value: Any) -> Any:
    """`value` as plain JSON types (NumPy scalars and arrays, tuples converted)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.bool_):
        return bool(value)
    return str(value)


# --------------------------------------------------------------------------- writing


def write_bundle(path: str | os.PathLike[str], contents: BundleContents) -> Path:
    """Write `contents` to `path` as a `.lfmodel` zip, atomically. Returns the path.

    The envelope (`format`, `format_version`) is added to both JSON members.
    """
    target = Path(path)
    envelope = {"format": FORMAT, "format_version": FORMAT_VERSION}
    meta = {**jsonable(dict(contents.metadata)), **envelope}
    config = {**envelope, **jsonable(dict(contents.config))}
    buf = io.BytesIO()
    np.savez(buf, **{f"w{i:04d}": np.asarray(w) for i, w in enumerate(contents.weights)})
    try:
        meta_text = json.dumps(meta, indent=2, allow_nan=False)
        config_text = json.dumps(config, indent=2, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise FormatError(f"{target}: cannot be saved: {exc}") from None

    def write(fh: BinaryIO) -> None:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("metadata.json", meta_text)
            zf.writestr("config.json", config_text)
            zf.writestr("weights.npz", buf.getvalue())

    atomic_write(target, write)
    return target


# --------------------------------------------------------------------------- reading


def _read_zip(
    p: Path, wanted: Sequence[str] = MEMBERS, weights_limit: int | None = None
) -> dict[str, bytes]:
    """The bytes of the members `wanted`; weights.npz unpacked up to `weights_limit` bytes
    (default: `MAX_WEIGHTS_BYTES` or what memory allows), JSON up to `MAX_JSON_BYTES`."""
    if not p.exists():
        raise FormatError(f"{p}: model file not found.")
    if p.is_dir():
        raise FormatError(f"{p}: is a folder, not a LayerForge model file.")
    try:
        zf = zipfile.ZipFile(p)
    except zipfile.BadZipFile:
        raise FormatError(
            f"{p}: not a LayerForge model (not a zip archive, or the file is truncated)."
        ) from None
    except OSError as exc:
        raise FormatError(f"{p}: cannot be read: {exc.strerror or exc}") from None
    except Exception as exc:  # noqa: BLE001 - NotImplementedError, ValueError... on damage
        raise FormatError(f"{p}: the model file is damaged ({one_line(str(exc))}).") from None
    out: dict[str, bytes] = {}
    try:
        with zf:
            names = set(zf.namelist())
            missing = [m for m in MEMBERS if m not in names]
            if missing:
                raise FormatError(
                    f"{p}: not a complete LayerForge model: {', '.join(missing)} "
                    f"{'is' if len(missing) == 1 else 'are'} missing from the archive."
                )
            for name in wanted:
                info = zf.getinfo(name)
                limit = MAX_JSON_BYTES
                if name == "weights.npz":
                    limit = min(MAX_WEIGHTS_BYTES, _memory_cap())
                    if weights_limit is not None:
                        limit = min(limit, weights_limit)
                if info.file_size > limit:
                    raise FormatError(
                        f"{p}: {name} is implausibly large ({info.file_size:,} bytes "
                        f"unpacked, at most {limit:,} expected); the file is damaged."
                    )
                with zf.open(info) as fh:
                    data = fh.read(limit + 1)
                if len(data) > limit:
                    raise FormatError(f"{p}: {name} is implausibly large; the file is damaged.")
                out[name] = data
    except FormatError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise FormatError(f"{p}: the model file is damaged ({one_line(str(exc))}).") from None
    except Exception as exc:  # noqa: BLE001 - zlib.error and friends from damaged data
        raise FormatError(f"{p}: the model file is damaged ({one_line(str(exc))}).") from None
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _memory_cap() -> int:
    """The most bytes of weights worth unpacking: what this computer can hold."""
    from core.resources import HEADROOM, available_memory

    return int(available_memory() * HEADROOM)


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in `value` (iterative: no recursion limit)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            items = item.values()
        elif isinstance(item, list):
            items = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((v, level + 1) for v in items)
    return deepest


def _read_json(p: Path, name: str, data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FormatError(f"{p}: {name} is not valid JSON ({one_line(str(exc))}).") from None
    if not isinstance(value, dict):
        raise FormatError(f"{p}: {name} must hold a JSON object. Received: {type(value).__name__}.")
    if _depth(value) > MAX_JSON_DEPTH:
        raise FormatError(
            f"{p}: {name} is nested more than {MAX_JSON_DEPTH} levels deep; a LayerForge "
            "model never is. The file is damaged or was not written by LayerForge."
        )
    return value


def _check_envelope(p: Path, name: str, d: dict[str, Any]) -> None:
    if d.get("format") != FORMAT:
        raise FormatError(
            f"{p}: {name} is not a LayerForge model description "
            f"(format {d.get('format')!r}, expected {FORMAT!r})."
        )
    version = d.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise FormatError(
            f"{p}: {name}: 'format_version' must be a whole number >= 1. Received: {version!r}."
        )
    if version > FORMAT_VERSION:
        raise FormatError(
            f"{p}: this model was saved by a newer LayerForge (format {version}); this "
            f"version reads up to format {FORMAT_VERSION}. Update LayerForge to open it."
        )


def _check_metadata(p: Path, meta: dict[str, Any]) -> None:
    for key in ("feature_names", "class_labels", "input_columns"):
        value = meta.get(key)
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, str) for v in value)
        ):
            raise FormatError(f"{p}: metadata.json: '{key}' must be a list of names.")
    task_kind = meta.get("task")
    if task_kind not in TASK_KINDS:
        raise FormatError(f"{p}: metadata.json: unknown task {task_kind!r}.")


def _declared_arrays(p: Path, data: bytes) -> Declared:
    """Shape and dtype of each array in weights.npz from its `.npy` header alone.

    Each member must hold the bytes its header declares (no more is ever
    allocated than the file really holds), numbers only, within `_memory_cap`.
    """
    from numpy.lib import format as npy

    out: Declared = []
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = sorted(zf.namelist())
            expected = [f"w{i:04d}.npy" for i in range(len(names))]
            if names != expected:
                shown = ", ".join(n.removesuffix(".npy") for n in names[:5])
                raise FormatError(
                    f"{p}: weights.npz holds unexpected arrays ({shown}); the file is damaged."
                )
            for i, name in enumerate(names):
                info = zf.getinfo(name)
                with zf.open(info) as fh:
                    version = npy.read_magic(fh)
                    if version == (1, 0):
                        shape, _, dtype = npy.read_array_header_1_0(fh)
                    elif version in ((2, 0), (3, 0)):
                        shape, _, dtype = npy.read_array_header_2_0(fh)
                    else:
                        raise ValueError(f"unknown .npy version {version}")
                    header = fh.tell()
                if dtype.hasobject or dtype.kind not in "fiu":
                    raise FormatError(
                        f"{p}: weight array {i} holds {dtype} values, expected numbers."
                    )
                need = math.prod(int(d) for d in shape) * dtype.itemsize
                held = info.file_size - header
                if need > held:
                    raise FormatError(
                        f"{p}: weight array {i} declares shape {tuple(shape)} ({need:,} bytes) "
                        f"but holds {max(held, 0):,} bytes; the file is damaged."
                    )
                total += need
                out.append((tuple(int(d) for d in shape), dtype))
    except FormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile and numpy raise many kinds on damage
        raise FormatError(
            f"{p}: weights.npz cannot be read ({one_line(str(exc))}); the file is damaged."
        ) from None
    cap = _memory_cap()
    if total > cap:
        from core.resources import format_bytes

        raise FormatError(
            f"{p}: the weights would need {format_bytes(total)}, more than the "
            f"{format_bytes(cap)} this computer can hold now."
        )
    return out


def _check_shapes(p: Path, declared: Declared, wanted: Sequence[tuple[int, ...]]) -> None:
    if len(wanted) != len(declared):
        raise FormatError(
            f"{p}: the weights do not fit the architecture: expected {len(wanted)} arrays, "
            f"the file has {len(declared)}."
        )
    for i, (want, (got, _)) in enumerate(zip(wanted, declared, strict=True)):
        if tuple(want) != tuple(got):
            raise FormatError(
                f"{p}: the weights do not fit the architecture: array {i} should have shape "
                f"{tuple(want)}, the file has {tuple(got)}."
            )


def _read_weights(
    p: Path, data: bytes, wanted: Sequence[tuple[int, ...]] | None = None
) -> list[np.ndarray]:
    declared = _declared_arrays(p, data)
    if wanted is not None:
        _check_shapes(p, declared, wanted)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = [np.asarray(npz[f"w{i:04d}"]) for i in range(len(declared))]
    except FormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - np.load raises many kinds on damaged data
        raise FormatError(
            f"{p}: weights.npz cannot be read ({one_line(str(exc))}); the file is damaged."
        ) from None
    for i, a in enumerate(arrays):
        if a.dtype.kind not in "fiu":
            raise FormatError(f"{p}: weight array {i} holds {a.dtype} values, expected numbers.")
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise FormatError(
                f"{p}: weight array {i} contains NaN or infinite values; the "
                "model cannot be used. Retrain it."
            )
        if a.size and float(np.max(np.abs(a))) > MAX_ABS_WEIGHT:
            raise FormatError(
                f"{p}: weight array {i} holds values as large as {float(np.max(np.abs(a))):.3g}; "
                "arithmetic with them overflows, so the model cannot give meaningful "
                "predictions. The file is damaged; retrain the model."
            )
    return arrays


def read_bundle_info(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The bundle's metadata.json (checked), without reading the weights."""
    p = Path(path)
    members = _read_zip(p, ("metadata.json",))
    meta = _read_json(p, "metadata.json", members["metadata.json"])
    _check_envelope(p, "metadata.json", meta)
    return meta


def read_bundle(
    path: str | os.PathLike[str],
    expected_shapes: Callable[[dict[str, Any]], Sequence[tuple[int, ...]]] | None = None,
) -> BundleContents:
    """Read and check a `.lfmodel` file; every problem is a one-line FormatError.

    `expected_shapes(config)`, when given, returns the weight shapes the
    architecture in config.json needs; the arrays' declared shapes must match
    them before any array is read.
    """
    p = Path(path)
    members = _read_zip(p, ("metadata.json", "config.json"))
    meta = _read_json(p, "metadata.json", members["metadata.json"])
    config = _read_json(p, "config.json", members["config.json"])
    _check_envelope(p, "metadata.json", meta)
    _check_envelope(p, "config.json", config)
    _check_metadata(p, meta)
    wanted = expected_shapes(config) if expected_shapes is not None else None
    limit = None
    if wanted is not None:  # float64 at most, plus the zip's and the headers' own bytes
        limit = sum(math.prod(s) * 8 for s in wanted) + 4096 * (len(wanted) + 1)
    data = _read_zip(p, ("weights.npz",), limit)["weights.npz"]
    return BundleContents(meta, config, _read_weights(p, data, wanted))
