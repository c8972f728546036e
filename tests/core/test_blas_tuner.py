"""core.engine.blas_tuner: a fake clock and fake step rates drive the BLAS thread chooser."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.engine.blas_tuner import MIN_STEP, BlasTuner


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Run:
    """A run whose steps take 1 / rate(threads in force) fake seconds each."""

    def __init__(self, tuner: BlasTuner, clock: FakeClock) -> None:
        self.tuner = tuner
        self.clock = clock
        self.batches = 0
        self.counts: list[int] = []  # the count in force at each step

    def steps(self, seconds: float, rate: Callable[[int], float]) -> None:
        end = self.clock.now + seconds
        while self.clock.now < end:
            self.counts.append(self.tuner.current)
            self.clock.now += 1.0 / rate(self.tuner.current)
            self.batches += 1
            asked = self.tuner.update(self.batches)
            assert asked is None or asked == self.tuner.current


def rates(**by_threads: float) -> Callable[[int], float]:
    table = {int(k.removeprefix("t")): v for k, v in by_threads.items()}
    return table.__getitem__


def make(**kw: float) -> tuple[BlasTuner, Run]:
    clock = FakeClock()
    tuner = BlasTuner((1, 2), clock=clock, **kw)
    return tuner, Run(tuner, clock)


def test_it_picks_the_faster_count() -> None:
    tuner, run = make()
    run.steps(2.0, rates(t1=100, t2=150))
    assert tuner.chosen == tuner.current == 2
    assert run.counts[0] == 1  # a run starts at the safe count
    assert tuner.trials == 1 and tuner.state == "holding"
    assert tuner.seconds_at[2] > tuner.seconds_at[1] > 0
    assert "BLAS threads 2" in tuner.summary()


@pytest.mark.parametrize("faster", [102.0, 60.0])
def test_the_cap_stays_when_more_threads_are_not_clearly_faster(faster: float) -> None:
    tuner, run = make()
    run.steps(10.0, rates(t1=100, t2=faster))
    assert tuner.chosen == tuner.current == 1
    assert run.counts[-1] == 1


def test_it_goes_back_to_the_cap_when_the_machine_gets_busy() -> None:
    tuner, run = make()
    run.steps(3.0, rates(t1=100, t2=150))
    assert tuner.current == 2
    run.steps(1.5, rates(t1=90, t2=20))  # another program took a core
    assert tuner.chosen == tuner.current == 1
    # and it measures the larger count again later, and takes it once it is faster again
    run.steps(60.0, rates(t1=100, t2=150))
    assert tuner.chosen == tuner.current == 2


def test_it_does_not_oscillate_on_steady_rates() -> None:
    tuner, run = make(recheck=4.0, recheck_max=32.0)
    run.steps(120.0, rates(t1=100, t2=150))
    # trials at ~0.4 s, then 8, 16, 32 s apart: each costs one window at the cap
    assert tuner.chosen == 2 and tuner.trials <= 6
    assert tuner.switches <= 1 + 2 * (tuner.trials - 1)
    assert tuner.seconds_at[1] < 0.05 * tuner.seconds_at[2]
    changes = sum(a != b for a, b in zip(run.counts, run.counts[1:], strict=False))
    assert changes == tuner.switches


def test_a_close_call_keeps_what_was_chosen() -> None:
    tuner, run = make(margin=0.05)
    run.steps(2.0, rates(t1=100, t2=107))
    assert tuner.chosen == 2
    run.steps(60.0, rates(t1=100, t2=104))  # no longer 5 % better, but still 2.5 %
    assert tuner.chosen == tuner.current == 2
    run.steps(60.0, rates(t1=100, t2=101))
    assert tuner.chosen == tuner.current == 1


def test_short_steps_end_the_tuning_at_once() -> None:
    tuner, run = make()
    run.steps(1.0, rates(t1=1 / (MIN_STEP / 2), t2=1 / (MIN_STEP / 4)))
    assert not tuner.active and tuner.state.startswith("off: steps of")
    assert set(run.counts) == {1} and tuner.trials == 0
    assert tuner.update(run.batches + 1) is None


def test_a_pause_is_not_measured() -> None:
    tuner, run = make(recheck=100.0, recheck_max=100.0)
    run.steps(2.0, rates(t1=100, t2=150))
    trials = tuner.trials
    tuner.pause()
    run.clock.now += 5.0  # paused: no batches for five seconds
    run.steps(2.0, rates(t1=100, t2=150))
    assert tuner.trials == trials and tuner.current == 2
    assert min(r for count, r, _ in tuner.windows if count == 2) > 140  # none spans the pause


def test_candidates_are_checked() -> None:
    with pytest.raises(ValueError, match="at least one candidate"):
        BlasTuner(())
    single = BlasTuner((1, 1))
    assert single.candidates == (1,) and not single.active and single.update(10) is None


def test_only_a_change_that_may_change_the_answer_starts_a_trial() -> None:
    tuner, run = make(recheck=100.0, recheck_max=100.0)
    run.steps(2.0, rates(t1=100, t2=80))
    assert tuner.current == 1 and tuner.trials == 1
    run.steps(5.0, rates(t1=40, t2=10))  # the cap got slower: more threads cannot help
    assert tuner.trials == 1
    run.steps(2.0, rates(t1=200, t2=300))  # the cap got faster: the machine got quieter
    assert tuner.trials == 2 and tuner.current == 2
    run.steps(5.0, rates(t1=400, t2=600))  # faster above the cap: nothing to measure
    assert tuner.trials == 2
