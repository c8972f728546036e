"""Hop counts: how many functions, objects and checks a value passes on its way through the app.

`python -m benchmarks.hop_counts [--json] [--list]` drives the real main window
(offscreen) over the seed example the way a person does and follows three values
with a profiler hook on every thread:

- **units**: a Dense layer's `units` typed into the Inspector's spin box (173),
  until the weights of the built model exist (Start clicked);
- **learning rate**: typed into the Training panel (0.0123), until the optimizer
  is made (Start clicked);
- **CSV path**: a copy of the seed CSV opened in the Data panel, until the trainer
  cuts the training rows into batches (Start clicked).

A *hop* is a call of a LayerForge function (a file under app/ or core/) that
receives the value: as an argument, inside an argument (a dict, list, tuple or
an object's attributes, four levels deep: a graph holds a layer's parameters
that deep), or inside an object a previous hop
returned ("taint": what a function that received the value returns carries
it on, e.g. the table read from the path; a method of such an object counts
too, a method of an object that merely holds one does not). *Objects* are the distinct types of
those carriers (dict, Table, Dataset, DataConfig, ...). *Checks* are the hops
whose name says they check the value (validate, check, _checked, from_dict,
__post_init__, analyze, parse), counted each time they run; *calls* counts
every hop each time it runs, *functions* each function once. The counts
describe the code they run in, so the same command measures any revision: run
it from a checkout's root.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, is_dataclass
from pathlib import Path
from types import FrameType
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path.cwd().resolve()
SOURCES = (str(ROOT / "app") + os.sep, str(ROOT / "core") + os.sep)
CHECK_WORDS = ("validate", "check", "from_dict", "__post_init__", "analyze", "parse")
_SCALARS = (str, bytes, int, float, bool, type(None))


@dataclass
class Trace:
    """What one followed value went through."""

    name: str
    matches: Callable[[Any], bool]
    end: Callable[[FrameType], bool]
    hops: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)
    _carriers: dict[int, Any] = field(default_factory=dict)
    _open: set[int] = field(default_factory=set)
    done: bool = False

    def carries(self, value: Any, depth: int = 4) -> bool:
        if isinstance(value, _SCALARS):
            return self.matches(value)
        if id(value) in self._carriers:
            return True
        if depth == 0:
            return False
        try:
            if isinstance(value, dict):
                items = list(value.values())[:64] + list(value.keys())[:64]
            elif isinstance(value, (list, tuple, set, frozenset)):
                items = list(value)[:64]
            elif is_dataclass(value) or hasattr(value, "__dict__"):
                items = list(vars(value).values())[:64]
            elif hasattr(value, "__fspath__"):
                return self.matches(os.fspath(value))
            else:
                return False
        except (TypeError, RuntimeError):
            return False
        return any(self.carries(v, depth - 1) for v in items)

    def carry(self, value: Any) -> None:
        """`value` was returned by a hop: it carries the value on (with its attributes)."""
        if isinstance(value, _SCALARS) or id(value) in self._carriers:
            return
        if type(value).__module__ == "builtins" and not isinstance(value, (dict, list, tuple)):
            return
        self._carriers[id(value)] = value
        name = type(value).__name__
        if name not in self.objects:
            self.objects.append(name)
        if hasattr(value, "__dict__"):
            for v in list(vars(value).values())[:64]:
                if not isinstance(v, _SCALARS) and hasattr(v, "shape"):
                    self._carriers[id(v)] = v  # arrays of a carrier (a Dataset's rows)

    def checks(self) -> list[str]:
        """The checking calls, each time it ran (a check run twice counts twice)."""
        return [h for h in self.calls if any(w in h.rsplit(".", 1)[-1] for w in CHECK_WORDS)]


def _arguments(frame: FrameType) -> Iterator[Any]:
    code = frame.f_code
    n = code.co_argcount + code.co_kwonlyargcount
    names = list(code.co_varnames[:n])
    if code.co_flags & 0x04:  # *args
        names.append(code.co_varnames[n])
        n += 1
    if code.co_flags & 0x08:  # **kwargs
        names.append(code.co_varnames[n])
    local = frame.f_locals
    for name in names:
        if name in local and name != "self":
            yield local[name]


def _qualname(frame: FrameType) -> str:
    path = frame.f_code.co_filename
    module = os.path.relpath(path, ROOT).removesuffix(".py").replace(os.sep, ".")
    return f"{module}.{getattr(frame.f_code, 'co_qualname', frame.f_code.co_name)}"


def follow(trace: Trace) -> Callable[..., Any]:
    def hook(frame: FrameType, event: str, arg: Any) -> None:
        if trace.done or not frame.f_code.co_filename.startswith(SOURCES):
            return
        if frame.f_code.co_name == "eventFilter":  # sees every widget event, not the value
            return
        if event == "call":
            try:
                this = frame.f_locals.get("self")
                hit = (this is not None and id(this) in trace._carriers) or any(
                    trace.carries(a) for a in _arguments(frame)
                )
            except Exception:  # a half-built object's attributes can fail: not a hop
                hit = False
            if hit:  # (list appends are atomic: the worker thread may report too)
                name = _qualname(frame)
                trace.calls.append(name)
                if name not in trace.hops:
                    trace.hops.append(name)
                trace._open.add(id(frame))
                if trace.end(frame):
                    trace.done = True
        elif event == "return" and id(frame) in trace._open:
            trace._open.discard(id(frame))
            trace.carry(arg)

    return hook


def _run(trace: Trace, act: Callable[[], None]) -> Trace:
    from app.worker import TrainingWorker

    hook = follow(trace)
    run = TrainingWorker.run

    def traced_run(worker: Any) -> None:  # a QThread is no threading.Thread: hook it here
        sys.setprofile(hook)
        try:
            run(worker)
        finally:
            sys.setprofile(None)

    TrainingWorker.run = traced_run  # type: ignore[method-assign]
    sys.setprofile(hook)
    try:
        act()
    finally:
        sys.setprofile(None)
        TrainingWorker.run = run  # type: ignore[method-assign]
    return trace


def _wait(app: Any, done: Callable[[], bool], timeout: float = 60.0) -> None:
    end = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > end:
            raise TimeoutError("the app did not get there in time")
        app.processEvents()
        time.sleep(0.001)


def _window(app: Any) -> Any:
    from app.gui import build_window

    w = build_window(None, persist_settings=False, headless=True)
    w.resize(1400, 900)
    w.show()
    _wait(app, lambda: w.training.session.dataset is not None)
    return w


def _discard(w: Any) -> None:
    """Closing must not ask to save (an edit, or a trained model, is unsaved work)."""
    mark_clean = getattr(w.controller, "mark_clean", None)
    if callable(mark_clean):
        mark_clean()
    else:  # revisions before the controller kept the trained state
        w.controller.undo_stack.setClean()


def _start_and_stop(app: Any, w: Any, trace: Trace) -> None:
    t = w.training
    end = time.perf_counter() + 0.2  # a person's click comes after the window has settled
    while time.perf_counter() < end:
        app.processEvents()
    t.training_panel.start_button.click()
    _wait(app, lambda: trace.done or not t.session.is_running(), timeout=120)
    t.session.stop()
    _wait(app, lambda: not t.session.is_running(), timeout=60)


def _type(app: Any, widget: Any, text: str) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    widget.setFocus()
    QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(widget, text)
    QTest.keyClick(widget, Qt.Key.Key_Return)
    app.processEvents()


def units(app: Any) -> Trace:
    w = _window(app)
    dense = next(n for n in w.controller.graph.nodes.values() if n.type == "Dense")
    w.select_ids([dense.id])
    _wait(app, lambda: w.inspector.node_id == dense.id)
    editor = w.inspector.field("units").editor

    def is_weight_of_units(frame: FrameType) -> bool:  # a weight with 173 columns is made
        return frame.f_code.co_name in ("add_weight", "build") and "layers" in str(
            frame.f_code.co_filename
        )

    trace = Trace("units", lambda v: type(v) is int and v == 173, is_weight_of_units)

    def act() -> None:
        _type(app, editor, "173")
        _wait(app, lambda: dense.params.get("units") == 173)
        _start_and_stop(app, w, trace)

    result = _run(trace, act)
    _discard(w)
    w.close()
    return result


def learning_rate(app: Any) -> Trace:
    w = _window(app)
    field_ = w.training.training_panel.learning_rate

    def is_optimizer(frame: FrameType) -> bool:
        return frame.f_code.co_name == "__init__" and "optimizers" in frame.f_code.co_filename

    trace = Trace("learning rate", lambda v: type(v) is float and v == 0.0123, is_optimizer)

    def act() -> None:
        w.training.show_page("training")
        _type(app, field_, "0.0123")
        _start_and_stop(app, w, trace)

    result = _run(trace, act)
    _discard(w)
    w.close()
    return result


def csv_path(app: Any) -> Trace:
    w = _window(app)
    folder = Path(tempfile.mkdtemp(prefix="hops-"))
    path = folder / "hop_count_seed.csv"
    shutil.copy(ROOT / "resources" / "datasets" / "seed_binary.csv", path)
    text = str(path)

    def is_trainer(frame: FrameType) -> bool:  # the trainer cuts the rows into batches
        return frame.f_code.co_name == "train" and frame.f_code.co_filename.endswith(
            os.path.join("engine", "training.py")
        )

    def matches(v: Any) -> bool:
        return isinstance(v, str) and (v == text or v == os.path.realpath(text))

    trace = Trace("CSV path", matches, is_trainer)

    def act() -> None:
        w.training.data_panel.open_path(text)
        _wait(app, lambda: w.training.session.dataset is not None)
        _start_and_stop(app, w, trace)

    result = _run(trace, act)
    _discard(w)
    w.close()
    shutil.rmtree(folder, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--list", action="store_true", help="list every hop")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from app.gui import create_application

    app = create_application()
    results = [case(app) for case in (units, learning_rate, csv_path)]
    rows = {
        r.name: {
            "functions": len(r.hops),
            "calls": len(r.calls),
            "objects": len(r.objects),
            "checks": len(r.checks()),
            "reached_end": r.done,
            "hops": r.hops,
            "call_list": r.calls,
            "object_types": r.objects,
            "check_hops": r.checks(),
        }
        for r in results
    }
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"revision at {ROOT}")
    print("| value | functions | calls | objects | checks | reached the end |")
    print("|---|---:|---:|---:|---:|---|")
    for name, r in rows.items():
        print(
            f"| {name} | {r['functions']} | {r['calls']} | {r['objects']} | {r['checks']} "
            f"| {r['reached_end']} |"
        )
    if args.list:
        for name, r in rows.items():
            print(f"\n{name}: objects {', '.join(r['object_types'])}")
            print("  checks: " + ", ".join(r["check_hops"]))
            for hop in r["hops"]:
                print(f"  {hop}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
