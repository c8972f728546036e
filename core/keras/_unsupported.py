"""One clear error for every public Keras name LayerForge does not implement yet.

`keras_api_names.json` lists Keras 3's public names per module (taken from
Keras 3.15). Each `core.keras` module ends with
`__getattr__ = missing_names(__name__, "layers")`: asking it for a Keras name
it lacks raises `UnsupportedFeatureError` naming `keras.layers.Conv2D` and
saying it is not supported yet; a name Keras does not have either is an
AttributeError with a did-you-mean. `install_module_finder()` does the same for
whole Keras modules LayerForge lacks (`import core.keras.applications`).
"""

from __future__ import annotations

import difflib
import importlib.abc
import importlib.machinery
import json
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from core.errors import LayerForgeError

_PACKAGE = "core.keras"


class UnsupportedFeatureError(LayerForgeError, NotImplementedError):
    """A public Keras name (layer, function, module) that LayerForge does not implement yet.

    `name` is the Keras spelling, e.g. "keras.layers.Conv2D".
    """

    def __init__(self, name: str, hint: str = "") -> None:
        self.name = name
        where = name.rsplit(".", 1)[0] if "." in name else name
        message = (
            f"{name} is not supported by LayerForge yet. Expected one of the names "
            f"LayerForge implements (dir({where}) lists them)."
        )
        super().__init__(message + (f" {hint}" if hint else ""))


@cache
def keras_names() -> dict[str, frozenset[str]]:
    """Keras module path ("" for `keras`, "layers", "optimizers.schedules") -> public names."""
    raw = json.loads((Path(__file__).with_name("keras_api_names.json")).read_text("utf-8"))
    return {k: frozenset(v) for k, v in raw.items()}


def keras_path(module_name: str) -> str:
    """ "core.keras.layers" -> "layers"; "core.keras" -> ""."""
    return module_name[len(_PACKAGE) + 1 :] if module_name != _PACKAGE else ""


def missing_names(module_name: str, path: str | None = None) -> Callable[[str], Any]:
    """A module `__getattr__` for `module_name` that explains missing Keras names."""
    kpath = keras_path(module_name) if path is None else path

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's name
        if name.startswith("__"):
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        public = keras_names().get(kpath, frozenset())
        full = "keras." + (f"{kpath}." if kpath else "") + name
        if name in public:
            raise UnsupportedFeatureError(full)
        module = sys.modules.get(module_name)
        have = [n for n in dir(module) if not n.startswith("_")] if module else []
        close = difflib.get_close_matches(name, have + sorted(public), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise AttributeError(
            f"{full} does not exist in Keras 3 or in LayerForge's keras module "
            f"(module {module_name!r} has no attribute {name!r}).{hint}"
        )

    return __getattr__


class _UnsupportedModuleFinder(importlib.abc.MetaPathFinder):
    """Import of a Keras submodule LayerForge lacks -> UnsupportedFeatureError."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if not fullname.startswith(_PACKAGE + "."):
            return None
        kpath = keras_path(fullname)
        parent, _, last = kpath.rpartition(".")
        if last in keras_names().get(parent, frozenset()) and _is_module_name(kpath):
            # only when no real file exists: the normal finders run after this one
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(fullname, path, target)
                if spec is not None:
                    return spec
            raise UnsupportedFeatureError("keras." + kpath)
        return None


def _is_module_name(kpath: str) -> bool:
    """Whether keras.<kpath> is a module in Keras (it has its own names entry) or a known one."""
    return kpath in keras_names() or kpath in _KNOWN_MODULES


_KNOWN_MODULES = frozenset(
    {
        "applications",
        "constraints",
        "mixed_precision",
        "export",
        "tree",
        "dtype_policies",
        "distribution",
        "quantizers",
        "visualization",
        "wrappers",
        "legacy",
        "distillation",
        "remat",
        "src",
        "preprocessing.image",
        "preprocessing.text",
    }
)

_FINDER = _UnsupportedModuleFinder()


def install_module_finder() -> None:
    """Put the finder for missing Keras modules on sys.meta_path (once)."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
