"""Walking a large queryset by primary key, a batch at a time: each batch is a fresh query
after the last pk seen, so rows added or removed meanwhile never shift the walk, and a walk
stopped anywhere resumes by starting again."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet


def pk_batches(queryset: QuerySet, *, batch: int = 500) -> Iterator[list[int]]:
    """The pks of `queryset`, in pk order, `batch` at a time."""
    after = 0
    while True:
        pks = list(queryset.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch])
        if not pks:
            return
        yield pks
        after = pks[-1]
