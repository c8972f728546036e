"""One BLAS thread for loops of small matrix products (the recurrent kernels' time steps).

A recurrent step multiplies a (batch, units) state by the recurrent kernel: a
product too small to gain from a second BLAS thread, and one whose hand-off to
that thread costs milliseconds when the other core is busy (measured on the
2-core build machine: an LSTM's 100 steps took 160 ms with two OpenBLAS threads
under load and 10 ms with one). `one_blas_thread()` limits the BLAS pool to one
thread for the duration of such a loop, through threadpoolctl when it is
installed (it comes with scikit-learn); without it the loop runs unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any


@cache
def blas_controller() -> Any:
    """threadpoolctl's controller of the BLAS libraries NumPy loaded, or None."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    import numpy  # noqa: F401 - the controller finds the libraries loaded so far

    controller = ThreadpoolController()
    return controller if controller.select(user_api="blas").lib_controllers else None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with the BLAS thread pool limited to one thread (when controllable)."""
    controller = blas_controller()
    if controller is None:
        yield
        return
    with controller.limit(limits=1, user_api="blas"):
        yield
