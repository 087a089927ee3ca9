"""Reads whose SQL is compiled once per thread instead of once per request.

The hottest reads (a request's user with its Credential in Drive, the PDS access token and
the file a download names) spent more CPU in Django's SQL compiler than in the database:
27% of the PDS's CPU per small download went to `SQLCompiler.as_sql`, for queries whose
text never changes, only their parameters (issue 17).

`CompiledRead(build)` takes a function that builds the queryset from its arguments (str or
int values used as they are: ids, hashes). The first call in a thread builds it once with
stand-in values, compiles it, and records which parameter each argument became; later
calls run that SQL with the new arguments through the same connection wrapper (so query
counting and execute wrappers still see them) and turn rows into models the way Django's
ModelIterable does, select_related included, with the column converters found once too.
A queryset whose parameters cannot be mapped (an argument changed on its way into SQL, or
not found exactly once) is never compiled ahead: it runs through the ORM each time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)

# Stand-ins that no real argument of these reads is (within every backend's int range, so
# that no lookup turns them into an always-empty query).
_STR_STAND_IN = "\x00compiled-read-{}\x00"
_INT_STAND_IN = 2_000_000_000


@dataclass(frozen=True)
class _Plan:
    model: type[Model]
    alias: str
    sql: str
    slots: tuple[tuple[bool, Any], ...]  # per SQL parameter: (is an argument, its index or the constant)
    compiler: SQLCompiler  # bound to this thread's connection wrapper
    init_list: tuple[str, ...]
    start: int
    end: int
    populators: tuple[Any, ...]
    converters: dict[int, Any]  # column -> this backend's converters (SQLite's text dates, ...)


def _stand_in(index: int, value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"a compiled read takes str and int arguments, not {type(value).__name__}")
    return _STR_STAND_IN.format(index) if isinstance(value, str) else _INT_STAND_IN + index


def _same(param: object, stand_in: object) -> bool:
    return type(param) is type(stand_in) and param == stand_in


class CompiledRead(Generic[M]):
    def __init__(self, build: Callable[..., QuerySet[M]]):
        self.build = build
        self.local = threading.local()

    def first(self, *args: str | int) -> M | None:
        """The first row of `build(*args)` (build should slice it to one row), or None."""
        plan = self._plan(args)
        if plan is None:
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
        stand_ins = tuple(_stand_in(index, value) for index, value in enumerate(args))
        compiled = self.local.plan = self._compiled(self.build(*stand_ins), stand_ins)
        return compiled

    @staticmethod
    def _compiled(queryset: QuerySet[M], stand_ins: tuple[object, ...]) -> _Plan | None:
        query = queryset.query
        related_known = getattr(queryset, "_known_related_objects", None)  # set by a related manager
        if queryset._iterable_class is not ModelIterable or related_known or query.annotations:
            return None
        compiler = query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
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
