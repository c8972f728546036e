"""Graph -> analysis -> model: shape inference, per-node problems with fixes, model building.

`analyze` walks the graph document in topological order and, for every node,
constructs its layer (cheaply, without weights, cached by type, name and
parameters), infers its output shape and parameter count, and collects
plain-language `Problem`s that name the layers involved and, where a mechanical
change would help, carry a `Fix` the GUI can apply in one click. It never
raises on a broken graph and never reports the same root cause twice: a node
downstream of a broken one gets shape None and no message. `build_model` turns
a problem-free graph into a functional `core.engine.models.Model` whose layer names
are the node names, so weights map back to nodes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from core.document.graph import Graph, Node
from core.document.problems import Fix, Problem, Shape, format_shape
from core.document.problems import sample_dims as _dims
from core.document.shape_fixes import (
    DataContext,
    flatten_before,
    flatten_fix,
    flatten_text,
    rank_problem,
)
from core.errors import ConfigError, GraphError, LayerForgeError, ShapeError

__all__ = [
    "Analysis",
    "AnalysisCache",
    "Fix",
    "Problem",
    "SummaryRow",
    "analyze",
    "build_model",
    "format_shape",
]

#: Layers that combine equal shapes element-wise.
ELEMENTWISE_MERGES = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"})


class SummaryRow(NamedTuple):
    """One line of the Keras-style summary table."""

    layer: str
    type: str
    output_shape: str
    params: int | None
    connected_to: str


@dataclass
class Analysis:
    """Everything the canvas, summary and CLI show about a graph, per node id."""

    shapes: dict[str, Shape | None]
    param_counts: dict[str, int]
    problems: list[Problem]
    order: list[str]
    input_ids: list[str]
    output_ids: list[str]
    names: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, list[str]] = field(default_factory=dict)
    #: Advice that does not stop training (e.g. linear layers that collapse into one).
    warnings: list[Problem] = field(default_factory=list)
    #: The checked, unbuilt layer of each node when this analysis owns them (made without
    #: a shared cache); `build_model` takes them instead of checking the parameters again.
    layers: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def total_params(self) -> int:
        return sum(self.param_counts.values())

    def problems_for(self, node_id: str) -> list[Problem]:
        return [p for p in self.problems if p.node_id == node_id or node_id in p.related]

    def summary_rows(self) -> list[SummaryRow]:
        rows = []
        for nid in self.order:
            rows.append(
                SummaryRow(
                    layer=self.names.get(nid, nid),
                    type=self.types.get(nid, "?"),
                    output_shape=format_shape(self.shapes.get(nid)),
                    params=self.param_counts.get(nid),
                    connected_to=", ".join(self.names.get(s, s) for s in self.inputs.get(nid, [])),
                )
            )
        return rows

    def message(self) -> str:
        """All problems as one text, one per line."""
        return "\n".join(f"- {p.message}" for p in self.problems)


# ------------------------------------------------------------------ cache


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return (type(value).__name__, value)


class _Outcome(NamedTuple):
    shape: Shape | None
    params: int
    error: str | None  # ConfigError / ShapeError message / layer failure
    kind: str  # "ok", "config", "shape", "bug"


class AnalysisCache:
    """Per-document memo of layer outcomes keyed by (type, name, params, input shapes).

    Keep one per open document (the GUI controller does) and pass it to `analyze`
    so that revalidation after an edit only recomputes what changed.
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self._layers: dict[Any, Any] = {}
        self._outcomes: dict[Any, _Outcome] = {}
        self.max_entries = max_entries

    def clear(self) -> None:
        self._layers.clear()
        self._outcomes.clear()

    def layer(self, key: Any, make: Callable[[], Any]) -> Any:
        try:
            return self._layers[key]
        except KeyError:
            if len(self._layers) >= self.max_entries:
                self._layers.clear()
            value = self._layers[key] = make()
            return value

    def outcome(self, key: Any, make: Callable[[], _Outcome]) -> _Outcome:
        try:
            return self._outcomes[key]
        except KeyError:
            if len(self._outcomes) >= self.max_entries:
                self._outcomes.clear()
            value = self._outcomes[key] = make()
            return value


# ------------------------------------------------------------------ analysis


def _registry() -> tuple[Callable[[str], type], Callable[[str], bool]]:
    import core.engine.layers  # noqa: F401  (importing registers every layer class)
    from core.engine.layers import spec

    return spec.get_layer_class, spec.CATALOG.has


def _arity(cls: type) -> tuple[int, int | None]:
    return getattr(cls, "MIN_INPUTS", 1), getattr(cls, "MAX_INPUTS", 1)


def _reason(exc: ConfigError, type_name: str) -> str:
    """The error without its place when the place is the layer type (the problem names the node)."""
    return exc.detail if exc.where == type_name else exc.message


def _make_layer(cls: type, node: Node) -> tuple[Any, str | None]:
    try:
        return cls(name=node.name, **node.params), None
    except ConfigError as exc:
        return None, _reason(exc, node.type)
    except (TypeError, ValueError, LayerForgeError) as exc:
        return None, f"{type(exc).__name__}: {exc}"


def _compute(layer: Any, in_shape: Any, type_name: str) -> _Outcome:
    try:
        out = layer.compute_output_shape(in_shape)
    except ShapeError as exc:
        return _Outcome(None, 0, exc.message, "shape")
    except ConfigError as exc:
        return _Outcome(None, 0, _reason(exc, type_name), "config")
    except Exception as exc:  # a layer bug must not take the canvas down: report it
        return _Outcome(None, 0, f"{type(exc).__name__}: {exc}", "bug")
    try:
        n = int(layer.count_params_for(in_shape))
    except Exception:  # counting is informative only
        n = 0
    return _Outcome(tuple(out), n, None, "ok")


def analyze(
    graph: Graph,
    *,
    n_features: int | None = None,
    task: object | None = None,
    cache: AnalysisCache | None = None,
    input_shape: tuple[int, ...] | None = None,
    vocabulary_size: int | None = None,
) -> Analysis:
    """Shapes, parameter counts and problems for every node of `graph`. Never raises.

    `input_shape` is the shape of one data sample (an image's (height, width,
    channels), a text's (tokens,), ...); without it `n_features` means (n_features,).
    `vocabulary_size` is the ids a text's tokenizer gives (an `Embedding` fed by the
    Input must take at least that many).

    Without a `cache` the analysis owns the layers it checks, and `build_model` reuses
    them; layers in a shared cache (the GUI's) never go into a model.
    """
    get_class, known = _registry()
    owns_layers = cache is None
    cache = cache if cache is not None else AnalysisCache()
    nodes = graph.nodes
    order = graph.topological_order()
    shapes: dict[str, Shape | None] = {}
    counts: dict[str, int] = {}
    problems: list[Problem] = []
    names = {nid: n.name for nid, n in nodes.items()}
    types = {nid: n.type for nid, n in nodes.items()}
    inputs = {nid: graph.inputs_of(nid) for nid in order}
    input_ids = [nid for nid in order if nodes[nid].type == "Input"]
    output_ids = [nid for nid in order if not graph.outputs_of(nid) and nodes[nid].type != "Input"]
    analysis = Analysis(
        shapes, counts, problems, order, input_ids, output_ids, names, types, inputs
    )
    sample = tuple(input_shape) if input_shape else (n_features,) if n_features else None
    vocabulary = int(vocabulary_size) if vocabulary_size else None
    data = DataContext(sample, vocabulary, tuple(input_ids))

    if not nodes:
        problems.append(
            Problem(
                None, "The network is empty — add an Input layer and the layers that follow it."
            )
        )
        return analysis
    if not input_ids:
        first = next((nid for nid in order if not inputs[nid]), order[0])
        params = {"shape": [n_features]} if n_features else {}
        problems.append(
            Problem(
                None,
                f"The network has no Input layer — add one and connect it into '{names[first]}'.",
                Fix("Add an Input layer", "insert_layer", first, params, "Input", None),
                (first,),
            )
        )

    for nid in order:
        node = nodes[nid]
        ins = inputs[nid]
        label = f"{node.type} '{node.name}'"
        if not known(node.type):
            shapes[nid] = None
            try:
                get_class(node.type)
            except GraphError as exc:
                problems.append(Problem(nid, f"'{node.name}': {exc}"))
            continue
        cls = get_class(node.type)
        lo, hi = _arity(cls)
        # -- wiring
        if len(ins) < lo:
            shapes[nid] = None
            if not ins:
                msg = f"'{node.name}' has no input — connect a layer into it."
            else:
                msg = (
                    f"{label} needs at least {lo} inputs but has {len(ins)} — connect "
                    f"another layer into it."
                )
            problems.append(Problem(nid, msg))
            continue
        if hi is not None and len(ins) > hi:  # only from hand-edited files
            shapes[nid] = None
            problems.append(
                Problem(
                    nid,
                    f"{label} takes at most {hi} inputs but has {len(ins)}"
                    " — disconnect the extra ones.",
                )
            )
            continue
        if node.type == "Input" and not graph.outputs_of(nid) and len(nodes) > 1:
            problems.append(
                Problem(
                    nid,
                    f"Input '{node.name}' is not connected to anything — "
                    "connect it into a layer or delete it.",
                )
            )
        in_shapes = [shapes.get(s) for s in ins]
        if any(s is None for s in in_shapes):
            shapes[nid] = None  # the cause upstream is already reported
            continue
        multi = hi is None or hi > 1
        in_shape: Any = list(in_shapes) if multi else (in_shapes[0] if in_shapes else None)
        # -- the layer itself
        pkey = _freeze(node.params)
        layer_key = (node.type, node.name, pkey)
        layer, cfg_error = cache.layer(layer_key, lambda cls=cls, node=node: _make_layer(cls, node))
        if layer is None:
            shapes[nid] = None
            problems.append(Problem(nid, f"{label}: {cfg_error}"))
            continue
        shape_key = (layer_key, _freeze(in_shape))
        out = cache.outcome(
            shape_key, lambda layer=layer, s=in_shape, t=node.type: _compute(layer, s, t)
        )
        if out.kind != "ok":
            shapes[nid] = None
            if out.kind == "shape" and len(ins) == 1:
                if data.input_disagrees(graph, ins[0], in_shapes[0]):
                    continue  # the Input's own problem (checked below) is the cause
                missing = rank_problem(graph, node, ins[0], in_shapes[0], data)
                if missing is not None:
                    problems.append(missing)
                    continue
            problems.append(_shape_problem(graph, node, ins, in_shapes, out))
            continue
        shapes[nid] = out.shape
        counts[nid] = out.params
        if owns_layers:
            analysis.layers[nid] = layer

    if input_ids and not output_ids:
        problems.append(
            Problem(
                None,
                f"The network has no output layer — connect layers after '{names[input_ids[0]]}'.",
            )
        )
    _check_against_data(graph, analysis, data.sample, task)
    if vocabulary:
        _check_vocabulary(graph, analysis, vocabulary)
    analysis.warnings.extend(_linear_stack_warnings(graph))
    if task is None:
        analysis.warnings.extend(_flatten_warnings(graph, analysis))
    return analysis


def _linear_stack_warnings(graph: Graph) -> list[Problem]:
    """A Dense without an activation (Keras's default, linear) feeding another Dense
    directly: the two multiply out into one linear layer, so the first adds nothing."""
    out: list[Problem] = []
    for nid, node in graph.nodes.items():
        if node.type != "Dense" or _activation_of(node) not in (None, "linear"):
            continue
        for dst in graph.outputs_of(nid):
            nxt = graph.node(dst)
            if nxt.type != "Dense":
                continue
            out.append(
                Problem(
                    nid,
                    f"Dense '{node.name}' has no activation (linear) and feeds Dense "
                    f"'{nxt.name}' directly: two linear layers in a row work as one. Give "
                    f"'{node.name}' an activation such as relu.",
                    Fix(f"Set '{node.name}' to relu", "set_params", nid, {"activation": "relu"}),
                    (dst,),
                )
            )
            break
    return out


def _flatten_warnings(graph: Graph, analysis: Analysis) -> list[Problem]:
    """Without a target to compare with: a Dense on an image-shaped (or longer) tensor whose
    axes reach the network's output. Keras allows it (the Dense works on the last axis),
    so it is advice: most networks want one prediction per sample."""
    out: list[Problem] = []
    for nid in analysis.output_ids:
        shape = analysis.shapes.get(nid)
        where = flatten_before(graph, nid, analysis.shapes, analysis.inputs)
        if shape is None or len(shape) <= 2 or where is None:
            continue
        dense, src = where
        out.append(
            Problem(
                dense,
                f"{flatten_text(graph, dense, src, analysis.shapes)}, so the network gives "
                f"{_dims(shape)} per sample. For one prediction per sample insert a Flatten "
                f"before '{graph.node(dense).name}'.",
                flatten_fix(dense, src),
                (src,),
            )
        )
    return out


def _shape_problem(
    graph: Graph, node: Node, ins: list[str], in_shapes: list[Any], out: _Outcome
) -> Problem:
    label = f"{node.type} '{node.name}'"
    names = [graph.node(s).name for s in ins]
    if out.kind == "config":
        return Problem(node.id, f"{label}: {out.error}")
    if out.kind == "bug":
        return Problem(node.id, f"{label} could not be checked ({out.error}).")
    reason = out.error or "the shapes do not fit"
    if len(ins) == 1:
        src, shape = ins[0], in_shapes[0]
        return Problem(
            node.id,
            f"{label} cannot take {_dims(shape)} from '{names[0]}': {reason}",
            None,
            (src,),
        )
    parts = [f"{_dims(s)} from '{n}'" for s, n in zip(in_shapes, names, strict=True)]
    received = ", ".join(parts[:-1]) + " and " + parts[-1]
    if node.type in ELEMENTWISE_MERGES:
        return Problem(
            node.id,
            f"{label} receives {received} — the shapes must match",
            _merge_fix(graph, ins, in_shapes),
            tuple(ins),
        )
    return Problem(node.id, f"{label} receives {received}: {reason}", None, tuple(ins))


def _merge_fix(graph: Graph, ins: list[str], in_shapes: list[Shape]) -> Fix | None:
    """If all inputs agree but for the units of one Dense, offer to set its units."""
    for i in reversed(range(len(ins))):
        src = ins[i]
        others = [s for j, s in enumerate(in_shapes) if j != i]
        if len({tuple(s) for s in others}) != 1:
            continue
        target, mine = others[0], in_shapes[i]
        node = graph.node(src)
        if (
            node.type == "Dense"
            and len(target) == len(mine)
            and tuple(target[:-1]) == tuple(mine[:-1])
            and isinstance(target[-1], int)
        ):
            units = target[-1]
            return Fix(f"Set '{node.name}' to {units} units", "set_params", src, {"units": units})
    return None


def _activation_of(node: Node) -> str | None:
    if node.type == "Softmax":
        return "softmax"
    act = node.params.get("activation")
    return act if isinstance(act, str) else None


def _check_vocabulary(graph: Graph, analysis: Analysis, vocabulary: int) -> None:
    """An Embedding right after the Input takes the text's word ids: every id must be
    below its input_dim."""
    for nid in analysis.order:
        node = graph.node(nid)
        ins = analysis.inputs.get(nid, [])
        if node.type != "Embedding" or not ins or ins[0] not in analysis.input_ids:
            continue
        dim = node.params.get("input_dim")
        if isinstance(dim, int) and dim < vocabulary:
            analysis.problems.append(
                Problem(
                    nid,
                    f"Embedding '{node.name}' takes word ids below {dim} but the text's "
                    f"vocabulary has {vocabulary} ids (its words, padding and unknown) — set "
                    f"input_dim to {vocabulary}",
                    Fix(
                        f"Set input_dim to {vocabulary}",
                        "set_params",
                        nid,
                        {"input_dim": vocabulary},
                    ),
                )
            )


def _check_against_data(
    graph: Graph, analysis: Analysis, sample: tuple[int, ...] | None, task: object | None
) -> None:
    problems = analysis.problems
    if sample is not None and len(analysis.input_ids) == 1:
        nid = analysis.input_ids[0]
        shape = analysis.shapes.get(nid)
        node = graph.node(nid)
        if shape is not None:
            dims = tuple(shape[1:])
            size = math.prod(d for d in dims if d is not None)
            if dims != sample:
                if len(dims) == 1:
                    what = f"takes {dims[0]} feature{'s' if dims[0] != 1 else ''}"
                else:
                    what = f"takes shape {_dims(shape)} ({size} values per sample)"
                want = ", ".join(str(d) for d in sample) + ("," if len(sample) == 1 else "")
                has = (
                    f"{sample[0]} after encoding"
                    if len(sample) == 1
                    else f"samples of shape ({want})"
                )
                problems.append(
                    Problem(
                        nid,
                        f"Input '{node.name}' {what} but the data has {has} — set Input shape "
                        f"to ({want})",
                        Fix(
                            f"Set Input shape to ({want})",
                            "set_params",
                            nid,
                            {"shape": list(sample)},
                        ),
                    )
                )
    if task is None or len(analysis.output_ids) != 1:
        return
    nid = analysis.output_ids[0]
    shape = analysis.shapes.get(nid)
    if shape is None:
        return
    node = graph.node(nid)
    kind = getattr(task, "kind", None)
    want_units = getattr(task, "output_units", None)
    want_act = getattr(task, "output_activation", None)
    n_classes = getattr(task, "n_classes", 0) or 0
    if not isinstance(want_units, int):
        return
    if kind == "regression":
        target = "a single number" if want_units == 1 else f"{want_units} numbers"
    elif kind == "binary":
        target = "2 classes (one sigmoid unit)"
    else:
        target = f"{n_classes or want_units} classes"
    use = f"Dense({want_units}, {want_act})"
    fix = (
        Fix(f"Use {use}", "set_params", nid, {"units": want_units, "activation": want_act})
        if node.type == "Dense" and isinstance(want_act, str)
        else None
    )
    dims = tuple(shape[1:])
    if len(dims) != 1:
        head = f"The output layer '{node.name}' gives {_dims(shape)} per sample but the target is "
        where = flatten_before(graph, nid, analysis.shapes, analysis.inputs)
        if where is None:
            problems.append(
                Problem(nid, f"{head}{target} — end the network with Flatten and {use}")
            )
            return
        dense, src = where
        problems.append(
            Problem(
                nid,
                f"{head}{target}: {flatten_text(graph, dense, src, analysis.shapes)} — insert a "
                f"Flatten before '{graph.node(dense).name}'",
                flatten_fix(dense, src),
                (dense, src),
            )
        )
        return
    units = dims[0]
    if units != want_units:
        problems.append(
            Problem(
                nid,
                f"The output layer '{node.name}' has {units} unit{'s' if units != 1 else ''} "
                f"but the target has {target} — use {use}",
                fix,
            )
        )
        return
    act = _activation_of(node)
    if act is None or not isinstance(want_act, str):
        return
    wrong = (
        (kind == "binary" and act != "sigmoid")
        or (kind == "multiclass" and act != "softmax")
        or (kind == "regression" and act == "softmax")
    )
    if wrong:
        problems.append(
            Problem(
                nid,
                f"The output layer '{node.name}' uses {act} but the target has {target}, which "
                f"needs {want_act} — use {use}",
                fix,
            )
        )


# ------------------------------------------------------------------ model


def build_model(graph: Graph, *, seed: int | None = None, analysis: Analysis | None = None) -> Any:
    """A functional `core.engine.models.Model` for `graph`; GraphError listing problems if not ok.

    Pass the `analysis` of `graph` when there is one (the graph is analysed once per
    build); the layers it owns are taken from it, so their parameters are not checked
    a second time. Layers are named after their nodes and their weights are created in
    topological order from one Generator seeded with `seed` (None: the process-wide
    default generator).
    """
    analysis = analysis if analysis is not None else analyze(graph)
    if not analysis.ok:
        raise GraphError("The network cannot be built yet:\n" + analysis.message())
    from core.engine.models import Model
    from core.engine.random import make_generator

    get_class, _ = _registry()
    rng = make_generator(seed)
    tensors: dict[str, Any] = {}
    for nid in analysis.order:
        node = graph.node(nid)
        cls = get_class(node.type)
        layer = analysis.layers.pop(nid, None)  # taken once: a second build makes its own
        if layer is None or type(layer) is not cls or layer.name != node.name:
            layer = cls(name=node.name, **node.params)
        if node.type == "Input":
            tensors[nid] = layer.output
            continue
        srcs = [tensors[s] for s in graph.inputs_of(nid)]
        lo, hi = _arity(cls)
        arg = srcs if (hi is None or hi > 1) else srcs[0]
        tensors[nid] = layer(arg, rng=rng)
    ins = [tensors[n] for n in analysis.input_ids]
    outs = [tensors[n] for n in analysis.output_ids]
    return Model(
        inputs=ins[0] if len(ins) == 1 else ins,
        outputs=outs[0] if len(outs) == 1 else outs,
    )
