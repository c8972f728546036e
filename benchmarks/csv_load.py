"""Benchmark: load + profile + preprocess a 1,000,000 x 20 CSV with
`core.data`, against plain `pandas.read_csv` of the same file in the same run.

Each measurement runs in a fresh subprocess so that peak memory (VmHWM) is
its own; the median of `--repeat` runs is reported (with each run's ratio).
Targets (issue 3): time at most 1.5x pandas.read_csv, peak memory at most 3x
the final float32 matrix.

    python -m benchmarks.csv_load [--rows 1000000] [--repeat 3] [--keep FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

N_NUMERIC = 18

_CHILD = r"""
import json, sys, time
def rss(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    return 0
import numpy as np, pandas as pd
mode, path = sys.argv[1], sys.argv[2]
if mode == "ours":
    from core.data import DataConfig, prepare, profile_table, read_csv
base = rss("VmRSS:")
t0 = time.perf_counter()
out = {}
if mode == "pandas":
    df = pd.read_csv(path)
    out["rows"] = len(df)
else:
    table = read_csv(path)
    t1 = time.perf_counter()
    profile_table(table)
    t2 = time.perf_counter()
    ds = prepare(table, DataConfig(target="label", validation_split=0.2, test_split=0.1))
    t3 = time.perf_counter()
    out.update(read_s=t1 - t0, profile_s=t2 - t1, prepare_s=t3 - t2,
               matrix_bytes=int(ds.x_train.base.nbytes if ds.x_train.base is not None
                                else ds.x_train.nbytes),
               shape=[int(ds.x_train.shape[0] + ds.x_val.shape[0] + ds.x_test.shape[0]),
                      int(ds.x_train.shape[1])])
out["seconds"] = time.perf_counter() - t0
out["peak_bytes"] = rss("VmHWM:") - base
print(json.dumps(out))
"""


def make_csv(path: Path, rows: int, rng: np.random.Generator) -> None:
    """18 numeric columns (a few with missing cells), a 6-level categorical
    feature and a 3-class label."""
    cols: dict[str, object] = {}
    for j in range(N_NUMERIC):
        v = rng.normal(loc=j, scale=1.0 + j, size=rows).round(4)
        if j % 6 == 5:
            v[rng.random(rows) < 0.01] = np.nan
        cols[f"x{j + 1}"] = v
    cols["color"] = rng.choice(
        np.array(["red", "green", "blue", "cyan", "magenta", "yellow"]), size=rows
    )
    cols["label"] = rng.choice(np.array(["alpha", "beta", "gamma"]), size=rows)
    pd.DataFrame(cols).to_csv(path, index=False)


def run_child(mode: str, path: Path) -> dict[str, float]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    res = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def machine_info() -> list[str]:
    lines = [
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}, {platform.platform()}"
    ]
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    lines.append(f"CPU: {cpu}, {os.cpu_count()} logical cores")
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            lines.append(
                f"BLAS: {info.get('internal_api')} {info.get('version')} "
                f"({info.get('num_threads')} threads)"
            )
    except ImportError:
        lines.append("BLAS: threadpoolctl not installed (see numpy.show_config())")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, default=None, help="reuse/keep the CSV at this path")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.csv"
        if not path.exists():
            t = time.perf_counter()
            make_csv(path, args.rows, np.random.default_rng(0))
            print(
                f"generated {path} ({path.stat().st_size / 1e6:.1f} MB) in "
                f"{time.perf_counter() - t:.1f} s"
            )
        load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        pandas_runs, ours_runs = [], []
        for _ in range(args.repeat):
            pandas_runs.append(run_child("pandas", path))
            ours_runs.append(run_child("ours", path))
        size_mb = path.stat().st_size / 1e6

    def med(runs: list[dict[str, float]], key: str) -> float:
        return float(statistics.median(r[key] for r in runs))

    pd_s = med(pandas_runs, "seconds")
    ours = {k: med(ours_runs, k) for k in ("read_s", "profile_s", "prepare_s", "seconds")}
    pd_peak = med(pandas_runs, "peak_bytes")
    our_peak = med(ours_runs, "peak_bytes")
    first = ours_runs[0]
    matrix = first["matrix_bytes"]
    for line in machine_info():
        print(line)
    print(f"load average before the runs: {load_before}")
    print(
        f"file: {args.rows:,} rows x 20 columns, {size_mb:.1f} MB; final matrix "
        f"{first['shape'][0]:,} x {first['shape'][1]} float32 = {matrix / 1e6:.1f} MB"
    )
    print()
    print(f"| step | seconds (median of {args.repeat}) | peak memory (median) |")
    print("| --- | ---: | ---: |")
    print(f"| pandas.read_csv | {pd_s:.2f} | {pd_peak / 1e6:.0f} MB |")
    print(f"| core.data read_csv | {ours['read_s']:.2f} | |")
    print(f"| profile_table | {ours['profile_s']:.2f} | |")
    print(f"| prepare (split + fit + transform) | {ours['prepare_s']:.2f} | |")
    print(f"| core.data total | {ours['seconds']:.2f} | {our_peak / 1e6:.0f} MB |")
    print()
    print(
        "per run (pandas s / core.data total s / ratio): "
        + "; ".join(
            f"{p['seconds']:.2f} / {o['seconds']:.2f} / {o['seconds'] / p['seconds']:.2f}x"
            for p, o in zip(pandas_runs, ours_runs, strict=True)
        )
    )
    ratio_t = ours["seconds"] / pd_s
    ratio_m = our_peak / matrix
    print(
        f"time ratio vs pandas.read_csv (medians): {ratio_t:.2f}x (target <= 1.5x) "
        f"{'OK' if ratio_t <= 1.5 else 'OVER'}"
    )
    print(
        f"peak memory / final float32 matrix: {ratio_m:.2f}x (target <= 3x) "
        f"{'OK' if ratio_m <= 3.0 else 'OVER'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
