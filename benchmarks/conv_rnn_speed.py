"""Training-step speed of the convolution and recurrent layers: plan, eager and PyTorch.

`python -m benchmarks.conv_rnn_speed [--threads 1,2] [--rounds 7] [--steps 30] [--json]`
times one training step (forward, loss, backward, Adam update) of two networks:

- **CNN**: 28x28x1 -> Conv2D(16, 3, relu) -> MaxPooling2D(2) -> Conv2D(32, 3, relu) ->
  MaxPooling2D(2) -> Flatten -> Dense(10), batch 64, Adam, sparse cross-entropy from
  logits. Target: LayerForge's step <= 2x PyTorch's.
- **LSTM**: Embedding(5000, 32) -> LSTM(64) -> Dense(1, sigmoid), 100-token sequences,
  batch 32, Adam, binary cross-entropy. Target: <= 3x PyTorch's.
- **MASKED**: the LSTM network with Embedding(mask_zero=True) on padded text: each
  sequence has 10 to 100 tokens, then zeros up to 100 (post-padding, as the app's text
  preparation makes them). PyTorch runs the same batches packed
  (`pack_padded_sequence`), its way of skipping padding. Target: <= 3x PyTorch's.

Per thread count, one child process builds the three contenders of each workload —
LayerForge replaying its traced plan (`model.fit`, as the CLI and the app train),
LayerForge eager (`compile(run_eagerly=True)`) and PyTorch eager (a plain loop over the
same batches, channels-first images, its native layout) — runs a warm-up epoch of each,
then `--rounds` rounds of one epoch (`--steps` steps) per contender, interleaved, and
reports each contender's median step time. "Threads" is OPENBLAS_NUM_THREADS for
LayerForge (NumPy's BLAS; the recurrent step loop always uses one BLAS thread, see
core/engine/blas.py) and `torch.set_num_threads` for PyTorch. The parent prints the
medians, the ratios, the machine line and the load before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

WORKLOADS: dict[str, dict[str, Any]] = {
    "CNN": {"batch": 64, "target": 2.0},
    "LSTM": {"batch": 32, "target": 3.0, "vocab": 5000, "steps": 100},
    "MASKED": {"batch": 32, "target": 3.0, "vocab": 5000, "steps": 100},
}
CONTENDERS = ("planned", "eager", "torch")


def make_data(name: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    if name == "CNN":
        return rng.random((n, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, n)
    w = WORKLOADS[name]
    x = rng.integers(1, w["vocab"], (n, w["steps"]))
    if name == "MASKED":
        lengths = rng.integers(10, w["steps"] + 1, n)
        x[np.arange(w["steps"]) >= lengths[:, None]] = 0
    return x, rng.integers(0, 2, n).astype(np.float32)


# --------------------------------------------------------------------- core
def core_model(name: str, steps: int) -> tuple[Any, Any]:
    """The workload's LayerForge model (uncompiled) and its loss."""
    from core import keras

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
        return model, keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model = keras.Sequential(
        [
            keras.Input((steps,)),
            L.Embedding(WORKLOADS[name]["vocab"], 32, mask_zero=name == "MASKED"),
            L.LSTM(64),
            L.Dense(1, activation="sigmoid"),
        ]
    )
    return model, "binary_crossentropy"


def core_epoch(name: str, x: np.ndarray, y: np.ndarray, batch: int, eager: bool) -> Any:
    """A function that trains one epoch of the LayerForge model, planned or eager."""
    from core import keras

    keras.utils.set_random_seed(0)
    model, loss = core_model(name, x.shape[1])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss, run_eagerly=eager)

    def epoch() -> None:
        model.fit(x, y, batch_size=batch, epochs=1, shuffle=True, verbose=0)

    return epoch


# ------------------------------------------------------------------ PyTorch
def torch_epoch(name: str, x: np.ndarray, y: np.ndarray, batch: int) -> Any:
    """A function that trains one epoch of the PyTorch network (a plain eager loop)."""
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
                seq = self.emb(ids)
                if name == "MASKED":  # skip the padding: the state at each last token
                    lengths = (ids != 0).sum(dim=1)
                    seq = nn.utils.rnn.pack_padded_sequence(
                        seq, lengths, batch_first=True, enforce_sorted=False
                    )
                _, (h, _) = self.lstm(seq)
                return self.out(h[-1])

        net = Net()
        xt = torch.from_numpy(x.astype(np.int64))
        yt = torch.from_numpy(y[:, None])
        lossf = nn.BCEWithLogitsLoss()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    n = len(xt)
    steps = n // batch

    def epoch() -> None:
        order = torch.randperm(n)
        for lo in range(0, steps * batch, batch):
            idx = order[lo : lo + batch]
            opt.zero_grad()
            out = lossf(net(xt[idx]), yt[idx])
            out.backward()
            opt.step()

    return epoch


def child(names: list[str], threads: int, steps: int, rounds: int) -> dict[str, Any]:
    """Per workload and contender: the median ms per step over interleaved rounds."""
    import torch

    torch.set_num_threads(threads)
    result: dict[str, Any] = {}
    for name in names:
        batch = WORKLOADS[name]["batch"]
        x, y = make_data(name, batch * steps)
        epochs: dict[str, Callable[[], None]] = {
            "planned": core_epoch(name, x, y, batch, eager=False),
            "eager": core_epoch(name, x, y, batch, eager=True),
            "torch": torch_epoch(name, x, y, batch),
        }
        times: dict[str, list[float]] = {k: [] for k in epochs}
        for run in epochs.values():
            run()  # warm-up: traces the plan, fills caches
        for _ in range(rounds):
            for who, run in epochs.items():
                start = time.perf_counter()
                run()
                times[who].append((time.perf_counter() - start) / steps * 1e3)
        result[name] = {k: {"median": statistics.median(v), "all": v} for k, v in times.items()}
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts (1,2)")
    ap.add_argument("--rounds", type=int, default=7, help="interleaved epochs per contender")
    ap.add_argument("--steps", type=int, default=30, help="training steps per epoch")
    ap.add_argument("--only", default="CNN,LSTM,MASKED")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child", metavar="THREADS", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    names = [n for n in args.only.split(",") if n]
    if args.child:
        result = child(names, args.child, args.steps, args.rounds)
        sys.stdout.write(json.dumps(result) + "\n")
        return 0
    from benchmarks.train_speed import load, machine_line

    out = sys.stdout
    out.write(machine_line() + "\n")
    out.write(f"load average before: {load()}\n")
    rows = []
    for t in [int(t) for t in args.threads.split(",") if t.strip()]:
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(t), OMP_NUM_THREADS=str(t))
        cmd = [sys.executable, "-m", "benchmarks.conv_rnn_speed", "--child", str(t)]
        cmd += ["--steps", str(args.steps), "--rounds", str(args.rounds), "--only", args.only]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if proc.returncode:
            out.write(f"{t} thread(s) failed:\n{proc.stderr[-2000:]}\n")
            continue
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        for name in names:
            ms = {k: result[name][k]["median"] for k in CONTENDERS}
            rows.append({"workload": name, "threads": t, **ms, "runs": result[name]})
    out.write(
        "\n| workload | threads | planned ms | eager ms | PyTorch ms | planned / PyTorch "
        "| planned / eager | target |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n"
    )
    for r in rows:
        ratio = r["planned"] / r["torch"]
        target = WORKLOADS[r["workload"]]["target"]
        met = "met" if ratio <= target else "NOT met"
        out.write(
            f"| {r['workload']} | {r['threads']} | {r['planned']:.2f} | {r['eager']:.2f} | "
            f"{r['torch']:.2f} | {ratio:.2f}x | {r['planned'] / r['eager']:.2f} | "
            f"<= {target:g}x: {met} |\n"
        )
    out.write(f"load average after: {load()}\n")
    if args.json:
        out.write(json.dumps(rows) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
