"""Benchmark: `layerforge inspect` of a wide CSV (issue 11, finding 1).

Writes a CSV with `--columns` numeric columns (header far beyond the reader's
64 KB first sample) and `--rows` rows, then times `inspect` in a fresh
subprocess (wall and CPU seconds, median of `--repeat` runs). Issue 11 measured
over 8 minutes for 12,000 columns before the header was read whole.

    python -m benchmarks.csv_wide [--columns 12000] [--rows 50] [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def write_wide(path: Path, columns: int, rows: int) -> None:
    rng = np.random.default_rng(0)
    names = ["target"] + [f"feature_number_{i:05d}" for i in range(columns - 1)]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(",".join(names) + "\n")
        for r in range(rows):
            values = rng.random(columns - 1)
            fh.write(str(r % 2) + "," + ",".join(f"{v:.3f}" for v in values) + "\n")


def run_once(path: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "core.cli", "inspect", str(path)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, default=12_000)
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wide.csv"
        write_wide(path, args.columns, args.rows)
        runs = [run_once(path) for _ in range(args.repeat)]
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    print(
        f"inspect {args.columns:,} columns x {args.rows} rows: "
        f"{wall:.2f} s wall, {cpu:.2f} s CPU (median of {args.repeat})"
    )


if __name__ == "__main__":
    main()
