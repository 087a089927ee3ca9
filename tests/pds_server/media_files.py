"""Photos made by the tests: real JPEG/HEIC bytes with EXIF and GPS written by Pillow, and
the hostile files ingest must survive."""

from __future__ import annotations

import io
import os
import struct
import tempfile
import zlib
from fractions import Fraction

import av
import numpy
from PIL import Image


def photo(
    *,
    size: tuple[int, int] = (640, 480),
    taken: str | None = "2021:07:04 18:30:00",
    offset: str | None = "+08:00",
    gps: tuple[float, float] | None = None,
    make: str = "Canon",
    model: str = "EOS R5",
    orientation: int | None = None,
    color: tuple[int, int, int] = (200, 30, 30),
    split: tuple[int, int, int] | None = None,
    fmt: str = "JPEG",
) -> bytes:
    """A picture with EXIF: DateTimeOriginal (+ OffsetTimeOriginal), camera, exposure,
    GPS. With `split`, the right half of the stored pixels has that colour (to see
    orientation applied)."""
    image = Image.new("RGB", size, color)
    if split:
        image.paste(Image.new("RGB", (size[0] // 2, size[1]), split), (size[0] // 2, 0))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, model
    if orientation:
        exif[0x0112] = orientation
    detail = exif.get_ifd(0x8769)
    if taken:
        detail[0x9003] = taken
    if offset:
        detail[0x9011] = offset
    detail[0x829A] = (1, 125)
    detail[0x829D] = (28, 10)
    detail[0x8827] = 400
    detail[0x920A] = (35, 1)
    detail[0xA434] = "RF24-105mm F4 L IS USM"
    if gps:
        latitude, longitude = gps
        info = exif.get_ifd(0x8825)
        info[1], info[2] = ("N" if latitude >= 0 else "S"), _dms(abs(latitude))
        info[3], info[4] = ("E" if longitude >= 0 else "W"), _dms(abs(longitude))
    out = io.BytesIO()
    if fmt == "HEIF":
        from pillow_heif import register_heif_opener

        register_heif_opener()
        image.save(out, "HEIF", exif=exif)
    else:
        image.save(out, fmt, exif=exif, quality=90)
    return out.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return (float(degrees), float(minutes), seconds)


def truncated_jpeg() -> bytes:
    whole = photo(size=(800, 600))
    return whole[: len(whole) // 3]


def decompression_bomb_png(side: int = 30_000) -> bytes:
    """A small PNG whose header says side × side pixels (900 megapixels)."""
    raw = zlib.compress(b"\x00" * (side // 8 + 1), 9)  # one row; the header is what counts

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def gif_of_frames(count: int) -> bytes:
    """A GIF of `count` 2×2 frames: Pillow writes three, the last one's blocks repeat."""
    frames = [Image.new("RGB", (2, 2), (index * 60, 0, 0)) for index in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    data = out.getvalue()
    last = data.rindex(b"\x21\xf9\x04")  # the last frame's graphic control extension
    head, frame = data[:last], data[last:-1]
    return head + frame * (count - 2) + b"\x3b"


def dng(*, size: tuple[int, int] = (512, 384), taken: str = "2020:02:02 10:20:30") -> bytes:
    """A camera RAW file (DNG: a Bayer mosaic, 12 bits) written by PiDNG, with make, model
    and capture time."""
    from pidng.core import RAW2DNG, DNGTags, Tag
    from pidng.defs import CalibrationIlluminant, CFAPattern, DNGVersion, Orientation, PhotometricInterpretation

    width, height = size
    mosaic = (numpy.random.default_rng(7).random((height, width)) * 4095).astype(numpy.uint16)
    tags = DNGTags()
    for tag, value in (
        (Tag.ImageWidth, width),
        (Tag.ImageLength, height),
        (Tag.TileWidth, width),
        (Tag.TileLength, height),
        (Tag.Orientation, Orientation.Horizontal),
        (Tag.PhotometricInterpretation, PhotometricInterpretation.Color_Filter_Array),
        (Tag.SamplesPerPixel, 1),
        (Tag.BitsPerSample, 16),
        (Tag.CFARepeatPatternDim, [2, 2]),
        (Tag.CFAPattern, CFAPattern.BGGR),
        (Tag.WhiteLevel, 4095),
        (Tag.ColorMatrix1, [[1, 1], [0, 1], [0, 1], [0, 1], [1, 1], [0, 1], [0, 1], [0, 1], [1, 1]]),
        (Tag.CalibrationIlluminant1, CalibrationIlluminant.D65),
        (Tag.AsShotNeutral, [[1, 1], [1, 1], [1, 1]]),
        (Tag.Make, "Nikon"),
        (Tag.Model, "Z 6II"),
        (Tag.DateTimeOriginal, taken),
        (Tag.DNGVersion, DNGVersion.V1_4),
        (Tag.DNGBackwardVersion, DNGVersion.V1_2),
    ):
        tags.set(tag, value)
    with tempfile.TemporaryDirectory() as folder:
        writer = RAW2DNG()
        writer.options(tags, path="", compress=False)
        writer.convert(mosaic, filename=os.path.join(folder, "photo"))
        with open(os.path.join(folder, "photo.dng"), "rb") as handle:
            return handle.read()


RATE = 25  # frames per second of the videos made here


def video(
    codec: str = "libx264", *, fmt: str = "mp4", seconds: float = 2, size=(320, 240), tags=None, audio=True
) -> bytes:
    """A real video (PyAV): frame i has red = 10·i (so the poster's time shows), a green square,
    and a second of silence per second of AAC audio."""
    width, height = size
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"video.{fmt}")
        with av.open(path, "w", format=fmt) as out:
            out.metadata.update(tags or {})
            stream = out.add_stream(codec, rate=RATE)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            if codec == "libx265":
                stream.options = {"x265-params": "log-level=error"}
            sound = out.add_stream("aac", rate=44100) if audio else None
            for index in range(int(seconds * RATE)):
                pixels = numpy.zeros((height, width, 3), numpy.uint8)
                pixels[:, :, 0] = index * 10 % 256
                pixels[height // 4 : height // 2, width // 4 : width // 2, 1] = 200
                frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                frame.pts, frame.time_base = index, Fraction(1, RATE)
                out.mux(stream.encode(frame))
            out.mux(stream.encode(None))
            if sound is not None:
                for start in range(0, int(seconds * 44100), 1024):
                    silence = numpy.zeros((1, 1024), numpy.float32)
                    samples = av.AudioFrame.from_ndarray(silence, format="fltp", layout="mono")
                    samples.sample_rate, samples.pts = 44100, start
                    out.mux(sound.encode(samples))
                out.mux(sound.encode(None))
        with open(path, "rb") as handle:
            return handle.read()
