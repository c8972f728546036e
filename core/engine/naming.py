"""Keras's default object names: a class name in snake case ("BinaryCrossentropy" ->
"binary_crossentropy", "SGD" -> "sgd", "AdamW" -> "adam_w")."""

from __future__ import annotations


def snake_name(class_name: str, *, after_digit: bool = True) -> str:
    """Insert "_" before each capital that follows a lower-case letter (or a digit)."""
    out = []
    for i, c in enumerate(class_name):
        prev = class_name[i - 1] if i else ""
        if c.isupper() and prev and not prev.isupper() and (after_digit or not prev.isdigit()):
            out.append("_")
        out.append(c.lower())
    return "".join(out)
