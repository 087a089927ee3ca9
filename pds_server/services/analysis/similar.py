"""What near-duplicate photos are found by, and which of them to keep: a 64-bit DCT
perceptual hash (imagehash.phash: re-encoding and resizing barely change it) and the
sharpness of the photo (variance of its Laplacian: blurred shots score low)."""

from __future__ import annotations

import imagehash
import numpy
from PIL import Image

SHARPNESS_SIDE = 512  # the photo is measured at this long side, so sizes compare fairly
BITS = 64


def to_signed(value: int) -> int:
    """An unsigned 64-bit value as the signed one a BigIntegerField stores."""
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


def perceptual_hash(image: Image.Image) -> int:
    bits = imagehash.phash(image, hash_size=8).hash.flatten()
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return to_signed(value)


def hamming(a: int, b: int) -> int:
    """Bits that differ between two hashes (signed or not)."""
    return ((a ^ b) & ((1 << BITS) - 1)).bit_count()


def sharpness(image: Image.Image) -> float:
    """Variance of the 4-neighbour Laplacian of the grayscale photo scaled to 512 px."""
    gray = image.convert("L")
    scale = SHARPNESS_SIDE / max(gray.size)
    if scale < 1:
        gray = gray.resize((max(1, round(gray.width * scale)), max(1, round(gray.height * scale))))
    pixels = numpy.asarray(gray, dtype=numpy.float32)
    if min(pixels.shape) < 3:
        return 0.0
    laplacian = pixels[:-2, 1:-1] + pixels[2:, 1:-1] + pixels[1:-1, :-2] + pixels[1:-1, 2:] - 4 * pixels[1:-1, 1:-1]
    return float(laplacian.var())
