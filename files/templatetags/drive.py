from datetime import datetime

from django import template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import ngettext

register = template.Library()

SPRITE = "vendor/lucide/sprite.svg"
# Lucide icon of each PDS file `category`; anything else is a plain file.
CATEGORY_ICONS = {
    "image": "file-image",
    "video": "file-video-camera",
    "audio": "file-music",
    "doc": "file-text",
    "zip": "file-archive",
    "app": "package",
}
# SI units, as people read sizes on a disk's label: 1 kB = 1,000 bytes, 1 MB = 1,000,000
# bytes (static/js/size.js says the same in the browser).
SIZE_UNITS = ("kB", "MB", "GB", "TB", "PB")


def _icon_svg(name: str, extra_class: str = "") -> str:
    """An icon of the vendored Lucide sprite; decorative, so hidden from screen readers
    (the text next to it says what it means)."""
    return format_html(
        '<svg class="icon{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        f" {extra_class}" if extra_class else "",
        static(SPRITE),
        name,
    )


@register.simple_tag
def svg_icon(name: str, extra_class: str = "") -> str:
    return _icon_svg(name, extra_class)


@register.filter
def icon(item: dict) -> str:
    """The icon of a file or folder of a listing, by its type and PDS category."""
    if item.get("type") == "folder":
        return _icon_svg("folder", "icon-folder")
    category = item.get("category", "")
    return _icon_svg(CATEGORY_ICONS.get(category, "file"), f"icon-{category or 'file'}")


@register.filter
def file_size(value: object) -> str:
    """A byte count as people read it: "999 bytes", "1.5 kB", "20 MB", "312 GB"."""
    try:
        size = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""
    if abs(size) < 1000:
        return ngettext("%(size)s byte", "%(size)s bytes", size) % {"size": size}
    amount = float(size)
    for unit in SIZE_UNITS:
        amount /= 1000
        if abs(amount) < 999.5 or unit == SIZE_UNITS[-1]:
            break
    # Three significant digits at most: 1.5 kB, 20.9 MB, 312 GB.
    digits = 1 if abs(amount) < 99.95 else 0
    shown = number_format(round(amount, digits), digits)
    if shown.endswith((".0", ",0")):
        shown = shown[:-2]
    return f"{shown} {unit}"


@register.filter
def pds_time(value: str):
    """PDS timestamps (ISO UTC with milliseconds) as datetimes for the date filter."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.get_current_timezone())
    except ValueError:
        return None


@register.filter
def bdi(value: object) -> str:
    """A user-supplied name isolated from the text around it (`<bdi>`), so that
    bidirectional characters in it cannot reorder what the page says around it."""
    return format_html("<bdi>{}</bdi>", value)
