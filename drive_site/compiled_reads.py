"""Reads whose SQL is compiled once per thread instead of once per request.

The hottest reads (a request's user with its Credential in Drive, the PDS access token and
the file a download names) spent more CPU in Django's SQL compiler than in the database:
27% of the PDS's CPU per small download went to `SQLCompiler.as_sql`, for queries whose
text never changes, only their parameters (issue 17).

`CompiledRead(build)` takes a function that builds the queryset from its arguments (str or
int values used as they are: ids, hashes). The first call in a thread builds it with
stand-in values, compiles it, and records which parameter each argument became; later
calls run that SQL with the new arguments through the same connection wrapper (so query
counting and execute wrappers still see them) and turn rows into models the way Django's
ModelIterable does, select_related included, with the column converters found once too.
A queryset whose parameters cannot be mapped (an argument changed on its way into SQL, or
not found exactly once) is never compiled ahead, and arguments of another type than
compiled never run compiled: both go through the ORM.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)

# Stand-ins that no real argument of these reads is. Text with capitals, spaces and LIKE's
# special characters, so that any escaping, case folding or wrapping on the way into SQL
# changes it and the read is left to the ORM; the plan is compiled with two sets, and
# kept only when both give the same SQL with the arguments in the same places.
_STAND_INS: tuple[tuple[str, int], ...] = (
    ("\x00Compiled Read %_\\ {}\x00", 2_000_000_000),
    ("\x00Stand-In %_\\ {}\x00", 1_000),
)
_INT_RANGE = range(-(2**63), 2**63)  # what every backend takes as a parameter


@dataclass(frozen=True)
class _Plan:
    model: type[Model]
    alias: str
    types: tuple[type, ...]  # of the arguments, as compiled
    sql: str
    slots: tuple[tuple[bool, Any], ...]  # per SQL parameter: (is an argument, its index or the constant)
    compiler: SQLCompiler  # bound to this thread's connection wrapper
    init_list: tuple[str, ...]
    start: int
    end: int
    populators: tuple[Any, ...]
    converters: dict[int, Any]  # column -> this backend's converters (SQLite's text dates, ...)

    def takes(self, args: tuple[str | int, ...]) -> bool:
        """Whether `args` can go into the SQL as they are: each of the type compiled (Django
        would convert another), ints in range."""
        if len(args) != len(self.types):
            return False
        for value, kind in zip(args, self.types, strict=True):
            if type(value) is not kind or (kind is int and value not in _INT_RANGE):
                return False
        return True


def _stand_ins(args: tuple[object, ...], which: int) -> tuple[object, ...]:
    text, number = _STAND_INS[which]
    return tuple(text.format(index) if isinstance(value, str) else number + index for index, value in enumerate(args))


def _plannable(args: tuple[object, ...]) -> bool:
    return all(type(value) is str or type(value) is int for value in args)


def _same(param: object, stand_in: object) -> bool:
    return type(param) is type(stand_in) and param == stand_in


class CompiledRead(Generic[M]):
    def __init__(self, build: Callable[..., QuerySet[M]]):
        self.build = build
        self.local = threading.local()

    def first(self, *args: str | int) -> M | None:
        """The first row of `build(*args)` (build should slice it to one row), or None."""
        plan = self._plan(args)
        if plan is None or not plan.takes(args):
            return next(iter(self.build(*args)), None)
        params = [args[value] if is_argument else value for is_argument, value in plan.slots]
        compiler = plan.compiler
        with compiler.connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchmany(1)
        for row in compiler.apply_converters(rows, plan.converters) if plan.converters else rows:
            item = plan.model.from_db(plan.alias, plan.init_list, row[plan.start : plan.end])
            for populator in plan.populators:
                populator.populate(row, item)
            return cast(M, item)
        return None

    def _plan(self, args: tuple[str | int, ...]) -> _Plan | None:
        """This thread's plan, compiled at its first call (again if its connection wrapper
        was replaced); None when the queryset cannot be compiled ahead."""
        plan: _Plan | None | str = getattr(self.local, "plan", "not yet")
        if plan is None:
            return None
        if isinstance(plan, _Plan) and plan.compiler.connection is connections[plan.alias]:
            return plan
        if not _plannable(args):
            return None  # this call through the ORM; a later one may compile
        first, second = (self._compiled(_stand_ins(args, which)) for which in range(len(_STAND_INS)))
        same = first is not None and second is not None and (first.sql, first.slots) == (second.sql, second.slots)
        compiled = self.local.plan = first if same else None
        return compiled

    def _compiled(self, stand_ins: tuple[object, ...]) -> _Plan | None:
        queryset = self.build(*stand_ins)
        query = queryset.query
        related_known = getattr(queryset, "_known_related_objects", None)  # set by a related manager
        if (
            queryset._iterable_class is not ModelIterable
            or related_known
            or getattr(queryset, "_prefetch_related_lookups", ())
            or query.annotations
            or query.extra_select
            or query.select_for_update  # checked against the transaction as it compiles
        ):
            return None
        compiler = query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except (EmptyResultSet, FullResultSet):  # e.g. a stand-in beyond a small field's range
            return None
        slots: list[tuple[bool, Any]] = []
        for param in params:
            found = [index for index, stand_in in enumerate(stand_ins) if _same(param, stand_in)]
            slots.append((True, found[0]) if found else (False, param))
        if sorted(value for is_argument, value in slots if is_argument) != list(range(len(stand_ins))):
            return None
        klass_info, select = compiler.klass_info, compiler.select
        columns = [column[0] for column in select[0 : compiler.col_count]]
        if compiler.has_composite_fields(columns):
            return None
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Plan(
            model=klass_info["model"],
            alias=queryset.db,
            types=tuple(type(stand_in) for stand_in in stand_ins),
            sql=sql,
            slots=tuple(slots),
            compiler=compiler,
            init_list=tuple(column[0].target.attname for column in select[start:end]),
            start=start,
            end=end,
            # (django-stubs describe a later Django's signature, with a fetch_mode.)
            populators=tuple(get_related_populators(klass_info, select, queryset.db)),  # type: ignore[call-arg]
            converters=compiler.get_converters(columns),
        )
