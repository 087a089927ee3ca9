"""Photo tags and kind (pds_server/services/analysis/classify.py): EfficientNet-Lite0 run in numpy on weights read
without torch, the tag vocabulary, and the photo/screenshot/document rules. Pure: no database, no server."""

from __future__ import annotations

import importlib.util
import io
import os
import pickle

import numpy as np
import pytest
from PIL import Image, ImageDraw
from skimage import data

from pds_server.services.analysis import classify, effnet, torch_legacy
from pds_server.services.analysis.imagenet_classes import CLASSES
from pds_server.services.analysis.tag_vocabulary import CLASS_TAGS, TAGS, ancestors, tag_names, tags_matching


def rgb(array: np.ndarray) -> Image.Image:
    return Image.fromarray(array).convert("RGB")


def tag_keys(image: Image.Image) -> list[str]:
    return [key for key, _ in classify.classify(image)]


def test_the_cat_photo_gets_a_cat_tag():
    tags = classify.classify(rgb(data.chelsea()))
    keys = [key for key, _ in tags]
    assert "cat" in keys and "pet" in keys and "animal" in keys
    assert "dog" not in keys
    confidences = [confidence for _, confidence in tags]
    assert confidences == sorted(confidences, reverse=True)
    assert all(classify.THRESHOLD <= confidence <= 1.0 + 1e-9 for confidence in confidences)
    assert len(tags) <= classify.MAX_TAGS


def test_the_coffee_photo_gets_coffee_and_drink():
    keys = tag_keys(rgb(data.coffee()))
    assert "coffee" in keys and "drink" in keys


def test_the_motorcycle_photo_gets_a_motorcycle_tag():
    left, _right, _disparity = data.stereo_motorcycle()
    keys = tag_keys(rgb(left))
    assert "motorcycle" in keys and "vehicle" in keys


def test_the_astronaut_is_no_cat_and_textures_get_no_tags():
    assert "cat" not in tag_keys(rgb(data.astronaut()))
    assert tag_keys(rgb(data.grass())) == []  # the long tail of an unsure answer makes no tag


def test_a_large_thumbnail_is_tagged_like_the_photo():
    big = rgb(data.chelsea()).resize((1920, 1280), Image.Resampling.BICUBIC)
    assert "cat" in tag_keys(big)


def test_the_numpy_network_matches_torch():
    """Top-5 logits of the chelsea photo as a torch implementation computed them from the same .pth and the same
    preprocessed input (checked once with torch 2.13 outside the project; torch is not a dependency)."""
    logits = effnet.model().logits(effnet.preprocess(rgb(data.chelsea())))
    top = np.argsort(-logits)[:5]
    assert top.tolist() == [282, 285, 281, 287, 904]
    np.testing.assert_allclose(logits[top], [9.234, 9.138, 8.4026, 5.8311, 3.4979], atol=2e-3)
    assert CLASSES[282] == "tiger cat" and CLASSES[967] == "espresso" and CLASSES[968] == "cup"


def test_the_packaged_weights_are_read_without_torch():
    assert importlib.util.find_spec("torch") is None  # torch must stay out of the project's environment
    state = torch_legacy.load(effnet.weights_path())
    assert len(state) == 296
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3) and state["_conv_stem.weight"].dtype == np.float32
    assert state["_fc.weight"].shape == (1000, 1280)
    assert state["_bn0.num_batches_tracked"].dtype == np.int64 and state["_bn0.num_batches_tracked"].shape == ()
    assert effnet.model() is effnet.model()  # loaded once per process


class _Evil:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("position", ["magic", "object"])
def test_the_weights_reader_refuses_arbitrary_globals(tmp_path, position):
    marker = tmp_path / "ran"
    evil = pickle.dumps(_Evil(str(marker)), protocol=2)
    head = pickle.dumps(torch_legacy.MAGIC_NUMBER, protocol=2) + pickle.dumps(torch_legacy.PROTOCOL_VERSION, protocol=2)
    head += pickle.dumps({"little_endian": True}, protocol=2)
    payload = evil if position == "magic" else head + evil + pickle.dumps([], protocol=2)
    with pytest.raises(torch_legacy.UnsafeWeightsError, match="system"):
        torch_legacy.loads(io.BytesIO(payload))
    assert not marker.exists()


def test_the_weights_reader_refuses_a_file_that_is_not_torch():
    with pytest.raises(torch_legacy.UnsafeWeightsError):
        torch_legacy.loads(io.BytesIO(pickle.dumps({"hello": 1}, protocol=2)))


# --- kind ------------------------------------------------------------------------------------------------------------


def rendered_page(width: int = 1240, height: int = 1754) -> tuple[Image.Image, str]:
    """A white A4 page of black text, and the text on it."""
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    lines = ["ACME Supplies Ltd", "Receipt 2026-03-14", "Paper clips 2 x 1.20", "Stapler 1 x 8.50", "Total 10.90"]
    lines += [f"Line {n}: thank you for shopping with us today" for n in range(20)]
    for number, line in enumerate(lines):
        draw.text((100, 100 + 60 * number), line, fill="black", font_size=36)
    return page, "\n".join(lines)


def test_a_page_of_text_is_a_document():
    page, text = rendered_page()
    assert classify.photo_kind(page, ocr_text=text, has_camera=False, file_extension="png") == "document"
    assert classify.photo_kind(page, ocr_text=text, has_camera=True, file_extension="jpg") == "document"
    # Without text read in it, a camera's picture of the page is just a photo.
    assert classify.photo_kind(page, ocr_text="", has_camera=True, file_extension="jpg") == "photo"


def test_a_phone_shaped_flat_png_without_camera_is_a_screenshot():
    screen = Image.new("RGB", (1170, 2532), (242, 242, 247))
    draw = ImageDraw.Draw(screen)
    draw.rectangle((0, 0, 1170, 90), fill=(0, 122, 255))
    for top in range(150, 2400, 180):
        draw.rounded_rectangle((40, top, 1130, top + 150), 20, fill="white")
        draw.text((80, top + 50), "Alice: see you at the beach", fill="black", font_size=40)
    assert classify.photo_kind(screen, ocr_text="", has_camera=False, file_extension="png") == "screenshot"
    assert classify.photo_kind(screen, ocr_text="", has_camera=False, file_extension="PNG") == "screenshot"
    # A phone chat full of text is still a screenshot; the ingest's thumbnail keeps the shape.
    chat_text = " ".join(["Alice: see you at the beach"] * 12)
    thumbnail = screen.resize((887, 1920))
    assert classify.photo_kind(thumbnail, ocr_text=chat_text, has_camera=False, file_extension="png") == "screenshot"
    jpeg = io.BytesIO()
    screen.save(jpeg, "JPEG", quality=80)
    jpeg_screen = Image.open(jpeg).convert("RGB")
    assert classify.photo_kind(jpeg_screen, ocr_text="", has_camera=False, file_extension="jpg") == "screenshot"
    # The camera's EXIF says it is a photo.
    assert classify.photo_kind(screen, ocr_text="", has_camera=True, file_extension="png") == "photo"


def test_photos_are_photos_even_without_camera_exif():
    for image in (rgb(data.chelsea()), rgb(data.astronaut()), rgb(data.coffee()), rgb(data.camera())):
        assert classify.photo_kind(image, ocr_text="", has_camera=False, file_extension="png") == "photo"


def test_screen_shapes():
    assert (
        classify.screen_shaped(1170, 2532) and classify.screen_shaped(1920, 1080) and classify.screen_shaped(887, 1920)
    )
    assert not classify.screen_shaped(1240, 1754) and not classify.screen_shaped(1000, 1000)


def test_text_words_counts_chinese_characters_as_half_words():
    assert classify.text_words("Total 10.90 — ACME") == 3
    assert classify.text_words("发票号码 12345") == 3


# --- vocabulary ------------------------------------------------------------------------------------------------------


def test_the_vocabulary_is_well_formed():
    assert 60 <= len(TAGS) <= 100
    for key, names in TAGS.items():
        assert key == key.lower() and len(key) <= 48
        assert names.en and names.zh and names.zh != names.en
        assert names.parent is None or names.parent in TAGS
        assert all(synonym == synonym.lower() for synonym in names.synonyms)
    assert all(0 <= index < 1000 for classes in CLASS_TAGS.values() for index in classes)
    assert all(CLASSES[index].endswith("cat") or index == 281 for index in CLASS_TAGS["cat"])
    assert set(CLASS_TAGS["dog"]) == set(range(151, 269))
    assert ancestors("cat") == ["pet", "animal"]
    assert TAGS["screenshot"] and TAGS["document"]  # kind tags


def test_tag_names_and_matching():
    assert tag_names("cat").en == "Cat" and tag_names("cat").zh == "猫" and tag_names("cat").parent == "pet"
    assert tag_names("gone").en == "gone"  # a key an older vocabulary stored
    assert tags_matching("CAT")[0] == "cat"
    assert tags_matching("kitty") == ["cat"] and tags_matching("猫咪") == ["cat"]
    assert tags_matching("猫")[0] == "cat"
    assert "cat" in tags_matching("kit")  # prefix
    assert tags_matching("receipt") == ["document"] and tags_matching("小票") == ["document"]
    assert tags_matching("Motorbike") == ["motorcycle"] and tags_matching("摩托") == ["motorcycle"]
    assert tags_matching("") == [] and tags_matching("zzz") == []
