"""A LayerForge model to and from Keras 3 files: `.keras`, `.weights.h5` and JSON configs.

Writing goes through `keras_export` (the same config and weight layout real
Keras reads), with the model's compile settings added. Reading takes a
`.keras` zip written by LayerForge or by Keras 3 (Sequential or Functional
models of layers LayerForge implements), rebuilds the model from
`config.json`, loads `model.weights.h5` (h5py; groups `layers/<snake_class>[_k]/vars/<i>`
in the order of the config's layers, as Keras names them) and compiles it
from `compile_config`. Nothing is unpickled or evaluated.
"""

from __future__ import annotations

import inspect
import io
import json
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from core.errors import ConfigError, FormatError, GraphError
from core.export.graph_ir import describe
from core.export.keras_export import keras_model_config, write_keras
from core.export.keras_layers import flat_weights, weight_group, write_group
from core.naming import snake_case

#: Keras config keys that carry no setting LayerForge needs when their value is the default.
_IGNORED = {
    "quantization_config": None,
    "kernel_constraint": None,
    "bias_constraint": None,
    "beta_constraint": None,
    "gamma_constraint": None,
    "activity_regularizer": None,
    "beta_regularizer": None,
    "gamma_regularizer": None,
    "synchronized": False,
    "renorm": False,
    "renorm_clipping": None,
    "renorm_momentum": 0.99,
    "noise_shape": None,
    "lora_rank": None,
    "lora_alpha": None,
    "rms_scaling": False,
    "sparse": False,
    "ragged": False,
    "optional": False,
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
    "data_format": "channels_last",
}


# --------------------------------------------------------------------- writing
def compile_config(model: Any) -> dict[str, Any] | None:
    """Keras's compile_config for a compiled model (optimizer, loss, metrics), or None."""
    if not getattr(model, "compiled", False):
        return None
    from core.engine import losses, optimizers

    def loss_form(loss: Any) -> Any:
        if isinstance(loss, str) or loss is None:
            return loss
        if isinstance(loss, (list, tuple)):
            return [loss_form(v) for v in loss]
        if isinstance(loss, dict):
            return {k: loss_form(v) for k, v in loss.items()}
        if isinstance(loss, losses.Loss) and type(loss).__name__ in losses.ALL_LOSSES:
            return {"module": "keras.losses", **losses.serialize(loss), "registered_name": None}
        return getattr(loss, "__name__", None)

    def metric_form(m: Any) -> Any:
        if isinstance(m, str) or m is None:
            return m
        if isinstance(m, (list, tuple)):
            return [metric_form(v) for v in m]
        if isinstance(m, dict):
            return {k: metric_form(v) for k, v in m.items()}
        from core.engine import metrics

        if isinstance(m, metrics.Metric) and type(m).__name__ in metrics.ALL_METRICS:
            return {"module": "keras.metrics", **metrics.serialize(m), "registered_name": None}
        return getattr(m, "name", getattr(m, "__name__", None))

    opt = model.optimizer
    return {
        "optimizer": {
            "module": "keras.optimizers",
            **optimizers.serialize(opt),
            "registered_name": None,
        },
        "loss": loss_form(model.loss),
        "loss_weights": getattr(model, "_loss_weights_arg", None),
        "metrics": metric_form(list(getattr(model, "_metric_specs", []) or [])),
        "weighted_metrics": None,
        "run_eagerly": False,
        "steps_per_execution": 1,
        "jit_compile": False,
    }


def save_keras(model: Any, path: str | Path) -> None:
    """Write `model` as a Keras 3 `.keras` file (architecture, weights, compile settings)."""
    path = Path(path)
    if path.suffix != ".keras":
        raise FormatError(
            f"model.save: Expected a file name ending in '.keras'. Received: {str(path)!r}. "
            "(The legacy .h5 and SavedModel formats are not supported.)"
        )
    bundle = SimpleNamespace(model=model, pipeline=None, feature_names=[])
    write_keras(bundle, path, compile_config=compile_config(model))


def _weight_groups(model: Any) -> list[tuple[str, Any]]:
    """(h5 group key, layer) for every layer, in the order Keras saves them."""
    try:
        config, _, _ = keras_model_config(describe(model), SimpleNamespace(pipeline=None))
        by_name = {la.name: la for la in model.layers}
        for t in model.inputs:
            by_name.setdefault(t.layer.name, t.layer)
        entries = [(e["class_name"], by_name.get(e["name"])) for e in config["config"]["layers"]]
    except FormatError:
        from core.engine.layers.spec import type_name

        entries = [(type_name(type(la)), la) for la in model.layers]
    keys: list[tuple[str, Any]] = []
    used: dict[str, int] = {}
    for cls, layer in entries:
        key = snake_case(cls)
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        keys.append((key, layer))
    return keys


def save_weights(model: Any, path: str | Path) -> None:
    """Write the weights as a Keras 3 `.weights.h5` file."""
    path = Path(path)
    if not str(path).endswith(".weights.h5"):
        raise FormatError(
            f"save_weights: Expected a file name ending in '.weights.h5'. Received: {str(path)!r}"
        )
    import h5py

    with h5py.File(path, "w") as f:
        root = f.create_group("layers")
        for key, layer in _weight_groups(model):
            if layer is None:
                root.create_group(key).create_group("vars")
                continue
            from core.engine.layers.spec import type_name

            arrays = [np.asarray(v.data) for v in layer.weights]
            group = weight_group(type_name(type(layer)), layer.get_config(), arrays)
            write_group(root.create_group(key), group, layer.name)
        f.create_group("vars")


def _read_h5_groups(h5: Any) -> dict[str, list[np.ndarray]]:
    out: dict[str, list[np.ndarray]] = {}
    layers = h5.get("layers")
    if layers is None:
        return out
    for key in layers:
        if layers[key].get("vars") is not None:
            out[key] = flat_weights(layers[key])
    return out


def _assign(model: Any, stored: dict[str, list[np.ndarray]], where: str) -> None:
    for key, layer in _weight_groups(model):
        if layer is None or not layer.weights:
            continue
        arrays = stored.get(key)
        if arrays == [] and getattr(layer, "input_mean", None) is not None:
            continue  # a Normalization whose statistics are in its config: Keras stores none
        if arrays is None:
            raise FormatError(
                f"{where}: Expected weights for layer '{layer.name}' (group layers/{key}). "
                f"Received: a file with groups {', '.join(sorted(stored)) or 'none'}."
            )
        try:
            layer.set_weights(arrays)
        except ConfigError as exc:
            raise FormatError(f"{where}: {exc}") from None


def load_weights(model: Any, path: str | Path) -> None:
    """Load a `.weights.h5` file (or the weights of a `.keras` file) into `model`."""
    import h5py

    path = Path(path)
    if not path.exists():
        raise FormatError(f"load_weights: Expected an existing file. Received: {str(path)!r}")
    if path.suffix == ".keras":
        with zipfile.ZipFile(path) as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5"))) as h:
            _assign(model, _read_h5_groups(h), f"load_weights({path.name})")
        return
    with h5py.File(path, "r") as h:
        _assign(model, _read_h5_groups(h), f"load_weights({path.name})")


# --------------------------------------------------------------------- reading
def _unknown_layer(name: str) -> FormatError:
    return FormatError(
        f"The file uses layer type {name}, which LayerForge does not support yet. Expected "
        "layers LayerForge implements (Dense, Dropout, BatchNormalization, ...)."
    )


def _kwargs_for(
    fn: Any, cfg: dict[str, Any], owner: str, bases: tuple[type, ...] = ()
) -> dict[str, Any]:
    """`cfg` narrowed to what `fn` accepts; a non-default setting it cannot take is an error.

    Where `fn` passes `**kwargs` on, the `__init__` arguments of `bases` (the class's
    bases, such as the shared recurrent base of LSTM and GRU) are accepted too.
    """
    params = inspect.signature(fn).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        known = set(params)
        for base in bases:
            known |= set(inspect.signature(base.__init__).parameters)
        keep = {k: v for k, v in cfg.items() if k not in _IGNORED or v != _IGNORED[k]}
        return {k: v for k, v in keep.items() if k in known or k in _LAYER_COMMON}
    out: dict[str, Any] = {}
    for k, v in cfg.items():
        if k in params:
            out[k] = v
        elif k in _IGNORED and v == _IGNORED[k]:
            continue
        elif v is None:
            continue
        else:
            raise FormatError(
                f"{owner}: the setting {k}={v!r} is not supported by LayerForge yet. Expected "
                f"only {', '.join(p for p in params if p not in ('self', 'kwargs'))}."
            )
    return out


_LAYER_COMMON = ("name", "trainable", "dtype", "batch_input_shape", "input_shape")


def layer_from_keras(entry: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
    """A LayerForge layer from one Keras layer config entry."""
    from core.engine.layers import get_layer_class

    cls_name = str(entry.get("class_name"))
    cfg = dict(entry.get("config") or {})
    custom = (custom_objects or {}).get(cls_name)
    if cls_name == "InputLayer":
        from core.engine.layers import InputLayer

        shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
        dtype = cfg.get("dtype")
        return InputLayer(
            shape=tuple(shape[1:]),
            name=cfg.get("name"),
            dtype=dtype if isinstance(dtype, str) else None,
        )
    if custom is not None:
        cls = custom
    else:
        try:
            cls = get_layer_class(cls_name)
        except GraphError:
            raise _unknown_layer(cls_name) from None
    dtype = cfg.pop("dtype", None)
    if isinstance(dtype, dict):
        dtype = (dtype.get("config") or {}).get("name")
    if dtype not in (None, "float32"):
        cfg["dtype"] = dtype
    for key, value in list(cfg.items()):
        if key.endswith("_initializer") and isinstance(value, dict):
            cfg[key] = _initializer_config(value)
    for key in ("layer", "backward_layer"):  # the layers a wrapper holds
        inner = cfg.get(key)
        if custom is None and isinstance(inner, dict) and "class_name" in inner:
            cfg[key] = layer_from_keras(inner, custom_objects)
    if cls_name == "Normalization" and isinstance(cfg.get("axis"), list):
        axis = cfg["axis"]
        cfg["axis"] = axis[0] if len(axis) == 1 else tuple(axis)
    if custom is not None and hasattr(cls, "from_config"):
        return cls.from_config(cfg)
    owner = f"Layer '{cfg.get('name')}' ({cls_name})"
    return cls(**_kwargs_for(cls.__init__, cfg, owner, cls.__mro__[1:-1]))


def _initializer_config(value: dict[str, Any]) -> dict[str, Any]:
    """A Keras initializer entry narrowed to the arguments LayerForge's class takes."""
    from core.engine import initializers

    name = str(value.get("class_name"))
    cls = getattr(initializers, name, None)
    if not isinstance(cls, type):
        return value
    config = _kwargs_for(cls.__init__, dict(value.get("config") or {}), f"Initializer {name}")
    return {"class_name": name, "config": config}


def _history_of(arg: Any) -> list[tuple[str, int, int]]:
    """(layer, node, tensor) references in a Keras 3 inbound-node argument."""
    if isinstance(arg, dict) and arg.get("class_name") == "__keras_tensor__":
        h = arg["config"]["keras_history"]
        return [(str(h[0]), int(h[1]), int(h[2]))]
    if isinstance(arg, (list, tuple)):
        if len(arg) >= 3 and isinstance(arg[0], str) and isinstance(arg[1], int):
            return [(arg[0], int(arg[1]), int(arg[2]))]  # Keras 2 style [name, node, tensor, {}]
        out: list[tuple[str, int, int]] = []
        for a in arg:
            out += _history_of(a)
        return out
    return []


def _is_mask_op(entry: dict[str, Any]) -> bool:
    """Keras's `not_equal(ids, 0)` node: the mask of an Embedding(mask_zero=True), passed
    on as `mask=`; LayerForge's Embedding hands its mask on by itself."""
    return entry.get("class_name") == "NotEqual" and str(entry.get("module", "")).startswith(
        "keras.src.ops"
    )


def model_from_config(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
    """A LayerForge model from Keras's {"class_name": "Sequential"|"Functional", "config"}."""
    from core.engine.models import Model, Sequential

    kind = config.get("class_name")
    cfg = config.get("config") or {}
    if kind == "Sequential":
        model = Sequential(name=cfg.get("name"))
        for entry in cfg.get("layers", []):
            model.add(layer_from_keras(entry, custom_objects))
        build = config.get("build_config") or {}
        if not model.built and build.get("input_shape"):
            model.build(tuple(build["input_shape"]))
        return model
    if kind not in ("Functional", "Model"):
        raise FormatError(
            f"Expected a Sequential or Functional model config. Received: class_name={kind!r} "
            "(a subclassed model needs its Python class; LayerForge cannot rebuild it from JSON)."
        )
    made: dict[tuple[str, int], Any] = {}
    layers: dict[str, Any] = {}
    entries = [e for e in cfg.get("layers", []) if not _is_mask_op(e)]
    for entry in entries:
        layers[entry.get("name") or entry["config"]["name"]] = layer_from_keras(
            entry, custom_objects
        )
    pending = list(entries)
    progress = True
    while pending and progress:
        progress = False
        for entry in list(pending):
            name = entry.get("name") or entry["config"]["name"]
            layer = layers[name]
            if type(layer).__name__ == "InputLayer":
                made[(name, 0)] = layer.output
                pending.remove(entry)
                progress = True
                continue
            nodes = entry.get("inbound_nodes", [])
            done = sum(1 for key in made if key[0] == name)
            while done < len(nodes):
                node = nodes[done]
                args = node.get("args", []) if isinstance(node, dict) else node
                refs = _history_of(args)
                keys = [(n, k) for n, k, _ in refs]
                if not all(k in made for k in keys):
                    break
                ins = [made[k] for k in keys]
                multi = isinstance(args, list) and len(args) == 1 and isinstance(args[0], list)
                made[(name, done)] = layer(ins if multi or len(ins) > 1 else ins[0])
                done += 1
                progress = True
            if done == len(nodes):
                pending.remove(entry)
    if pending:
        raise FormatError(
            "Model config: could not connect layers "
            f"{', '.join(e.get('name', '?') for e in pending)}: their inputs are missing."
        )

    def refs(spec: Any) -> list[Any]:
        items = spec if spec and isinstance(spec[0], list) else [spec]
        return [made[(str(a[0]), int(a[1]))] for a in items]

    ins, outs = refs(cfg["input_layers"]), refs(cfg["output_layers"])
    multi_in = bool(cfg["input_layers"]) and isinstance(cfg["input_layers"][0], list)
    multi_out = bool(cfg["output_layers"]) and isinstance(cfg["output_layers"][0], list)
    return Model(
        ins if multi_in and len(ins) > 1 else ins[0],
        outs if multi_out and len(outs) > 1 else outs[0],
        name=cfg.get("name"),
    )


def _compile_from(model: Any, cc: dict[str, Any], custom_objects: dict[str, Any] | None) -> None:
    from core.engine import optimizers

    opt_cfg = cc.get("optimizer")
    if isinstance(opt_cfg, dict):
        name = str(opt_cfg.get("class_name"))
        cls = optimizers._CLASS_NAMES.get(name)
        if cls is None:
            raise _unknown_optimizer(name)
        kwargs = _kwargs_for(cls.__init__, dict(opt_cfg.get("config") or {}), f"Optimizer {name}")
        optimizer: Any = cls(**kwargs)
    else:
        optimizer = opt_cfg or "rmsprop"
    custom = custom_objects or {}

    def resolve(x: Any) -> Any:
        if isinstance(x, str) and x in custom:
            return custom[x]
        if isinstance(x, list):
            return [resolve(v) for v in x]
        if isinstance(x, dict) and "class_name" not in x:
            return {k: resolve(v) for k, v in x.items()}
        return x

    model.compile(
        optimizer=optimizer,
        loss=resolve(cc.get("loss")),
        loss_weights=cc.get("loss_weights"),
        metrics=resolve(cc.get("metrics")),
    )


def _unknown_optimizer(name: str) -> FormatError:
    return FormatError(
        f"The file's optimizer {name} is not supported by LayerForge yet. Expected SGD, "
        "RMSprop, Adagrad, Adam or AdamW; load with compile=False and compile it yourself."
    )


def load_keras(
    path: str | Path, custom_objects: dict[str, Any] | None = None, compile: bool = True
) -> Any:
    """A model from a Keras 3 `.keras` file: architecture, weights and (optionally) compiled."""
    import h5py

    path = Path(path)
    if not path.exists():
        raise FormatError(f"load_model: Expected an existing file. Received: {str(path)!r}")
    if path.suffix != ".keras":
        raise FormatError(
            f"load_model: Expected a Keras 3 '.keras' file. Received: {path.name!r} "
            "(legacy .h5 and SavedModel folders are not supported)."
        )
    try:
        with zipfile.ZipFile(path) as zf:
            config = json.loads(zf.read("config.json"))
            weights = zf.read("model.weights.h5")
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
        raise FormatError(f"load_model: {path.name} is not a valid .keras file: {exc}") from None
    model = model_from_config(config, custom_objects)
    with h5py.File(io.BytesIO(weights), "r") as h:
        _assign(model, _read_h5_groups(h), f"load_model({path.name})")
    cc = config.get("compile_config")
    if compile and cc:
        _compile_from(model, cc, custom_objects)
    return model


def to_json(model: Any, **kwargs: Any) -> str:
    """The model's Keras config as JSON text (what `keras.models.model_from_json` reads)."""
    config, _, _ = keras_model_config(describe(model), SimpleNamespace(pipeline=None))
    config.pop("compile_config", None)
    return json.dumps(config, **kwargs)


def from_json(text: str, custom_objects: dict[str, Any] | None = None) -> Any:
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"model_from_json: Expected JSON text. Received: {exc}") from None
    return model_from_config(config, custom_objects)
