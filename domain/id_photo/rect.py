"""A card's rectangle (centre, angle, sides) in image coordinates, and the minimum-area rectangle of a
component's outline."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from domain.id_photo.masks import BoolArray, FloatArray


@dataclass(frozen=True)
class _Rect:
    cx: float
    cy: float
    angle_deg: float  # of the long side, counter-clockwise as seen, in [0, 180)
    long: float
    short: float

    @property
    def tilt_deg(self) -> float:
        a = self.angle_deg % 90.0
        return min(a, 90.0 - a)

    @property
    def aspect(self) -> float:
        return self.long / self.short if self.short > 0 else math.inf

    def scaled(self, k: float, dx: float = 0.0, dy: float = 0.0) -> _Rect:
        """The same rectangle in an image scaled by `k`, then shifted by (-dx, -dy)."""
        return _Rect(self.cx * k - dx, self.cy * k - dy, self.angle_deg, self.long * k, self.short * k)

    def axes(self) -> tuple[float, float, float, float]:
        """Unit vectors along the long and the short side, in image coordinates (y down)."""
        theta = math.radians(-self.angle_deg)
        ux, uy = math.cos(theta), math.sin(theta)
        return ux, uy, -uy, ux

    def sides(self) -> list[tuple[tuple[float, float], tuple[float, float], float, float]]:
        """Its four sides, each as (unit vector along it, outward normal, half its length, distance from
        the centre), in the order long +, long -, short +, short -."""
        ux, uy, vx, vy = self.axes()
        return [
            ((ux, uy), (vx, vy), self.long / 2, self.short / 2),
            ((ux, uy), (-vx, -vy), self.long / 2, self.short / 2),
            ((vx, vy), (ux, uy), self.short / 2, self.long / 2),
            ((vx, vy), (-ux, -uy), self.short / 2, self.long / 2),
        ]

    def box(self, size: tuple[int, int], margin: float = 1.0) -> tuple[int, int, int, int]:
        """Its bounding box (grown by `margin` px), clipped to an image of `size`."""
        ux, uy, _, _ = self.axes()
        hw = (abs(ux) * self.long + abs(uy) * self.short) / 2 + margin
        hh = (abs(uy) * self.long + abs(ux) * self.short) / 2 + margin
        return (
            max(0, math.floor(self.cx - hw)),
            max(0, math.floor(self.cy - hh)),
            min(size[0], math.ceil(self.cx + hw) + 1),
            min(size[1], math.ceil(self.cy + hh) + 1),
        )

    def inner(self, shape: tuple[int, int], margin: float) -> BoolArray:
        """Pixels of an image of `shape` inside the rectangle shrunk by `margin` (a share) on each side."""
        h, w = shape
        ux, uy, vx, vy = self.axes()
        dx = np.arange(w, dtype=np.float32)[None, :] - self.cx
        dy = np.arange(h, dtype=np.float32)[:, None] - self.cy
        u = dx * ux + dy * uy
        v = dx * vx + dy * vy
        return (np.abs(u) <= self.long * (0.5 - margin)) & (np.abs(v) <= self.short * (0.5 - margin))


_ANGLES = np.deg2rad(np.arange(0.0, 90.0, 2.0))


def _min_area_rect(xs: FloatArray, ys: FloatArray) -> tuple[_Rect, float]:
    """Minimum-area rectangle of points (coarse then fine search over angles) and the area of their convex
    hull (the polygon of their support lines every 2 degrees; a hair larger than the hull itself)."""

    def fit(angles: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], ...]:
        c, s = np.cos(angles)[:, None], np.sin(angles)[:, None]
        u = xs[None, :] * c + ys[None, :] * s
        v = -xs[None, :] * s + ys[None, :] * c
        umin, umax, vmin, vmax = u.min(axis=1), u.max(axis=1), v.min(axis=1), v.max(axis=1)
        du, dv = umax - umin + 1.0, vmax - vmin + 1.0
        return du * dv, du, dv, (umax + umin) / 2, (vmax + vmin) / 2, umin, umax, vmin, vmax

    coarse = fit(_ANGLES)
    # support h(t) = max over points of (x cos t + y sin t), at t = a, a + 90, a + 180, a + 270 degrees
    _, _, _, _, _, umin, umax, vmin, vmax = coarse
    support = np.concatenate([umax, vmax, -umin, -vmin]) + 0.5
    t = np.concatenate([_ANGLES, _ANGLES + np.pi / 2, _ANGLES + np.pi, _ANGLES + 1.5 * np.pi])
    t1, h1 = np.roll(t, -1), np.roll(support, -1)
    det = np.sin(t1 - t)
    px = (support * np.sin(t1) - h1 * np.sin(t)) / det
    py = (h1 * np.cos(t) - support * np.cos(t1)) / det
    hull_area = 0.5 * abs(float(np.sum(px * np.roll(py, -1) - np.roll(px, -1) * py)))

    best = float(_ANGLES[int(np.argmin(coarse[0]))])
    angles = best + np.deg2rad(np.arange(-2.0, 2.01, 0.25))
    area, du, dv, mu, mv = fit(angles)[:5]
    i = int(np.argmin(area))
    theta = float(angles[i])
    cu, cv = float(mu[i]), float(mv[i])
    cx = cu * math.cos(theta) - cv * math.sin(theta)
    cy = cu * math.sin(theta) + cv * math.cos(theta)
    if du[i] >= dv[i]:
        long_, short, angle = float(du[i]), float(dv[i]), math.degrees(theta)
    else:
        long_, short, angle = float(dv[i]), float(du[i]), math.degrees(theta) + 90.0
    return _Rect(cx, cy, (-angle) % 180.0, long_, short), hull_area  # y points down: negate for "as seen"
