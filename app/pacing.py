"""How often a live view redraws: an interval from the measured cost of its frames.

A live view (the training curves) redraws on a timer while a network trains in a
thread beside it. Every millisecond the GUI thread spends on a frame is a millisecond
the training thread waits for the GIL or for the paint gate, so a view keeps its
frames within a share of the wall time (`budget`): the interval is the frames'
smoothed cost divided by that share, never shorter than `shortest` (the view's
natural rate) nor longer than `longest` (so it still looks live). A frame of 4 ms at
the default 5 % budget allows 12.5 frames a second (a 10 Hz view stays at 10 Hz); a
frame of 10 ms allows 5. Qt-free: the view feeds it the seconds each frame took and asks for the
interval.
"""

from __future__ import annotations

#: Share of the wall time a live view's frames may take by default.
FRAME_BUDGET = 0.05


class FramePacer:
    """The interval between two frames, from an exponential average of their costs."""

    def __init__(
        self,
        shortest: float,
        longest: float,
        budget: float = FRAME_BUDGET,
        smoothing: float = 0.3,
    ) -> None:
        if not 0 < shortest <= longest:
            raise ValueError(f"need 0 < shortest <= longest, got {shortest} and {longest}")
        if not 0 < budget <= 1 or not 0 < smoothing <= 1:
            raise ValueError(f"budget and smoothing must be in (0, 1], got {budget}, {smoothing}")
        self.shortest = shortest
        self.longest = longest
        self.budget = budget
        self.smoothing = smoothing
        #: The smoothed cost of a frame (seconds); None before the first.
        self.cost: float | None = None

    def add(self, seconds: float) -> None:
        """Count one frame's cost (seconds of the GUI thread; negative or NaN is ignored)."""
        if not seconds >= 0:
            return
        if self.cost is None:
            self.cost = seconds
        else:
            self.cost += self.smoothing * (seconds - self.cost)

    def interval(self) -> float:
        """Seconds until the next frame."""
        if self.cost is None:
            return self.shortest
        return min(max(self.cost / self.budget, self.shortest), self.longest)

    def reset(self) -> None:
        self.cost = None
