"""Django's PostgreSQL backend with a cheaper health check.

CONN_HEALTH_CHECKS makes Django send `SELECT 1` before each request's first query, so that
a connection the server dropped (a restart, a failover, an idle timeout) is replaced rather
than used to fail the request. On a busy site that is a round trip per request for
connections that answered a moment ago: a third of the queries of a small download. Here
a connection whose last query (in a request that ended without a database error) is less
than HEALTH_CHECK_IDLE seconds old is taken as healthy; one idle for longer is checked as
before. A server that goes away while the site is busy fails the requests it was serving
anyway, and Django closes a connection that raised an error at the end of its request.
"""

from __future__ import annotations

import time
from typing import Any

import psycopg
from django.db.backends.postgresql import base

# Seconds after a connection's last query during which the next request skips the check.
# Short: a connection dropped while the site is quiet is still noticed and replaced.
HEALTH_CHECK_IDLE = 1.0


# The most parameters the protocol carries in one statement (libpq refuses more).
MAX_BOUND_PARAMETERS = 65_535


class ServerBindingCursor(base.CursorMixin, psycopg.Cursor):
    """Django's cursor for OPTIONS server_side_binding, except that a statement with more
    parameters than the protocol carries is bound on the client, as Django's default
    cursor binds everything, instead of failing: Django sends an `__in` list whole (a
    cascade deleting a big drive's files, a large subtree's ids)."""

    def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
        if isinstance(params, (list, tuple)) and len(params) > MAX_BOUND_PARAMETERS:
            with psycopg.ClientCursor(self.connection) as client:
                query, params = client.mogrify(query, params), None
            options["prepare"] = False
        return super().execute(query, params, **options)


class DatabaseWrapper(base.DatabaseWrapper):
    health_check_enabled: bool  # Django's, left out of django-stubs
    used_at: float | None = None  # when this request last opened a cursor
    worked_at = float("-inf")  # when the connection was last used by a request without error

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if params.get("cursor_factory") is base.ServerBindingCursor:
            params["cursor_factory"] = ServerBindingCursor
        return params

    def create_cursor(self, name: Any = None) -> Any:
        self.used_at = time.monotonic()
        return super().create_cursor(name)

    def close_if_unusable_or_obsolete(self) -> None:
        """Run as each request (or Celery task) starts and ends. The time kept is its last
        query's, not its end's: a request streaming for minutes after it leaves the
        connection idle that long."""
        if self.connection is not None and self.used_at is not None and not self.errors_occurred:
            self.worked_at = self.used_at
        self.used_at = None
        super().close_if_unusable_or_obsolete()
        if self.connection is None:
            self.worked_at = float("-inf")
        elif self.health_check_enabled and time.monotonic() - self.worked_at < HEALTH_CHECK_IDLE:
            self.health_check_done = True
