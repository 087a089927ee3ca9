"""Text in photos: tesseract (eng + chi_sim) reads scikit-image's scanned page, a receipt
and a Chinese line rendered here, and nothing in a photo without text; the content
index's tokeniser makes the terms a search word must match."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
import skimage.data
from PIL import Image, ImageDraw, ImageFont

from pds_server.services.analysis import ocr
from pds_server.services.analysis.ocr import OcrError, read_text
from pds_server.services.analysis.text_terms import query_terms, terms_of_text

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def cjk_font_path() -> str:
    """A font with Simplified Chinese (Debian's fonts-wqy-zenhei or fonts-noto-cjk)."""
    found = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False).stdout
    paths = sorted(line.split(":")[0].strip() for line in found.splitlines() if line.strip())
    assert paths, "no font with Chinese: apt-get install fonts-wqy-zenhei"
    return paths[0]


def rendered(lines: list[str], *, font_path: str, size: int, canvas: tuple[int, int]) -> Image.Image:
    image = Image.new("RGB", canvas, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(font_path, size)
    for index, line in enumerate(lines):
        draw.text((40, 40 + index * int(size * 1.8)), line, font=font, fill=(20, 20, 20))
    return image


def as_jpeg(image: Image.Image, quality: int = 85) -> Image.Image:
    data = io.BytesIO()
    image.save(data, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(data.getvalue())).convert("RGB")


def test_the_scanned_page_of_scikit_image_is_read():
    text = read_text(Image.fromarray(skimage.data.page()).convert("RGB"))
    words = terms_of_text(text)
    assert {"markers", "coins", "segmentation", "pixels"} <= words, text


def test_a_rendered_receipt_is_read_with_its_name_and_year():
    receipt = rendered(
        ["ACME 2026", "Coffee beans      8.00", "Milk              4.50", "TOTAL 12.50"],
        font_path=SANS,
        size=30,
        canvas=(700, 360),
    )
    text = read_text(as_jpeg(receipt))
    terms = terms_of_text(text)
    assert {"acme", "2026", "total"} <= terms, text
    assert "12" in terms and "50" in terms, text
    assert len(text.splitlines()) >= 3, text


def test_a_rendered_chinese_line_is_read_without_spaces():
    line = rendered(["增值税发票 合计金额", "上海市浦东新区"], font_path=cjk_font_path(), size=36, canvas=(700, 200))
    text = read_text(line)
    assert "增值税发票" in text.replace(" ", ""), text
    assert "上海" in text, text
    assert " 值" not in text and "值 " not in text, text
    assert {"发票", "上海", "票"} <= terms_of_text(text)


@pytest.mark.parametrize("name", ["chelsea", "coffee", "astronaut"])
def test_a_photo_without_text_gives_little_or_nothing(name):
    photo = Image.fromarray(getattr(skimage.data, name)()).convert("RGB").resize((1920, 1280))
    text = read_text(photo)
    assert len(terms_of_text(text)) <= 2, text


def test_no_temporary_files_are_left_and_a_timeout_stops_tesseract(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    page = Image.fromarray(skimage.data.page()).convert("RGB")
    assert read_text(page)
    assert not any(Path(tmp_path).iterdir())
    with pytest.raises(OcrError, match="longer than"):
        ocr.run_tesseract(ocr.prepared(page.resize((2400, 4800))), languages=ocr.LANGUAGES, timeout=0.05)


def test_a_missing_tesseract_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(ocr, "TESSERACT", os.path.join("/nonexistent", "tesseract"))
    with pytest.raises(OcrError, match="could not be started"):
        read_text(Image.new("RGB", (200, 100), "white"))


def test_the_terms_of_text():
    terms = terms_of_text("ACME Corp. — Invoice #2026-07, TOTAL: 12.50 USD; a b c I")
    assert {"acme", "corp", "invoice", "2026", "07", "total", "12", "50", "usd"} <= terms
    assert not {"a", "b", "c", "i"} & terms
    assert terms_of_text("Ｆｕｌｌ－ｗｉｄｔｈ ２０２６") == {"full", "width", "2026"}
    assert terms_of_text("Ünïcödé straße") == {"ünïcödé", "straße"}
    assert terms_of_text("x" * 65 + " ok") == {"ok"}
    assert "x" * 64 in terms_of_text("x" * 64)
    chinese = terms_of_text("增值税发票，金额")
    assert {"增", "值", "税", "发", "票", "增值", "值税", "税发", "发票", "金额"} <= chinese
    assert "票金" not in chinese  # the comma ends the run
    assert terms_of_text("ACME发票2026") >= {"acme", "发票", "2026"}
    assert terms_of_text("") == set() and terms_of_text("!!! --- ...") == set()


def test_query_terms_are_the_same_tokenising():
    assert query_terms("ACME") == ["acme"]
    assert query_terms("发票") == ["发票"]
    assert query_terms("增值税") == ["增值", "值税"]
    assert query_terms("票") == ["票"]
    assert query_terms("acme-2026") == ["acme", "2026"]
    assert query_terms("哈哈哈") == ["哈哈"]
    assert query_terms("...") == []
    # Every query term of a word found in a text is among that text's terms.
    text = "Receipt: 增值税发票 ACME 2026"
    for word in ["增值税发票", "发票", "税", "acme", "ACME", "2026", "Receipt"]:
        assert set(query_terms(word)) <= terms_of_text(text), word
