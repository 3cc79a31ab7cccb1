"""Binary masks: square erosion and dilation, and 8-connected components labelled as row runs (no
per-pixel label image). Also the array types the check uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class _Runs:
    row: IntArray
    start: IntArray
    end: IntArray  # exclusive
    label: IntArray  # component of each run, 0..n_labels-1
    n_labels: int


def _label_runs(mask: BoolArray) -> _Runs:
    """8-connected components of `mask`, as labelled horizontal runs (no per-pixel label image)."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1)
    row, start = np.nonzero(d == 1)
    _, end = np.nonzero(d == -1)
    n = len(row)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return _Runs(empty, empty, empty, empty, 0)
    stride = w + 2
    start_key = row * stride + start
    end_key = row * stride + end
    # runs of the next row that touch run i (8-connectivity): start <= end_i and end >= start_i
    nxt = row + 1
    first = np.searchsorted(end_key, nxt * stride + start, side="left")
    last = np.searchsorted(start_key, nxt * stride + end, side="right")
    counts = np.maximum(last - first, 0)
    a = np.repeat(np.arange(n), counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    b = np.repeat(first, counts) + offsets
    label = np.arange(n)
    for _ in range(64):  # hook roots to the smaller root, compress paths; a few rounds suffice
        la, lb = label[a], label[b]
        differ = la != lb
        if not differ.any():
            break
        np.minimum.at(label, np.maximum(la[differ], lb[differ]), np.minimum(la[differ], lb[differ]))
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
    roots, compact = np.unique(label, return_inverse=True)
    return _Runs(row, start, end, compact.astype(np.int64), len(roots))


def _erode(mask: BoolArray, r: int = 1) -> BoolArray:
    """(2r+1)-square erosion; beyond the frame counts as set, so a card at the edge keeps touching it."""
    out = mask.copy()
    for k in range(1, r + 1):
        out[k:, :] &= mask[:-k, :]
        out[:-k, :] &= mask[k:, :]
    rows = out.copy()
    for k in range(1, r + 1):
        out[:, k:] &= rows[:, :-k]
        out[:, :-k] &= rows[:, k:]
    return out


def _dilate(mask: BoolArray, r: int = 1) -> BoolArray:
    out = mask.copy()
    for k in range(1, r + 1):
        out[k:, :] |= mask[:-k, :]
        out[:-k, :] |= mask[k:, :]
    rows = out.copy()
    for k in range(1, r + 1):
        out[:, k:] |= rows[:, :-k]
        out[:, :-k] |= rows[:, k:]
    return out
