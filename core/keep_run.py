"""Write a headless run back into its project file: the run record and the trained model.

After `layerforge train PROJECT`, `keep_in_project` reads the project file
again (so settings a flag overrode for this one run do not leak into it),
adds the run's record to its runs and, when the run was trained on exactly
the data the project prepares, saves the trained state beside it
(`name.lfstate.npz`, see `core.document.trained_state`): the app then opens
the project with the trained model, its curves, its weight histograms and
its results. A run on
other data (`--data`, or flags that change the split or its seed) is recorded
but its weights are not kept there, since the app could not restore them on
the project's own data; a sentence says so. Qt-free.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from core.errors import LayerForgeError

__all__ = ["keep_in_project", "why_not_kept"]


def _same_path(a: str | os.PathLike[str] | None, b: str | os.PathLike[str] | None) -> bool:
    if not a or not b:
        return False
    return Path(a).resolve() == Path(b).resolve()


def why_not_kept(project: Any, result: Any, data_path: str | os.PathLike[str] | None) -> str:
    """Why the trained state of `result` cannot go with the saved `project` ("" when it can).

    It can when the run read the project's own data file and prepared it with the
    project's saved data settings and seed (the app restores only such a model).
    """
    from core.run import project_data_config

    if data_path is not None and not _same_path(data_path, project.data_path):
        return f"it was trained on {Path(data_path).name}, not on the project's data file"
    try:
        saved = project_data_config(project)
    except LayerForgeError as exc:
        return f"the project's data settings cannot be read ({exc})"
    if result.data_config is not None and saved != result.data_config:
        return (
            "this run split or prepared the data differently from the project's saved "
            "settings (a flag such as --seed, --test-split or --validation-split)"
        )
    return ""


def _finish(result: Any, interrupted: bool) -> dict[str, Any]:
    event = result.finished
    reason = "interrupted" if interrupted else str(getattr(event, "reason", "completed"))
    n = int(result.epochs_run)
    how = "" if reason == "completed" else f" ({reason.replace('_', ' ')})"
    return {
        "reason": reason,
        "epoch": int(getattr(event, "epoch", max(n - 1, 0))),
        "batch": int(getattr(event, "batch", 0)),
        "summary": f"Trained {n} epoch{'s' if n != 1 else ''} with `layerforge train`{how}.",
    }


def keep_in_project(
    path: str | os.PathLike[str],
    result: Any,
    *,
    data_path: str | os.PathLike[str] | None = None,
    interrupted: bool = False,
) -> list[str]:
    """Record `result.run` in the project file at `path` and keep its trained state there.

    Returns the sentences to print. A project file that cannot be written
    (read-only, a full disk) is not an error of the run: a sentence says what
    was not saved and why.
    """
    import core.document.project as project_file
    from core.document.trained_state import capture_state, save_with_state, state_path_for
    from core.engine.layers.spec import CATALOG
    from core.evaluation.runs import add_run

    lines: list[str] = []
    try:
        project = project_file.load_project(path, catalog=CATALOG)
        if result.run is not None:
            add_run(project, result.run)
            lines.append(f"Recorded run {result.run.id} in {path} (see `layerforge runs {path}`).")
        why = why_not_kept(project, result, data_path)
        if why:
            project_file.save_project(project, path)
            lines.append(
                f"note: the trained weights were not kept in {path}: {why}. The app opens "
                "it untrained; the model is in the .lfmodel file."
            )
            return lines
        recorder = getattr(result, "histograms", None)
        state = capture_state(
            result.model,
            network=result.graph,
            dataset=result.dataset,
            settings=result.settings.to_dict(),
            epochs_done=result.epochs_run,
            history=result.history,
            test_metrics=(result.metrics or {}).get("test", {}),
            finish=_finish(result, interrupted),
            histograms=recorder.to_arrays() if recorder is not None else None,
        )
        save_with_state(project, state, path)
    except (OSError, LayerForgeError) as exc:
        why = getattr(exc, "strerror", None) or " ".join(str(exc).split())
        return [f"note: the run was not recorded in {path}: {why}."]
    lines.append(
        f"Kept the trained model in {path} (weights in {state_path_for(path).name}): "
        "the app opens it trained, with its results."
    )
    return lines
