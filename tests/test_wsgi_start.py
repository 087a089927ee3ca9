"""What a gunicorn worker loads as it starts (drive_site/wsgi_start.py), so that its first
requests do not wait for it."""

from __future__ import annotations

import gc

from django.core.cache import caches

from drive_site.wsgi_start import started_application


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
    assert "_cache" in caches["default"].__dict__  # redis-py imported, the client class made
