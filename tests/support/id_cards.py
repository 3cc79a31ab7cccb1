"""Synthetic, labelled photos of ID-like cards, and a corpus of bad files, for the ID-photo check.

Deterministic: the same seed gives the same bytes. A card is drawn at the size it appears in the
photo (ID-1 aspect 85.60 x 53.98 mm, light colour, guilloche lines, border, text lines, a photo
area with a face), rotated, given a soft shadow and pasted on a background (wood, table colour,
light table, dark cloth, gingham); then lighting, optional glare, optics blur and sensor noise are
applied and the scene is encoded as JPEG, like a phone photo.

    python -m tests.support.id_cards --table [--seed 1] [--per-class 10] [--good 20]

prints the confusion table (class x main reason) of `domain.id_photo.check_id_photo` on a set.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import math
import multiprocessing
import pickle
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

CARD_ASPECT = 85.60 / 53.98
CLASSES = (
    "good",
    "blurry",
    "too_dark",
    "too_bright",
    "glare",
    "tilted",
    "card_cut_off",
    "low_resolution",
    "card_too_small",
    "no_card",
)
BACKGROUNDS = ("wood", "table", "light_table", "dark_cloth", "gingham")
# Mostly the sizes LINE delivers in standard quality; a few larger ones
GOOD_SIZES = ((1024, 768), (1280, 960), (768, 1024), (1280, 720), (1152, 864), (960, 1280), (1600, 1200), (2048, 1536))
LOW_RES_SIZES = ((480, 360), (640, 480), (560, 420), (360, 480), (600, 450))
TEXT_CHARS = "ABCDEFGHIJKLMNOPRSTUWYZ"
MIN_GOOD_CARD_PX = 660  # good photos show the card at least this wide (the check wants 600)

Rgb = tuple[int, int, int]
FloatImage = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Sample:
    """One generated photo: `label` is "good" or the reason code the check should give first."""

    name: str
    label: str
    data: bytes


@dataclass(frozen=True)
class Scene:
    """How to draw one photo. Angles in degrees (counter-clockwise); 90 puts a card upright."""

    size: tuple[int, int] = (1600, 1200)
    background: str = "wood"
    card_long_px: int = 1000
    angle: float = 0.0
    centre: tuple[float, float] = (0.5, 0.5)  # of the card, as a share of width and height
    gain: float = 0.9
    offset: float = 0.0
    blur_sigma: float = 0.0  # out of focus: the whole photo
    softness: float = 0.0  # a good lens: the card only, about a pixel
    noise_sigma: float = 2.5
    glare: tuple[tuple[float, float, float, float], ...] = ()  # (u, v on the card, radius/card long side, peak)
    objects: int = 0  # distractors on the table (coins, pens, notes)
    with_card: bool = True
    quality: int = 90


# ---------------------------------------------------------------- drawing


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(6, size))


def _light_colour(rng: np.random.Generator) -> Rgb:
    base = rng.uniform(222, 240)
    tint = rng.uniform(-14, 6, 3)
    r, g, b = (int(np.clip(base + t, 200, 242)) for t in tint)
    return (r, g, b)


def render_card(long_px: int, rng: np.random.Generator) -> Image.Image:
    """An ID-like card face, landscape, `long_px` wide, RGBA with rounded corners."""
    w = long_px
    h = round(w / CARD_ASPECT)
    colour = _light_colour(rng)
    card = Image.new("RGB", (w, h), colour)
    draw = ImageDraw.Draw(card)
    tint = tuple(max(0, c - int(rng.uniform(18, 40))) for c in colour)
    # guilloche-like lines
    xs = np.linspace(0, w, 200)
    for k in range(int(rng.integers(6, 12))):
        amp = h * rng.uniform(0.05, 0.25)
        freq = rng.uniform(1.5, 5.0) * 2 * math.pi / w
        y0 = h * rng.uniform(0.1, 0.9)
        phase = rng.uniform(0, 2 * math.pi)
        ys = y0 + amp * np.sin(xs * freq + phase + k)
        draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=tint, width=max(1, w // 400))
    # header band and border
    band = tuple(int(c) for c in rng.integers(60, 200, 3))
    if rng.random() < 0.6:  # a coloured stripe inside the border, like a driving licence's
        top = h * rng.uniform(0.06, 0.5)
        draw.rectangle((w * 0.03, top, w * 0.97, top + h * rng.uniform(0.05, 0.09)), fill=band)
    inset = int(w * 0.02)
    draw.rounded_rectangle(
        (inset, inset, w - inset, h - inset), radius=int(w * 0.03), outline=band, width=max(1, w // 250)
    )
    # photo area: a face on a plain ground
    ph = int(h * rng.uniform(0.5, 0.56))
    pw = int(ph * 0.78)  # a 3 x 4 cm style portrait
    px0, py0 = int(w * rng.uniform(0.93, 0.95)) - pw, int(h * rng.uniform(0.2, 0.3))
    portrait = Image.new("RGB", (pw, ph), tuple(int(c) for c in rng.integers(120, 200, 3)))
    face = ImageDraw.Draw(portrait)
    skin = (int(rng.integers(170, 225)), int(rng.integers(130, 180)), int(rng.integers(100, 150)))
    hair = tuple(int(c) for c in rng.integers(10, 70, 3))
    face.ellipse((pw * 0.1, ph * 0.75, pw * 0.9, ph * 1.4), fill=(40, 50, 70))
    face.ellipse((pw * 0.22, ph * 0.08, pw * 0.78, ph * 0.55), fill=hair)
    face.ellipse((pw * 0.27, ph * 0.16, pw * 0.73, ph * 0.72), fill=skin)
    card.paste(portrait, (px0, py0))
    # text lines
    ink = tuple(int(c) for c in rng.integers(10, 60, 3))
    y = h * rng.uniform(0.14, 0.2)
    for _ in range(int(rng.integers(5, 8))):
        size = int(w * rng.uniform(0.026, 0.042))
        words = ["".join(rng.choice(list(TEXT_CHARS), size=int(rng.integers(3, 9)))) for _ in range(rng.integers(2, 4))]
        draw.text((w * rng.uniform(0.05, 0.09), y), " ".join(words), fill=ink, font=_font(size))
        y += size * rng.uniform(1.3, 1.7)
        if y > h * 0.8:
            break
    digits = "".join(str(d) for d in rng.integers(0, 10, 12))
    draw.text((w * 0.06, h * 0.86), digits, fill=ink, font=_font(int(w * 0.035)))
    alpha = Image.new("L", (w, h), 0)
    ImageDraw.Draw(alpha).rounded_rectangle((0, 0, w - 1, h - 1), radius=max(2, int(w * 0.037)), fill=255)
    card.putalpha(alpha)
    return card


def _small_field(shape: tuple[int, int], rng: np.random.Generator, cells: int) -> FloatImage:
    """Smooth noise in about [-1, 1] on a coarse (about 1/8 scale) grid."""
    h, w = shape
    gw = max(2, cells)
    gh = max(2, round(cells * h / w))
    grid = Image.fromarray(rng.uniform(-1, 1, (gh, gw)).astype(np.float32), mode="F")
    return np.asarray(grid.resize((w, h), Image.Resampling.BICUBIC), dtype=np.float32)


def _rgb(arr: npt.NDArray[np.floating], size: tuple[int, int] | None = None) -> Image.Image:
    img = Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB")
    return img if size is None or img.size == size else img.resize(size, Image.Resampling.BILINEAR)


def _tiled(tile: Image.Image, size: tuple[int, int]) -> Image.Image:
    out = Image.new(tile.mode, size)
    tw, th = tile.size
    for y in range(0, size[1], th):
        for x in range(0, size[0], tw):
            out.paste(tile, (x, y))
    return out


def render_background(kind: str, size: tuple[int, int], rng: np.random.Generator) -> Image.Image:
    """A table-top: wood, plain table, light table, dark cloth or gingham (drawn coarse, then upscaled)."""
    w, h = size
    sw, sh = max(8, w // 8), max(8, h // 8)
    if kind == "wood":
        yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
        theta = rng.uniform(0, math.pi)
        u = xx * math.cos(theta) + yy * math.sin(theta)
        warp = _small_field((sh, sw), rng, 6) * rng.uniform(4, 10)
        grain = np.sin(u * rng.uniform(0.15, 0.5) + warp) * 0.5 + 0.5
        base = np.array([rng.uniform(110, 175), rng.uniform(70, 115), rng.uniform(35, 70)], dtype=np.float32)
        return _rgb((0.75 + 0.3 * grain)[..., None] * base, size)
    if kind in ("table", "light_table", "dark_cloth"):
        if kind == "table":
            base = rng.uniform(30, 170, 3)
        elif kind == "light_table":
            base = rng.uniform(150, 185) + rng.uniform(-8, 8, 3)
        else:
            base = rng.uniform(15, 55, 3)
        depth = 0.25 if kind == "dark_cloth" else 0.06
        lum = 1.0 + depth * _small_field((sh, sw), rng, 5)
        img = _rgb(lum[..., None] * base.astype(np.float32), size)
        if kind == "dark_cloth":  # a woven texture
            p = int(rng.integers(3, 8))
            t = np.arange(p, dtype=np.float32)
            weave = 200 + 40 * np.outer(np.sin(2 * math.pi * t / p), np.sin(2 * math.pi * t / p))
            tile = Image.fromarray(np.tile(weave, (512 // p + 1, 512 // p + 1)).astype(np.uint8), "L")
            img = ImageChops.multiply(img, _tiled(tile, size).convert("RGB")).point(lambda v: min(255, v * 1.25))
        return img
    if kind == "gingham":
        half = max(2, int(rng.uniform(0.02, 0.06) * max(w, h)))
        x = (np.arange(w) // half) % 2
        y = (np.arange(h) // half) % 2
        level = (x[None, :] + y[:, None]).astype(np.uint8)
        # a card on a pattern as light as itself cannot be told apart: the light squares stay below it
        c0 = rng.uniform(110, 175, 3)
        c1 = rng.uniform(25, 100, 3)
        palette = [int(v) for c in (c0, (c0 + c1) / 2, c1) for v in c]
        img = Image.fromarray(level, "P")
        img.putpalette(palette)
        return img.convert("RGB")
    raise ValueError(f"unknown background {kind!r}")


def _draw_objects(
    img: Image.Image, count: int, rng: np.random.Generator, keep_out: tuple[float, float, float, float] | None
) -> None:
    """Distractors on the table (coins, pens, sticky notes, receipts), clear of the card's box `keep_out`."""
    draw = ImageDraw.Draw(img)
    w, h = img.size
    s = min(w, h)
    for _ in range(count):
        for _try in range(20):
            kind = int(rng.integers(0, 4))
            colour = tuple(int(c) for c in rng.integers(40, 250, 3))
            cx, cy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h
            if kind == 0:  # coin or mug
                r = s * rng.uniform(0.04, 0.2)
                box = (cx - r, cy - r, cx + r, cy + r)
            elif kind == 1:  # pen
                length, angle = s * rng.uniform(0.3, 0.6), rng.uniform(0, math.pi)
                dx, dy = math.cos(angle) * length / 2, math.sin(angle) * length / 2
                box = (cx - abs(dx), cy - abs(dy), cx + abs(dx), cy + abs(dy))
            elif kind == 2:  # square sticky note
                a = s * rng.uniform(0.1, 0.22)
                box = (cx - a, cy - a, cx + a, cy + a)
            else:  # long receipt strip
                a = s * rng.uniform(0.05, 0.08)
                box = (cx - a, cy - 4 * a, cx + a, cy + 4 * a)
            if keep_out is not None and not (
                box[2] < keep_out[0] or box[0] > keep_out[2] or box[3] < keep_out[1] or box[1] > keep_out[3]
            ):
                continue
            if kind == 0:
                draw.ellipse(box, fill=colour)
            elif kind == 1:
                draw.line((cx - dx, cy - dy, cx + dx, cy + dy), fill=colour, width=max(2, int(s * 0.015)))
            else:
                draw.rectangle(box, fill=colour)
            break


def _blur(img: Image.Image, sigma: float) -> Image.Image:
    """Gaussian blur; a wide one is done at a reduced scale (same look, far cheaper)."""
    k = max(1, int(sigma / 2))
    if k == 1:
        return img.filter(ImageFilter.GaussianBlur(sigma))
    small = img.reduce(k).filter(ImageFilter.GaussianBlur(sigma / k))
    return small.resize(img.size, Image.Resampling.BILINEAR)


def render_scene(scene: Scene, rng: np.random.Generator) -> Image.Image:
    """The photo of `scene`, as an RGB image (before JPEG encoding)."""
    w, h = scene.size
    img = render_background(scene.background, scene.size, rng)
    if scene.objects:
        keep_out = None
        if scene.with_card:
            bw, bh = _card_box(scene.card_long_px, scene.angle)
            m = 0.03 * max(w, h)
            cx, cy = scene.centre[0] * w, scene.centre[1] * h
            keep_out = (cx - bw / 2 - m, cy - bh / 2 - m, cx + bw / 2 + m, cy + bh / 2 + m)
        _draw_objects(img, scene.objects, rng, keep_out)
    card_mask: Image.Image | None = None
    if scene.with_card:
        card = _shade(render_card(scene.card_long_px, rng), rng)
        if scene.softness > 0.3:  # the lens is never perfect: a slight blur on the card
            card = card.filter(ImageFilter.GaussianBlur(scene.softness))
        if scene.angle:
            card = card.rotate(scene.angle, resample=Image.Resampling.BILINEAR, expand=True)
        cw, ch = card.size
        x0 = round(scene.centre[0] * w - cw / 2)
        y0 = round(scene.centre[1] * h - ch / 2)
        alpha = card.getchannel("A")
        shadow = _blur(alpha, max(1.0, scene.card_long_px * 0.012)).point(lambda v: int(v * 0.45))
        off = max(1, scene.card_long_px // 120)
        img.paste((0, 0, 0), (x0 + off, y0 + off), shadow)
        img.paste(card, (x0, y0), alpha)
        card_mask = Image.new("L", scene.size, 0)
        card_mask.paste(alpha, (x0, y0))
    # lighting: a global gain and offset (the card also gets an uneven shade, drawn before it is pasted)
    gain, offset = scene.gain, scene.offset
    img = img.point([min(255, max(0, round(v * gain + offset))) for v in range(256)] * 3)
    if scene.glare and card_mask is not None:
        _add_glare(img, scene, card_mask)
    if scene.blur_sigma > 0.3:
        img = _blur(img, scene.blur_sigma)
    if scene.noise_sigma > 0:
        tile = rng.normal(128, scene.noise_sigma, (384, 384, 3))
        noise = _tiled(Image.fromarray(np.clip(tile, 0, 255).astype(np.uint8), "RGB"), scene.size)
        img = ImageChops.add(img, noise, scale=1.0, offset=-128)
    return img


def _shade(card: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Uneven light across the card: a smooth field in [0.84, 1]."""
    w, h = card.size
    field = 0.92 + 0.08 * _small_field((max(4, h // 16), max(4, w // 16)), rng, 3)
    shade = Image.fromarray(np.clip(field * 255, 0, 255).astype(np.uint8), "L").resize(card.size)
    rgb = ImageChops.multiply(card.convert("RGB"), shade.convert("RGB"))
    rgb.putalpha(card.getchannel("A"))
    return rgb


def _add_glare(img: Image.Image, scene: Scene, card_mask: Image.Image) -> None:
    """Specular highlights on the (glossy) card only: gaussian blobs that saturate in their core (in place)."""
    w, h = img.size
    long_px = scene.card_long_px
    short_px = long_px / CARD_ASPECT
    a = math.radians(scene.angle)
    cx = scene.centre[0] * w
    cy = scene.centre[1] * h
    for u, v, radius, peak in scene.glare:
        # (u, v) in [-0.5, 0.5] on the unrotated card, turned with it (PIL rotates counter-clockwise, y down)
        dx, dy = u * long_px, v * short_px
        gx = cx + dx * math.cos(a) + dy * math.sin(a)
        gy = cy - dx * math.sin(a) + dy * math.cos(a)
        r = radius * long_px
        box = (
            max(0, int(gx - 3 * r)),
            max(0, int(gy - 3 * r)),
            min(w, int(gx + 3 * r) + 1),
            min(h, int(gy + 3 * r) + 1),
        )
        if box[0] >= box[2] or box[1] >= box[3]:
            continue
        yy, xx = np.mgrid[box[1] : box[3], box[0] : box[2]].astype(np.float32)
        blob = peak * 255.0 * np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * r * r))
        blob *= np.asarray(card_mask.crop(box), dtype=np.float32) / 255.0
        patch = np.asarray(img.crop(box), dtype=np.float32) + blob[..., None]
        img.paste(_rgb(patch), box[:2])


def encode_jpeg(img: Image.Image, quality: int = 90, **options: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, **options)
    return buf.getvalue()


def photo(scene: Scene, seed: int) -> bytes:
    """The JPEG bytes of `scene`, drawn with `seed`."""
    rng = np.random.default_rng(seed)
    return encode_jpeg(render_scene(scene, rng), scene.quality)


# ---------------------------------------------------------------- scenes per class


def _card_box(long_px: float, angle: float) -> tuple[float, float]:
    """Width and height of the bounding box of a card `long_px` across, turned by `angle` degrees."""
    a = math.radians(angle)
    return (
        long_px * (abs(math.cos(a)) + abs(math.sin(a)) / CARD_ASPECT),
        long_px * (abs(math.sin(a)) + abs(math.cos(a)) / CARD_ASPECT),
    )


def _fit_card(size: tuple[int, int], angle: float, share: float) -> int:
    """Card long side (px) so that its rotated bounding box spans `share` of the frame in the tight direction."""
    w, h = size
    a = math.radians(angle)
    bw = abs(math.cos(a)) + abs(math.sin(a)) / CARD_ASPECT
    bh = abs(math.sin(a)) + abs(math.cos(a)) / CARD_ASPECT
    return int(min(w * share / bw, h * share / bh))


def _inside_centre(size: tuple[int, int], long_px: int, angle: float, rng: np.random.Generator) -> tuple[float, float]:
    """A centre that keeps the whole (rotated) card inside the frame with a small margin."""
    w, h = size
    a = math.radians(angle)
    bw = long_px * (abs(math.cos(a)) + abs(math.sin(a)) / CARD_ASPECT)
    bh = long_px * (abs(math.sin(a)) + abs(math.cos(a)) / CARD_ASPECT)
    mx = max(0.0, (w - bw) / 2 - 0.03 * w)
    my = max(0.0, (h - bh) / 2 - 0.03 * h)
    return ((w / 2 + rng.uniform(-mx, mx)) / w, (h / 2 + rng.uniform(-my, my)) / h)


def _room_for(size: tuple[int, int], angle: float, long_px: int, share: float = 0.9) -> tuple[int, int]:
    """`size`, enlarged (same shape) if needed so that a card `long_px` across at `angle` fits in `share` of it."""
    fit = _fit_card(size, angle, share)
    if fit >= long_px:
        return size
    k = long_px / fit
    return (math.ceil(size[0] * k), math.ceil(size[1] * k))


def _base(rng: np.random.Generator, size: tuple[int, int] | None = None) -> Scene:
    if size is None:
        size = GOOD_SIZES[int(rng.integers(0, len(GOOD_SIZES)))]
    upright = rng.random() < 0.25
    angle = rng.uniform(-12, 12) + (90.0 if upright else 0.0)
    if rng.random() < 0.2:
        angle = 90.0 if upright else 0.0
    size = _room_for(size, angle, MIN_GOOD_CARD_PX)
    lo = min(0.9, max(0.5, MIN_GOOD_CARD_PX / _fit_card(size, angle, 1.0)))
    long_px = max(MIN_GOOD_CARD_PX, _fit_card(size, angle, rng.uniform(lo, 0.92)))
    return Scene(
        size=size,
        background=BACKGROUNDS[int(rng.integers(0, len(BACKGROUNDS)))],
        card_long_px=long_px,
        angle=angle,
        centre=_inside_centre(size, long_px, angle, rng),
        gain=rng.uniform(0.72, 1.0),
        noise_sigma=rng.uniform(1.5, 4.0),
        objects=int(rng.integers(0, 2)),
        softness=rng.uniform(0.0, 1.2),
        quality=int(rng.integers(78, 96)),
    )


def scene_for(label: str, rng: np.random.Generator) -> Scene:
    """A random scene of class `label` (one of CLASSES)."""
    s = _base(rng)
    if label == "good":
        return s
    if label == "blurry":
        return _replace(s, blur_sigma=s.card_long_px * rng.uniform(0.007, 0.016))
    if label == "too_dark":
        return _replace(s, gain=rng.uniform(0.1, 0.26), noise_sigma=rng.uniform(2, 5))
    if label == "too_bright":
        return _replace(s, gain=rng.uniform(1.5, 2.3), offset=rng.uniform(20, 60))
    if label == "glare":
        blobs = tuple(
            (rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3), rng.uniform(0.04, 0.1), rng.uniform(1.0, 2.2))
            for _ in range(int(rng.integers(1, 3)))
        )
        return _replace(s, glare=blobs)
    if label == "tilted":
        angle = rng.uniform(32, 45) * (1 if rng.random() < 0.5 else -1) + (90.0 if rng.random() < 0.25 else 0.0)
        size = _room_for(s.size, angle, MIN_GOOD_CARD_PX)
        long_px = max(MIN_GOOD_CARD_PX, _fit_card(size, angle, rng.uniform(0.6, 0.9)))
        centre = _inside_centre(size, long_px, angle, rng)
        return _replace(s, size=size, angle=angle, card_long_px=long_px, centre=centre)
    if label == "card_cut_off":
        return _cut_off(s, rng)
    if label == "low_resolution":
        size = LOW_RES_SIZES[int(rng.integers(0, len(LOW_RES_SIZES)))]
        long_px = _fit_card(size, s.angle, rng.uniform(0.6, 0.9))
        return _replace(
            s,
            size=size,
            card_long_px=long_px,
            centre=_inside_centre(size, long_px, s.angle, rng),
        )
    if label == "card_too_small":
        w, h = s.size
        share = rng.uniform(0.02, 0.055)
        long_px = int(math.sqrt(share * w * h * CARD_ASPECT))
        return _replace(s, card_long_px=long_px, centre=_inside_centre(s.size, long_px, s.angle, rng))
    if label == "no_card":
        # a camera's auto exposure lifts a dark, empty scene (dark cloth) towards mid-gray
        gain = s.gain * (2.2 if s.background == "dark_cloth" else 1.0)
        return _replace(s, with_card=False, objects=int(rng.integers(0, 5)), gain=gain)
    raise ValueError(f"unknown class {label!r}")


def _cut_off(s: Scene, rng: np.random.Generator) -> Scene:
    """The card crosses one or two frame edges, with 15-40 % of it outside."""
    w, h = s.size
    long_px = _fit_card(s.size, s.angle, rng.uniform(0.55, 0.85))
    a = math.radians(s.angle)
    bw = long_px * (abs(math.cos(a)) + abs(math.sin(a)) / CARD_ASPECT)
    bh = long_px * (abs(math.sin(a)) + abs(math.cos(a)) / CARD_ASPECT)
    cx, cy = _inside_centre(s.size, long_px, s.angle, rng)
    edges = rng.choice(4, size=int(rng.integers(1, 3)), replace=False)
    for edge in edges:
        out = rng.uniform(0.15, 0.4)
        if edge == 0:
            cx = (bw / 2 - out * bw) / w
        elif edge == 1:
            cx = (w - bw / 2 + out * bw) / w
        elif edge == 2:
            cy = (bh / 2 - out * bh) / h
        else:
            cy = (h - bh / 2 + out * bh) / h
    return _replace(s, card_long_px=long_px, centre=(cx, cy))


def _replace(s: Scene, **changes: object) -> Scene:
    from dataclasses import replace

    return replace(s, **changes)  # type: ignore[arg-type]


def _sample(seed: int, label: str, i: int) -> Sample:
    sub = zlib.crc32(f"{seed}:{label}:{i}".encode())
    scene = scene_for(label, np.random.default_rng(sub))
    return Sample(f"{label}-{i:02d}", label, photo(scene, sub))


def _sample_args(args: tuple[int, str, int]) -> Sample:
    return _sample(*args)


@lru_cache(maxsize=8)
def labelled_set(seed: int, per_class: int = 10, good: int = 20, workers: int = 1) -> tuple[Sample, ...]:
    """`good` good photos and `per_class` photos of each bad class, deterministic for `seed` (each photo
    has its own sub-seed, so the set is the same whatever `workers` draw it)."""
    jobs = [(seed, label, i) for label in CLASSES for i in range(good if label == "good" else per_class)]
    if workers <= 1:
        return tuple(_sample(*job) for job in jobs)
    # spawn, not fork: the test process may hold threads (Temporal's runtime) that fork would copy badly
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return tuple(pool.map(_sample_args, jobs, chunksize=4))


def cached_set(cache_dir: Path | None, seed: int, per_class: int = 10, good: int = 20) -> tuple[Sample, ...]:
    """`labelled_set`, kept in `cache_dir` (pytest's cache) under a key that includes this file's source,
    so a change to the generator draws the set anew."""
    if cache_dir is None:
        return labelled_set(seed, per_class, good, workers=2)
    key = hashlib.sha256(Path(__file__).read_bytes() + f"{seed}:{per_class}:{good}".encode()).hexdigest()[:16]
    path = cache_dir / f"set-{seed}-{key}.pickle"
    if path.exists():
        try:
            cached = pickle.loads(path.read_bytes())
            if isinstance(cached, tuple) and all(isinstance(x, Sample) for x in cached):
                return cached
        except Exception:  # a broken cache file is simply drawn again
            pass
    samples = labelled_set(seed, per_class, good, workers=2)
    for old in cache_dir.glob(f"set-{seed}-*.pickle"):
        old.unlink(missing_ok=True)
    path.write_bytes(pickle.dumps(samples))
    return samples


def big_photos(seed: int = 7, count: int = 5) -> list[bytes]:
    """12-megapixel (4000 x 3000) JPEGs of good cards on varied backgrounds, for the benchmark."""
    out = []
    for i in range(count):
        rng = np.random.default_rng(zlib.crc32(f"big:{seed}:{i}".encode()))
        s = _base(rng, size=(4000, 3000))
        s = _replace(s, background=BACKGROUNDS[i % len(BACKGROUNDS)], quality=92)
        out.append(photo(s, seed * 100 + i))
    return out


# ---------------------------------------------------------------- evaluation table


def main_reason(report: object) -> str:
    reasons = getattr(report, "reasons", ())
    return str(reasons[0]) if reasons else "accepted"


def confusion(samples: Sequence[Sample], check: Callable[[bytes], object]) -> dict[str, Counter[str]]:
    """class -> Counter of main reasons ("accepted" when accepted)."""
    table: dict[str, Counter[str]] = {label: Counter() for label in CLASSES}
    for sample in samples:
        table[sample.label][main_reason(check(sample.data))] += 1
    return table


def correct_share(table: dict[str, Counter[str]], label: str) -> float:
    row = table[label]
    want = "accepted" if label == "good" else label
    total = sum(row.values())
    return row[want] / total if total else 0.0


def format_table(table: dict[str, Counter[str]]) -> str:
    """Rows: generated class; columns: main reason given; last column: share judged right."""
    columns = ["accepted", *[c for c in CLASSES if c != "good"]]
    extra = sorted({k for row in table.values() for k in row} - set(columns))
    columns += extra
    short = {c: c.replace("card_", "c_").replace("low_resolution", "low_res") for c in columns}
    head = f"{'class':<15}" + "".join(f"{short[c]:>10}" for c in columns) + f"{'right':>8}"
    lines = [head]
    for label, row in table.items():
        cells = "".join(f"{row.get(c, 0) or '.':>10}" for c in columns)
        lines.append(f"{label:<15}{cells}{correct_share(table, label):>8.0%}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", action="store_true", help="print the confusion table of the check")
    parser.add_argument(
        "--seed", type=lambda v: [int(x) for x in v.split(",")], default=[1], help="a seed, or seeds pooled: 2,7,8"
    )
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--good", type=int, default=20)
    args = parser.parse_args(argv)
    if not args.table:
        parser.print_help()
        return 0
    from domain.id_photo import check_id_photo

    samples = [s for seed in args.seed for s in labelled_set(seed, args.per_class, args.good, workers=2)]
    sys.stdout.write(format_table(confusion(samples, check_id_photo)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


# ---------------------------------------------------------------- bad files


@dataclass(frozen=True)
class BadFile:
    """A hostile or broken upload. `expect` holds the acceptable main reasons; "accepted" for a file that
    is a legitimate good photo in an unusual form (progressive, EXIF-rotated, CMYK, ...)."""

    name: str
    data: bytes
    expect: frozenset[str]


def good_card_image(seed: int = 11, size: tuple[int, int] = (1280, 960)) -> Image.Image:
    """A plainly good photo (card flat, well lit, on a dark table), as an RGB image."""
    scene = Scene(size=size, background="table", card_long_px=int(size[0] * 0.7), gain=0.95, noise_sigma=2.0)
    rng = np.random.default_rng(seed)
    scene = _replace(scene, centre=(0.5, 0.5))
    return render_scene(scene, rng)


def _save(img: Image.Image, fmt: str, **options: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    return buf.getvalue()


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return len(payload).to_bytes(4, "big") + kind + payload + zlib.crc32(kind + payload).to_bytes(4, "big")


def png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG that declares `width` x `height` gray pixels (its data: a few compressed zero rows)."""
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    rows = zlib.compress(b"\x00" * (width + 1) * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", rows) + _png_chunk(b"IEND", b"")


def _zip_bytes() -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("payload.js", "alert(document.cookie)")
    return buf.getvalue()


def bad_files() -> list[BadFile]:
    """At least 40 broken, hostile or unusual files, deterministic."""
    good = good_card_image()
    good_jpeg = encode_jpeg(good, 90)
    small = good.resize((64, 48))
    out: list[BadFile] = []

    def add(name: str, data: bytes, *expect: str) -> None:
        out.append(BadFile(name, data, frozenset(expect)))

    unreadable, unsupported, too_large = "unreadable", "unsupported_format", "too_large"
    add("empty.jpg", b"", unreadable)
    for cut in (2, 100, 600, len(good_jpeg) // 3, len(good_jpeg) // 2, len(good_jpeg) - 200):
        add(f"truncated-{cut}.jpg", good_jpeg[:cut], unreadable)
    add("text.jpg", b"This is not a photo, just some text.\n" * 20, unreadable)
    add("page.jpg", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", unreadable)
    add(
        "image.svg",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        unsupported,
    )
    add("bare.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5"/></svg>', unsupported)
    add("doc.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n", unsupported)
    add("bomb-30000.png", png_bomb(30000, 30000), too_large)
    add("bomb-9000.png", png_bomb(9000, 9000), too_large)
    add("huge-20000.png", png_bomb(20000, 20000), too_large)
    frames = [small.convert("P"), small.rotate(90).convert("P")]
    add("animated.gif", _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100), unsupported)
    add("still.gif", _save(small.convert("P"), "GIF"), unsupported)
    add("animated.png", _save(small, "PNG", save_all=True, append_images=[small.rotate(180)]), unsupported)
    add("animated.webp", _save(small, "WEBP", save_all=True, append_images=[small.rotate(180)]), unsupported)
    add("image.bmp", _save(good, "BMP"), unsupported)
    add("image.tiff", _save(good, "TIFF"), unsupported)
    add("image.ico", _save(small, "ICO"), unsupported)
    add("image.avif", _save(small, "AVIF"), unsupported)
    add("fake.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64, unsupported)
    add("random.jpg", np.random.default_rng(5).integers(0, 256, 4096, dtype=np.uint8).tobytes(), unreadable)
    add("random-jpeg-header.jpg", b"\xff\xd8\xff\xe0" + np.random.default_rng(6).bytes(4096), unreadable)
    add("over-max-bytes.jpg", good_jpeg + b"\x00" * (10 * 1024 * 1024), too_large)
    png = _save(good.resize((320, 240)), "PNG")
    bad_crc = bytearray(png)
    bad_crc[29] ^= 0xFF  # inside the IHDR CRC
    add("bad-crc.png", bytes(bad_crc), unreadable)
    idat = png.find(b"IDAT")
    broken = bytearray(png)
    broken[idat + 20 : idat + 60] = b"\x00" * 40
    add("broken-idat.png", bytes(broken), unreadable, "low_resolution")
    exif = Image.Exif()
    exif[0x010F] = "A" * 100
    garbage = bytearray(encode_jpeg(good, 90, exif=exif.tobytes()))
    at = garbage.find(b"Exif\x00\x00") + 6
    garbage[at : at + 40] = b"\xff\x00" * 20
    add("garbage-exif.jpg", bytes(garbage), "accepted")
    add("one-pixel.jpg", encode_jpeg(Image.new("RGB", (1, 1), (200, 200, 200))), "low_resolution")
    add("one-pixel.png", _save(Image.new("L", (1, 1), 0), "PNG"), "low_resolution")
    add("tiny-polyglot.jpg", encode_jpeg(small) + _zip_bytes(), "low_resolution")
    add("html-before-jpeg.jpg", b"<html><script>alert(1)</script></html>" + good_jpeg, unreadable)
    add("gif-js-polyglot.gif", b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;alert(1);" + b"\x00" * 16, unsupported)
    add("good-with-zip.jpg", good_jpeg + _zip_bytes(), "accepted")
    add("progressive.jpg", encode_jpeg(good, 90, progressive=True), "accepted")
    add("cmyk.jpg", encode_jpeg(good.convert("CMYK"), 92), "accepted")
    gray16 = Image.fromarray(np.asarray(good.convert("L"), dtype=np.uint16) * 257)
    add("gray16.png", _save(gray16, "PNG"), "accepted")
    add("palette.png", _save(good.convert("P", palette=Image.Palette.ADAPTIVE, colors=256), "PNG"), "accepted")
    add("rgba.png", _save(good.convert("RGBA"), "PNG"), "accepted")
    add("la.png", _save(good.convert("LA"), "PNG"), "accepted")
    add("good.webp", _save(good, "WEBP", quality=90), "accepted")
    add("exif-rotated-6.jpg", exif_rotated_jpeg(good, 6), "accepted")
    add("exif-rotated-8.jpg", exif_rotated_jpeg(good, 8), "accepted")
    add("exif-rotated-3.jpg", exif_rotated_jpeg(good, 3), "accepted")
    add("black.jpg", encode_jpeg(Image.new("RGB", (1280, 960), (3, 3, 3))), "too_dark")
    add("white.jpg", encode_jpeg(Image.new("RGB", (1280, 960), (255, 255, 255))), "too_bright")
    add("gray.png", _save(Image.new("L", (1280, 960), 128), "PNG"), "no_card")
    add("wide-strip.jpg", encode_jpeg(Image.new("RGB", (4000, 8), (90, 90, 90))), "low_resolution")
    return out


def exif_rotated_jpeg(upright: Image.Image, orientation: int) -> bytes:
    """A JPEG whose pixels are stored turned, with the EXIF orientation that turns them back to `upright`."""
    undo = {
        3: Image.Transpose.ROTATE_180,
        6: Image.Transpose.ROTATE_90,
        8: Image.Transpose.ROTATE_270,
    }[orientation]
    stored = upright.transpose(undo)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode_jpeg(stored, 90, exif=exif.tobytes())
