"""Keep the C allocator from handing training's working memory back after every step.

A training step allocates and frees the same few large arrays (activations,
gradients, the gathered batch) over and over. With glibc's defaults, freed
memory at the top of the heap is returned to the system once it exceeds the
trim threshold, and the next step faults every page back in: at batch 1,024 on
the W3 network of `benchmarks.train_speed` that cost ~4 ms of a ~8 ms step.
`keep_working_memory()` raises the mmap and trim thresholds once per process
(Linux/glibc only; elsewhere it does nothing). Memory is still released on an
explicit `malloc_trim` (the CSV reader does that after parsing) and at exit.
"""

from __future__ import annotations

import ctypes
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: glibc's largest accepted mmap threshold on 64-bit systems.
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 512 * 1024 * 1024

_done: list[bool] = []  # set once per process (a registry-like flag, not state to reset)


def keep_working_memory() -> bool:
    """Raise glibc's mmap/trim thresholds once; True when they are in effect."""
    if _done:
        return _done[0]
    ok = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6")
            ok = bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
                libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
            )
        except (OSError, AttributeError):
            ok = False
    _done.append(ok)
    return ok
