"""What a module imports, read from its source (top-level and function-local imports alike)."""

from __future__ import annotations

import ast
from pathlib import Path
from types import ModuleType


def imported_modules(source: str | Path | ModuleType) -> set[str]:
    """Every module named in an `import` or `from ... import` of `source`, dotted in full.

    `source` is Python text, a file path or an imported module. Relative imports
    are refused: the project uses absolute imports only.
    """
    if isinstance(source, ModuleType):
        source = Path(str(source.__file__))
    text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
    names: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0 and node.module, "relative import"
            names.add(node.module)
    return names


def top_level(names: set[str]) -> set[str]:
    """The distributions behind `names` (`numpy.linalg` -> `numpy`)."""
    return {name.split(".")[0] for name in names}


def loaded_after_import(module: str) -> set[str]:
    """The top-level packages in `sys.modules` after importing `module` in a fresh process."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    code = (
        f"import sys, {module}\nprint('\\n'.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=root
    )
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())
