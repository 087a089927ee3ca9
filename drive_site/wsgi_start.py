"""What a gunicorn worker does as it starts, in both roles (drive_site.wsgi, pds_server.wsgi)."""

from __future__ import annotations

import gc

from django.conf import settings
from django.core.cache import caches, close_caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver


def started_application() -> WSGIHandler:
    """The WSGI application, with what its first requests would otherwise load on their way:
    those requests would wait for it, and the worker's memory would grow by it under load
    (about 40 MB in the PDS for the views; on S3, 40 MB more for boto3 and its models) instead of
    being there from the start."""
    _malloc_tuned()
    application = get_wsgi_application()
    get_resolver().url_patterns  # noqa: B018  # imports every view and what the views import
    if settings.DRIVE_ROLE != "drive" and settings.PDS_STORAGE == "s3":
        from pds_server.storage import blob_store

        # boto3's session and its S3 service model (django-storages makes one per thread;
        # this loads the modules and the model files the threads' sessions then share).
        blob_store().storage.bucket  # noqa: B018
    # The Redis client (importing redis-py took 60 ms of the first file/create each PDS
    # worker answered; Drive's first request reads its session from the cache).
    for alias in settings.CACHES:
        backend = caches[alias]
        if isinstance(backend, RedisCache):
            backend._cache  # noqa: B018  # builds the client, which imports redis
    skip_cache_closing()
    # What is loaded by now (modules, models, URL patterns) lives as long as the worker: out
    # of the cyclic collector's sight, its full collections stop walking all of it each time.
    gc.freeze()
    return application


# glibc's mallopt parameter for the size from which malloc maps memory of its own (freed
# back to the system at once) rather than carving it from an arena.
M_MMAP_THRESHOLD = -3
LARGE_BUFFER = 4 * 1024 * 1024


def _malloc_tuned() -> None:
    """Buffers of 4 MiB and more (boto3's 8 MiB multipart chunks) go back to the system when
    freed. glibc otherwise raises its threshold to the size of the first such buffer freed,
    then serves the next ones from its per-thread arenas, which keep what they once held: a
    worker's 16 threads grew it by 100 MB over a few S3 uploads of 1 GiB (25 MB with this).
    A no-op where the C library is not glibc."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        if libc is not None and hasattr(libc, "mallopt"):
            libc.mallopt(M_MMAP_THRESHOLD, LARGE_BUFFER)
    except OSError:
        pass  # a C library that cannot be loaded keeps its own defaults


def skip_cache_closing() -> None:
    """Django closes every cache after each request (request_finished -> close_caches), and
    of its backends only memcached's does anything then: for the others it is a walk over the
    caches through thread-local look-ups, ~2% of the PDS's CPU per small request. Skipped
    when no configured backend has a close of its own."""
    if all(type(caches[alias]).close is BaseCache.close for alias in settings.CACHES):
        request_finished.disconnect(close_caches)
