"""The layer a network is missing between the data and the layer that needs another
kind of tensor, as a plain-words `Problem` with its one-click `Fix`: an image layer
(Conv2D, pooling, ...) fed flat pixels gets a Reshape to a square image; a recurrent
layer or Conv1D fed a text's token ids gets an Embedding sized to the tokenizer's
vocabulary, fed a flat series a Reshape to (steps, 1); a Dense that works on the last
axis of an image-shaped tensor, so that the network's output keeps the image's axes,
gets a Flatten before it. `analysis` asks these functions; each returns None when it
has nothing to add, and the analysis then says what the layer itself says."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.document.graph import Graph, Node
from core.document.problems import Fix, Problem, Shape, format_shape, sample_dims

__all__ = [
    "EMBEDDING_DIM",
    "IMAGE_LAYERS",
    "SEQUENCE_LAYERS",
    "DataContext",
    "flatten_before",
    "rank_problem",
]

#: Layers whose samples are images (height, width, channels).
IMAGE_LAYERS = frozenset(
    {
        "Conv2D",
        "MaxPooling2D",
        "AveragePooling2D",
        "GlobalAveragePooling2D",
        "GlobalMaxPooling2D",
        "SpatialDropout2D",
        "ZeroPadding2D",
        "UpSampling2D",
    }
)
#: Layers that carry Keras's mask, so an Embedding before them pads with mask_zero.
RECURRENT_LAYERS = frozenset({"SimpleRNN", "LSTM", "GRU", "Bidirectional"})
#: Layers whose samples are sequences (steps, features).
SEQUENCE_LAYERS = RECURRENT_LAYERS | {
    "Conv1D",
    "MaxPooling1D",
    "AveragePooling1D",
    "GlobalAveragePooling1D",
    "GlobalMaxPooling1D",
    "SpatialDropout1D",
}
#: The vector size of an inserted Embedding (Keras guides' small default).
EMBEDDING_DIM = 32
#: Layers that work on the last axis only and keep the others: a Dense on an image
#: followed by these still gives one prediction per pixel.
LAST_AXIS_LAYERS = frozenset(
    {
        "Dense",
        "Dropout",
        "Activation",
        "Softmax",
        "ReLU",
        "LeakyReLU",
        "BatchNormalization",
        "LayerNormalization",
    }
)


@dataclass(frozen=True)
class DataContext:
    """What the check knows of the data: one sample's shape, the text's vocabulary
    size (token ids are below it) and the network's Input layers."""

    sample: tuple[int, ...] | None
    vocabulary: int | None
    input_ids: tuple[str, ...]

    def input_disagrees(self, graph: Graph, src: str, shape: Shape) -> bool:
        """True when `src` is the network's only Input and its shape is not the data's:
        the Input's own problem is the cause, so a layer after it adds no second one."""
        return (
            self.sample is not None
            and self.input_ids == (src,)
            and graph.node(src).type == "Input"
            and tuple(shape[1:]) != self.sample
        )


def _insert(what: str, node_id: str, layer_type: str, params: dict, src: str) -> Fix:
    """Insert `layer_type(params)` between `src` and `node_id`; the button says `what`."""
    return Fix(f"Insert {what}", "insert_layer", node_id, params, layer_type, src)


def _shape_text(dims: Sequence[int]) -> str:
    return ", ".join(str(d) for d in dims)


def _image_shape(dims: tuple[int | None, ...], sample: tuple[int, ...] | None) -> tuple | None:
    """The image a tensor of one sample's `dims` most likely is: the data's own image
    shape when it holds as many values, (h, w, 1) for an (h, w) grid, else a square
    grayscale or RGB image of the flat size (64 -> 8x8x1, 3072 -> 32x32x3)."""
    if any(d is None for d in dims):
        return None
    size = math.prod(d for d in dims if d is not None)
    if sample is not None and len(sample) == 3 and math.prod(sample) == size:
        return tuple(sample)
    if len(dims) == 2:
        return (dims[0], dims[1], 1)
    if len(dims) != 1:
        return None
    from core.data.pixels import suggest_image_shape  # numpy; only when there is a case

    return suggest_image_shape(size)


def rank_problem(
    graph: Graph, node: Node, src: str, shape: Shape, data: DataContext
) -> Problem | None:
    """The problem of `node` (an image or sequence layer) fed `shape` by `src` when that
    is not the kind of tensor it takes, with the layer to insert; None otherwise."""
    dims = tuple(shape[1:])
    src_name = graph.node(src).name
    label = f"{node.type} '{node.name}'"
    if node.type in IMAGE_LAYERS and len(dims) in (1, 2):
        want = _image_shape(dims, data.sample)
        head = (
            f"{label} needs an image-shaped input (height, width, channels); "
            f"'{src_name}' gives {format_shape(shape)}."
        )
        if want is None:
            return Problem(
                node.id,
                f"{head} Its {math.prod(d or 1 for d in dims)} values make no square image: "
                "if the columns are an image's pixels, choose image samples on the Data page; "
                "for a table of features use Dense layers.",
                None,
                (src,),
            )
        text = f"Reshape({_shape_text(want)})"
        return Problem(
            node.id,
            f"{head} Insert {text}?",
            Fix(
                f"Insert {text}",
                "insert_layer",
                node.id,
                {"target_shape": list(want)},
                "Reshape",
                src,
            ),
            (src,),
        )
    if node.type in SEQUENCE_LAYERS and len(dims) == 1 and dims[0] is not None:
        if data.vocabulary and src in data.input_ids:
            params: dict[str, object] = {"input_dim": data.vocabulary, "output_dim": EMBEDDING_DIM}
            if node.type in RECURRENT_LAYERS:
                params["mask_zero"] = True  # id 0 pads the texts
            text = f"Embedding(input_dim={data.vocabulary}, output_dim={EMBEDDING_DIM})"
            return Problem(
                node.id,
                f"{label} needs a sequence of vectors (steps, features); '{src_name}' gives "
                f"token ids {format_shape(shape)}, one number per word. Insert {text}?",
                _insert(
                    f"Embedding({data.vocabulary}, {EMBEDDING_DIM})",
                    node.id,
                    "Embedding",
                    params,
                    src,
                ),
                (src,),
            )
        text = f"Reshape({dims[0]}, 1)"
        return Problem(
            node.id,
            f"{label} needs a sequence input (steps, features); '{src_name}' gives "
            f"{format_shape(shape)}. Insert {text}?",
            Fix(
                f"Insert {text}",
                "insert_layer",
                node.id,
                {"target_shape": [dims[0], 1]},
                "Reshape",
                src,
            ),
            (src,),
        )
    return None


def flatten_before(
    graph: Graph,
    out_id: str,
    shapes: Mapping[str, Shape | None],
    inputs: Mapping[str, list[str]],
) -> tuple[str, str] | None:
    """(the Dense, the layer feeding it) where a Flatten makes the output of `out_id`
    flat: the first Dense fed more than (batch, features) on the way back from the
    output through layers that only work on the last axis. None when there is none."""
    found: tuple[str, str] | None = None
    cur = out_id
    while graph.node(cur).type in LAST_AXIS_LAYERS and len(inputs.get(cur, ())) == 1:
        src = inputs[cur][0]
        before, after = shapes.get(src), shapes.get(cur)
        if before is None or after is None or len(before) != len(after):
            break
        if graph.node(cur).type == "Dense" and len(before) > 2:
            found = (cur, src)
        cur = src
    return found


def flatten_text(graph: Graph, dense: str, src: str, shapes: Mapping[str, Shape | None]) -> str:
    """Why a Flatten goes before `dense`, in words."""
    shape = shapes[src]
    assert shape is not None
    return (
        f"Dense '{graph.node(dense).name}' works on the last axis of the "
        f"{sample_dims(shape)} that '{graph.node(src).name}' gives"
    )


def flatten_fix(dense: str, src: str) -> Fix:
    """Insert a Flatten between `src` and `dense`."""
    return _insert("Flatten", dense, "Flatten", {}, src)
