"""Images for the analysis tests: real photos that ship inside scikit-image (the astronaut
Eileen Collins, Chelsea the cat, a cup of coffee, a motorcycle) and documents the tests
render, each as the bytes of a file a user would upload."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont, ImageOps


def _skimage(name: str) -> Image.Image:
    """A picture of scikit-image's package data, read from the file the wheel ships."""
    from pathlib import Path

    import skimage

    folder = Path(skimage.__file__).parent / "data"
    path = folder / f"{name}.png"
    with Image.open(path if path.exists() else folder / f"{name}.jpg") as picture:
        return picture.convert("RGB")


def encoded(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def astronaut() -> Image.Image:
    return _skimage("astronaut")


def chelsea() -> Image.Image:
    return _skimage("chelsea")


def coffee() -> Image.Image:
    return _skimage("coffee")


def motorcycle() -> Image.Image:
    return _skimage("motorcycle_left")


def astronaut_copies() -> dict[str, bytes]:
    """The astronaut as uploaded, mirrored, and at 60 % re-encoded: one person."""
    picture = astronaut()
    small = picture.resize((picture.width * 3 // 5, picture.height * 3 // 5), Image.LANCZOS)
    return {
        "astronaut.png": encoded(picture, "PNG"),
        "astronaut-mirrored.jpg": encoded(ImageOps.mirror(picture), quality=90),
        "astronaut-small.jpg": encoded(small, quality=80),
    }


def font(size: int) -> ImageFont.ImageFont:
    for path in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def receipt(lines: tuple[str, ...] = ("ACME 2026", "Coffee beans 2 x 6.25", "TOTAL 12.50")) -> bytes:
    """A shop receipt as a phone would photograph it: black text on white paper."""
    page = Image.new("RGB", (900, 1200), "white")
    draw = ImageDraw.Draw(page)
    for row, line in enumerate(lines):
        draw.text((80, 120 + row * 110), line, fill="black", font=font(64))
    return encoded(page, quality=92)
