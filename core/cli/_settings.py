"""The run settings people change, as command-line flags shared by `new` and `train`.

`add_setting_flags` adds `--validation-split`, `--test-split`,
`--learning-rate`, `--optimizer`, `--loss`, `--metrics` and `--early-stopping`
with argparse types that refuse a bad value as a usage error (exit code 2)
saying what was expected. `data_changes` / `train_changes` turn the parsed
flags into changes for a project's data and training settings, and
`settings_text` describes the settings a run used, for `train` to print.
"""

from __future__ import annotations

import argparse
import difflib
import math
from collections.abc import Mapping
from typing import Any

from core.cli._common import UsageError

__all__ = [
    "add_setting_flags",
    "apply_to_project",
    "data_changes",
    "settings_text",
    "train_changes",
]

#: What `--early-stopping` takes to turn early stopping off.
OFF_WORDS = ("off", "none", "no")


def _unknown(kind: str, text: str, names: list[str]) -> argparse.ArgumentTypeError:
    close = difflib.get_close_matches(text, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return argparse.ArgumentTypeError(
        f"unknown {kind} {text!r}{hint}; expected one of: {', '.join(names)}"
    )


def fraction(text: str) -> float:
    """argparse type: a share of the rows, a number from 0 to below 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a share of the rows such as 0.2, got {text!r}"
        ) from None
    if not math.isfinite(value) or not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to below 1, got {text}")
    return value


def learning_rate(text: str) -> float:
    """argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a learning rate such as 0.001, got {text!r}"
        ) from None
    if not math.isfinite(value) or value <= 0.0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def optimizer_name(text: str) -> str:
    """argparse type: an optimizer LayerForge has (case-insensitive), as its lower-case name."""
    from core.engine.optimizers import ALL_OPTIMIZERS

    name = text.strip().lower()
    if name not in ALL_OPTIMIZERS:
        raise _unknown("optimizer", text, sorted(ALL_OPTIMIZERS))
    return name


def _loss_names() -> list[str]:
    from core.engine import losses

    return sorted(losses._ALIASES)


def loss_name(text: str) -> str:
    """argparse type: a Keras loss name LayerForge has ("mse", "binary_crossentropy", ...)."""
    from core.engine import losses
    from core.errors import ConfigError

    name = text.strip()
    try:
        losses.get(name)
    except ConfigError:
        raise _unknown("loss", text, _loss_names()) from None
    return name


def metric_names(text: str) -> tuple[str, ...]:
    """argparse type: comma-separated Keras metric names ("mae,r2", "accuracy,auc")."""
    from core.engine import metrics
    from core.errors import ConfigError

    names = tuple(p.strip() for p in text.split(",") if p.strip())
    if not names:
        raise argparse.ArgumentTypeError(
            f"expected metric names separated by commas, such as mae,r2; got {text!r}"
        )
    known = sorted({*metrics._STRINGS, *metrics.ACCURACY_NAMES})
    for name in names:
        if name in metrics.ACCURACY_NAMES:
            continue
        try:
            metrics.get(name)
        except ConfigError:
            raise _unknown("metric", name, known) from None
    return names


def patience(text: str) -> int | None:
    """argparse type: epochs without improvement before stopping (>= 1), or off."""
    if text.strip().lower() in OFF_WORDS:
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of epochs such as 10, or 'off'; got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a number of epochs >= 1 (or 'off'), got {value}"
        )
    return value


def add_setting_flags(parser: argparse.ArgumentParser, *, saved: str) -> None:
    """The shared flags; `saved` ends each help text ("default: ..." or where it is kept)."""
    g = parser.add_argument_group(
        "run settings",
        f"What the run uses; {saved}.",
    )
    g.add_argument(
        "--validation-split",
        type=fraction,
        metavar="SHARE",
        help="share of the rows held out to watch training, e.g. 0.2",
    )
    g.add_argument(
        "--test-split",
        type=fraction,
        metavar="SHARE",
        help="share of the rows held out for the final test, e.g. 0.2 (0 for none)",
    )
    g.add_argument(
        "--learning-rate",
        type=learning_rate,
        metavar="RATE",
        help="optimizer step size, e.g. 0.001",
    )
    g.add_argument(
        "--optimizer",
        type=optimizer_name,
        metavar="NAME",
        help="adam, adamw, sgd, rmsprop or adagrad",
    )
    g.add_argument(
        "--loss",
        type=loss_name,
        metavar="NAME",
        help="a Keras loss name, e.g. mse, mae, huber, binary_crossentropy",
    )
    g.add_argument(
        "--metrics",
        type=metric_names,
        metavar="A,B",
        help="Keras metric names separated by commas, e.g. mae,r2 or accuracy,auc",
    )
    g.add_argument(
        "--early-stopping",
        type=patience,
        metavar="PATIENCE",
        default=argparse.SUPPRESS,
        help="stop when the validation loss has not improved for PATIENCE epochs and keep "
        "the best weights; 'off' to train every epoch",
    )


def data_changes(args: argparse.Namespace) -> dict[str, Any]:
    """The data-setting changes the flags ask for (split shares)."""
    return {
        k: getattr(args, k)
        for k in ("validation_split", "test_split")
        if getattr(args, k, None) is not None
    }


def train_changes(args: argparse.Namespace, current: Mapping[str, Any]) -> dict[str, Any]:
    """The training-setting changes the flags ask for, merged into `current`'s form (the
    validation share is a data setting: see `data_changes`)."""
    out: dict[str, Any] = {}
    for key in ("learning_rate", "optimizer", "loss"):
        if getattr(args, key, None) is not None:
            out[key] = getattr(args, key)
    if getattr(args, "metrics", None) is not None:
        out["metrics"] = list(args.metrics)
    if hasattr(args, "early_stopping"):
        es = dict(current.get("early_stopping") or {})
        if args.early_stopping is None:
            es["enabled"] = False
        else:
            es.update(enabled=True, patience=args.early_stopping)
            es.setdefault("monitor", "val_loss")
            es.setdefault("restore_best_weights", True)
        out["early_stopping"] = es
    return out


def check_shares(data_config: Mapping[str, Any]) -> None:
    """A usage error when the validation and test shares leave no training rows.

    A share that is not a number is left to the data settings' own check
    (`DataConfig`), which names it.
    """
    val = _share(data_config.get("validation_split"))
    test = _share(data_config.get("test_split"))
    if val + test >= 1.0:
        raise UsageError(
            f"--validation-split {val:g} and --test-split {test:g} add up to {val + test:g}; "
            "expected less than 1, so that rows are left to train on"
        )


def _share(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
        return float(value)
    return 0.0


def apply_to_project(project: Any, args: argparse.Namespace) -> None:
    """Apply the flags to `project`'s data and training settings (in memory)."""
    data = dict(project.data_config or {})
    data.update(data_changes(args))
    check_shares(data)
    train = dict(project.train_config or {})
    train.update(train_changes(args, train))
    project.data_config = data
    project.train_config = train


def _pct(x: float) -> str:
    return f"{round(100 * x):d}%"


def settings_text(result: Any) -> str:
    """What a finished run used: optimizer, loss, metrics, epochs, stopping, split, scaling."""
    s = result.settings
    ds = result.dataset
    n = len(ds.x_train) + len(ds.x_val) + len(ds.x_test)
    es = s.early_stopping
    stopping = (
        f"early stopping on {es.monitor} after {es.patience} epochs without improvement"
        + (" (best weights kept)" if es.restore_best_weights else "")
        if es.enabled
        else "no early stopping"
    )
    lines = [
        f"optimizer   {s.optimizer}, learning rate {s.learning_rate:g}",
        f"loss        {s.loss}",
        f"metrics     {', '.join(s.metrics) or '-'}",
        f"epochs      up to {s.epochs}, {stopping}; batch size {s.batch_size}; seed {s.seed}",
        f"rows        {len(ds.x_train)} train / {len(ds.x_val)} validation / "
        f"{len(ds.x_test)} test ({_pct(len(ds.x_train) / n)} / {_pct(len(ds.x_val) / n)} / "
        f"{_pct(len(ds.x_test) / n)})",
    ]
    scaling = getattr(ds.pipeline, "target_scaling", None)
    if ds.task.kind == "regression":
        if scaling is not None:
            lines.append(
                f"target      '{ds.target}' standardized for training (mean {scaling.offset:.4g}, "
                f"sd {scaling.scale:.4g}); loss on that scale, metrics in its own units"
            )
        else:
            lines.append(f"target      '{ds.target}' in its own units (not standardized)")
    return "Settings used:\n" + "\n".join("  " + line for line in lines)
