"""The ONNX graph builder the exporter modules share: unique names, nodes, constants, activations.

`Builder` collects nodes and initializers under unique tensor names (`op`,
`const`), remembers a channels-first copy of a tensor so that consecutive
convolutions and poolings need no transposes back and forth (`nchw`), and
drops nodes nothing reads before the graph is made (`pruned_nodes`).
`activation` writes a Keras activation as ONNX nodes. Built with the `onnx`
helper API only.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from core.errors import FormatError

__all__ = ["Builder", "activation", "safe_name"]

_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


def safe_name(name: str) -> str:
    """A tensor name made of letters, digits and underscores."""
    out = re.sub(r"[^0-9A-Za-z_]", "_", str(name)) or "x"
    return out if not out[0].isdigit() else f"c_{out}"


class Builder:
    """Collects nodes and initializers with unique names."""

    def __init__(self) -> None:
        from onnx import helper

        self.helper = helper
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self._n = 0
        #: channels_last tensor -> the same values channels-first (N, C, H, W) / (N, C, L)
        self.nchw: dict[str, str] = {}

    def name(self, base: str) -> str:
        self._n += 1
        return f"{safe_name(base)}__{self._n}"

    def const(self, base: str, value: Any, dtype: Any = np.float32) -> str:
        from onnx import numpy_helper

        name = self.name(base)
        arr = (
            np.asarray(value, dtype=dtype)
            if dtype is not object
            else np.asarray(value, dtype=object)
        )
        self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def op(self, op_type: str, inputs: list[str], base: str, n_out: int = 1, **attrs: Any) -> Any:
        outs = [self.name(f"{base}_{op_type}") for _ in range(n_out)]
        self.nodes.append(
            self.helper.make_node(op_type, inputs, outs, name=self.name(base), **attrs)
        )
        return outs[0] if n_out == 1 else outs

    def ml_op(self, op_type: str, inputs: list[str], base: str, **attrs: Any) -> str:
        out = self.name(f"{base}_{op_type}")
        self.nodes.append(
            self.helper.make_node(
                op_type, inputs, [out], name=self.name(base), domain="ai.onnx.ml", **attrs
            )
        )
        return out

    def pruned_nodes(self, outputs: list[str]) -> list[Any]:
        """The nodes that the graph `outputs` depend on, in their order (the rest dropped)."""
        needed = set(outputs)
        keep: list[Any] = []
        for node in reversed(self.nodes):
            if any(o in needed for o in node.output):
                keep.append(node)
                needed.update(i for i in node.input if i)
        used = needed
        self.inits = [t for t in self.inits if t.name in used]
        return keep[::-1]


def activation(b: Builder, x: str, act: str, base: str) -> str:
    """`x` through the Keras activation `act` (a FormatError for one ONNX cannot express)."""
    if act in ("linear", None):
        return x
    simple = {
        "relu": "Relu",
        "sigmoid": "Sigmoid",
        "tanh": "Tanh",
        "softsign": "Softsign",
        "softplus": "Softplus",
        "exponential": "Exp",
    }
    if act in simple:
        return b.op(simple[act], [x], base)
    if act == "softmax":
        return b.op("Softmax", [x], base, axis=-1)
    if act == "elu":
        return b.op("Elu", [x], base, alpha=1.0)
    if act == "selu":
        return b.op("Selu", [x], base, alpha=_SELU_ALPHA, gamma=_SELU_SCALE)
    if act == "leaky_relu":
        return b.op("LeakyRelu", [x], base, alpha=0.2)
    if act == "hard_sigmoid":
        return b.op("HardSigmoid", [x], base, alpha=1.0 / 6.0, beta=0.5)
    if act in ("swish", "silu"):
        return b.op("Mul", [x, b.op("Sigmoid", [x], base)], base)
    if act == "gelu":
        t = b.op("Div", [x, b.const("sqrt2", np.sqrt(2.0))], base)
        t = b.op("Add", [b.op("Erf", [t], base), b.const("one", 1.0)], base)
        return b.op("Mul", [b.op("Mul", [x, t], base), b.const("half", 0.5)], base)
    if act == "gelu_tanh":
        x3 = b.op("Mul", [b.op("Mul", [x, x], base), x], base)
        inner = b.op("Add", [x, b.op("Mul", [x3, b.const("c", 0.044715)], base)], base)
        inner = b.op("Mul", [inner, b.const("k", 0.7978845608028654)], base)
        t = b.op("Add", [b.op("Tanh", [inner], base), b.const("one", 1.0)], base)
        return b.op("Mul", [b.op("Mul", [x, t], base), b.const("half", 0.5)], base)
    raise FormatError(
        f"Activation '{act}' cannot be exported to ONNX. Expected one of the "
        "Keras activation names LayerForge offers."
    )
