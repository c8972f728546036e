"""Atomic file writing: a temporary file beside the target, fsynced, then `os.replace`d.

Every file LayerForge writes for a person (projects, model bundles, exports,
command-line outputs) goes through here, so a crash or a full disk mid-write
never leaves a half-written file in place of the old one, and the temporary
file is always removed. A new file gets mode 0o644; an overwritten one keeps
its permissions. Failures become one-line `FormatError`s naming the file.

A process killed mid-save cannot remove its temporary file. Temporaries are
named `.<file>.<pid>.<random><suffix>`, so the next save of the same file
removes those whose process is gone (`clean_stray_temporaries`); an in-flight
save of a live process is never touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from core.errors import FormatError

__all__ = [
    "atomic_write",
    "atomic_write_text",
    "check_target",
    "clean_stray_temporaries",
    "replace_into",
    "staged_path",
]

#: Temporaries of the old naming (no process id) older than this are stray.
STALE_SECONDS = 60.0
#: mkstemp's random part.
_RANDOM = r"[a-z0-9_]{8}"


def _temp_prefix(name: str) -> str:
    return f".{name}.{os.getpid()}."


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # possibly another thread's save in progress
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, owned by someone else
    return True


def clean_stray_temporaries(folder: Path, name: str, suffix: str = ".tmp") -> list[Path]:
    """Remove the temporaries that killed saves of `name` left in `folder`; returns them.

    Only exact temporary names are considered: `.<name>.<pid>.<random><suffix>`
    whose process no longer runs, and the older `.<name>.<random><suffix>` once
    it is `STALE_SECONDS` old.
    """
    pattern = re.compile(rf"^\.{re.escape(name)}\.(?:(\d+)\.)?{_RANDOM}{re.escape(suffix)}$")
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = pattern.match(entry.name)
        if m is None:
            continue
        try:
            if m.group(1) is not None:
                if _alive(int(m.group(1))):
                    continue
            elif now - entry.stat(follow_symlinks=False).st_mtime < STALE_SECONDS:
                continue
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def check_target(
    target: Path, action: str = "saved", *, error: type[FormatError] = FormatError
) -> Path:
    """The folder `target` will be written into; `error` when it cannot be written at all."""
    folder = target.resolve().parent
    if not folder.is_dir():
        raise error(
            f"{target}: cannot be {action}: the folder {folder} does not exist. "
            "Expected an existing folder."
        )
    if target.is_dir():
        raise error(f"{target}: cannot be {action}: a folder has that name.")
    return folder


def replace_into(tmp: str | os.PathLike[str], target: Path) -> None:
    """Move the finished temporary file `tmp` over `target` in one step.

    `tmp` takes `target`'s permissions when it exists (0o644 otherwise); after
    the rename the folder is fsynced where the platform allows it (POSIX).
    """
    mode = 0o644
    if target.exists():
        with contextlib.suppress(OSError):
            mode = target.stat().st_mode & 0o777
    os.chmod(tmp, mode)
    os.replace(tmp, target)
    _fsync_dir(target.resolve().parent)


def atomic_write(
    path: str | os.PathLike[str],
    write: Callable[[BinaryIO], None],
    *,
    action: str = "saved",
) -> Path:
    """Write `path` atomically: `write(fh)` fills a binary temporary file in the same folder.

    The temporary file is flushed, fsynced and moved into place with
    `replace_into`; on any failure the old file is intact and the temporary
    file is removed. An `OSError` becomes `FormatError("<path>: cannot be
    <action>: <reason>")`; other exceptions from `write` pass through.
    """
    target = Path(path)
    folder = check_target(target, action)
    clean_stray_temporaries(folder, target.name)
    tmp_name: str | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=_temp_prefix(target.name), suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        replace_into(tmp_name, target)
        tmp_name = None
    except OSError as exc:
        raise FormatError(f"{target}: cannot be {action}: {exc.strerror or exc}") from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str, *, action: str = "saved") -> Path:
    """`atomic_write` of `text` as UTF-8, line endings written as they are."""
    return atomic_write(path, lambda fh: fh.write(text.encode("utf-8")), action=action)


@contextlib.contextmanager
def staged_path(
    target: Path,
    suffix: str = ".tmp",
    *,
    action: str = "written",
    error: type[FormatError] = FormatError,
) -> Iterator[Path]:
    """A temporary path beside `target` ending in `suffix`; removed unless moved into place.

    For writers that need a path rather than a file handle (and may check the
    file before keeping it): write to the yielded path, then `replace_into`.
    """
    folder = check_target(target, action, error=error)
    clean_stray_temporaries(folder, target.stem, suffix)
    fd, name = tempfile.mkstemp(prefix=_temp_prefix(target.stem), suffix=suffix, dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable where the platform allows it (POSIX)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
