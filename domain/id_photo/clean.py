"""The copy of a photo that is stored: re-encoded from the decoded pixels, so no metadata survives."""

from __future__ import annotations

from io import BytesIO

from PIL import Image

from domain.id_photo.decode import _TRANSPOSE, _jpeg_scale, _open, _orientation, _refuse_over_budget, _Refused, _resized
from domain.id_photo.report import IdPhotoLimits


def clean_copy(data: bytes, limits: IdPhotoLimits = IdPhotoLimits(), max_side: int = 2400) -> bytes:
    """A JPEG (quality 90) with EXIF orientation applied, every metadata block dropped (EXIF, GPS, ICC,
    XMP, comments; colours converted to sRGB first), transparency on white, long side at most
    `max_side` (less for a JPEG decoded at a smaller DCT scale than that needs, to stay within the budget).

    Raises ValueError for bytes `check_id_photo` would call unreadable, unsupported or too large.
    """
    try:
        im = _open(data, limits)
        icc = im.info.get("icc_profile")
        full = im.size
        if im.format == "JPEG":
            scale = _jpeg_scale(im, data, max_side, limits)
            if scale > 1:
                im.draft("RGB", (max(1, full[0] // scale), max(1, full[1] // scale)))
        _refuse_over_budget(im, data, full, limits)
        try:
            im.load()
            orientation = _orientation(im)
            w, h = im.size
            k = min(1.0, max_side / max(w, h))
            rgb = _resized(im, (max(1, round(w * k)), max(1, round(h * k))), "RGB")
        finally:
            im.close()  # the decoded pixels: only the resized copy is needed from here
    except _Refused as r:
        raise ValueError(f"not a usable image: {r.reason.value}") from r
    except Exception as e:
        raise ValueError("not a usable image: unreadable") from e
    if isinstance(icc, bytes) and icc:
        rgb = _to_srgb(rgb, icc)
    if orientation in _TRANSPOSE:
        rgb = rgb.transpose(_TRANSPOSE[orientation])
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    out = BytesIO()
    clean.save(out, "JPEG", quality=90, optimize=True)
    return out.getvalue()


def _to_srgb(im: Image.Image, icc: bytes) -> Image.Image:
    """Convert from an embedded colour profile to sRGB (so dropping the profile keeps the colours)."""
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(BytesIO(icc))
        if source.profile.xcolor_space.strip() != "RGB":
            return im
        converted = ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        return converted if converted is not None else im
    except Exception:  # a broken profile: keep the pixels as they are
        return im
