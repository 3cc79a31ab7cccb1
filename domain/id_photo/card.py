"""Finding the card in the photo: the most card-like component over a few thresholds and edge bands.

How the card is found (on a working image about 256 px across): the image is smoothed and
thresholded at a few levels (Otsu and the Otsu levels of each half), in both polarities, and when
that finds no clear card, its edge bands (gradient above two quantiles) are tried as well: a card's
outline with the print inside it is one component, even when the card is as light as the table or
crossed by glare. Connected components are labelled from row runs, filled row by row; each large
component's minimum-area rectangle is searched over angles. A card is a component that fills its
rectangle (>= `min_rectangularity`, holes filled), with the ID-1 aspect 85.60 / 53.98 = 1.586 in
either orientation (within `card_aspect_range`), not touching the frame. A rectangular component
that does touch the frame is a card cut off (see `cut_off`); its sides away from the frame must all step.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter

from domain.id_photo.cut_off import _clipped_overlap, _column_ends, _corners_filled, _fit_sides, _sides_near_frame
from domain.id_photo.masks import BoolArray, FloatArray, _dilate, _erode, _label_runs, _Runs
from domain.id_photo.rect import _min_area_rect, _Rect
from domain.id_photo.report import ID1_ASPECT, IdPhotoLimits

EDGE_QUANTILES = (0.85, 0.7)  # gradient levels (as quantiles of the image's) that count as edges
EDGE_BAND_OUTSIDE = 4.5  # px of an edge band outside the step (smoothing and thickening), at SEG_SIDE
SEG_SIDE = 256  # card segmentation works at this long side


@dataclass(frozen=True)
class _Candidate:
    rect: _Rect  # in segmentation pixels
    area: float  # filled (holes and row concavities filled)
    rectangularity: float  # area / rectangle area; cut off: overlap / union with the rectangle's part in the frame
    touches: int  # number of frame sides touched
    edge: float  # the step across its sides: the second weakest of a whole card, the weakest of a cut one
    content: float  # standard deviation of the gray levels inside (print, photo): a card is not blank

    @property
    def strong(self) -> bool:
        return self.rectangularity >= 0.9 and abs(math.log(self.rect.aspect / ID1_ASPECT)) < 0.1


_SIDE_T = np.linspace(-0.4, 0.4, 24)
_GRID_U, _GRID_V = (g.ravel() for g in np.meshgrid(np.linspace(-0.38, 0.38, 20), np.linspace(-0.36, 0.36, 12)))


def _side_contrasts(arr: FloatArray, rect: _Rect, offset: float = 2.5, inset: float = 0.0) -> list[float]:
    """A low quantile of |inside - outside| just across each side of `rect` (NaN for a side along or beyond
    the frame): a straight edge steps all along the side; a round or ragged shape meets it at a few points.
    `inset`: the step lies this far inside the sides (a rectangle fitted to an edge band).
    """
    h, w = arr.shape
    out: list[float] = []
    for (ax, ay), (nx, ny), half_along, half_across in rect.sides():
        px = rect.cx + ax * _SIDE_T * 2 * half_along + nx * half_across
        py = rect.cy + ay * _SIDE_T * 2 * half_along + ny * half_across
        ix = np.rint(px - nx * (offset + inset)).astype(np.int64)
        iy = np.rint(py - ny * (offset + inset)).astype(np.int64)
        ox = np.rint(px + nx * (offset - inset)).astype(np.int64)
        oy = np.rint(py + ny * (offset - inset)).astype(np.int64)
        m = 3  # an outside point this close to the frame is the frame's edge, not the card's
        ok = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h) & (ox >= m) & (ox < w - m) & (oy >= m) & (oy < h - m)
        if ok.sum() < len(_SIDE_T) // 2:
            out.append(math.nan)
        else:
            out.append(float(np.percentile(np.abs(arr[iy[ok], ix[ok]] - arr[oy[ok], ox[ok]]), 25)))
    return out


def _content(raw: FloatArray, rect: _Rect) -> float:
    """Standard deviation of the gray levels on a grid inside `rect` (edges left out)."""
    h, w = raw.shape
    ux, uy, vx, vy = rect.axes()
    px = rect.cx + _GRID_U * rect.long * ux + _GRID_V * rect.short * vx
    py = rect.cy + _GRID_U * rect.long * uy + _GRID_V * rect.short * vy
    ix = np.clip(np.rint(px).astype(np.int64), 0, w - 1)
    iy = np.clip(np.rint(py).astype(np.int64), 0, h - 1)
    return float(raw[iy, ix].std())


def _candidates(
    runs: _Runs, smooth: FloatArray, raw: FloatArray, limits: IdPhotoLimits, shrink: float = 0.0
) -> list[_Candidate]:
    """The largest components that fill their minimum-area rectangle well enough to be a card.

    `shrink` (px) is taken off each side of the fitted rectangle: an edge band lies partly outside the card."""
    h, w = smooth.shape
    min_area = limits.min_component_share * h * w
    lengths = runs.end - runs.start
    raw_area = np.bincount(runs.label, weights=lengths, minlength=runs.n_labels)
    big = np.nonzero(raw_area >= min_area * 0.5)[0]
    out: list[_Candidate] = []
    for lab in big[np.argsort(-raw_area[big])][:6]:
        sel = runs.label == lab
        rows, starts, ends = runs.row[sel], runs.start[sel], runs.end[sel]
        r0 = int(rows.min())
        nrows = int(rows.max()) - r0 + 1
        left = np.full(nrows, w, dtype=np.int64)
        right = np.full(nrows, -1, dtype=np.int64)
        np.minimum.at(left, rows - r0, starts)
        np.maximum.at(right, rows - r0, ends - 1)
        present = right >= 0
        area = float((right[present] - left[present] + 1).sum())
        if area < min_area or area > 0.9 * h * w:
            continue
        touches = (
            int(left[present].min() <= 0)
            + int(right[present].max() >= w - 1)
            + int(r0 <= 0)
            + int(r0 + nrows - 1 >= h - 1)
        )
        if touches >= 3 or (touches and area < limits.min_cut_share * h * w):
            continue  # (a smaller part of a card is not reported as cut off)
        ys = np.tile(np.nonzero(present)[0] + r0, 2).astype(np.float32)
        xs = np.concatenate([left[present], right[present]]).astype(np.float32)
        if touches:  # fit the card's own sides: the outline (row and column ends) off the frame's cut
            if area < limits.min_solidity * _min_area_rect(xs, ys)[1]:
                continue  # far from convex: no part of a card (a cheap test first)
            cx_, cy_ = _column_ends(left, right, r0)
            bxs, bys = np.concatenate([xs, cx_]), np.concatenate([ys, cy_])
            inside = (bxs > 0) & (bxs < w - 1) & (bys > 0) & (bys < h - 1)
            rect = _fit_sides(bxs[inside], bys[inside], (h, w)) if inside.sum() >= 8 else _min_area_rect(xs, ys)[0]
            rectangularity = _clipped_overlap(rect, left, right, r0, (h, w), area)
        else:
            rect, hull_area = _min_area_rect(xs, ys)
            # the outline must be a rectangle; print and photo may eat into the filled area (a small card)
            rectangularity = min(hull_area, area / limits.min_solidity) / max(1.0, rect.long * rect.short)
        if rectangularity < limits.min_rectangularity - (0.05 if touches else 0.0):
            continue
        contrasts = _side_contrasts(smooth, rect, inset=shrink)
        sides = sorted(c for c in contrasts if not math.isnan(c))
        if touches:  # a part of a card: all its corners and sides inside the frame must show
            corners, filled = _corners_filled((h, w), rect, left, right, r0)
            if filled < corners - (1 if corners >= 3 else 0):
                continue
            # a side that reaches the frame may be the cut itself, measured just inside the frame
            near_frame = _sides_near_frame(rect, (h, w))
            free = [c for c, near in zip(contrasts, near_frame, strict=True) if not near and not math.isnan(c)]
            if free:
                edge = min(free)
            else:
                edge = (sides[1] if len(sides) >= 3 else sides[0]) if sides else 0.0
        else:  # a whole card may have one faint side (a dark band on a dark table, light on a light one)
            edge = sides[1] if len(sides) == 4 else 0.0
        if shrink:
            rect = _Rect(rect.cx, rect.cy, rect.angle_deg, rect.long - 2 * shrink, rect.short - 2 * shrink)
        out.append(_Candidate(rect, area, rectangularity, touches, edge, _content(raw, rect)))
    return out


def _otsu(hist: npt.NDArray[np.float64], lo: int = 0, hi: int = 256) -> int:
    """Otsu threshold of the histogram restricted to [lo, hi): pixels > t are the upper class."""
    p = hist[lo:hi]
    total = p.sum()
    if total <= 0 or hi - lo < 2:
        return (lo + hi) // 2
    levels = np.arange(lo, hi, dtype=np.float64)
    w0 = np.cumsum(p)
    m0 = np.cumsum(p * levels)
    w1 = total - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (m0[-1] * w0 - m0 * total) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = -1
    return lo + int(np.argmax(between))


def _levels(hist: npt.NDArray[np.float64]) -> list[int]:
    """Thresholds to try: Otsu's, those of each half and between, and high and low percentiles."""
    t0 = _otsu(hist)
    t1, t2 = _otsu(hist, t0 + 1, 256), _otsu(hist, 0, t0 + 1)
    cum = np.cumsum(hist) / max(1.0, float(hist.sum()))
    high = [int(np.searchsorted(cum, q)) for q in (0.9, 0.96)]  # a small light card on a light table
    low = [int(np.searchsorted(cum, q)) for q in (0.04, 0.1)]
    return list(dict.fromkeys([t0, (t0 + t1) // 2, (t0 + t2) // 2, t1, t2, *high, *low]))


def _edge_bands(smooth: FloatArray) -> Iterator[BoolArray]:
    """Where the gray levels step, whatever the levels on either side: a card's outline (its border and
    shadow) with the print inside it forms one component, which the row filling of `_candidates` turns
    into the card's shape. Finds a card as light as its table, or one interrupted by glare, which no
    single threshold separates. Edges at a few strengths, each thickened by a pixel to close gaps.
    """
    gx = np.zeros_like(smooth)
    gy = np.zeros_like(smooth)
    gx[:, 1:-1] = smooth[:, 2:] - smooth[:, :-2]
    gy[1:-1, :] = smooth[2:, :] - smooth[:-2, :]
    grad = np.maximum(np.abs(gx), np.abs(gy))
    for level in np.quantile(grad, EDGE_QUANTILES):  # one sort for both levels
        yield _dilate(grad > max(4.0, float(level)))


@dataclass(frozen=True)
class _Found:
    card: _Candidate | None
    cut_off: _Candidate | None


def _find_card(seg: Image.Image, limits: IdPhotoLimits) -> _Found:
    """The most card-like component over a few thresholds, light-on-dark first, then dark-on-light."""
    smooth8 = np.asarray(seg.filter(ImageFilter.BoxBlur(2)))
    smooth = smooth8.astype(np.float32)
    raw = np.asarray(seg, dtype=np.float32)
    h, w = smooth8.shape
    hist = np.bincount(smooth8.ravel(), minlength=256).astype(np.float64)
    p2, p98 = np.searchsorted(np.cumsum(hist), [0.02 * h * w, 0.98 * h * w])
    spread = float(p98 - p2)
    min_edge = max(limits.min_edge_contrast, limits.min_edge_share * spread)
    min_content = max(2.0, limits.min_content * spread)
    lo, hi = limits.card_aspect_range
    best: _Candidate | None = None
    best_cut: _Candidate | None = None

    def masks() -> Iterator[tuple[BoolArray, float]]:
        levels = _levels(hist)
        for bright in (True, False):
            for level in levels:
                yield (smooth8 > level if bright else smooth8 <= level), 0.0
        for edges in _edge_bands(smooth):
            yield edges, EDGE_BAND_OUTSIDE

    for mask, shrink in masks():
        share = float(mask.mean())
        if share < limits.min_component_share or share > 0.97:
            continue
        mask = _erode(_dilate(_dilate(_erode(mask)), 2), 2)  # open 3x3 (cut bridges), close 5x5 (mend gaps)
        for cand in _candidates(_label_runs(mask), smooth, raw, limits, shrink):
            if cand.edge < min_edge or cand.content < min_content:
                continue
            if cand.touches == 0 and lo <= cand.rect.aspect <= hi:
                # the largest wins: a card holds card-like parts, none holds the card
                if (
                    best is None
                    or cand.area > best.area * 1.2
                    or (cand.area > best.area / 1.2 and cand.edge > best.edge)
                ):
                    best = cand
            elif (
                cand.touches
                and cand.area >= limits.min_cut_share * h * w
                and cand.rectangularity >= limits.min_rectangularity - 0.05
                and cand.rect.aspect <= limits.max_cut_aspect
                and cand.edge >= 1.5 * min_edge
            ):
                if best_cut is None or cand.area > best_cut.area:
                    best_cut = cand
        if best is not None and best.strong and best.edge >= 2 * min_edge and best.area >= 0.05 * h * w:
            break  # a clear card; a small one may be the photo on a card cut off by the frame: look on
    return _Found(best, best_cut)
