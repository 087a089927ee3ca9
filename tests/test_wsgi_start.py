"""What a gunicorn worker loads as it starts (drive_site/wsgi_start.py), so that its first
requests do not wait for it."""

from __future__ import annotations

import gc
import weakref

from django.core.cache import caches, close_caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import request_finished
from django.dispatch import Signal

from drive_site.wsgi_start import skip_cache_closing, started_application


def test_a_worker_starts_with_its_views_and_its_redis_client_loaded(settings):
    # Building the client connects to nothing: no Redis needs to listen there.
    settings.CACHES = {
        "default": {"BACKEND": "drive_site.redis_cache.SharedClientRedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }
    assert "_cache" not in caches["default"].__dict__
    try:
        started_application()
    finally:
        gc.unfreeze()  # the test process goes on collecting what it made before
        request_finished.connect(close_caches)  # skipped for a Redis cache: as Django left it
    assert "_cache" in caches["default"].__dict__  # redis-py imported, the client class made


class ClosingCache(LocMemCache):
    def close(self, **kwargs):  # as memcached's does
        pass


def test_caches_are_closed_after_each_request_only_where_closing_does_something(settings):
    try:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        skip_cache_closing()
        assert close_caches not in receivers_of(request_finished)
        request_finished.connect(close_caches)
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "closing": {"BACKEND": f"{__name__}.ClosingCache"},
        }
        skip_cache_closing()
        assert close_caches in receivers_of(request_finished)
    finally:
        request_finished.connect(close_caches)  # as Django left it, for the tests after this one


def receivers_of(signal: Signal) -> list[object]:
    """The functions connected to `signal` (held weakly by default, else as they are)."""
    return [ref() if isinstance(ref, weakref.ref) else ref for _key, ref, *_rest in signal.receivers]
