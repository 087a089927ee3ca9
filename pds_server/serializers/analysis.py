"""What image analysis found, on the wire: the SDK's `SystemTag` (in `image_media_metadata.
image_tags`) and `ImageTag` (`image/list_tags`), with each tag's Simplified Chinese name as
our extension `name_zh`, and the text read in a photo as our extension `ocr_text`."""

from __future__ import annotations

from pds_server.models import ImageAnalysis
from pds_server.services.analysis.tag_vocabulary import tag_names


def system_tag_to_pds(tag: str, confidence: float) -> dict:
    names = tag_names(tag)
    body = {"name": names.en, "name_zh": names.zh, "confidence": round(confidence, 4), "tag_level": 1}  # name_zh: ext
    if names.parent:
        body["parent_name"] = tag_names(names.parent).en
        body["tag_level"] = 2
    return body


def analysis_to_pds(analysis: ImageAnalysis) -> dict:
    """Fields for `image_media_metadata`: tags best first, the photo's kind and its text."""
    tags = sorted(analysis.tags.all(), key=lambda row: -row.confidence)
    body: dict = {"image_tags": [system_tag_to_pds(row.tag, row.confidence) for row in tags]}
    if analysis.kind:
        body["image_kind"] = analysis.kind  # ext: photo, screenshot or document
    if analysis.ocr_text:
        body["ocr_text"] = analysis.ocr_text  # ext
    return body


def drive_tag_to_pds(row: dict, *, cover_url: str) -> dict:
    names = tag_names(row["tag"])
    body = {"name": names.en, "name_zh": names.zh, "count": row["count"]}  # name_zh: ext
    cover = row["cover"]
    if cover is not None:
        body.update(cover_file_id=cover.file_id, cover_file_category=cover.category, cover_url=cover_url)
        body["cover_tag_confidence"] = row["confidence"]
    return body
