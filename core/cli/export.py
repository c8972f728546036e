"""`layerforge export MODEL --format onnx|keras|python --out PATH` (not yet available).

Export formats arrive in a later version; until then this command says so
clearly and exits with code 1.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from core.cli._common import add_debug_flag


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "export", help="export a trained model (formats arrive in a later version)",
        description="Export a trained .lfmodel to ONNX, Keras or Python code.",
    )
    p.add_argument("model", metavar="MODEL", help="the trained .lfmodel file")
    p.add_argument("--format", choices=("onnx", "keras", "python"), required=True)
    p.add_argument("--out", metavar="PATH", required=True)
    add_debug_flag(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    print("error: export formats arrive in a later version of LayerForge; this version can "
          "save trained models as .lfmodel only (`layerforge train`).", file=sys.stderr)
    return 1
