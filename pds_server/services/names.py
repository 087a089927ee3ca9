"""Names of files and folders: the rules a name must keep, what it says about the file
(extension, category, content type) and the free name `auto_rename` picks."""

from __future__ import annotations

import mimetypes
import secrets

from django.utils import timezone

from pds_server import errors
from pds_server.models import Drive, File

MAX_NAME_BYTES = 1024
CHECK_NAME_MODES = ("ignore", "auto_rename", "refuse", "overwrite")

# Bidirectional formatting characters make `invoice\u202efdp.exe` read as `invoiceexe.pdf`
# (CVE-2021-42574's trick): a name may not carry them.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

CATEGORIES = {
    "image": "jpg jpeg png gif bmp webp heic heif avif svg tif tiff ico "
    "raw cr2 cr3 nef nrw arw dng orf rw2 raf pef srw",  # camera RAW (services/media/raw.py)
    "video": "mp4 mkv mov avi webm flv wmv m4v mpg mpeg 3gp ts m2ts rmvb",
    "audio": "mp3 wav flac aac ogg oga opus m4a wma ape aiff mid midi",
    "doc": "pdf doc docx xls xlsx ppt pptx txt md csv tsv rtf odt ods odp epub pages key numbers json xml yaml yml log",
    "zip": "zip rar 7z tar gz tgz bz2 xz zst lz4 iso",
    "app": "apk exe dmg msi deb rpm ipa pkg appimage",
}
CATEGORY_BY_EXTENSION = {ext: category for category, exts in CATEGORIES.items() for ext in exts.split()}


def validate_name(name: object) -> str:
    if not isinstance(name, str) or name == "":
        raise errors.InvalidParameter("The name must not be empty.", code="InvalidParameter.Name")
    if name in (".", ".."):
        raise errors.InvalidParameter("The name may not be '.' or '..'.", code="InvalidParameter.Name")
    if "/" in name or any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise errors.InvalidParameter(
            "The name may not contain '/', NUL or control characters.", code="InvalidParameter.Name"
        )
    if not BIDI_CONTROLS.isdisjoint(name):
        raise errors.InvalidParameter(
            "The name may not contain bidirectional control characters.", code="InvalidParameter.Name"
        )
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise errors.InvalidParameter("The name is longer than 1024 UTF-8 bytes.", code="InvalidParameter.Name")
    return name


def new_file_id() -> str:
    return secrets.token_hex(20)  # 40 characters of [a-f0-9]


def extension_of(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower()[:64] if dot and stem else ""


def category_of(name: str) -> str:
    return CATEGORY_BY_EXTENSION.get(extension_of(name), "others")


def content_type_of(name: str) -> str:
    return mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"


def name_taken(*, drive: Drive, parent_file_id: str, name: str, exclude_pk: int | None = None) -> File | None:
    siblings = File.objects.filter(
        drive=drive, parent_file_id=parent_file_id, name=name, trashed=False, status=File.Status.AVAILABLE
    )
    if exclude_pk is not None:
        siblings = siblings.exclude(pk=exclude_pk)
    return siblings.first()


def auto_renamed(*, drive: Drive, parent_file_id: str, name: str) -> str:
    """`report.pdf` becomes `report_20260102_150405.pdf` (then `_2`, `_3`... if needed)."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, extension = name, ""
    stamp = timezone.now().strftime("%Y%m%d_%H%M%S")
    for counter in range(1, 1000):
        suffix = f"_{stamp}" + (f"_{counter}" if counter > 1 else "")
        candidate = f"{stem}{suffix}.{extension}" if extension else f"{stem}{suffix}"
        if not name_taken(drive=drive, parent_file_id=parent_file_id, name=candidate):
            return validate_name(candidate)
    raise errors.AlreadyExist("File", "No free name could be found.")


def name_resolve(
    *, drive: Drive, parent_file_id: str, name: str, check_name_mode: str, exclude_pk: int | None = None
) -> tuple[str, File | None]:
    """Apply `check_name_mode` to `name` in the folder: returns the name to use and the
    sibling holding it when the mode keeps that sibling (`refuse`, `overwrite`)."""
    clash = name_taken(drive=drive, parent_file_id=parent_file_id, name=name, exclude_pk=exclude_pk)
    if clash is None or check_name_mode == "ignore":
        return name, None
    if check_name_mode == "auto_rename":
        return auto_renamed(drive=drive, parent_file_id=parent_file_id, name=name), None
    return name, clash
