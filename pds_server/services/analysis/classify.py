"""What a photo shows (vocabulary tags with a confidence) and what kind of picture it is (photo, screenshot or
document). Pure functions of a PIL RGB image (the ingest's 1920-px thumbnail); no database.

Tags: EfficientNet-Lite0 (``effnet``) gives a probability for each of the 1000 ImageNet classes; a tag's confidence
is the probability mass of the classes that reach it (its own classes and its descendants', each class counted
once), so "cat" is the sum over the five cat breeds and "animal" the sum over every animal class.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
from PIL import Image

from pds_server.services.analysis import effnet
from pds_server.services.analysis.tag_vocabulary import CLASS_TAGS, TAGS, ancestors

# A tag is kept when its confidence reaches THRESHOLD plus its classes' share of the 1000 (what it would get from a
# classifier that knows nothing): "cat" (5 classes) needs 0.155, "dog" (118) 0.27, "animal" (~390) 0.54, so a broad
# tag is not made of the long tail of an unsure answer (grass, gravel, the night sky). Tuned on scikit-image's
# pictures: clear subjects land far above (the cat 0.92, the espresso 0.96, the motorcycle 0.64).
THRESHOLD = 0.15
MAX_TAGS = 8


@cache
def _tag_matrix() -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """(keys, M, thresholds): M[i, c] = 1 when ImageNet class c reaches tag keys[i] (directly or through a
    child); thresholds[i] = THRESHOLD + its classes / 1000."""
    keys = tuple(TAGS)
    row = {key: i for i, key in enumerate(keys)}
    matrix = np.zeros((len(keys), 1000), dtype=np.float64)
    for key, classes in CLASS_TAGS.items():
        for target in (key, *ancestors(key)):
            matrix[row[target], list(classes)] = 1.0
    return keys, matrix, THRESHOLD + matrix.sum(axis=1) / 1000


def tags_of_probabilities(probabilities: np.ndarray) -> list[tuple[str, float]]:
    keys, matrix, thresholds = _tag_matrix()
    scores = matrix @ probabilities
    kept = [i for i in np.argsort(-scores, kind="stable") if scores[i] >= thresholds[i]]
    return [(keys[i], float(scores[i])) for i in kept[:MAX_TAGS]]


def classify(image: Image.Image) -> list[tuple[str, float]]:
    """Vocabulary keys with their confidence (0..1), best first, those over their threshold, at most MAX_TAGS."""
    return tags_of_probabilities(effnet.class_probabilities(image))


# --- photo, screenshot or document ---------------------------------------------------------------------------------
#
# A screenshot: no camera in the EXIF, large areas of exactly one colour (user interfaces are drawn in flat colours;
# a camera's sensor noise never leaves neighbouring pixels equal), and either a PNG file (what phones and desktops
# save screenshots as) or a screen's shape (16:9, 19.5:9 phones, 4:3 tablets, ...).
# A document: much text was read in it (OCR) on a mostly light background: a scanned page, a receipt, a photo of a
# letter. A screen-shaped screenshot full of text (a phone's chat) stays a screenshot; a flat PNG page of text
# of another shape (a scan) is a document.
# Anything else is a photo.

SCREEN_RATIOS = (4 / 3, 3 / 2, 16 / 10, 16 / 9, 18 / 9, 19 / 9, 19.5 / 9, 20 / 9, 21 / 9, 2532 / 1170, 2556 / 1179)
RATIO_TOLERANCE = 0.015
SCREENSHOT_EXTENSIONS = {"png", "webp", "bmp", "gif"}
FLAT_SHARE_PNG = 0.3  # flat share a PNG (or GIF, ...) needs to be a screenshot
FLAT_SHARE_OTHER = 0.45  # and a JPEG/HEIC/... at a screen's shape, which could be an exported photo
DOCUMENT_WORDS = 15  # words read (a CJK character counts as half a word)
LIGHT_SHARE = 0.4  # of pixels at luminance >= LIGHT_LEVEL
LIGHT_LEVEL = 170
_SAMPLE = 256  # the measures run on a copy at most this many pixels on its long side

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def screen_shaped(width: int, height: int) -> bool:
    """Whether width x height has the shape of a screen (either orientation), within RATIO_TOLERANCE."""
    if not width or not height:
        return False
    ratio = max(width, height) / min(width, height)
    return any(abs(ratio - screen) / screen <= RATIO_TOLERANCE for screen in SCREEN_RATIOS)


def _sample(image: Image.Image) -> np.ndarray:
    """A small copy by nearest neighbour (keeps exact colours: no blending of edges into new ones), int16 RGB."""
    width, height = image.size
    scale = min(1.0, _SAMPLE / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = image.convert("RGB").resize(size, Image.Resampling.NEAREST)
    return np.asarray(small, dtype=np.int16)


def flat_share(pixels: np.ndarray) -> float:
    """Share of pixels exactly equal to their right and lower neighbours (in the nearest-neighbour sample, so
    neighbours some pixels apart). Photos stay under 0.2 (a black background or blown-out sky at most); drawn
    interfaces are over 0.5, also as JPEG (which encodes flat 8x8 blocks exactly)."""
    if pixels.shape[0] < 2 or pixels.shape[1] < 2:
        return 0.0
    right = (pixels[:-1, 1:] == pixels[:-1, :-1]).all(axis=2)
    down = (pixels[1:, :-1] == pixels[:-1, :-1]).all(axis=2)
    return float((right & down).mean())


def light_share(pixels: np.ndarray) -> float:
    luminance = pixels[..., 0] * 0.299 + pixels[..., 1] * 0.587 + pixels[..., 2] * 0.114
    return float((luminance >= LIGHT_LEVEL).mean())


def text_words(text: str) -> float:
    """How much text: Latin words, plus half a word per CJK character (Chinese has no spaces)."""
    cjk = len(_CJK.findall(text))
    latin = len([word for word in _CJK.sub(" ", text).split() if any(ch.isalnum() for ch in word)])
    return latin + cjk / 2


def photo_kind(image: Image.Image, *, ocr_text: str, has_camera: bool, file_extension: str) -> str:
    """The picture's kind, "screenshot", "document" or "photo", by the rules above."""
    pixels = _sample(image)
    page_of_text = text_words(ocr_text) >= DOCUMENT_WORDS and light_share(pixels) >= LIGHT_SHARE
    if not has_camera:
        lossless = file_extension.lower().lstrip(".") in SCREENSHOT_EXTENSIONS
        flat = flat_share(pixels)
        if screen_shaped(*image.size) and flat >= (FLAT_SHARE_PNG if lossless else FLAT_SHARE_OTHER):
            return "screenshot"
        if lossless and flat >= FLAT_SHARE_PNG and not page_of_text:
            return "screenshot"
    return "document" if page_of_text else "photo"
