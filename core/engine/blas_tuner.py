"""Choose a training thread's BLAS thread count by measuring its batches per second.

Neither fixed count is right beside a window on a small machine: with every core for
BLAS a network of large matrix products trains fastest while the machine is quiet, and
stalls as soon as another program takes a core (spinning BLAS threads wait for each
other); with one core left free it never stalls but leaves speed unused. `BlasTuner`
is told, at step boundaries, how many batches the run has made so far (`update`). From
that first call on (the steps before it build plans) it cuts the run into windows of
`window` seconds, times one window at each candidate count (the safe one first: the
cap that leaves a core free), keeps a larger count only when it beat the cap by
`margin`, and measures again every `recheck` seconds (doubling up to `recheck_max`
while the answer stays the same, so a settled run pays for few trials) and when the
rate of the chosen count moves by more than `drift` for two windows in a row in the
direction that may change the answer (a fall above the cap: a program started; a rise
at the cap: one ended). Steps shorter than `min_step` seconds end the tuning at once:
their products are too small for BLAS to split across threads. It only answers which
count to set; the caller sets it between two steps. The clock is injectable, so tests
drive it with fake time. Qt-free.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence

__all__ = ["MIN_STEP", "BlasTuner"]

#: Steps shorter than this (seconds) are left at the safe count without trials. OpenBLAS
#: runs a product on one thread unless it has more than 64 x 64 x 64 multiply-adds
#: (its GEMM threshold); a network of 64-wide layers at batch 64, right at that size,
#: took 138 us a step on the 2-core machine and trained as fast with two threads as
#: with one; the seed network takes 30-60 us.
MIN_STEP = 0.0001


class BlasTuner:
    """Pick the fastest BLAS thread count among `candidates` (the first is the safe default).

    Call `update(batches)` at step boundaries with the run's batch count so far (as often
    as every step or as rarely as every `window`); it returns the thread count to set
    now, or None to keep the one in force. Call `pause()` when the run stops for a while
    (a paused run makes no batches: that window is dropped). `current` is the count in
    force, `chosen` the last decision, `seconds_at` the seconds measured at each count,
    `trials` the trials run, `windows` the latest windows and `state` what it is doing
    ("warm-up", "trial", "holding", or "off: <why>").
    """

    def __init__(
        self,
        candidates: Sequence[int],
        *,
        clock: Callable[[], float] = time.perf_counter,
        window: float = 0.2,
        margin: float = 0.03,
        drift: float = 0.25,
        recheck: float = 4.0,
        recheck_max: float = 32.0,
        min_step: float = MIN_STEP,
    ) -> None:
        counts = [max(int(c), 1) for c in candidates]
        if not counts:
            raise ValueError("BlasTuner: expected at least one candidate thread count, got none")
        self.candidates: tuple[int, ...] = tuple(dict.fromkeys(counts))
        self.safe = self.candidates[0]
        self._clock = clock
        self.window = float(window)
        self.margin = float(margin)
        self.drift = float(drift)
        self.recheck = float(recheck)
        self.recheck_max = float(recheck_max)
        self.min_step = float(min_step)
        self.current = self.safe
        self.chosen = self.safe
        self.state = "warm-up" if len(self.candidates) > 1 else "off: one candidate"
        self.trials = 0
        self.switches = 0
        self.seconds_at: dict[int, float] = dict.fromkeys(self.candidates, 0.0)
        #: The latest windows: (thread count, batches per second, state when it ended).
        self.windows: deque[tuple[int, float, str]] = deque(maxlen=64)
        self._start: tuple[float, int] | None = None
        self._rates: dict[int, float] = {}
        self._plan: list[int] = []
        self._reference: float | None = None
        self._moved = 0
        self._interval = self.recheck
        self._next_check = 0.0

    @property
    def active(self) -> bool:
        """False once tuning has ended for good (`update` then always returns None)."""
        return not self.state.startswith("off")

    def pause(self) -> None:
        """Drop the window in progress (the run is pausing; time without batches says nothing)."""
        self._start = None

    def update(self, batches: int) -> int | None:
        """Note the run's batch count at a step boundary; the thread count to set now, or None."""
        if not self.active:
            return None
        now = self._clock()
        if self._start is None:
            self._start = (now, batches)
            return None
        t0, b0 = self._start
        elapsed = now - t0
        if elapsed < self.window:
            return None
        self._start = (now, batches)
        self.seconds_at[self.current] += elapsed
        made = batches - b0
        self.windows.append((self.current, made / elapsed, self.state))
        return self._window_ended(now, made / elapsed, elapsed / made if made > 0 else elapsed)

    def _window_ended(self, now: float, rate: float, step: float) -> int | None:
        if self.state == "warm-up":  # the first window (from the first update on)
            if step < self.min_step:
                self.state = f"off: steps of {step * 1e6:.0f} us are too short for BLAS threads"
                return None
            return self._begin_trial(now, rate)
        if self.state == "trial":
            self._rates[self.current] = rate
            return self._next_trial(now)
        if self._reference is not None and self._drifted(rate / self._reference - 1.0):
            self._moved += 1
        else:
            self._moved = 0
        if self._moved >= 2 or now >= self._next_check:
            return self._begin_trial(now, rate)
        return None

    def _begin_trial(self, now: float, rate: float) -> int | None:
        self.trials += 1
        self.state = "trial"
        self._rates = {self.current: rate}  # the window that just ended measured it
        self._plan = [c for c in self.candidates if c != self.current]
        return self._next_trial(now)

    def _drifted(self, change: float) -> bool:
        """A change of the rate that may change the answer: at the safe count a rise (the
        machine got quieter), above it a fall (another program took a core)."""
        return change > self.drift if self.current == self.safe else change < -self.drift

    def _next_trial(self, now: float) -> int | None:
        if self._plan:
            return self._switch(self._plan.pop(0))
        winner = self._decide()
        if winner == self.chosen:
            self._interval = min(self._interval * 2.0, self.recheck_max)
        else:
            self._interval = self.recheck
        self.chosen = winner
        self._reference = self._rates[winner]
        self._moved = 0
        self._next_check = now + self._interval
        self.state = "holding"
        return self._switch(winner)

    def _decide(self) -> int:
        """The safe count unless another beat it by `margin` (by half that to stay chosen)."""
        safe_rate = self._rates[self.safe]
        best, best_rate = self.safe, safe_rate
        for count, rate in self._rates.items():
            needed = self.margin / 2 if count == self.chosen else self.margin
            if count != self.safe and rate > safe_rate * (1.0 + needed) and rate > best_rate:
                best, best_rate = count, rate
        return best

    def _switch(self, count: int) -> int | None:
        if count == self.current:
            return None
        self.current = count
        self.switches += 1
        return count

    def summary(self) -> str:
        """One line for a report: the choice, the time at each count, trials and switches."""
        times = ", ".join(f"{c}: {s:.1f} s" for c, s in self.seconds_at.items())
        return (
            f"BLAS threads {self.chosen} ({self.state}; measured at {times}; "
            f"{self.trials} trials, {self.switches} switches)"
        )
