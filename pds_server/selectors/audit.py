"""Reads of the audit log: one file's activity, newest first (the web UI's details panel)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from pds_server import errors
from pds_server.models import AuditLog, Drive
from pds_server.services.pagination import marker_decode, marker_encode


def file_activity(*, drive: Drive, file_id: str, limit: int, marker: str) -> tuple[list[AuditLog], str]:
    """A page of the rows about `file_id` in `drive`, newest first; keyset on (acted_at, pk)
    over the audit_by_object index."""
    rows = AuditLog.objects.filter(domain_id=drive.domain_id, drive_id=drive.drive_id, object_id=file_id)
    if marker:
        moment, pk = marker_decode(marker, 2)
        try:
            acted_at = datetime.fromisoformat(moment)
        except (TypeError, ValueError):
            raise errors.InvalidParameter("marker is not valid", code="InvalidParameter.Marker") from None
        if not isinstance(pk, int):
            raise errors.InvalidParameter("marker is not valid", code="InvalidParameter.Marker")
        rows = rows.filter(Q(acted_at__lt=acted_at) | Q(acted_at=acted_at, pk__lt=pk))
    page = list(rows.order_by("-acted_at", "-pk")[: limit + 1])
    next_marker = marker_encode([page[limit - 1].acted_at.isoformat(), page[limit - 1].pk]) if len(page) > limit else ""
    return page[:limit], next_marker
