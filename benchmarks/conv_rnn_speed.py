"""Training-step speed of the convolution and recurrent layers against PyTorch eager.

`python -m benchmarks.conv_rnn_speed [--threads 1,2] [--repeats 3] [--steps 30] [--json]`
times one training step (forward, loss, backward, Adam update) of two networks, each
framework in its own subprocess, interleaved, at each thread count:

- **CNN**: 28x28x1 -> Conv2D(16, 3, relu) -> MaxPooling2D(2) -> Conv2D(32, 3, relu) ->
  MaxPooling2D(2) -> Flatten -> Dense(10), batch 64, Adam, sparse cross-entropy from
  logits. Target: LayerForge's step <= 2x PyTorch's.
- **LSTM**: Embedding(5000, 32) -> LSTM(64) -> Dense(1, sigmoid), 100-token sequences,
  batch 32, Adam, binary cross-entropy. Target: <= 3x PyTorch's.

LayerForge trains with `model.fit` (its traced plan, as the CLI and the app do), PyTorch
with a plain eager loop over the same batches (channels-first images, its native
layout). "Threads" is OPENBLAS_NUM_THREADS for LayerForge (NumPy's BLAS; the
recurrent step loop always uses one BLAS thread, see core/engine/blas.py) and
`torch.set_num_threads` for PyTorch. Each child reports the median step time over
`--repeats` epochs of `--steps` steps after a warm-up epoch; the parent prints the
median over the interleaved children, the ratio and the machine line (CPU, load,
BLAS) from `benchmarks.train_speed`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np

WORKLOADS: dict[str, dict[str, Any]] = {
    "CNN": {"batch": 64, "target": 2.0},
    "LSTM": {"batch": 32, "target": 3.0, "vocab": 5000, "steps": 100},
}
FRAMEWORKS = ("core", "torch")


def make_data(name: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    if name == "CNN":
        return rng.random((n, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, n)
    w = WORKLOADS["LSTM"]
    x = rng.integers(1, w["vocab"], (n, w["steps"]))
    return x, rng.integers(0, 2, n).astype(np.float32)


# --------------------------------------------------------------------- core
def run_core(name: str, x: np.ndarray, y: np.ndarray, batch: int, epochs: int) -> list[float]:
    from core import keras

    keras.utils.set_random_seed(0)
    L = keras.layers  # noqa: N806
    if name == "CNN":
        model = keras.Sequential(
            [
                keras.Input((28, 28, 1)),
                L.Conv2D(16, 3, activation="relu"),
                L.MaxPooling2D(2),
                L.Conv2D(32, 3, activation="relu"),
                L.MaxPooling2D(2),
                L.Flatten(),
                L.Dense(10),
            ]
        )
        loss: Any = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    else:
        model = keras.Sequential(
            [
                keras.Input((x.shape[1],)),
                L.Embedding(WORKLOADS["LSTM"]["vocab"], 32),
                L.LSTM(64),
                L.Dense(1, activation="sigmoid"),
            ]
        )
        loss = "binary_crossentropy"
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    steps = len(x) // batch
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, shuffle=True, verbose=0)
        times.append((time.perf_counter() - start) / steps)
    return times


# ------------------------------------------------------------------ PyTorch
def run_torch(name: str, x: np.ndarray, y: np.ndarray, batch: int, epochs: int) -> list[float]:
    import torch

    torch.manual_seed(0)
    nn = torch.nn
    if name == "CNN":
        net = nn.Sequential(
            nn.Conv2d(1, 16, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(32 * 5 * 5, 10),
        )
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        yt = torch.from_numpy(y.astype(np.int64))
        lossf: Any = nn.CrossEntropyLoss()
    else:

        class Net(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.emb = nn.Embedding(WORKLOADS["LSTM"]["vocab"], 32)
                self.lstm = nn.LSTM(32, 64, batch_first=True)
                self.out = nn.Linear(64, 1)

            def forward(self, ids: Any) -> Any:
                _, (h, _) = self.lstm(self.emb(ids))
                return self.out(h[-1])

        net = Net()
        xt = torch.from_numpy(x.astype(np.int64))
        yt = torch.from_numpy(y[:, None])
        lossf = nn.BCEWithLogitsLoss()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    n = len(xt)
    steps = n // batch
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(n)
        for lo in range(0, steps * batch, batch):
            idx = order[lo : lo + batch]
            opt.zero_grad()
            out = lossf(net(xt[idx]), yt[idx])
            out.backward()
            opt.step()
        times.append((time.perf_counter() - start) / steps)
    return times


def child(name: str, fw: str, threads: int, steps: int, repeats: int) -> dict[str, Any]:
    batch = WORKLOADS[name]["batch"]
    x, y = make_data(name, batch * steps)
    if fw == "torch":
        import torch

        torch.set_num_threads(threads)
        times = run_torch(name, x, y, batch, repeats + 1)
    else:
        times = run_core(name, x, y, batch, repeats + 1)
    return {"step_ms": statistics.median(times[1:]) * 1e3, "all_ms": [t * 1e3 for t in times]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts (1,2)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved child runs per setting")
    ap.add_argument("--repeats", type=int, default=3, help="timed epochs per child")
    ap.add_argument("--steps", type=int, default=30, help="training steps per epoch")
    ap.add_argument("--only", default="CNN,LSTM")
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--child", nargs=3, metavar=("WORKLOAD", "FRAMEWORK", "THREADS"), help=argparse.SUPPRESS
    )
    args = ap.parse_args(argv)
    if args.child:
        name, fw, threads = args.child
        result = child(name, fw, int(threads), args.steps, args.repeats)
        sys.stdout.write(json.dumps(result) + "\n")
        return 0
    from benchmarks.train_speed import machine_info

    out = sys.stdout
    out.write(machine_info() + "\n")
    results: dict[tuple[str, int, str], list[float]] = {}
    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    names = [n for n in args.only.split(",") if n]
    for _ in range(args.rounds):
        for name in names:
            for t in threads:
                for fw in FRAMEWORKS:
                    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(t), OMP_NUM_THREADS=str(t))
                    cmd = [
                        sys.executable,
                        "-m",
                        "benchmarks.conv_rnn_speed",
                        "--child",
                        name,
                        fw,
                        str(t),
                        "--steps",
                        str(args.steps),
                        "--repeats",
                        str(args.repeats),
                    ]
                    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
                    if proc.returncode:
                        out.write(f"{name} {fw} {t}t failed:\n{proc.stderr[-2000:]}\n")
                        continue
                    r = json.loads(proc.stdout.strip().splitlines()[-1])
                    results.setdefault((name, t, fw), []).append(r["step_ms"])
    rows = []
    out.write("\n| workload | threads | LayerForge ms/step | PyTorch ms/step | ratio | target |\n")
    out.write("| --- | ---: | ---: | ---: | ---: | --- |\n")
    for name in names:
        for t in threads:
            core_ms = statistics.median(results.get((name, t, "core"), [float("nan")]))
            torch_ms = statistics.median(results.get((name, t, "torch"), [float("nan")]))
            ratio = core_ms / torch_ms
            target = WORKLOADS[name]["target"]
            met = "met" if ratio <= target else "NOT met"
            out.write(
                f"| {name} | {t} | {core_ms:.2f} | {torch_ms:.2f} | {ratio:.2f}x | "
                f"<= {target:g}x: {met} |\n"
            )
            rows.append(
                {
                    "workload": name,
                    "threads": t,
                    "core_ms": core_ms,
                    "torch_ms": torch_ms,
                    "ratio": ratio,
                    "target": target,
                    "core_runs": results.get((name, t, "core")),
                    "torch_runs": results.get((name, t, "torch")),
                }
            )
    if hasattr(os, "getloadavg"):
        out.write("load average after: " + " ".join(f"{v:.2f}" for v in os.getloadavg()) + "\n")
    if args.json:
        out.write(json.dumps(rows) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
