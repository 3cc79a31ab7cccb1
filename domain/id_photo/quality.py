"""The verdict on a photo: what is measured inside the card, and the report with its reasons.

Inside the card (edges excluded): brightness percentiles (too dark / too bright), the share of
clipped pixels forming blobs (glare), and the sharpness: the RMS Laplacian of the card resampled
to `sharpness_card_px` across, divided by the card's contrast, so it measures blur relative to the
card (what decides whether its text can be read), not to the photo. The card's tilt, its share of
the frame and its width in the original's pixels are checked against the limits as well.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

from domain.id_photo.card import SEG_SIDE, _find_card
from domain.id_photo.decode import _decode, _Decoded, _Refused
from domain.id_photo.masks import BoolArray, _dilate, _erode
from domain.id_photo.phash import phash_of
from domain.id_photo.rect import _Rect
from domain.id_photo.report import IdPhotoLimits, IdPhotoReport, Reason


def _clipped_blobs(crop: npt.NDArray[np.uint8], inner: BoolArray, level: int) -> tuple[BoolArray, BoolArray]:
    """(clipped pixels, clipped pixels in blobs that survive a 5x5 opening), within `inner`."""
    clipped = (crop >= level) & inner
    if not clipped.any():
        return clipped, clipped
    return clipped, _dilate(_erode(clipped, 2), 2) & inner


def _sharpness(crop: npt.NDArray[np.uint8], rect: _Rect, ignore: BoolArray, card_px: int) -> float:
    """RMS Laplacian inside the card resampled to `card_px` across, over the card's contrast (p90 - p10)."""
    factor = min(1.0, card_px / max(1.0, rect.long))
    img = Image.fromarray(crop)
    keep = Image.fromarray((~ignore).astype(np.uint8) * 255)
    if factor < 1.0:
        size = (max(3, round(img.width * factor)), max(3, round(img.height * factor)))
        img = img.resize(size, Image.Resampling.BOX)
        keep = keep.resize(size, Image.Resampling.BOX)
        factor = img.width / crop.shape[1]
    arr = np.asarray(img, dtype=np.float32)
    if arr.shape[0] < 5 or arr.shape[1] < 5:
        return 0.0
    inner = rect.scaled(factor).inner(arr.shape, 0.08) & (np.asarray(keep) == 255)
    inner = inner[1:-1, 1:-1]
    centre = arr[1:-1, 1:-1]
    lap = 4 * centre - arr[:-2, 1:-1] - arr[2:, 1:-1] - arr[1:-1, :-2] - arr[1:-1, 2:]
    values = centre[inner]
    if values.size < 50:
        return 0.0
    p10, p90 = _quantiles(np.asarray(img)[1:-1, 1:-1][inner], (0.1, 0.9))
    return float(np.sqrt(np.mean(lap[inner] ** 2))) / (float(p90 - p10) + 10.0)


def _quantiles(values: npt.NDArray[np.uint8], qs: tuple[float, ...]) -> tuple[float, ...]:
    """Quantiles of 8-bit values, from their histogram (much cheaper than sorting)."""
    cum = np.cumsum(np.bincount(values.ravel(), minlength=256))
    n = int(cum[-1])
    return tuple(float(np.searchsorted(cum, q * n)) for q in qs)


def check_id_photo(data: bytes, limits: IdPhotoLimits = IdPhotoLimits()) -> IdPhotoReport:
    """Judge a photo of an ID card. Never raises: any failure is a report with a reason."""
    try:
        decoded = _decode(data, limits)
    except _Refused as r:
        return IdPhotoReport(False, (r.reason,), {}, r.format, r.size[0], r.size[1], None)
    except Exception:  # whatever a hostile file provokes in a decoder (MemoryError included)
        return IdPhotoReport(False, (Reason.UNREADABLE,), {}, None, 0, 0, None)
    try:
        return _judge(decoded, limits)
    except Exception:  # a bug in the analysis must not break the caller's workflow
        return IdPhotoReport(False, (Reason.UNREADABLE,), {}, decoded.format, decoded.width, decoded.height, None)


def _judge(d: _Decoded, limits: IdPhotoLimits) -> IdPhotoReport:
    gray = d.gray
    k = min(1.0, SEG_SIDE / max(gray.size))
    size = (max(1, round(gray.width * k)), max(1, round(gray.height * k)))
    seg = gray if k >= 1.0 else gray.resize(size, Image.Resampling.BOX)
    phash = phash_of(seg)
    reasons: list[Reason] = []
    scores: dict[str, float] = {}
    if max(d.width, d.height) < limits.min_card_width_px:
        reasons.append(Reason.LOW_RESOLUTION)  # no card in it can be wide enough
    if min(gray.size) < 16:
        return IdPhotoReport(False, (Reason.LOW_RESOLUTION,), scores, d.format, d.width, d.height, phash)
    found = _find_card(seg, limits)
    card, cut = found.card, found.cut_off
    scores["scene_clipped_share"] = float((np.asarray(seg) >= limits.glare_level).mean())
    seg_area = float(seg.width * seg.height)
    if card is not None and cut is not None and card.area < 0.35 * cut.area:
        ux, uy, vx, vy = cut.rect.axes()
        dx, dy = card.rect.cx - cut.rect.cx, card.rect.cy - cut.rect.cy
        if abs(dx * ux + dy * uy) < cut.rect.long / 2 and abs(dx * vx + dy * vy) < cut.rect.short / 2:
            card = None  # what looked like a card is a part (the photo) of a card that is cut off
    washed_out = scores["scene_clipped_share"] >= limits.scene_clipped_share
    if card is not None and washed_out and card.area < limits.min_card_fill * seg_area:
        card = None  # in a washed-out photo a small "card" is a leftover of the real one (or of the table)
    if card is None:
        arr = np.asarray(seg)
        p50, p99 = _quantiles(arr, (0.5, 0.99))
        scores.update(brightness=p50, brightness_p99=p99)
        if p99 < limits.scene_dark_level:
            reasons.append(Reason.TOO_DARK)
        elif p50 >= limits.scene_bright_level or washed_out:
            reasons.append(Reason.TOO_BRIGHT)
        if cut is not None:
            scores.update(card_fill=cut.area / seg_area, card_angle_deg=cut.rect.angle_deg)
            reasons.append(Reason.CARD_CUT_OFF)
        else:
            reasons.append(Reason.NO_CARD)
        return IdPhotoReport(False, tuple(reasons), scores, d.format, d.width, d.height, phash)

    to_work = gray.width / seg.width
    work_rect = card.rect.scaled(to_work)
    x0, y0, x1, y1 = work_rect.box(gray.size, margin=2.0)
    crop = np.asarray(gray.crop((x0, y0, x1, y1)))
    rect = work_rect.scaled(1.0, x0, y0)
    inner = rect.inner(crop.shape, 0.06)
    values = crop[inner] if inner.sum() >= 50 else crop.ravel()
    p10, p50, p90 = _quantiles(values, (0.1, 0.5, 0.9))
    clipped, blobs = _clipped_blobs(crop, inner, limits.glare_level)
    n_inner = max(1, int(inner.sum()))
    clipped_share = float(clipped.sum()) / n_inner
    glare_share = float(blobs.sum()) / n_inner
    fill = card.area / seg_area
    card_long_px = card.rect.long * d.width / seg.width
    scores.update(
        brightness=p50,
        brightness_p10=p10,
        brightness_p90=p90,
        clipped_share=clipped_share,
        glare_share=glare_share,
        card_fill=fill,
        card_aspect=card.rect.aspect,
        card_angle_deg=card.rect.angle_deg,
        card_tilt_deg=card.rect.tilt_deg,
        card_long_side_px=card_long_px,
        card_rectangularity=card.rectangularity,
        card_edge_contrast=card.edge,
    )
    exposure_ok = False
    if p90 < limits.dark_level:
        reasons.append(Reason.TOO_DARK)
    elif clipped_share >= limits.bright_clipped_share:
        reasons.append(Reason.TOO_BRIGHT)
    else:
        exposure_ok = True
    if card.rect.tilt_deg > limits.max_tilt_deg:
        reasons.append(Reason.TILTED)
    if fill < limits.min_card_fill:
        reasons.append(Reason.CARD_TOO_SMALL)
    if card_long_px < limits.min_card_width_px and Reason.LOW_RESOLUTION not in reasons:
        reasons.append(Reason.LOW_RESOLUTION)
    if exposure_ok:  # blur and glare cannot be judged on a card that is black or white
        sharpness = _sharpness(crop, rect, _dilate(clipped, 2), limits.sharpness_card_px)
        scores["sharpness"] = sharpness
        if sharpness < limits.min_sharpness:
            reasons.append(Reason.BLURRY)
        if glare_share > limits.max_glare_share:
            reasons.append(Reason.GLARE)
    return IdPhotoReport(not reasons, tuple(reasons), scores, d.format, d.width, d.height, phash)
