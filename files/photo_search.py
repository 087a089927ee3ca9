"""Photos search by content, over the PDS API as the signed-in user: every word of the
query must match a photo's name, the text in it, one of its tags (English or Chinese), a
person in it, its place or its date ("2023", "2023-07") — the PDS's `keyword match`. Also
what the viewer's info panel shows of a photo's analysis: its tags, in the language of the
page, each a search for itself, and the text read in it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import get_language

from accounts.user_pds import UserPds
from files.photos import THUMBNAIL_SIZES, remember_thumbnails
from pds_client import AnalysisAPI

JSON = dict[str, Any]
SEARCH_PAGE = 100
# The longest query the box takes (words, not a document).
MAX_QUERY = 200


def query_clean(text: str) -> str:
    """The query as the box keeps it: one space between words, at most MAX_QUERY characters."""
    return " ".join(text.split())[:MAX_QUERY]


def search_url(query: str) -> str:
    return f"{reverse('files:photo_search')}?{urlencode({'q': query})}"


def photos_matching(*, pds: UserPds, query: str, marker: str = "") -> tuple[list[JSON], str]:
    """A page of the photos and videos matching every word of `query`, newest first, and
    the next page's marker ("" at the end)."""
    grid = {
        "grid": {"image_thumbnail_process": THUMBNAIL_SIZES["480"], "video_thumbnail_process": THUMBNAIL_SIZES["480"]}
    }
    answer = AnalysisAPI(pds.client, pds).search_content(
        pds.drive_id, query, limit=SEARCH_PAGE, marker=marker, thumbnail_processes=grid
    )
    items = [item for item in answer.get("items") or [] if isinstance(item, dict)]
    remember_thumbnails(pds, items)
    return items, str(answer.get("next_marker") or "")


# --- The info panel: tags and text -----------------------------------------------------------


@dataclass(frozen=True)
class TagChip:
    name: str  # in the page's language
    confidence: float

    @property
    def url(self) -> str:
        return search_url(self.name)


def _chinese_page() -> bool:
    return (get_language() or "").lower().startswith("zh")


def tag_chips(meta: JSON) -> list[TagChip]:
    """The photo's tags (image_media_metadata.image_tags), most confident first, each named in
    the page's language (our `name_zh` on a Chinese page, when the PDS gave one)."""
    chips: dict[str, TagChip] = {}
    for tag in meta.get("image_tags") or []:
        if not isinstance(tag, dict):
            continue
        name = str((tag.get("name_zh") if _chinese_page() else "") or tag.get("name") or "").strip()
        try:
            confidence = float(tag.get("confidence") or 0)
        except (TypeError, ValueError):
            confidence = 0.0
        if name and name.lower() not in chips:
            chips[name.lower()] = TagChip(name=name, confidence=confidence)
    return sorted(chips.values(), key=lambda chip: -chip.confidence)


def photo_text(meta: JSON) -> str:
    """The text read in the photo (our extension image_media_metadata.ocr_text), trimmed."""
    return str(meta.get("ocr_text") or "").strip()
