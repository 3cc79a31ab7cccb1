"""The Japanese font certificates are set in: Noto Sans CJK JP Regular (SIL Open Font License 1.1).

It comes from the PyPI package ``noto-cjk-sans-jp-regular`` (a dependency in pyproject.toml: ``make venv`` or
``pip install noto-cjk-sans-jp-regular``), which holds nothing but the OTF file. ``CERT_FONT_PATH`` (an
environment variable) can point at another OpenType/TrueType font with Japanese glyphs instead, e.g.
Debian's ``fonts-noto-cjk`` (/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from PIL import ImageFont

__all__ = ["FONT_ENV", "FontMissing", "font", "font_path"]

FONT_ENV = "CERT_FONT_PATH"
_PACKAGE = "noto_cjk_sans_jp_regular"
_FILE = "NotoSansCJKjp-Regular.otf"
_INSTALL_HINT = (
    "certificates need a Japanese font: install the PyPI package noto-cjk-sans-jp-regular "
    "(`.venv/bin/pip install -c constraints.txt noto-cjk-sans-jp-regular` or `make venv`), "
    f"or set {FONT_ENV} to an OpenType/TrueType font with Japanese glyphs "
    "(e.g. `apt-get install fonts-noto-cjk` and "
    f"{FONT_ENV}=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc)"
)


class FontMissing(RuntimeError):
    """No Japanese font could be found; the message says how to install one."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(f"{_INSTALL_HINT}{f' ({detail})' if detail else ''}")


@lru_cache(maxsize=1)
def font_path() -> Path:
    """The font file: the CERT_FONT_PATH setting if set, else the one of the noto-cjk-sans-jp-regular package."""
    from config.settings import get_settings

    setting = get_settings().cert_font_path
    configured = str(setting) if setting else ""
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise FontMissing(f"{FONT_ENV}={configured} is not a file")
        return path
    try:
        path = Path(str(resources.files(_PACKAGE).joinpath(_FILE)))
    except ModuleNotFoundError:
        raise FontMissing("package noto-cjk-sans-jp-regular not installed") from None
    if not path.is_file():
        raise FontMissing(f"{path} is missing from the package")
    return path


@lru_cache(maxsize=64)
def font(size: int) -> ImageFont.FreeTypeFont:
    """The font at `size` pixels (cached). Basic layout: Japanese needs no shaping, and it is faster."""
    try:
        return ImageFont.truetype(str(font_path()), size, layout_engine=ImageFont.Layout.BASIC)
    except OSError as exc:
        raise FontMissing(f"cannot load {font_path()}: {exc}") from exc
