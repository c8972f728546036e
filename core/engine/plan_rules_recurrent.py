"""Allocation-free replay rules for the embedding lookup and the recurrent layers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.engine.plan import Builder, Node
from core.engine.tracing import Call

RULES: dict[Callable[..., Any], Callable[[Call, Builder], Node | None]] = {}
