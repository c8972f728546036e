"""How LayerForge's generated scripts recognise a CSV's format (inlined into each script).

The common cases, as `core.data.reader` does them: the encoding (UTF-8, UTF-8
with a byte-order mark, else cp1252), the delimiter (the most consistent field
count among , ; tab |, in the first 64 KB) and a decimal comma (delimiter not
',' and numbers like 0,126 but none like 0.126). Plain standard library.
`core.export.python_export` copies the lines between the markers below into
the scripts, in place of their `from core.export.templates.csv_format import`
line.
"""

from __future__ import annotations

import csv
import io
import re

# --- inline: begin ---
DELIMITERS = (",", ";", "\t", "|")
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_DECIMAL_POINT = re.compile(r"^\s*[-+]?\d*\.\d+\s*$")


def read_text(path):
    """(text, encoding) of a file: UTF-8 (a BOM is dropped), else cp1252, else Latin-1."""
    with open(path, "rb") as fh:
        data = fh.read()
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1", errors="replace"), "latin-1"


def _records(text, delimiter, limit=500):
    out = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True):
            if row:
                out.append(row)
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    return out


def sniff_format(text):
    """(delimiter, decimal) of CSV text, judged on its first 64 KB."""
    sample = text[:65536]
    if len(text) > len(sample):
        cut = max(sample.rfind("\n"), sample.rfind("\r"))
        sample = sample[:cut] if cut > 0 else sample
    best, best_score = ",", (0.0, 0)
    for delim in DELIMITERS:
        if delim not in sample:
            continue
        counts = [len(r) for r in _records(sample, delim, limit=200)]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (round(counts.count(mode) / len(counts), 2), mode)
        if score > best_score:
            best, best_score = delim, score
    decimal = "."
    if best != ",":
        cells = [c for r in _records(sample, best)[1:] for c in r]
        commas = sum(1 for c in cells if _DECIMAL_COMMA.match(c))
        points = sum(1 for c in cells if _DECIMAL_POINT.match(c))
        decimal = "," if commas > 0 and points == 0 else "."
    return best, decimal


# --- inline: end ---
