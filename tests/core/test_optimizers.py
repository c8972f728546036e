"""Optimizers: one hand-computed step each, flat buffers, clipping, schedules, configs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from core.engine import optimizers, schedules
from core.engine.autograd import Tensor
from core.errors import ConfigError

P0 = [1.0, -2.0]
G = [0.5, -1.0]


def _var(values: list[float], shape: tuple[int, ...] | None = None) -> Tensor:
    arr = np.array(values, dtype=np.float32)
    return Tensor(arr.reshape(shape) if shape else arr, requires_grad=True)


def _run(opt: optimizers.Optimizer, steps: int = 1) -> np.ndarray:
    v = _var(P0)
    opt.build([v])
    for _ in range(steps):
        opt.zero_grad()
        v.grad[...] = G
        opt.step()
    return v.data.copy()


@pytest.mark.parametrize(
    ("opt", "steps", "expected"),
    [
        (optimizers.SGD(learning_rate=0.1), 1, [0.95, -1.9]),
        (optimizers.SGD(learning_rate=0.1, momentum=0.9), 2, [0.855, -1.71]),
        (optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True), 2, [0.7695, -1.539]),
        (optimizers.RMSprop(learning_rate=0.1), 1, [0.6837728664367967, -1.6837723920969265]),
        (optimizers.Adagrad(learning_rate=0.1), 1, [0.9154845866007779, -1.9046537454093613]),
        (optimizers.Adam(learning_rate=0.1), 1, [0.900000632451532, -1.900000316226766]),
        (optimizers.AdamW(learning_rate=0.1), 1, [0.899600632451532, -1.899200316226766]),
    ],
    ids=["sgd", "sgd-momentum", "sgd-nesterov", "rmsprop", "adagrad", "adam", "adamw"],
)
def test_hand_computed_step(opt: optimizers.Optimizer, steps: int, expected: list[float]) -> None:
    np.testing.assert_allclose(_run(opt, steps), expected, rtol=1e-6)


def test_rmsprop_centered_and_momentum_two_steps() -> None:
    opt = optimizers.RMSprop(learning_rate=0.1, rho=0.9, momentum=0.5, centered=True)
    got = _run(opt, 2)
    # by hand, float64
    p = np.array(P0)
    g = np.array(G)
    v = np.zeros(2)
    a = np.zeros(2)
    m = np.zeros(2)
    for _ in range(2):
        v = 0.9 * v + 0.1 * g * g
        a = 0.9 * a + 0.1 * g
        inc = 0.1 * g / np.sqrt(v - a * a + 1e-7)
        m = 0.5 * m + inc
        p = p - m
    np.testing.assert_allclose(got, p, rtol=1e-5)


def test_adam_amsgrad_keeps_max_second_moment() -> None:
    opt = optimizers.Adam(learning_rate=0.1, amsgrad=True)
    v = _var([1.0])
    opt.build([v])
    for grad in (1.0, 0.0):
        opt.zero_grad()
        v.grad[...] = grad
        opt.step()
    # step 2 by hand: m=0.09, v=0.000999, vhat=0.001
    a1 = 0.1 * math.sqrt(1 - 0.999) / 0.1
    p1 = 1.0 - a1 * 0.1 / (math.sqrt(0.001) + 1e-7)
    a2 = 0.1 * math.sqrt(1 - 0.999**2) / (1 - 0.9**2)
    p2 = p1 - a2 * 0.09 / (math.sqrt(0.001) + 1e-7)
    np.testing.assert_allclose(v.data, [p2], rtol=1e-5)


def test_flat_buffer_views_and_zero_grad() -> None:
    w = _var([1, 2, 3, 4, 5, 6], (2, 3))
    b = _var([7, 8])
    opt = optimizers.SGD(learning_rate=1.0)
    opt.build([w, b])
    assert opt.parameter_buffer.shape == (8,)
    assert np.shares_memory(w.data, opt.parameter_buffer)
    assert np.shares_memory(b.grad, opt.gradient_buffer)
    np.testing.assert_array_equal(opt.parameter_buffer, np.arange(1, 9))
    # autograd accumulates into the preset views
    loss = (w * w).sum() + b.sum()
    loss.backward()
    np.testing.assert_allclose(opt.gradient_buffer, [2, 4, 6, 8, 10, 12, 1, 1])
    opt.step()
    np.testing.assert_allclose(w.data, [[-1, -2, -3], [-4, -5, -6]])
    opt.zero_grad()
    assert not opt.gradient_buffer.any()
    assert w.grad is not None and not w.grad.any()


def test_clipvalue_clipnorm_global_clipnorm() -> None:
    def grads_after(opt: optimizers.Optimizer) -> np.ndarray:
        a, b = _var([0.0, 0.0]), _var([0.0])
        opt.build([a, b])
        a.grad[...] = [3.0, 4.0]
        b.grad[...] = [0.5]
        opt.step()
        return -np.concatenate([a.data, b.data])  # SGD lr=1: p = -g

    np.testing.assert_allclose(grads_after(optimizers.SGD(1.0, clipvalue=1.0)), [1, 1, 0.5])
    np.testing.assert_allclose(grads_after(optimizers.SGD(1.0, clipnorm=1.0)), [0.6, 0.8, 0.5])
    norm = math.sqrt(25.25)
    np.testing.assert_allclose(
        grads_after(optimizers.SGD(1.0, global_clipnorm=1.0)),
        np.array([3.0, 4.0, 0.5]) / norm,
        rtol=1e-6,
    )
    with pytest.raises(ConfigError, match="at most one"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_adamw_exclusion_mask() -> None:
    w, b = _var([1.0]), _var([1.0])
    b.name = "dense/bias"
    opt = optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.build([w, b])
    opt.step()  # zero gradient: only decay moves w
    np.testing.assert_allclose(w.data, [1.0 - 0.5 * 0.1])
    np.testing.assert_allclose(b.data, [1.0])


def test_keras_defaults() -> None:
    assert optimizers.SGD().learning_rate == 0.01
    adam = optimizers.get("adam")
    assert isinstance(adam, optimizers.Adam)
    assert (adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon) == (0.001, 0.9, 0.999, 1e-7)
    rms = optimizers.RMSprop()
    assert (rms.learning_rate, rms.rho, rms.epsilon) == (0.001, 0.9, 1e-7)
    ada = optimizers.Adagrad()
    assert ada.initial_accumulator_value == 0.1
    assert optimizers.AdamW().weight_decay == 0.004


def test_unknown_name_suggests() -> None:
    with pytest.raises(ConfigError, match="Did you mean 'adam'"):
        optimizers.get("adma")


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="Expected `learning_rate`"):
        optimizers.Adam(learning_rate=-1)
    with pytest.raises(ConfigError, match="beta_1"):
        optimizers.Adam(beta_1=1.0)


@pytest.mark.parametrize("name", sorted(optimizers.ALL_OPTIMIZERS))
def test_config_round_trip(name: str) -> None:
    opt = optimizers.ALL_OPTIMIZERS[name](learning_rate=0.05, clipnorm=2.0)
    config = json.loads(json.dumps(optimizers.serialize(opt)))
    again = optimizers.deserialize(config)
    assert type(again) is type(opt)
    assert again.get_config() == opt.get_config()


def test_schedule_in_optimizer_round_trip_and_steps() -> None:
    sched = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = optimizers.SGD(learning_rate=sched)
    assert opt.learning_rate == pytest.approx(0.1)
    v = _var([0.0])
    opt.build([v])
    v.grad[...] = 1.0
    opt.step()
    assert opt.learning_rate == pytest.approx(0.05)
    again = optimizers.deserialize(json.loads(json.dumps(optimizers.serialize(opt))))
    assert isinstance(again._learning_rate, schedules.ExponentialDecay)
    with pytest.raises(ConfigError, match="schedule"):
        opt.learning_rate = 0.1


def test_learning_rate_settable() -> None:
    opt = optimizers.Adam()
    opt.learning_rate = 0.5
    assert opt.learning_rate == 0.5


def test_schedules_values_and_round_trip() -> None:
    e = schedules.ExponentialDecay(1.0, 10, 0.5, staircase=True)
    assert e(9) == 1.0 and e(10) == 0.5
    assert schedules.ExponentialDecay(1.0, 10, 0.5)(5) == pytest.approx(0.5**0.5)
    pc = schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    assert (pc(0), pc(10), pc(11), pc(20), pc(21)) == (1.0, 1.0, 0.5, 0.5, 0.1)
    c = schedules.CosineDecay(1.0, 100, alpha=0.1)
    assert c(0) == pytest.approx(1.0)
    assert c(50) == pytest.approx(0.55)
    assert c(200) == pytest.approx(0.1)
    w = schedules.CosineDecay(0.0, 100, warmup_target=1.0, warmup_steps=10)
    assert w(5) == pytest.approx(0.5) and w(10) == pytest.approx(1.0)
    for s in (e, pc, c, w):
        again = schedules.deserialize(json.loads(json.dumps(schedules.serialize(s))))
        assert again.get_config() == s.get_config()
    with pytest.raises(ConfigError, match="one more value"):
        schedules.PiecewiseConstantDecay([1], [1.0])


DECAYING = {
    "sgd_momentum": lambda: optimizers.SGD(0.01, momentum=0.9),
    "sgd_nesterov": lambda: optimizers.SGD(0.01, momentum=0.5, nesterov=True),
    "rmsprop_centered_momentum": lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "adam": lambda: optimizers.Adam(0.01),
    "adam_amsgrad": lambda: optimizers.Adam(0.01, amsgrad=True),
    "adamw": lambda: optimizers.AdamW(0.01),
}


@pytest.mark.parametrize("name", list(DECAYING))
def test_slots_of_zero_gradients_never_go_subnormal_and_nothing_else_changes(name: str) -> None:
    tiny = np.finfo(np.float32).tiny
    flushed, plain = DECAYING[name](), DECAYING[name]()
    runs = []
    for opt in (flushed, plain):
        v = _var([0.5, -0.25, 1.0, -2.0, 0.125, 3.0])
        opt.build([v])
        runs.append(v)
    assert flushed.flush_every > 0
    plain.flush_every = 0  # the same update without the flush
    steps = 3 * 18_411 if name.startswith("adam") else 1_500  # past v's (0.999) first flushes
    went_subnormal = False  # without the flush (the case is real)
    for step in range(steps):
        for opt in (flushed, plain):
            opt.zero_grad()
            # units 0-1 always learn; units 2-5 learn for 5 steps, then their gradient is 0
            opt.gradient_buffer[:2] = [0.3, -0.2]
            if step < 5:
                opt.gradient_buffer[2:] = [0.5, -1.0, 1e-3, 2.0]
            opt.step()
        went_subnormal = went_subnormal or any(
            np.any((np.abs(x) < tiny) & (x != 0))
            for x in (getattr(plain, a) for a in plain._SLOTS)
            if x is not None
        )
    assert went_subnormal
    for attr in flushed._SLOTS:
        a, b = getattr(flushed, attr), getattr(plain, attr)
        if a is None:
            continue
        assert not np.any((np.abs(a) < tiny) & (a != 0)), attr
        keep = np.abs(b) >= flushed._flush_below
        assert a[keep].tobytes() == b[keep].tobytes(), attr
        assert np.all(a[~keep] == 0), attr
    assert runs[0].data.tobytes() == runs[1].data.tobytes()
