"""The outcome of the ID-photo check and what decides it: the reasons a photo is refused (stable codes),
the thresholds (`IdPhotoLimits`) and the report (`IdPhotoReport`, with its JSON form).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

ID1_ASPECT = 85.60 / 53.98


class Reason(StrEnum):
    """Why a photo is refused; the values are stable codes (stored, and keys of the messages)."""

    UNREADABLE = "unreadable"
    UNSUPPORTED_FORMAT = "unsupported_format"
    TOO_LARGE = "too_large"
    LOW_RESOLUTION = "low_resolution"
    BLURRY = "blurry"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    GLARE = "glare"
    NO_CARD = "no_card"
    CARD_CUT_OFF = "card_cut_off"
    TILTED = "tilted"
    CARD_TOO_SMALL = "card_too_small"


@dataclass(frozen=True)
class IdPhotoLimits:
    """Thresholds of the check. Brightness values are 0-255 gray levels of the card's inner part."""

    max_bytes: int = 10 * 1024 * 1024  # LINE delivers images of at most about 10 MB
    max_pixels: int = 50_000_000  # a 48-megapixel phone photo passes; a decompression bomb does not
    # What decoding may allocate (see _refuse_over_budget): a check then peaks at about this plus 40 MB, and
    # a worker runs two at once. That is 16.7 megapixels of RGB, RGBA or LA, 33 of 16-bit grey, and 8-bit
    # grey or palette images up to max_pixels; a JPEG counts at its draft scale.
    max_decoded_bytes: int = 64 * 1024 * 1024
    min_card_width_px: int = 600  # across the card's long side, in the original: about 7 px per mm
    min_card_fill: float = 0.10  # card area / image area; below it the card is too small in the frame
    max_tilt_deg: float = 25.0  # from the nearest axis (a card upright, at 90 degrees, is fine)
    card_aspect_range: tuple[float, float] = (1.45, 1.75)  # ID-1 is 1.586
    min_rectangularity: float = 0.85  # convex hull area / minimum-area rectangle (holes and dents forgiven,
    min_solidity: float = 0.75  # up to this share of the hull filled)
    min_edge_contrast: float = 3.0  # gray levels across each side of the card, at least,
    min_edge_share: float = 0.06  # and this share of the image's spread (2nd to 98th percentile)
    min_content: float = 0.05  # gray-level deviation inside the card, as a share of the image's spread
    min_component_share: float = 0.008  # smallest component considered, as a share of the image
    min_cut_share: float = 0.06  # smallest part of a card, cut off by the frame, reported as such
    max_cut_aspect: float = 2.8  # a longer strip along the frame is not taken for part of a card
    min_sharpness: float = 0.20  # RMS Laplacian / contrast, card resampled to sharpness_card_px
    sharpness_card_px: int = 200
    dark_level: float = 75.0  # the card's 90th percentile (its light ground) below this: too dark
    bright_clipped_share: float = 0.65  # this share of the card clipped white: too bright (washed out)
    glare_level: int = 250  # a pixel at or above this is clipped
    max_glare_share: float = 0.015  # clipped blobs over this share of the card: glare
    scene_dark_level: float = 45.0  # without a card: the image's 99th percentile below this is too dark
    scene_bright_level: float = 245.0  # without a card: the image's median at or above this is too bright,
    scene_clipped_share: float = 0.15  # and so is this share of the image clipped white


@dataclass(frozen=True)
class IdPhotoReport:
    """The outcome of `check_id_photo`; `to_dict` / `from_dict` give a JSON-safe form."""

    accepted: bool
    reasons: tuple[Reason, ...]
    scores: dict[str, float] = field(default_factory=dict)
    format: str | None = None
    width: int = 0
    height: int = 0
    phash: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "accepted": self.accepted,
            "reasons": [r.value for r in self.reasons],
            "scores": dict(self.scores),
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "phash": self.phash,
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> IdPhotoReport:
        reasons = d.get("reasons", [])
        scores = d.get("scores", {})
        fmt = d.get("format")
        phash = d.get("phash")
        width = d.get("width", 0)
        height = d.get("height", 0)
        if not isinstance(reasons, list | tuple) or not isinstance(scores, dict):
            raise ValueError("reasons must be a list and scores an object")
        if not isinstance(width, int) or not isinstance(height, int):
            raise ValueError("width and height must be integers")
        return cls(
            accepted=bool(d.get("accepted", False)),
            reasons=tuple(Reason(str(r)) for r in reasons),
            scores={str(k): float(v) for k, v in scores.items()},
            format=None if fmt is None else str(fmt),
            width=width,
            height=height,
            phash=None if phash is None else str(phash),
        )
