"""Training speed: core against a hand-written NumPy loop, scikit-learn and PyTorch eager.

`python -m benchmarks.train_speed [--quick] [--only W1,W2,W3] [--json]` trains
W1 (the seed network, 768 x 8, batch 32, Adam), W2 (60,000 x 784 -> Dense 256
relu -> 128 relu -> 10 softmax, Adam, batch 128) and W3 (W2 at batch 1,024) on
the same synthetic float32 data with each framework, each in its own
subprocess (so peak memory is per framework), and prints time per epoch,
samples/s, peak RSS and the ratios the engine issue targets. PyTorch runs
plain torch.optim.Adam, by default twice: with 2 threads (the issue's setting)
and with 1 (`--torch-threads 2,1`), since on a loaded 2-core machine its
2-thread OpenMP pool waits for a core the other load holds and is several
times slower than 1 thread. scikit-learn's MLPClassifier uses solver="adam",
alpha=0 and no early stopping. The first line records the machine: CPU,
load average, numpy and its BLAS (kernel and threads, via threadpoolctl when
installed) and any OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE override.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from typing import Any

import numpy as np

WORKLOADS: dict[str, dict[str, Any]] = {
    "W1": {"n": 768, "d": 8, "hidden": (10, 10), "classes": 1, "batch": 32, "epochs": 12},
    "W2": {"n": 60000, "d": 784, "hidden": (256, 128), "classes": 10, "batch": 128, "epochs": 2},
    "W3": {"n": 60000, "d": 784, "hidden": (256, 128), "classes": 10, "batch": 1024, "epochs": 3},
}
QUICK = {"W1": {"epochs": 6}, "W2": {"n": 12000, "epochs": 2}, "W3": {"n": 12000, "epochs": 2}}
FRAMEWORKS = ("core", "numpy", "sklearn", "torch")


def make_data(w: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((w["n"], w["d"]), dtype=np.float32)
    proj = rng.standard_normal((w["d"], max(w["classes"], 1))).astype(np.float32)
    scores = x @ proj
    y = (scores[:, 0] > 0).astype(np.float32) if w["classes"] == 1 else scores.argmax(1)
    return x, y


# --------------------------------------------------------------------- core
def run_core(w: dict[str, Any], x: np.ndarray, y: np.ndarray) -> list[float]:
    from core import keras
    from core.engine.training import EpochEnded, train

    keras.utils.set_random_seed(0)
    L = keras.layers  # noqa: N806
    layers = [L.Dense(w["hidden"][0], activation="relu", input_shape=(w["d"],))]
    layers += [L.Dense(h, activation="relu") for h in w["hidden"][1:]]
    if w["classes"] == 1:
        layers.append(L.Dense(1, activation="sigmoid"))
        loss = "binary_crossentropy"
    else:
        layers.append(L.Dense(w["classes"], activation="softmax"))
        loss = "sparse_categorical_crossentropy"
    model = keras.Sequential(layers)
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return [
        ev.elapsed
        for ev in train(model, x, y, epochs=w["epochs"], batch_size=w["batch"])
        if isinstance(ev, EpochEnded)
    ]


# -------------------------------------------------------- hand-written NumPy
def run_numpy(w: dict[str, Any], x: np.ndarray, y: np.ndarray) -> list[float]:
    """A careful hand loop: float32, fused output loss, in-place Adam per array."""
    rng = np.random.default_rng(0)
    sizes = [w["d"], *w["hidden"], max(w["classes"], 1)]
    params: list[np.ndarray] = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        lim = np.sqrt(6 / (a + b))
        params += [rng.uniform(-lim, lim, (a, b)).astype(np.float32), np.zeros(b, np.float32)]
    grads = [np.zeros_like(p) for p in params]
    ms = [np.zeros_like(p) for p in params]
    vs = [np.zeros_like(p) for p in params]
    tmp = [np.zeros_like(p) for p in params]
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-7
    n, bs = len(x), w["batch"]
    nl = len(sizes) - 1
    binary = w["classes"] == 1
    t = 0
    times = []
    for _ in range(w["epochs"]):
        start = time.perf_counter()
        order = rng.permutation(n)
        for lo in range(0, n, bs):
            idx = order[lo : lo + bs]
            xb, yb = x[idx], y[idx]
            acts = [xb]
            h = xb
            for i in range(nl):
                z = h @ params[2 * i]
                z += params[2 * i + 1]
                if i < nl - 1:
                    np.maximum(z, 0, out=z)
                acts.append(z)
                h = z
            m = len(xb)
            if binary:
                p = 1 / (1 + np.exp(-h[:, 0]))
                g = ((p - yb) / m)[:, None].astype(np.float32)
            else:
                e = np.exp(h - h.max(1, keepdims=True))
                e /= e.sum(1, keepdims=True)
                e[np.arange(m), yb] -= 1
                g = e / np.float32(m)
            for i in range(nl - 1, -1, -1):
                np.matmul(acts[i].T, g, out=grads[2 * i])
                np.sum(g, axis=0, out=grads[2 * i + 1])
                if i:
                    g = g @ params[2 * i].T
                    g *= acts[i] > 0
            t += 1
            alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
            for p_, g_, m_, v_, s_ in zip(params, grads, ms, vs, tmp, strict=True):
                np.subtract(g_, m_, out=s_)
                s_ *= 1 - b1
                m_ += s_
                np.multiply(g_, g_, out=s_)
                s_ -= v_
                s_ *= 1 - b2
                v_ += s_
                np.sqrt(v_, out=s_)
                s_ += eps
                np.divide(m_, s_, out=s_)
                s_ *= alpha
                p_ -= s_
        times.append(time.perf_counter() - start)
    return times


# --------------------------------------------------------------- scikit-learn
def run_sklearn(w: dict[str, Any], x: np.ndarray, y: np.ndarray) -> list[float]:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=w["hidden"],
        activation="relu",
        solver="adam",
        alpha=0.0,
        batch_size=w["batch"],
        learning_rate_init=1e-3,
        max_iter=1,
        shuffle=True,
        random_state=0,
        tol=0.0,
        n_iter_no_change=10**9,
        warm_start=True,
    )
    yy = y.astype(np.int64)
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(w["epochs"]):
            start = time.perf_counter()
            clf.fit(x, yy)
            times.append(time.perf_counter() - start)
    return times


# -------------------------------------------------------------------- PyTorch
def run_torch(w: dict[str, Any], x: np.ndarray, y: np.ndarray) -> list[float]:
    import torch

    torch.set_num_threads(int(os.environ.get("LF_TORCH_THREADS", "2")))
    torch.manual_seed(0)
    sizes = [w["d"], *w["hidden"]]
    mods: list[Any] = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        mods += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    mods.append(torch.nn.Linear(sizes[-1], max(w["classes"], 1)))
    net = torch.nn.Sequential(*mods)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    binary = w["classes"] == 1
    lossf = torch.nn.BCEWithLogitsLoss() if binary else torch.nn.CrossEntropyLoss()
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y.astype(np.float32)[:, None] if binary else y.astype(np.int64))
    n, bs = len(x), w["batch"]
    times = []
    for _ in range(w["epochs"]):
        start = time.perf_counter()
        order = torch.randperm(n)
        for lo in range(0, n, bs):
            idx = order[lo : lo + bs]
            opt.zero_grad()
            loss = lossf(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - start)
    return times


RUNNERS = {"core": run_core, "numpy": run_numpy, "sklearn": run_sklearn, "torch": run_torch}


def _peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM belongs to the address space exec made, whereas
    ru_maxrss carries the parent's peak across fork + exec."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(name: str, fw: str, quick: bool) -> dict[str, Any]:
    w = dict(WORKLOADS[name])
    if quick:
        w.update(QUICK[name])
    x, y = make_data(w)
    times = RUNNERS[fw](w, x, y)
    steady = times[1:] if len(times) > 1 else times  # first epoch warms caches
    per_epoch = float(np.median(steady))
    return {
        "workload": name,
        "framework": fw,
        "epoch_s": per_epoch,
        "samples_per_s": w["n"] / per_epoch,
        "step_us": per_epoch / -(-w["n"] // w["batch"]) * 1e6,
        "peak_rss_mb": _peak_rss_mb(),
        "n": w["n"],
        "epochs": w["epochs"],
    }


def machine_info() -> str:
    parts = [
        f"Python {platform.python_version()}",
        f"numpy {np.__version__}",
        f"{platform.machine()} {os.cpu_count()} CPUs",
    ]
    if hasattr(os, "getloadavg"):
        parts.append("load average " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
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
        cfg = np.show_config(mode="dicts") if hasattr(np, "show_config") else None
        blas = (cfg or {}).get("Build Dependencies", {}).get("blas", {})
        if blas:
            parts.append(
                f"BLAS {blas.get('name')} {blas.get('version')} (threadpoolctl not "
                "installed: kernel unknown)"
            )
    for mod in ("torch", "sklearn"):
        try:
            parts.append(f"{mod} {__import__(mod).__version__}")
        except ImportError:
            pass
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(var):
            parts.append(f"{var}={os.environ[var]}")
    return "; ".join(parts)


def available(fw: str) -> bool:
    mod = {"core": "core", "numpy": "numpy", "sklearn": "sklearn", "torch": "torch"}[fw]
    try:
        __import__(mod)
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller data and fewer epochs")
    ap.add_argument("--only", default="W1,W2,W3", help="comma-separated workloads")
    ap.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    ap.add_argument("--json", action="store_true", help="print JSON results")
    ap.add_argument(
        "--torch-threads",
        default="2,1",
        help="comma-separated torch.set_num_threads values, one run each (2,1)",
    )
    ap.add_argument("--child", nargs=2, metavar=("WORKLOAD", "FRAMEWORK"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        sys.stdout.write(json.dumps(child(args.child[0], args.child[1], args.quick)) + "\n")
        return 0
    results: list[dict[str, Any]] = []
    torch_threads = [int(t) for t in str(args.torch_threads).split(",") if t.strip()]
    out = sys.stdout
    out.write(machine_info() + "\n")
    for name in args.only.split(","):
        for fw in args.frameworks.split(","):
            if not available(fw):
                out.write(f"{name} {fw}: not installed, skipped\n")
                continue
            for threads in torch_threads if fw == "torch" else [0]:
                cmd = [sys.executable, "-m", "benchmarks.train_speed", "--child", name, fw]
                if args.quick:
                    cmd.append("--quick")
                env = dict(os.environ, LF_TORCH_THREADS=str(threads))
                proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
                label = f"torch {threads}t" if fw == "torch" else fw
                if proc.returncode:
                    out.write(f"{name} {label}: failed\n{proc.stderr[-2000:]}\n")
                    continue
                r = json.loads(proc.stdout.strip().splitlines()[-1])
                r["framework"] = label
                results.append(r)
                out.write(
                    f"{name} {label:9s} {r['epoch_s'] * 1e3:9.1f} ms/epoch "
                    f"{r['step_us']:9.1f} us/step {r['samples_per_s']:12,.0f} samples/s "
                    f"peak {r['peak_rss_mb']:7.0f} MB\n"
                )
                out.flush()
    out.write(
        "\n| workload | framework | ms/epoch | us/step | samples/s | peak RSS MB | "
        "core speed-up vs it |\n|---|---|---:|---:|---:|---:|---:|\n"
    )
    by = {(r["workload"], r["framework"]): r for r in results}
    for r in results:
        c = by.get((r["workload"], "core"))
        ratio = f"{r['epoch_s'] / c['epoch_s']:.2f}x" if c else "-"
        out.write(
            f"| {r['workload']} | {r['framework']} | {r['epoch_s'] * 1e3:.1f} | "
            f"{r['step_us']:.1f} | {r['samples_per_s']:,.0f} | {r['peak_rss_mb']:.0f} | "
            f"{ratio} |\n"
        )
    if args.json:
        out.write(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
