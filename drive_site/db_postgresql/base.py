"""Django's PostgreSQL backend with a cheaper health check.

CONN_HEALTH_CHECKS makes Django send `SELECT 1` before each request's first query, so that
a connection the server dropped (a restart, a failover, an idle timeout) is replaced rather
than used to fail the request. On a busy site that is a round trip per request for
connections that answered a moment ago: a third of the queries of a small download. Here
a connection that served a request without error in the last HEALTH_CHECK_IDLE seconds is
taken as healthy; one idle for longer is checked as before. A server that goes away while
the site is busy fails the requests it was serving anyway, and Django closes a connection
that raised an error at the end of its request.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.backends.postgresql import base

# Seconds after a connection last served a request without error during which the next
# request skips the check. Short: a dropped connection is noticed by any request after it.
HEALTH_CHECK_IDLE = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    health_check_enabled: bool  # Django's, left out of django-stubs
    used_in_request = False
    worked_at = float("-inf")

    def create_cursor(self, name: Any = None) -> Any:
        self.used_in_request = True
        return super().create_cursor(name)

    def close_if_unusable_or_obsolete(self) -> None:
        """Run as each request starts and ends (Django's signal handlers)."""
        if self.connection is not None and self.used_in_request and not self.errors_occurred:
            self.worked_at = time.monotonic()
        self.used_in_request = False
        super().close_if_unusable_or_obsolete()
        if self.connection is None:
            self.worked_at = float("-inf")
        elif self.health_check_enabled and time.monotonic() - self.worked_at < HEALTH_CHECK_IDLE:
            self.health_check_done = True
