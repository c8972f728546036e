"""What the GUI benchmarks share: Qt platforms (offscreen, and xcb on a private Xvfb),
per-thread scheduler counters, and the machine and load lines every result carries.

`run_on_platform(module, platform, args)` runs `python -m benchmarks.<module> --child
ARGS` with `QT_QPA_PLATFORM` set (for xcb on an Xvfb server it starts and stops; without
Xvfb the answer says so) and returns the JSON the child printed on its `RESULT ` line,
passing its other output through. `schedstat(tid)` reads a thread's time on a CPU and
time waiting for one from Linux's `/proc/self/task/<tid>/schedstat`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLATFORMS = ("offscreen", "xcb")


def schedstat(tid: int) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for one) of thread `tid` so far."""
    try:
        with open(f"/proc/self/task/{tid}/schedstat") as fh:
            return _parse_schedstat(fh.read())
    except (OSError, ValueError):
        return float("nan"), float("nan")


def _parse_schedstat(text: str | bytes) -> tuple[float, float]:
    run, wait = text.split()[:2]
    return int(run) / 1e9, int(wait) / 1e9


class SchedstatReader:
    """`schedstat` for one thread, many times a second: the file is opened once and read
    with `os.pread` (~3 us a read instead of ~100-250 us for open, read and close, which the
    10 ms probe would otherwise add to the GUI thread it measures)."""

    def __init__(self, tid: int) -> None:
        try:
            self._fd: int | None = os.open(f"/proc/self/task/{tid}/schedstat", os.O_RDONLY)
        except OSError:
            self._fd = None

    def read(self) -> tuple[float, float]:
        if self._fd is None:
            return float("nan"), float("nan")
        try:
            return _parse_schedstat(os.pread(self._fd, 128, 0))
        except (OSError, ValueError):
            return float("nan"), float("nan")

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def machine_line() -> str:
    """CPU, cores, Python, NumPy and its BLAS, PySide6/Qt."""
    model = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as fh:
            model = next(ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    blas = "BLAS: threadpoolctl not installed"
    try:
        from threadpoolctl import threadpool_info

        pools = [p for p in threadpool_info() if p["user_api"] == "blas"]
        if pools:
            p = pools[0]
            blas = f"BLAS {p['internal_api']} {p.get('version')} ({p['num_threads']} threads)"
    except ImportError:
        pass
    import PySide6
    from PySide6.QtCore import qVersion

    return (
        f"{model}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; Python "
        f"{platform.python_version()}, numpy {np.__version__}, {blas}; PySide6 "
        f"{PySide6.__version__} (Qt {qVersion()})"
    )


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


class Xvfb:
    """A private X server for the xcb platform; `display` is None when Xvfb is missing."""

    def __init__(self) -> None:
        self.display: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Xvfb:
        exe = shutil.which("Xvfb")
        if exe is None:
            return self
        for n in range(90, 130):
            if os.path.exists(f"/tmp/.X{n}-lock") or os.path.exists(f"/tmp/.X11-unix/X{n}"):
                continue
            proc = subprocess.Popen(
                [exe, f":{n}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and proc.poll() is None:
                if os.path.exists(f"/tmp/.X11-unix/X{n}"):
                    self.display, self._proc = f":{n}", proc
                    return self
                time.sleep(0.05)
            proc.kill()
            proc.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(10)


def run_on_platform(module: str, name: str, args: list[str]) -> dict[str, Any] | str:
    """Run `benchmarks.<module> --child ARGS` on Qt platform `name`; its result, or why
    there is none."""
    env = dict(os.environ, QT_QPA_PLATFORM=name)
    cmd = [sys.executable, "-m", f"benchmarks.{module}", "--child", *args]
    with Xvfb() as xvfb:
        if name == "xcb":
            if xvfb.display is None:
                return "skipped: Xvfb is not installed (apt-get install xvfb)"
            env["DISPLAY"] = xvfb.display
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
        result: dict[str, Any] | str = f"failed: the {name} run printed no result"
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("RESULT "):
                result = json.loads(line[len("RESULT ") :])
            else:
                print(line, end="", flush=True)
        proc.wait()
    return result


def platform_parser(doc: str, repeat: int) -> argparse.ArgumentParser:
    """The options every platform benchmark takes: --repeat, --platform, --json, --child."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument("--platform", choices=[*PLATFORMS, "both"], default="both")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser


def on_platforms(module: str, platform: str, args: list[str]) -> dict[str, Any]:
    """`run_on_platform` for `platform` ("both": each of `PLATFORMS`), between a line with
    the load average before and one after; the results by platform."""
    print(f"before: {uptime()}", flush=True)
    chosen = PLATFORMS if platform == "both" else (platform,)
    results = {name: run_on_platform(module, name, args) for name in chosen}
    print(f"after: {uptime()}")
    return results


def print_table(
    columns: list[str], results: dict[str, Any], cells: Callable[[str, dict[str, float]], list[str]]
) -> None:
    """A Markdown table: `columns` (the first is the platform), then one row per platform,
    `cells(platform, medians)` after its name; a platform without results says why."""
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for name, res in results.items():
        if isinstance(res, str):
            print(f"| {name} | {res} |" + " |" * (len(columns) - 2))
            continue
        print("| " + " | ".join([res["platform"], *cells(name, res["median"])]) + " |")


def spin(app: Any, seconds: float) -> None:
    """Run `app`'s events for `seconds` (what a window does between a person's actions)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def print_result(result: dict[str, Any]) -> None:
    """The child's side of `run_on_platform`."""
    print("RESULT " + json.dumps(result), flush=True)


def write_json(path: str | None, results: dict[str, Any]) -> None:
    """The results with the machine line, as JSON at `path` (nothing when None)."""
    if path:
        with open(path, "w") as fh:
            json.dump({"machine": machine_line(), "results": results}, fh, indent=1)


#: The probe's timer period and the lateness a tick counts as late at (s): one 60 Hz frame.
TICK = 0.010
LATE = 0.016


class TickProbe:
    """A precise 10 ms QTimer on the GUI thread recording each tick's lateness and, for
    each interval, the GUI thread's time on a CPU and waiting for one (`schedstat`)."""

    def __init__(self) -> None:
        import threading

        from PySide6.QtCore import Qt, QTimer

        self._sched = SchedstatReader(threading.get_native_id())
        self.ticks: list[tuple[float, float, float]] = []  # (interval, on a CPU, CPU wait)
        self._last: tuple[float, tuple[float, float]] | None = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(int(TICK * 1000))
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now, sched = time.perf_counter(), self._sched.read()
        if self._last is not None:
            t, s = self._last
            self.ticks.append((now - t, sched[0] - s[0], sched[1] - s[1]))
        self._last = (now, sched)

    def start(self) -> None:
        self._last = None
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def summary(self, first: int = 0) -> dict[str, float]:
        """Lateness p50/p99/max (ms) of the ticks from `first` on (and p99/max without the
        GUI thread's waits for a CPU: `_own`), how many were late (> 16 ms) and, on average
        over those, the GUI thread's work and CPU wait (ms); the GUI thread's shares of the
        time on a CPU and waiting for one."""
        t = np.asarray(self.ticks[first:], dtype=np.float64).reshape(-1, 3)
        if len(t) == 0:
            return {"ticks": 0.0}
        lateness = np.maximum(t[:, 0] - TICK, 0.0) * 1000
        # the same without the time the GUI thread waited for a CPU: what it would be on a
        # machine where nothing else wanted the CPUs (an estimate; the waits are measured)
        own = np.maximum(t[:, 0] - np.nan_to_num(t[:, 2]) - TICK, 0.0) * 1000
        late = t[t[:, 0] - TICK > LATE]
        span = float(t[:, 0].sum())
        return {
            "p50": float(np.percentile(lateness, 50)),
            "p99": float(np.percentile(lateness, 99)),
            "max": float(lateness.max()),
            "p99_own": float(np.percentile(own, 99)),
            "max_own": float(own.max()),
            "ticks": float(len(t)),
            "late_ticks": float(len(late)),
            "late_ms": float((late[:, 0].mean() - TICK) * 1000) if len(late) else 0.0,
            "late_work_ms": float(late[:, 1].mean() * 1000) if len(late) else 0.0,
            "late_cpu_wait_ms": float(late[:, 2].mean() * 1000) if len(late) else 0.0,
            "gui_cpu": float(t[:, 1].sum() / span),
            "gui_cpu_wait": float(t[:, 2].sum() / span),
        }
