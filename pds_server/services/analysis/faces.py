"""Faces in a photo: where they are and dlib's 128-d encoding of each, on the CPU.

dlib (`dlib-bin`) runs the models that ship in `face-recognition-models` (CC0): the HOG
frontal face detector (built into dlib), the 5-point landmark model that aligns a face, and
the ResNet encoder that maps an aligned 150x150 face chip to 128 numbers, where faces of
one person lie within about 0.6 of each other (Euclidean). Nothing is downloaded: the
weights are files of the installed package, loaded once per process.

The detector's window is 80x80 pixels, so it scans a copy of the photo enlarged until a face
of MIN_FACE_PIXELS fills it (twice), but to no more than SCAN_SIDE pixels on the long side:
in the ingest's 1920-px thumbnail it finds faces from 60 px (3 % of the long side), in a
small photo from 40 px. Landmarks and the encoding use the photo itself, for the sharpest
chip. Detections scoring below MIN_SCORE are dropped: on the test photos dlib's false
detections (a shoulder patch, a glove) scored at most 0.15, frontal faces 0.8 and more.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

DETECTOR_WINDOW = 80
# The longest side the detector scans (its CPU time grows with the pixels: about 0.45 s
# for a 1920x1280 photo, scanned at 2560x1707, on one core here).
SCAN_SIDE = 2560
# Faces smaller than this in the photo itself give encodings too blurred to tell people
# apart; they are not looked for.
MIN_FACE_PIXELS = 40
MIN_SCORE = 0.35
CHIP_SIZE = 150  # what the encoder was trained on
CHIP_PADDING = 0.25
EMBEDDING_DIMENSIONS = 128


@dataclass(frozen=True)
class FoundFace:
    """A face's box as fractions (0..1) of the image's width and height, and its
    encoding as 128 little-endian float32 (512 bytes)."""

    left: float
    top: float
    width: float
    height: float
    embedding: bytes


def model_file(name: str) -> str:
    """A model file of the installed `face_recognition_models`, found without importing the
    package (its __init__ imports pkg_resources, which newer setuptools no longer ship)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The package face-recognition-models is not installed.")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / name
    if not path.is_file():
        raise RuntimeError(f"The face model {name} is missing from face-recognition-models.")
    return str(path)


@dataclass(frozen=True)
class Models:
    detector: Any
    landmarks: Any
    encoder: Any


@functools.cache
def models() -> Models:
    """dlib's detector and the two models, once per process (about 100 ms and 30 MB)."""
    import dlib  # noqa: PLC0415 (a web process that never analyses never loads dlib)

    return Models(
        detector=dlib.get_frontal_face_detector(),
        landmarks=dlib.shape_predictor(model_file("shape_predictor_5_face_landmarks.dat")),
        encoder=dlib.face_recognition_model_v1(model_file("dlib_face_recognition_resnet_model_v1.dat")),
    )


def embedding_to_bytes(vector: Any) -> bytes:
    return np.asarray(vector, dtype="<f4").reshape(EMBEDDING_DIMENSIONS).tobytes()


def embedding_from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<f4").astype(np.float32)


def detect_faces(image: Image.Image) -> list[FoundFace]:
    """The faces in `image` (any mode; its pixels as displayed), largest first."""
    import dlib  # noqa: PLC0415

    found = models()
    photo = image if image.mode == "RGB" else image.convert("RGB")
    width, height = photo.size
    if width < 8 or height < 8:
        return []
    scale = min(DETECTOR_WINDOW / MIN_FACE_PIXELS, SCAN_SIDE / max(width, height))
    scanned = photo.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.BILINEAR)
    pixels = np.asarray(photo)
    boxes = found.detector.run(np.asarray(scanned), 0, MIN_SCORE)[0]
    faces: list[FoundFace] = []
    for box in boxes:
        left, top = max(0.0, box.left() / scale), max(0.0, box.top() / scale)
        right, bottom = min(float(width), (box.right() + 1) / scale), min(float(height), (box.bottom() + 1) / scale)
        if right - left < MIN_FACE_PIXELS or bottom - top < MIN_FACE_PIXELS:
            continue
        rect = dlib.rectangle(round(left), round(top), round(right) - 1, round(bottom) - 1)
        shape = found.landmarks(pixels, rect)
        chip = dlib.get_face_chip(pixels, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
        faces.append(
            FoundFace(
                left=left / width,
                top=top / height,
                width=(right - left) / width,
                height=(bottom - top) / height,
                embedding=embedding_to_bytes(found.encoder.compute_face_descriptor(chip)),
            )
        )
    faces.sort(key=lambda face: face.width * face.height, reverse=True)
    return faces
