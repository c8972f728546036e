"""Training speed and memory: core against the NumPy floor, scikit-learn and PyTorch eager.

`python -m benchmarks.train_speed [--quick] [--only W1,W2,W3] [--rounds N] [--json]`

Workloads and data are those of the shared floor (`../shared/bench`, found next to the
repository or given with --bench-dir / LF_BENCH_DIR): W1 the seed network (768 x 8 ->
10 -> 10 -> 1 sigmoid, batch 32), W2 60,000 x 784 -> 256 -> 128 -> 10 softmax at batch
128, W3 the same at batch 1,024; float32, Adam(1e-3), byte-identical synthetic data.

- core and the floor (`floor_numpy.py`: a hand-written loop with every buffer
  preallocated) run in ONE process and alternate epoch by epoch, so both see the same
  load; core runs the trainer generator with a History callback, which is what
  `model.fit(verbose=0)` does, with metrics=["accuracy"].
- scikit-learn (MLPClassifier, adam, alpha=0) and PyTorch eager (2 and 1 threads) run in
  their own processes; every round runs each runner once, so they interleave in time.
- W1's per-epoch overhead of fit (shuffle, metrics, history, callbacks, the divergence
  checks) is measured directly: 10 epochs of 768 rows against 1 epoch of the same rows
  repeated 10 times (the same steps), alternated.
- W2's memory: the peak RSS of a process that only trains core, against the data plus
  the parameters, in total and above the process's size before the data existed.

The first line is the machine: CPU, load average (before and after), numpy and its BLAS.
Ratios are medians over rounds of per-round ratios; the spread is the inter-quartile
range. On a shared machine read the ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

QUICK_ROWS = 12_000
TARGETS = {"W1": 1.2, "W2": 1.1, "W3": 1.1}  # core / floor per step, at most
TORCH_W1_MIN = 4.0  # PyTorch eager / core on W1, at least
MEMORY_TARGET = 1.3  # W2 peak / (data + params), at most
OVERHEAD_TARGET = 0.05  # W1 per-epoch overhead / epoch time, at most


# ------------------------------------------------------------------ the floor
def bench_dir(given: str | None = None) -> Path | None:
    """The shared floor's folder: --bench-dir, LF_BENCH_DIR, or ../shared/bench."""
    root = Path(__file__).resolve().parents[1]
    for cand in (
        given,
        os.environ.get("LF_BENCH_DIR"),
        root.parent / "shared" / "bench",
        root.parent.parent / "shared" / "bench",
    ):
        if cand and (Path(cand) / "floor_numpy.py").is_file():
            return Path(cand)
    return None


def _floor_modules(where: Path) -> tuple[Any, Any]:
    sys.path.insert(0, str(where))
    import common  # type: ignore[import-not-found]
    import floor_numpy  # type: ignore[import-not-found]

    return common, floor_numpy


def _data(common: Any, name: str, quick: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, y, onehot = common.make_data(name)
    if quick and name != "W1":
        x, y, onehot = x[:QUICK_ROWS], y[:QUICK_ROWS], onehot[:QUICK_ROWS]
    return x, y, onehot


# ----------------------------------------------------------------------- core
def core_model(cfg: dict[str, Any]) -> Any:
    from core import keras

    keras.utils.set_random_seed(0)
    L = keras.layers  # noqa: N806
    layers = [L.Input(shape=(cfg["d"],))] + [L.Dense(h, activation="relu") for h in cfg["hidden"]]
    binary = cfg["out"] == 1
    layers.append(L.Dense(cfg["out"], activation="sigmoid" if binary else "softmax"))
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _core_epochs(model: Any, x: np.ndarray, y: np.ndarray, batch: int, epochs: int) -> Any:
    """The trainer generator as fit(verbose=0) runs it; yields each epoch's seconds."""
    from core.engine.callbacks import History
    from core.engine.training import EpochEnded, train

    for ev in train(model, x, y, epochs=epochs, batch_size=batch, callbacks=[History()]):
        if isinstance(ev, EpochEnded):
            yield ev.elapsed


def run_pair(where: Path, name: str, quick: bool, epochs: int) -> dict[str, Any]:
    """core and the floor in one process, alternating epochs (after one warm-up each)."""
    common, floor = _floor_modules(where)
    cfg = common.WORKLOADS[name]
    x, y_int, onehot = _data(common, name, quick)
    binary = cfg["out"] == 1
    y_core = onehot[:, 0] if binary else y_int
    y_floor = 1.0 - 2.0 * onehot if binary else onehot
    batch = cfg["batch"]
    net = floor.MLP((cfg["d"], *cfg["hidden"], cfg["out"]), batch, seed=0)
    rng = np.random.default_rng(42)
    xbuf = np.empty((batch, cfg["d"]), np.float32)
    ybuf = np.empty((batch, y_floor.shape[1]), np.float32)
    model = core_model(cfg)
    gen = _core_epochs(model, x, y_core, batch, epochs + 1)
    next(gen)  # warm-up: traces the plans
    floor.train_epoch(net, x, y_floor, batch, rng, xbuf, ybuf)
    core_t, floor_t = [], []
    for _ in range(epochs):
        core_t.append(next(gen))
        t0 = time.perf_counter()
        floor.train_epoch(net, x, y_floor, batch, rng, xbuf, ybuf)
        floor_t.append(time.perf_counter() - t0)
    return {
        "steps": -(-len(x) // batch),
        "core": core_t,
        "floor": floor_t,
        "plan": model.plan_info().mode,
    }


def run_overhead(where: Path, quick: bool, pairs: int) -> dict[str, Any]:
    """W1: fit's per-epoch cost, from 10 epochs of n rows against 1 epoch of the same n rows
    repeated 10 times (the same steps), alternated; CPU time of this process, so that
    other processes' load does not count."""
    common, _ = _floor_modules(where)
    cfg = common.WORKLOADS["W1"]
    x, _, onehot = _data(common, "W1", quick)
    y = onehot[:, 0]
    xs, ys = np.concatenate([x] * 10), np.concatenate([y] * 10)
    model = core_model(cfg)
    model.fit(x, y, epochs=2, batch_size=cfg["batch"], verbose=0)
    model.fit(xs, ys, epochs=1, batch_size=cfg["batch"], verbose=0)
    many, one = [], []
    for _ in range(pairs):
        t0 = time.process_time()
        model.fit(x, y, epochs=10, batch_size=cfg["batch"], verbose=0)
        many.append(time.process_time() - t0)
        t0 = time.process_time()
        model.fit(xs, ys, epochs=1, batch_size=cfg["batch"], verbose=0)
        one.append(time.process_time() - t0)
    return {"ten_epochs": many, "one_long_epoch": one}


def _rss() -> tuple[float, float]:
    cur = peak = 0.0
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return cur, peak


def run_memory(where: Path, name: str, quick: bool, epochs: int) -> dict[str, Any]:
    """Peak RSS of a process that trains core only, against data + parameters."""
    common, _ = _floor_modules(where)
    cfg = common.WORKLOADS[name]
    model = core_model(cfg)
    before, _ = _rss()
    x, y_int, onehot = _data(common, name, quick)
    y = onehot[:, 0] if cfg["out"] == 1 else y_int
    data_mb = (x.nbytes + y.nbytes) / 2**20
    del onehot
    _, with_data = _rss()
    model.fit(x, y, epochs=epochs, batch_size=cfg["batch"], verbose=0)
    params_mb = model.count_params() * 4 / 2**20
    _, peak = _rss()
    return {
        "before_mb": before,
        "with_data_mb": with_data,
        "peak_mb": peak,
        "data_mb": data_mb,
        "params_mb": params_mb,
    }


# ---------------------------------------------------------------------- peers
def run_sklearn(where: Path, name: str, quick: bool, epochs: int) -> dict[str, Any]:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    common, _ = _floor_modules(where)
    cfg = common.WORKLOADS[name]
    x, y_int, _ = _data(common, name, quick)
    clf = MLPClassifier(
        hidden_layer_sizes=cfg["hidden"],
        activation="relu",
        solver="adam",
        alpha=0.0,
        batch_size=cfg["batch"],
        learning_rate_init=1e-3,
        max_iter=1,
        shuffle=True,
        random_state=0,
        tol=0.0,
        n_iter_no_change=10**9,
        warm_start=True,
    )
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(epochs + 1):
            t0 = time.perf_counter()
            clf.fit(x, y_int)
            times.append(time.perf_counter() - t0)
    return {"steps": -(-len(x) // cfg["batch"]), "times": times[1:]}


def run_torch(where: Path, name: str, quick: bool, epochs: int, threads: int) -> dict[str, Any]:
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    common, _ = _floor_modules(where)
    cfg = common.WORKLOADS[name]
    x, y_int, onehot = _data(common, name, quick)
    sizes = [cfg["d"], *cfg["hidden"]]
    mods: list[Any] = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        mods += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    mods.append(torch.nn.Linear(sizes[-1], cfg["out"]))
    net = torch.nn.Sequential(*mods)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    binary = cfg["out"] == 1
    lossf = torch.nn.BCEWithLogitsLoss() if binary else torch.nn.CrossEntropyLoss()
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(onehot[:, :1].copy() if binary else y_int)
    n, bs = len(x), cfg["batch"]
    times = []
    for _ in range(epochs + 1):
        t0 = time.perf_counter()
        order = torch.randperm(n)
        for lo in range(0, n, bs):
            idx = order[lo : lo + bs]
            opt.zero_grad()
            loss = lossf(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    return {"steps": -(-n // bs), "times": times[1:]}


# ------------------------------------------------------------------- driver
def machine_line() -> str:
    parts = [f"Python {platform.python_version()}", f"numpy {np.__version__}"]
    parts.append(f"{platform.machine()} {os.cpu_count()} CPUs")
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh if "model name" in ln), "")
        if model:
            parts.append(model)
    except OSError:
        pass
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            if info.get("user_api") == "blas":
                parts.append(
                    f"BLAS {info.get('internal_api')} {info.get('version')} "
                    f"{info.get('architecture')} threads={info.get('num_threads')}"
                )
                break
    except ImportError:
        parts.append("BLAS unknown (threadpoolctl not installed)")
    for mod in ("torch", "sklearn"):
        try:
            parts.append(f"{mod} {__import__(mod).__version__}")
        except ImportError:
            pass
    return "; ".join(parts)


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def _child(args: list[Any], blas_threads: int | None = None) -> dict[str, Any] | None:
    cmd = [sys.executable, "-m", "benchmarks.train_speed", "--child", json.dumps(args)]
    env = dict(os.environ)
    if blas_threads:
        env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = str(blas_threads)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if proc.returncode:
        sys.stderr.write(f"{args}: failed\n{proc.stderr[-2000:]}\n")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _med_iqr(values: list[float]) -> tuple[float, float, float]:
    a = np.asarray(values, dtype=float)
    return float(np.median(a)), float(np.percentile(a, 25)), float(np.percentile(a, 75))


def _fmt(values: list[float]) -> str:
    m, lo, hi = _med_iqr(values)
    return f"{m:.2f}x [{lo:.2f}-{hi:.2f}]"


def measure(
    where: Path,
    names: list[str],
    quick: bool,
    rounds: int,
    peers: list[str],
    blas_threads: int | None = None,
) -> dict[str, Any]:
    """Run every round of every runner and gather per-step times and ratios."""
    epochs = {"W1": 60, "W2": 1, "W3": 1}
    out: dict[str, Any] = {}
    for name in names:
        per: dict[str, list[float]] = {"core": [], "floor": []}
        ratios: dict[str, list[float]] = {"floor": []}
        loads = []
        for _ in range(rounds):
            loads.append(os.getloadavg()[0])
            pair = _child(["pair", str(where), name, quick, epochs[name]], blas_threads)
            if pair is None:
                continue
            steps = pair["steps"]
            c, f = np.median(pair["core"]) / steps, np.median(pair["floor"]) / steps
            per["core"].append(c)
            per["floor"].append(f)
            ratios["floor"].append(c / f)
            for peer in peers:
                res = _child(
                    [*_peer_args(peer), str(where), name, quick, epochs[name]], blas_threads
                )
                if res is None:
                    continue
                t = float(np.median(res["times"])) / res["steps"]
                per.setdefault(peer, []).append(t)
                ratios.setdefault(peer, []).append(t / c)  # peer / core: > 1 is core faster
        out[name] = {
            "per_step": per,
            "ratios": ratios,
            "load": loads,
            "plan": pair and pair["plan"],
        }
    return out


def _peer_args(peer: str) -> list[Any]:
    if peer.startswith("torch"):
        return ["torch", int(peer.split("-")[1].rstrip("t"))]
    return [peer]


def child(spec: list[Any]) -> dict[str, Any]:
    kind = spec[0]
    if kind == "pair":
        return run_pair(Path(spec[1]), spec[2], bool(spec[3]), int(spec[4]))
    if kind == "overhead":
        return run_overhead(Path(spec[1]), bool(spec[2]), int(spec[3]))
    if kind == "memory":
        return run_memory(Path(spec[1]), spec[2], bool(spec[3]), int(spec[4]))
    if kind == "sklearn":
        return run_sklearn(Path(spec[1]), spec[2], bool(spec[3]), int(spec[4]))
    if kind == "torch":
        return run_torch(Path(spec[2]), spec[3], bool(spec[4]), int(spec[5]), int(spec[1]))
    raise ValueError(f"unknown child {kind!r}")


def report(res: dict[str, Any], overhead: Any, memory: Any, out: Any) -> None:
    out.write(
        "\n| workload | core us/step | floor us/step | core / floor (target) | "
        "sklearn / core | torch 2t / core | torch 1t / core | plan | load 1-min |\n"
        "|---|---:|---:|---:|---:|---:|---:|---|---:|\n"
    )
    for name, r in res.items():
        per, ratios = r["per_step"], r["ratios"]
        if not per["core"]:
            continue
        cells = [
            name,
            f"{np.median(per['core']) * 1e6:.1f}",
            f"{np.median(per['floor']) * 1e6:.1f}",
            f"{_fmt(ratios['floor'])} (<= {TARGETS[name]})",
        ]
        for peer in ("sklearn", "torch-2t", "torch-1t"):
            cells.append(_fmt(ratios[peer]) if ratios.get(peer) else "-")
        cells += [str(r["plan"]), f"{np.median(r['load']):.2f}"]
        out.write("| " + " | ".join(cells) + " |\n")
    if overhead:
        many, one = np.asarray(overhead["ten_epochs"]), np.asarray(overhead["one_long_epoch"])
        per_epoch = (many - one) / 9
        share = per_epoch / (many / 10)
        best = (many.min() - one.min()) / 9
        out.write(
            f"\nW1 per-epoch overhead of fit (CPU time, {len(many)} pairs): median "
            f"{np.median(per_epoch) * 1e6:.0f} us = {np.median(share) * 100:.1f} % of an epoch "
            f"[IQR {np.percentile(share, 25) * 100:.1f} to {np.percentile(share, 75) * 100:.1f} %];"
            f" from the fastest runs {best * 1e6:.0f} us = {best / (many.min() / 10) * 100:.1f} %"
            f" (target <= {OVERHEAD_TARGET * 100:.0f} %)\n"
        )
    if memory:
        base = memory["data_mb"] + memory["params_mb"]
        out.write(
            f"W2 memory (MiB): data {memory['data_mb']:.0f} + params {memory['params_mb']:.1f}; "
            f"process {memory['before_mb']:.0f} before the data, {memory['with_data_mb']:.0f} "
            f"with it, peak {memory['peak_mb']:.0f} after fit (training added "
            f"{memory['peak_mb'] - memory['with_data_mb']:.1f}). Peak / (data + params) = "
            f"{memory['peak_mb'] / base:.2f} for the whole process, "
            f"{(memory['peak_mb'] - memory['before_mb']) / base:.2f} above the interpreter and "
            f"libraries (target <= {MEMORY_TARGET})\n"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help=f"W2/W3 on {QUICK_ROWS:,} rows")
    ap.add_argument("--only", default="W1,W2,W3", help="comma-separated workloads")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (5)")
    ap.add_argument("--peers", default="sklearn,torch-2t,torch-1t", help="'' for none")
    ap.add_argument("--bench-dir", default=None, help="the shared floor's folder")
    ap.add_argument("--json", action="store_true", help="print the raw results as JSON")
    ap.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="OPENBLAS_NUM_THREADS for every run (PyTorch keeps its own setting)",
    )
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        sys.stdout.write(json.dumps(child(json.loads(args.child))) + "\n")
        return 0
    where = bench_dir(args.bench_dir)
    if where is None:
        sys.stderr.write(
            "The shared floor (floor_numpy.py) was not found. Expected ../shared/bench next "
            "to the repository; pass --bench-dir or set LF_BENCH_DIR.\n"
        )
        return 2
    out = sys.stdout
    out.write(machine_line() + f"; load before {load()}\n")
    names = [n for n in args.only.split(",") if n]
    peers = []
    for p in [p for p in args.peers.split(",") if p]:
        mod = "torch" if p.startswith("torch") else p
        try:
            __import__(mod)
            peers.append(p)
        except ImportError:
            out.write(f"{p}: not installed, skipped\n")
    res = measure(where, names, args.quick, args.rounds, peers, args.blas_threads)
    if args.blas_threads:
        out.write(f"BLAS limited to {args.blas_threads} thread(s) in every run\n")
    overhead = _child(["overhead", str(where), args.quick, 30]) if "W1" in names else None
    memory = _child(["memory", str(where), "W2", False, 1]) if "W2" in names else None
    report(res, overhead, memory, out)
    out.write(f"load after {load()}\n")
    if args.json:
        out.write(json.dumps({"speed": res, "overhead": overhead, "memory": memory}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
