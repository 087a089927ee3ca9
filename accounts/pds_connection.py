"""The process's one PDS client, configured from settings."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from pds_client import PDSClient


@lru_cache(maxsize=4)
def client_for(endpoint: str, timeout: float) -> PDSClient:
    return PDSClient(endpoint, timeout=timeout)


def pds_client() -> PDSClient:
    """The shared client (one connection pool per process) for the configured PDS."""
    return client_for(settings.PDS_ENDPOINT, settings.PDS_REQUEST_TIMEOUT)
