"""The connections every request uses, made cheaper without losing what they guard:
PostgreSQL's health check runs only on a connection idle for a moment, and still replaces a
connection the server dropped; the Redis cache keeps one client per pool and works as
Django's does."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg
import pytest
from django.core.signals import request_finished, request_started
from django.db import OperationalError, connections

from drive_site.db_postgresql import base as pg_backend
from drive_site.redis_cache import SharedClientRedisCache
from tests.celery_worker import ROOT, database_url, redis_server


def backend_pid() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate(pid: int) -> None:
    """Drop the connection from the server's side, as a restart would."""
    url = database_url("default").replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            admin.execute("SELECT pg_sleep(0.05)")


def request(query=backend_pid):
    """One request's life as Django's handler signals it, around `query`."""
    request_started.send(sender=None)
    try:
        return query()
    finally:
        request_finished.send(sender=None)


@pytest.fixture
def kept_connection(transactional_db):
    connection = connections["default"]
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's backend (the PostgreSQL run covers it)")
    assert isinstance(connection, pg_backend.DatabaseWrapper)
    connection.settings_dict["CONN_MAX_AGE"] = 60  # the tests' 0 closes it after each request
    connection.close()
    yield connection
    connection.settings_dict["CONN_MAX_AGE"] = 0
    connection.close()


def test_a_connection_dropped_while_idle_is_replaced_before_the_request_uses_it(kept_connection, monkeypatch):
    first = request()
    assert request() == first  # kept across requests
    terminate(first)
    monkeypatch.setattr(pg_backend, "HEALTH_CHECK_IDLE", 0.0)  # as after a quiet moment
    second = request()
    assert second != first


def test_the_idle_time_counts_from_the_last_query_not_from_the_end_of_the_request(kept_connection, monkeypatch):
    monkeypatch.setattr(pg_backend, "HEALTH_CHECK_IDLE", 0.5)
    request_started.send(sender=None)
    first = backend_pid()
    quiet_until = time.monotonic() + 0.5
    while time.monotonic() < quiet_until:  # the request streams on without a query
        time.sleep(0.05)
    request_finished.send(sender=None)
    terminate(first)
    second = request()  # checked first, though the last request ended a moment ago
    assert second != first


def test_a_busy_connection_skips_the_check_and_a_drop_costs_one_request_at_most(kept_connection, monkeypatch):
    monkeypatch.setattr(pg_backend, "HEALTH_CHECK_IDLE", 60.0)  # however long terminate() takes
    first = request()
    terminate(first)
    # Used a moment ago: no SELECT 1 first, so this request meets the dropped connection...
    with pytest.raises(OperationalError):
        request()
    # ...and Django closes it at the request's end: the next request has a new one.
    assert request() not in (first, None)


def test_the_redis_cache_shares_one_client_per_pool(tmp_path):
    with redis_server(tmp_path) as url:
        cache = SharedClientRedisCache(url, {})
        cache.set("greeting", {"text": "hello"}, 30)
        assert cache.get("greeting") == {"text": "hello"}
        assert cache.add("counter", 1)
        assert cache.incr("counter") == 2
        assert cache.get_many(["greeting", "nothing"]) == {"greeting": {"text": "hello"}}
        client = cache._cache.get_client()
        assert cache._cache.get_client(write=True) is client
        cache.delete("greeting")
        assert cache.get("greeting") is None


def test_a_redis_cache_url_selects_the_shared_client_cache(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CACHE_URL", "DJANGO_"))}
    env.update(CACHE_URL="redis://127.0.0.1:6390/1", DJANGO_SETTINGS_MODULE="drive_site.settings", PYTHONPATH=str(ROOT))
    script = "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'], s.SESSION_ENGINE)"
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.stdout.split() == [
        "drive_site.redis_cache.SharedClientRedisCache",
        "django.contrib.sessions.backends.cached_db",
    ], out.stderr


def prepared_statements() -> list[str]:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_query_run_often_on_a_connection_is_prepared_once(kept_connection):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    users.create(username="prepared")

    def same_query():
        return users.filter(username="prepared").first()

    assert not any("auth_user" in text for text in prepared_statements())
    for _ in range(6):
        assert request(same_query) is not None
    prepared = [text for text in prepared_statements() if 'FROM "auth_user"' in text]
    assert len(prepared) == 1, prepared
    assert "$1" in prepared[0]  # the parameter is bound by the server, not pasted in
    for _ in range(3):
        request(same_query)
    assert [text for text in prepared_statements() if 'FROM "auth_user"' in text] == prepared


@pytest.mark.parametrize("setting, expected", [(None, (True, 5)), ("false", (None, None))])
def test_postgresql_urls_bind_on_the_server_unless_turned_off(tmp_path, setting, expected):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "DJANGO_"))}
    env.update(
        DATABASE_URL="postgres://drive:drive@127.0.0.1:5432/drive",
        DJANGO_SETTINGS_MODULE="drive_site.settings",
        PYTHONPATH=str(ROOT),
    )
    if setting is not None:
        env["DATABASE_PREPARED_STATEMENTS"] = setting
    script = (
        "from django.conf import settings as s; o = s.DATABASES['default'].get('OPTIONS', {});"
        " print(s.DATABASES['default']['ENGINE'], o.get('server_side_binding'), o.get('prepare_threshold'))"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["drive_site.db_postgresql", *map(str, expected)], out.stderr


def test_a_statement_with_more_parameters_than_the_protocol_carries_is_bound_on_the_client(kept_connection):
    """Django sends an `__in` list whole (a cascade deleting a big drive's files); libpq takes
    at most 65,535 parameters, so such a statement goes with its values inline."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    kept = users.create(username="kept")
    ids = [kept.pk, *range(10**9, 10**9 + 70_000)]
    assert users.filter(pk__in=ids).count() == 1
    assert users.filter(pk__in=ids[1:]).delete()[0] == 0
    assert users.filter(pk=kept.pk).exists()
    assert users.filter(username="kept").first() == kept  # small statements still bound by the server
