"""Keyset (cursor) pagination: a page costs the same in a folder of 100 or of 1,000,000.

One marker codec for every list: the marker is the last row's sort key (and its tie-break),
a JSON list, encrypted: a sort key holds a name, and a listing filtered after paging (search
in a drive shared in part) must not hand out the names it filtered away.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import connections
from django.db.models import BooleanField, Field, Q, QuerySet
from django.db.models.expressions import RawSQL

from pds_server import errors
from pds_server.models import File
from pds_server.routers import PDS_DB

LIST_ORDER_FIELDS = ("name", "created_at", "updated_at", "size")
DATETIME_FIELDS = ("created_at", "updated_at", "trashed_at", "image_time")


@functools.cache
def _marker_box(secret_key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"pds-marker\0" + secret_key.encode()).digest()))


def marker_encode(values: list, *, kind: str = "") -> str:
    """`kind` names what the values are (a file ordering's sort keys): a marker of one kind
    sent with another is refused, not compared with the wrong column."""
    plain = json.dumps({"k": kind, "v": values} if kind else values, separators=(",", ":")).encode()
    return _marker_box(settings.SECRET_KEY).encrypt(plain).decode().rstrip("=")


def marker_decode(marker: str, count: int, *, kind: str = "") -> list:
    try:
        plain = _marker_box(settings.SECRET_KEY).decrypt(marker + "=" * (-len(marker) % 4))
        values = json.loads(plain)
        if kind:
            if not isinstance(values, dict) or values.get("k") != kind:
                raise ValueError
            values = values.get("v")
        if not isinstance(values, list) or len(values) != count:
            raise ValueError
        return values
    except (InvalidToken, ValueError, TypeError):
        raise errors.InvalidParameter("marker is not valid", code="InvalidParameter.Marker") from None


def marker_value(item: Any, field: str) -> Any:
    value = getattr(item, field)
    return value.isoformat() if isinstance(value, datetime) else value


def marker_value_parse(field: str, value: Any) -> Any:
    if field in DATETIME_FIELDS and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def file_column(name: str) -> tuple[Field, str]:
    """A concrete field of the files table and its column (sort keys are never relations)."""
    field = File._meta.get_field(name)
    assert isinstance(field, Field) and field.column is not None
    return field, field.column


@dataclass
class Ordering:
    """Sort keys of files, each (field, descending), always ending with file_id as the tie-break."""

    keys: list[tuple[str, bool]]

    def order_by(self) -> list[str]:
        return [("-" if desc else "") + field for field, desc in self.keys]

    def after(self, marker: str) -> Q | RawSQL:
        """Rows strictly after the marker in this order, as an index range scan."""
        decoded = marker_decode(marker, len(self.keys), kind=self.kind)
        values = [marker_value_parse(field, value) for (field, _), value in zip(self.keys, decoded, strict=True)]
        if len({desc for _, desc in self.keys}) == 1:
            # One direction: a row-value comparison, (name, file_id) > (v, id), which SQLite
            # and PostgreSQL both answer by seeking the index to the marker.
            connection = connections[PDS_DB]
            table = connection.ops.quote_name(File._meta.db_table)
            columns = ", ".join(f"{table}.{connection.ops.quote_name(file_column(field)[1])}" for field, _ in self.keys)
            params = [
                file_column(field)[0].get_db_prep_value(value, connection)
                for (field, _), value in zip(self.keys, values, strict=True)
            ]
            operator = "<" if self.keys[0][1] else ">"
            placeholders = ", ".join(["%s"] * len(params))
            return RawSQL(f"({columns}) {operator} ({placeholders})", params, output_field=BooleanField())
        condition = Q()
        for index, (field, desc) in enumerate(self.keys):
            step = Q(**{f"{field}__{'lt' if desc else 'gt'}": values[index]})
            for prior in range(index):
                step &= Q(**{self.keys[prior][0]: values[prior]})
            condition |= step
        # Mixed directions (search's order_by): the OR, bounded on the first key.
        first_field, first_desc = self.keys[0]
        return Q(**{f"{first_field}__{'lte' if first_desc else 'gte'}": values[0]}) & condition

    def marker_for(self, item: File) -> str:
        return marker_encode([marker_value(item, field) for field, _ in self.keys], kind=self.kind)

    @property
    def kind(self) -> str:
        return ",".join(f"{field}{' DESC' if descending else ''}" for field, descending in self.keys)


def ordering_for(order_by: str, direction: str) -> Ordering:
    field = order_by or "created_at"
    if field not in LIST_ORDER_FIELDS:
        raise errors.InvalidParameter(
            f"order_by must be one of {', '.join(LIST_ORDER_FIELDS)}", code="InvalidParameter.OrderBy"
        )
    direction = (direction or "ASC").upper()
    if direction not in ("ASC", "DESC"):
        raise errors.InvalidParameter("order_direction must be ASC or DESC", code="InvalidParameter.OrderDirection")
    desc = direction == "DESC"
    return Ordering([(field, desc), ("file_id", desc)])


def page(queryset: QuerySet[File], *, ordering: Ordering, limit: int, marker: str) -> tuple[list[File], str]:
    if marker:
        queryset = queryset.filter(ordering.after(marker))
    # The serializer reads each row's drive and domain: one join, not two queries a row.
    rows = list(queryset.select_related("drive__domain").order_by(*ordering.order_by())[: limit + 1])
    next_marker = ordering.marker_for(rows[limit - 1]) if len(rows) > limit else ""
    return rows[:limit], next_marker


def paginate_by_pk(queryset: QuerySet, *, limit: int, marker: str) -> tuple[list, str]:
    """One page ordered by primary key: cost depends on the page size, not on the table size."""
    if marker:
        (after,) = marker_decode(marker, 1)
        if not isinstance(after, int):
            raise errors.InvalidParameter("marker is not valid", code="InvalidParameter.Marker")
        queryset = queryset.filter(pk__gt=after)
    rows = list(queryset.order_by("pk")[: limit + 1])
    next_marker = marker_encode([rows[limit - 1].pk]) if len(rows) > limit else ""
    return rows[:limit], next_marker
