"""Links that leave the drive a /d/<drive_id>/ page is in (files.drive_scope)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from files.drive_scope import outside_drive

register = template.Library()


@register.simple_tag(takes_context=True)
def outside_drive_url(context: dict[str, Any], viewname: str, *args: Any) -> str:
    """`{% url %}` for a page of the user's own drive and the pages about all drives (the main
    navigation): never inside the drive of the page."""
    return outside_drive(context.get("request"), reverse(viewname, args=args))
