from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()

ICONS = {"folder": "📁", "image": "🖼️", "video": "🎞️", "audio": "🎵", "doc": "📄", "zip": "🗜️", "app": "📦"}


@register.filter
def icon(item: dict) -> str:
    return ICONS["folder"] if item.get("type") == "folder" else ICONS.get(item.get("category", ""), "📄")


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
