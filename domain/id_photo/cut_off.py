"""A card cut off by the frame: its rectangle is fitted to the outline off the frame (the lines carrying
the most outline points, so that bumps of a checked table merged with it are left out), and it must
cover the component's part in the frame, corners included.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from domain.id_photo.masks import FloatArray, IntArray
from domain.id_photo.rect import _Rect

_SIDE_ANGLES = np.deg2rad(np.arange(0.0, 90.0, 2.0))
_SIDE_REFINE = np.deg2rad(np.arange(-1.5, 1.51, 0.5))
SIDE_SEARCH = 0.25  # a side is looked for within this share of the extent in from the outermost points
SIDE_GAIN = 1.5  # a side lies in from the outermost points where a line carries this many times as many,
SIDE_MIN_SHARE = 0.3  # and at least this many per px of the side's length (bumps leave gaps that long)
SIDE_COARSE_POINTS = 200  # about this many outline points are enough to find the angle to 2 degrees


def _side_lines(
    depth: npt.NDArray[np.float64], extent: npt.NDArray[np.float64], length: npt.NDArray[np.float64]
) -> tuple[IntArray, IntArray]:
    """For each row of `depth` (outline points' distances in from the outermost, for one side at one angle):
    the depth (px) of the side and the points on it (within 1 px). The side lies at the outermost line
    unless a line further in (within `SIDE_SEARCH` of the `extent`) carries clearly more points: those
    outside it are then bumps or spurs (a checked table's squares merged with the card, edges of its
    pattern touching the card's)."""
    n = depth.shape[0]
    limit = (SIDE_SEARCH * extent).astype(np.int64)
    width = int(limit.max(initial=0)) + 3
    d = depth.astype(np.int64)
    d = np.where(d <= limit[:, None], d, width - 1)  # beyond the search: a bin left out below
    counts = np.bincount((d + (np.arange(n) * width)[:, None]).ravel(), minlength=n * width).reshape(n, width)
    counts[:, -1] = 0
    window = counts.copy()  # window[:, k]: points at depths k - 1 .. k + 1
    window[:, 1:] += counts[:, :-1]
    window[:, :-1] += counts[:, 1:]
    peak = np.argmax(window, axis=1)
    carried = window[np.arange(n), peak]
    moved = carried >= np.maximum(SIDE_MIN_SHARE * length, SIDE_GAIN * window[:, 0])
    return np.where(moved, peak, 0), np.where(moved, carried, window[:, 0])


def _fit_sides(xs: FloatArray, ys: FloatArray, shape: tuple[int, int]) -> _Rect:
    """The rectangle whose sides carry the most outline points (every 2 degrees, then every 0.5): the
    sides of a card cut off by the frame, which may be only two (an L, whose minimum-area rectangle may as
    well lie along the line joining its ends), with bumps and spurs outside them. A side at the frame
    stays at the outermost points (the card goes on beyond it)."""

    def fit(
        angles: npt.NDArray[np.float64], step: int = 1
    ) -> tuple[IntArray, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Points on the sides per angle, and the outermost and the fitted (u0, u1, v0, v1) (rows) per angle;
        every `step`-th point only."""
        c, s = np.cos(angles)[:, None], np.sin(angles)[:, None]
        xs_, ys_ = xs[::step], ys[::step]
        u = xs_[None, :] * c + ys_[None, :] * s
        v = -xs_[None, :] * s + ys_[None, :] * c
        u0, u1, v0, v1 = u.min(axis=1), u.max(axis=1), v.min(axis=1), v.max(axis=1)
        depth = np.concatenate([u - u0[:, None], u1[:, None] - u, v - v0[:, None], v1[:, None] - v])
        extent = np.concatenate([u1 - u0, u1 - u0, v1 - v0, v1 - v0])
        length = np.concatenate([v1 - v0, v1 - v0, u1 - u0, u1 - u0]) / step
        inset, points = _side_lines(depth, extent, length)
        n = len(angles)
        outer = np.stack([u0, u1, v0, v1])
        sign = np.array([1.0, -1.0, 1.0, -1.0])[:, None]
        return points.reshape(4, n).sum(axis=0), outer, outer + sign * inset.reshape(4, n)

    coarse = fit(_SIDE_ANGLES, max(1, len(xs) // SIDE_COARSE_POINTS))[0]
    angles = float(_SIDE_ANGLES[int(np.argmax(coarse))]) + _SIDE_REFINE
    total, outer, inner = fit(angles)
    i = int(np.argmax(total))
    theta = float(angles[i])
    c, s = math.cos(theta), math.sin(theta)
    h, w = shape
    ou0, ou1, ov0, ov1 = (float(b) for b in outer[:, i])
    mid_u, mid_v = (ou0 + ou1) / 2, (ov0 + ov1) / 2
    side = []
    for k, (pu, pv) in enumerate(((ou0, mid_v), (ou1, mid_v), (mid_u, ov0), (mid_u, ov1))):
        x, y = pu * c - pv * s, pu * s + pv * c  # the middle of the outermost side, in the image
        at_frame = not (2 < x < w - 3 and 2 < y < h - 3)
        side.append(float(outer[k, i] if at_frame else inner[k, i]))
    u0, u1, v0, v1 = side
    du, dv = u1 - u0 + 1.0, v1 - v0 + 1.0
    cu, cv = (u1 + u0) / 2, (v1 + v0) / 2
    cx = cu * c - cv * s
    cy = cu * s + cv * c
    if du >= dv:
        long_, short, angle = du, dv, math.degrees(theta)
    else:
        long_, short, angle = dv, du, math.degrees(theta) + 90.0
    return _Rect(cx, cy, (-angle) % 180.0, long_, short)


FRAME_MARGIN = 6.0  # px: a side coming this close to the frame may be where the frame cuts the card


def _sides_near_frame(rect: _Rect, shape: tuple[int, int]) -> list[bool]:
    """For each side of `rect` (in the order of `_Rect.sides`): does it come near the frame?"""
    h, w = shape
    out: list[bool] = []
    for (ax, ay), (nx, ny), half_along, half_across in rect.sides():
        near = False
        for t in (-half_along, half_along):
            x = rect.cx + ax * t + nx * half_across
            y = rect.cy + ay * t + ny * half_across
            m = FRAME_MARGIN
            near = near or not (m <= x <= w - 1 - m and m <= y <= h - 1 - m)
        out.append(near)
    return out


def _corners_filled(
    shape: tuple[int, int], rect: _Rect, left: IntArray, right: IntArray, r0: int, inset: float = 0.08
) -> tuple[int, int]:
    """(corners of `rect` well inside the frame, how many of them the row-filled component covers).

    A card covers its corners (they are rounded over 4 % of its width only); a disk does not."""
    h, w = shape
    ux, uy, vx, vy = rect.axes()
    inside = filled = 0
    for su, sv in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        corner_x = rect.cx + su * rect.long / 2 * ux + sv * rect.short / 2 * vx
        corner_y = rect.cy + su * rect.long / 2 * uy + sv * rect.short / 2 * vy
        if not (2 <= corner_x < w - 2 and 2 <= corner_y < h - 2):
            continue
        inside += 1
        cu, cv = su * rect.long * (0.5 - inset), sv * rect.short * (0.5 - inset)
        x = round(rect.cx + cu * ux + cv * vx)
        r = round(rect.cy + cu * uy + cv * vy) - r0
        filled += int(0 <= r < len(left) and left[r] <= x <= right[r])
    return inside, filled


def _column_ends(left: IntArray, right: IntArray, r0: int) -> tuple[FloatArray, FloatArray]:
    """(x, y) of the top and bottom ends of each column of a row-filled component (rows `r0`... with
    `left`/`right` ends; absent rows have left > right)."""
    x_lo, x_hi = int(left.min()), int(right.max())
    cols = np.arange(x_lo, x_hi + 1)
    covered = (left[:, None] <= cols[None, :]) & (cols[None, :] <= right[:, None])
    has = covered.any(axis=0)
    top = np.argmax(covered, axis=0)
    bottom = len(left) - 1 - np.argmax(covered[::-1], axis=0)
    xs = np.tile(cols[has], 2).astype(np.float32)
    ys = (np.concatenate([top[has], bottom[has]]) + r0).astype(np.float32)
    return xs, ys


def _rect_row_spans(rect: _Rect, shape: tuple[int, int]) -> tuple[FloatArray, FloatArray]:
    """For each row of an image of `shape`, the x interval [lo, hi] that `rect` covers (lo > hi: none)."""
    h, w = shape
    ux, uy, vx, vy = rect.axes()
    y = np.arange(h, dtype=np.float64) - rect.cy
    lo = np.full(h, -rect.cx, dtype=np.float64)
    hi = np.full(h, w - 1 - rect.cx, dtype=np.float64)
    for ax, ay, half in ((ux, uy, rect.long / 2), (vx, vy, rect.short / 2)):
        # |dx * ax + y * ay| <= half
        if abs(ax) < 1e-9:
            bad = np.abs(y * ay) > half
            lo[bad], hi[bad] = 1.0, 0.0
            continue
        a = (-half - y * ay) / ax
        b = (half - y * ay) / ax
        lo = np.maximum(lo, np.minimum(a, b))
        hi = np.minimum(hi, np.maximum(a, b))
    return (lo + rect.cx).astype(np.float32), (hi + rect.cx).astype(np.float32)


def _clipped_overlap(
    rect: _Rect, left: IntArray, right: IntArray, r0: int, shape: tuple[int, int], area: float
) -> float:
    """Intersection over union of a row-filled component and the part of `rect` inside the frame."""
    lo, hi = _rect_row_spans(rect, shape)
    rect_len = np.maximum(np.floor(hi) - np.ceil(lo) + 1, 0)
    rows = slice(r0, r0 + len(left))
    o_lo = np.maximum(np.ceil(lo[rows]), left)
    o_hi = np.minimum(np.floor(hi[rows]), right)
    overlap = float(np.maximum(o_hi - o_lo + 1, 0).sum())
    union = area + float(rect_len.sum()) - overlap
    return overlap / max(1.0, union)
