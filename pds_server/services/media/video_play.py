"""What `file/get_video_preview_play_info` says of a video: whether a browser-playable
form of it is ready, and a signed URL of it (the rendition, or the original when
browsers play it as it is), served with Range by the one content path (views/content.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from pds_server import errors
from pds_server.models import File, MediaInfo
from pds_server.services import downloads

MAX_EXPIRE_SEC = 14400
# Definition templates (the PDS's names) by the short side of the picture played.
TEMPLATES = ((360, "LD"), (540, "SD"), (720, "HD"), (1080, "FHD"), (1440, "2K"))
WEBM_EXTENSIONS = {"webm", "mkv"}


@dataclass(frozen=True)
class PlayInfo:
    status: str  # finished | running | failed
    template_id: str = ""
    keep_original_resolution: bool = True
    url: str = ""
    duration: float | None = None
    width: int | None = None
    height: int | None = None


def play_info(*, item: File, base_url: str, expire_sec: int, with_url: bool = True) -> PlayInfo:
    """The video's play state, and its URL valid `expire_sec` seconds when finished."""
    if item.is_folder or item.category != "video":
        raise errors.InvalidParameter("The file is not a video.", code="InvalidParameter.FileId")
    if not 1 <= expire_sec <= MAX_EXPIRE_SEC:
        raise errors.InvalidParameter(
            f"url_expire_sec must be 1-{MAX_EXPIRE_SEC}", code="InvalidParameter.UrlExpireSec"
        )
    media = MediaInfo.objects.filter(blob_id=item.blob_id or 0).first()
    if media is None or media.state == MediaInfo.State.PENDING:
        return PlayInfo(status="running")
    known = PlayInfo(status="failed", duration=media.duration, width=media.width, height=media.height)
    if media.state == MediaInfo.State.FAILED:
        return known
    rendition = media.rendition_state
    if rendition in (MediaInfo.RenditionState.RUNNING, MediaInfo.RenditionState.FAILED):
        return replace(known, status=rendition)
    width, height = played_size(media)
    ready = replace(
        known,
        status="finished",
        template_id=template_of(width, height),
        keep_original_resolution=(width, height) == (media.width, media.height),
    )
    if not with_url:
        return ready
    made = rendition == MediaInfo.RenditionState.FINISHED
    url, _ = downloads.download_url(
        base_url=base_url,
        item=item,
        expire_sec=expire_sec,
        file_name=rendition_name(item.name) if made else item.name,
        response_content_type="" if made else original_type(item, media),
        rendition=made,
    )
    return replace(ready, url=url)


def played_size(media: MediaInfo) -> tuple[int, int]:
    """The size of what plays: the original's, or the rendition's (at most 1080p)."""
    width, height = media.width or 0, media.height or 0
    if media.rendition_state != MediaInfo.RenditionState.FINISHED or not width or not height:
        return width, height
    scale = min(1.0, 1920 / max(width, height), 1080 / min(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def template_of(width: int, height: int) -> str:
    short = min(width, height)
    for most, template in TEMPLATES:
        if short <= most:
            return template
    return "4K"


def original_type(item: File, media: MediaInfo) -> str:
    """Browsers play QuickTime files as MP4 (one family) and Matroska as WebM."""
    if item.file_extension.lower() in WEBM_EXTENSIONS or media.video_codec == "vp8":
        return "video/webm"
    return "video/mp4"


def rendition_name(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    return f"{stem}.mp4"
