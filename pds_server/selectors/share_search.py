"""`share_link/search`: a user's share links (an administrator's: anyone's in the domain) that
match a query in the PDS search language, in one order, a page at a time.

The query takes the grammar of file search (pds_server.services.search) over a link's fields:

    share_name match 'q' | share_name_for_fuzzy match 'q'   the name holds q (any case)
    share_name = 'q' | share_name prefix 'q'                the name is, or starts with, q
    description match 'q'
    status = 'enabled' | 'disabled'                          live, or cancelled
    created_at | updated_at | expiration  (= < <= > >=) '2026-01-01T00:00:00'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Q, QuerySet

from pds_server import errors
from pds_server.models import ShareLink
from pds_server.services.access import Actor
from pds_server.services.pagination import marker_decode, marker_encode
from pds_server.services.search import Parser, Token

FIELDS = {
    "share_name": "str",
    "share_name_for_fuzzy": "str",
    "description": "str",
    "status": "status",
    "created_at": "time",
    "updated_at": "time",
    "expiration": "time",
}
FUZZY = ("share_name", "share_name_for_fuzzy", "description")
ORDER_FIELDS = ("created_at", "updated_at", "share_name", "description")
TIME_FIELDS = ("created_at", "updated_at", "expiration")
COMPARISONS = {"=": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}


def _fail(message: str, position: int) -> errors.PdsError:
    return errors.InvalidParameter(f"Bad query at character {position + 1}: {message}", code="InvalidParameter.Query")


def _column(field: str) -> str:
    return "share_name" if field == "share_name_for_fuzzy" else field


def _status(value: str, position: int) -> Q:
    if value == ShareLink.Status.ENABLED:
        return Q(status=ShareLink.Status.ENABLED, cancelled_at__isnull=True)
    if value == ShareLink.Status.DISABLED:
        return Q(status=ShareLink.Status.DISABLED) | Q(cancelled_at__isnull=False)
    raise _fail("status is 'enabled' or 'disabled'", position)


class ShareQueryParser(Parser):
    """File search's parser (and, or, not, parentheses) over a share link's fields."""

    def value(self, field: str) -> Any:
        token = self.take()
        if token.kind != "string":
            raise _fail(f"a quoted value for {field} was expected, found {token.text or 'the end'!r}", token.position)
        text = re.sub(r"\\(.)", r"\1", token.text[1:-1])  # 'it\'s' is "it's"
        if FIELDS[field] != "time":
            return text
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise _fail(f"{text!r} is not a date and time", token.position) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def condition(self) -> Q:
        token: Token = self.take()
        if token.kind != "word" or token.text not in FIELDS:
            raise _fail(f"unknown field {token.text or 'the end'!r} (fields: {', '.join(FIELDS)})", token.position)
        field, kind = token.text, FIELDS[token.text]
        if self.keyword("in"):
            self.expect("[")
            conditions = [self._equals(field, self.value(field), token.position)]
            while self.current.text == ",":
                self.take()
                conditions.append(self._equals(field, self.value(field), token.position))
            self.expect("]")
            result = conditions[0]
            for condition in conditions[1:]:
                result |= condition
            return result
        if self.keyword("match"):
            if field not in FUZZY:
                raise _fail(f"match works on {', '.join(FUZZY)}", token.position)
            return Q(**{f"{_column(field)}__icontains": self.value(field)})
        if self.keyword("prefix"):
            if kind != "str":
                raise _fail(f"prefix does not work on {field}", token.position)
            return Q(**{f"{_column(field)}__startswith": self.value(field)})
        op = self.take()
        if op.kind != "op":
            raise _fail(f"an operator was expected after {field}, found {op.text or 'the end'!r}", op.position)
        value = self.value(field)
        if op.text in ("=", "!="):
            equal = self._equals(field, value, token.position)
            return ~equal if op.text == "!=" else equal
        if kind != "time":
            raise _fail(f"{op.text} does not work on {field}", op.position)
        return Q(**{f"{field}__{COMPARISONS[op.text]}": value})

    @staticmethod
    def _equals(field: str, value: Any, position: int) -> Q:
        if field == "status":
            return _status(value, position)
        if field == "share_name_for_fuzzy":  # the PDS's fuzzy field: = also means "holds"
            return Q(share_name__icontains=value)
        return Q(**{_column(field): value})


def parse_share_query(query: str) -> Q:
    if not query.strip():
        return Q()
    if len(query) > 4096:
        raise errors.InvalidParameter("The query is longer than 4096 characters.", code="InvalidParameter.Query")
    return ShareQueryParser(query).parse()


@dataclass(frozen=True)
class ShareOrder:
    """One sort field and its direction, with the row id as the tie-break (keyset paging)."""

    field: str
    descending: bool

    @classmethod
    def of(cls, order_by: str, direction: str) -> ShareOrder:
        field = order_by or "created_at"
        if field not in ORDER_FIELDS:
            raise errors.InvalidParameter(
                f"order_by must be one of {', '.join(ORDER_FIELDS)}", code="InvalidParameter.OrderBy"
            )
        # The PDS's defaults: newest first for times, A to Z for the rest.
        direction = (direction or ("DESC" if field in TIME_FIELDS else "ASC")).upper()
        if direction not in ("ASC", "DESC"):
            raise errors.InvalidParameter("order_direction must be ASC or DESC", code="InvalidParameter.OrderDirection")
        return cls(field, direction == "DESC")

    def order_by(self) -> list[str]:
        sign = "-" if self.descending else ""
        return [sign + self.field, sign + "pk"]

    def after(self, marker: str) -> Q:
        value, pk = marker_decode(marker, 2)
        if not isinstance(pk, int) or not isinstance(value, str):
            raise errors.InvalidParameter("marker is not valid", code="InvalidParameter.Marker")
        if self.field in TIME_FIELDS:
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise errors.InvalidParameter("marker is not valid", code="InvalidParameter.Marker") from None
        beyond = "lt" if self.descending else "gt"
        return Q(**{f"{self.field}__{beyond}": value}) | Q(**{self.field: value, f"pk__{beyond}": pk})

    def marker_for(self, share: ShareLink) -> str:
        value = getattr(share, self.field)
        return marker_encode([value.isoformat() if isinstance(value, datetime) else value, share.pk])


def share_link_search(
    *,
    actor: Actor,
    creators: list[str],
    query: str,
    order: ShareOrder,
    limit: int,
    marker: str,
    with_total: bool = False,
) -> tuple[list[ShareLink], str, int | None]:
    """One page of the links `creators` made that match `query`: (links, next marker, the
    count of all matching links when `with_total`). No creators: an administrator's search
    covers the domain, anyone else's their own links. Only an administrator may name others."""
    own = actor.user_id
    if not actor.is_admin and any(creator != own for creator in creators):
        raise errors.Forbidden(
            "Only an administrator searches other people's share links.", code="ForbiddenNoPermission"
        )
    rows: QuerySet[ShareLink] = ShareLink.objects.filter(drive__domain=actor.domain)
    if creators:
        rows = rows.filter(creator__in=creators)
    elif not actor.is_admin:
        rows = rows.filter(creator=own)
    rows = rows.filter(parse_share_query(query))
    total = rows.count() if with_total else None
    if marker:
        rows = rows.filter(order.after(marker))
    found = list(rows.select_related("drive__domain").order_by(*order.order_by())[: limit + 1])
    next_marker = order.marker_for(found[limit - 1]) if len(found) > limit else ""
    return found[:limit], next_marker, total
