"""core.engine.threads: the BLAS cap and batch scheduling a training thread uses beside a window."""

from __future__ import annotations

import os
import sys
import threading

import numpy as np

from core.engine.threads import (
    available_cores,
    blas_thread_limit,
    blas_threads,
    set_blas_threads,
    threads_beside_window,
    yield_to_interactive,
)


def test_one_core_is_left_to_the_window() -> None:
    assert available_cores() >= 1
    assert threads_beside_window(8) == 7
    assert threads_beside_window(2) == 1
    assert threads_beside_window(1) == 1  # never zero threads
    assert threads_beside_window() == max(available_cores() - 1, 1)


def test_blas_cap_holds_inside_the_block_only() -> None:
    before = blas_threads()
    with blas_thread_limit(None) as cap:
        assert cap is None and blas_threads() == before
    with blas_thread_limit(1) as cap:
        if before is not None:  # threadpoolctl found NumPy's BLAS
            assert cap == 1 and blas_threads() == 1
        a = np.ones((64, 64), dtype=np.float32)
        np.testing.assert_allclose(a @ a, np.full((64, 64), 64.0))  # BLAS still works
    assert blas_threads() == before


def test_batch_scheduling_is_per_thread() -> None:
    seen: dict[str, object] = {}

    def work() -> None:
        seen["done"] = yield_to_interactive()
        if hasattr(os, "sched_getscheduler"):
            seen["policy"] = os.sched_getscheduler(0)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if sys.platform.startswith("linux"):
        assert seen["done"] == "SCHED_BATCH" and seen["policy"] == os.SCHED_BATCH
        assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the calling thread only
    else:
        assert seen["done"].startswith("unchanged")


def test_frozen_heap_sets_the_live_objects_aside_for_the_block() -> None:
    import gc

    from core.engine.threads import frozen_heap

    old = [[i] for i in range(100)]  # tracked containers, alive before the block
    with frozen_heap() as frozen:
        assert frozen >= len(old) and gc.get_freeze_count() > 0
        ids = {id(o) for o in old}
        assert not any(id(x) in ids for x in gc.get_objects())  # out of the generations
        made = [[i] for i in range(50)]
        assert all(gc.is_tracked(m) for m in made)  # new objects are collected as usual
    assert gc.get_freeze_count() == 0
    assert any(x is old[0] for x in gc.get_objects())


def test_set_blas_threads_holds_until_the_limit_block_ends() -> None:
    before = blas_threads()
    with blas_thread_limit(1):
        changed = set_blas_threads(2)
        if before is not None:  # threadpoolctl found NumPy's BLAS
            assert changed == 2 and blas_threads() == 2
            assert set_blas_threads(0) == 1 and blas_threads() == 1  # never zero threads
    assert blas_threads() == before
