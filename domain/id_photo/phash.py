"""DCT perceptual hash of a photo, and the distance between two hashes."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image


def _dct_matrix(n: int) -> npt.NDArray[np.float64]:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    return np.cos(np.pi * (2 * i + 1) * k / (2 * n))


_DCT32 = _dct_matrix(32)


def phash_of(gray: Image.Image) -> str:
    """DCT perceptual hash: 32x32 gray, top-left 8x8 of its DCT, bits above the median; 16 hex chars."""
    small = np.asarray(gray.convert("L").resize((32, 32), Image.Resampling.LANCZOS), dtype=np.float64)
    low = (_DCT32 @ small @ _DCT32.T)[:8, :8]
    bits = (low > np.median(low)).ravel()
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def phash_distance(a: str, b: str) -> int:
    """Hamming distance between two hashes from `phash_of`: 0-6 the same picture, over 12 a different one."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
