"""Splitters of the pages: made in one call, their sizes saved and restored as one blob.

`make_splitter` builds a splitter over widgets with their stretch factors. A
workspace page may offer `layout_state() -> QByteArray` and
`restore_layout_state(QByteArray) -> bool`; the main window keeps the blob in
QSettings. Pages made of several splitters pack their states with
`pack_splitters` and unpack them with `unpack_splitters`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QByteArray, QDataStream, QIODevice, Qt
from PySide6.QtWidgets import QSplitter, QWidget


def make_splitter(
    orientation: Qt.Orientation, name: str, widgets: Sequence[tuple[QWidget, int]]
) -> QSplitter:
    """A splitter named `name` over (widget, stretch factor) pairs; no part collapses."""
    splitter = QSplitter(orientation)
    splitter.setObjectName(name)
    splitter.setChildrenCollapsible(False)
    for index, (widget, stretch) in enumerate(widgets):
        splitter.addWidget(widget)
        splitter.setStretchFactor(index, stretch)
    return splitter


def pack_splitters(*splitters: QSplitter) -> QByteArray:
    """The states of `splitters`, in order, as one QByteArray."""
    data = QByteArray()
    stream = QDataStream(data, QIODevice.OpenModeFlag.WriteOnly)
    stream.writeInt32(len(splitters))
    for splitter in splitters:
        stream.writeQString(splitter.objectName())
        stream << splitter.saveState()
    return data


def unpack_splitters(data: QByteArray, *splitters: QSplitter) -> bool:
    """Restore `splitters` from `pack_splitters`' blob; False (nothing changed) when the blob
    holds other splitters (another number, other names) or a state Qt rejects."""
    stream = QDataStream(data, QIODevice.OpenModeFlag.ReadOnly)
    if stream.readInt32() != len(splitters):
        return False
    states = []
    for splitter in splitters:
        if stream.readQString() != splitter.objectName():
            return False
        state = QByteArray()
        stream >> state
        states.append(state)
    if stream.status() != QDataStream.Status.Ok:
        return False
    previous = [s.saveState() for s in splitters]
    for splitter, state in zip(splitters, states, strict=True):
        if not splitter.restoreState(state):
            for s, old in zip(splitters, previous, strict=True):
                s.restoreState(old)
            return False
    return True
