"""Reads of a file's revisions: a page of them, newest first, and who wrote them."""

from __future__ import annotations

from collections.abc import Iterable

from pds_server import errors
from pds_server.models import Domain, File, PdsUser, Revision
from pds_server.services.pagination import marker_decode, marker_encode


def revision_page(*, item: File, limit: int, marker: str) -> tuple[list[Revision], str]:
    """Newest first; the marker is the last version shown (the index `revision_newest_first`)."""
    rows = item.revisions.all()
    if marker:
        (after,) = marker_decode(marker, 1)
        if not isinstance(after, int) or isinstance(after, bool):
            raise errors.InvalidParameter("marker is not valid", code="InvalidParameter.Marker")
        rows = rows.filter(version__lt=after)
    page = list(rows.order_by("-version")[: limit + 1])
    next_marker = marker_encode([page[limit - 1].version]) if len(page) > limit else ""
    return page[:limit], next_marker


def creator_names(*, domain: Domain, user_ids: Iterable[str]) -> dict[str, str]:
    """user_id -> the name people know them by (nick_name, else user_name)."""
    users = PdsUser.objects.filter(domain=domain, user_id__in={user_id for user_id in user_ids if user_id})
    return {user.user_id: user.nick_name or user.user_name for user in users}
