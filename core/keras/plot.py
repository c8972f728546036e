"""keras.utils.plot_model: draw the model's layer graph to a PNG with Pillow.

Layers are boxes ("name (Type)", optionally the output shape and activation)
placed in rows by their depth from the inputs (`rankdir="TB"`) or in columns
(`"LR"`), with a line and arrow head from each input layer to its consumer.
No Graphviz is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.errors import ConfigError, FormatError

_PAD, _GAP_MAIN, _GAP_SIDE = 10, 50, 30


def _nodes(model: Any) -> tuple[list[Any], dict[int, list[int]]]:
    """Layers in execution order and, per layer index, the indices it reads from."""
    plan = getattr(model, "_plan", None)
    if not plan:
        raise ConfigError(
            "plot_model: Expected a built model (give Sequential an input shape, or call it "
            "on data first). Received: a model with no layers connected yet."
        )
    inputs = [t.layer for t in model.inputs]
    layers: list[Any] = list(inputs)
    index = {id(la): i for i, la in enumerate(layers)}
    edges: dict[int, list[int]] = {}
    for step in plan:
        if id(step.layer) not in index:
            index[id(step.layer)] = len(layers)
            layers.append(step.layer)
        me = index[id(step.layer)]
        for parent in step.tensor.inbound:
            src = index[id(parent.layer)]
            if src not in edges.setdefault(me, []):
                edges[me].append(src)
    return layers, edges


def _label(
    layer: Any, shape: Any, show_shapes: bool, show_dtype: bool, show_names: bool, show_act: bool
) -> list[str]:
    from core.engine.layers.spec import type_name

    kind = type_name(type(layer))
    lines = [f"{layer.name} ({kind})" if show_names else kind]
    if show_act and getattr(layer, "activation", None):
        lines.append(f"activation: {layer.activation}")
    if show_shapes and shape is not None:
        lines.append(f"output: {tuple(shape)}")
    if show_dtype:
        lines.append(f"dtype: {getattr(layer, 'input_dtype', layer.dtype)}")
    return lines


def plot_model(
    model: Any,
    to_file: str = "model.png",
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    **kwargs: Any,
) -> str:
    """Write the diagram to `to_file` (PNG) and return its path."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        raise FormatError(
            "plot_model needs the Pillow package. Expected it installed. Received: "
            "ImportError. Run: pip install pillow"
        ) from None
    if rankdir not in ("TB", "LR"):
        raise ConfigError(f"plot_model: Expected rankdir 'TB' or 'LR'. Received: {rankdir!r}")
    layers, edges = _nodes(model)
    shapes = {id(t.layer): t.shape for t in model.inputs}
    shapes.update({id(step.layer): step.tensor.shape for step in model._plan})
    depth = [0] * len(layers)
    for i in range(len(layers)):
        for src in edges.get(i, []):
            depth[i] = max(depth[i], depth[src] + 1)
    font = ImageFont.load_default()
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    labels = [
        _label(
            la,
            shapes.get(id(la)),
            show_shapes,
            show_dtype,
            show_layer_names,
            show_layer_activations,
        )
        for la in layers
    ]
    sizes = []
    for lines in labels:
        boxes = [probe.textbbox((0, 0), text, font=font) for text in lines]
        w = max(b[2] - b[0] for b in boxes) + 2 * _PAD
        h = sum(b[3] - b[1] + 4 for b in boxes) + 2 * _PAD
        sizes.append((w, h))
    ranks: dict[int, list[int]] = {}
    for i, d in enumerate(depth):
        ranks.setdefault(d, []).append(i)
    tb = rankdir == "TB"
    rank_extent = {
        d: sum((sizes[i][0] if tb else sizes[i][1]) + _GAP_SIDE for i in ids) - _GAP_SIDE
        for d, ids in ranks.items()
    }
    rank_depth = {
        d: max(sizes[i][1] if tb else sizes[i][0] for i in ids) for d, ids in ranks.items()
    }
    side = max(rank_extent.values()) + 2 * _GAP_SIDE
    main = sum(rank_depth.values()) + _GAP_MAIN * (len(ranks) + 1)
    width, height = (side, main) if tb else (main, side)
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    pos: dict[int, tuple[int, int, int, int]] = {}
    offset = _GAP_MAIN
    for d in sorted(ranks):
        start = (side - rank_extent[d]) // 2
        for i in ranks[d]:
            w, h = sizes[i]
            if tb:
                x0, y0 = start, offset
                start += w + _GAP_SIDE
            else:
                x0, y0 = offset, start
                start += h + _GAP_SIDE
            pos[i] = (x0, y0, x0 + w, y0 + h)
        offset += rank_depth[d] + _GAP_MAIN
    for dst, srcs in edges.items():
        for src in srcs:
            a, b = pos[src], pos[dst]
            if tb:
                p0, p1 = ((a[0] + a[2]) // 2, a[3]), ((b[0] + b[2]) // 2, b[1])
                head = [(p1[0] - 5, p1[1] - 9), (p1[0] + 5, p1[1] - 9), p1]
            else:
                p0, p1 = (a[2], (a[1] + a[3]) // 2), (b[0], (b[1] + b[3]) // 2)
                head = [(p1[0] - 9, p1[1] - 5), (p1[0] - 9, p1[1] + 5), p1]
            draw.line([p0, p1], fill="black", width=2)
            draw.polygon(head, fill="black")
    for i, lines in enumerate(labels):
        x0, y0, x1, y1 = pos[i]
        draw.rectangle((x0, y0, x1, y1), outline="black", fill="#eef3fb", width=2)
        y = y0 + _PAD
        for text in lines:
            draw.text((x0 + _PAD, y), text, fill="black", font=font)
            bb = probe.textbbox((0, 0), text, font=font)
            y += bb[3] - bb[1] + 4
    path = Path(to_file)
    if path.suffix.lower() not in (".png", ""):
        raise ConfigError(
            f"plot_model: Expected a .png file name. Received: to_file={str(to_file)!r}"
        )
    img.save(path if path.suffix else path.with_suffix(".png"), format="PNG", dpi=(dpi, dpi))
    return str(path)
