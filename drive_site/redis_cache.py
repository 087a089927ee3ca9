"""Django's Redis cache, with one client object per connection pool.

Django's RedisCacheClient builds a new `redis.Redis` for every cache call; its constructor
fills a table of response callbacks, which made up a twentieth of the CPU a signed-in
request spent in Drive (the session is read from the cache). A `redis.Redis` is safe to
share between threads (each command takes a connection from the pool), so each pool gets
one, made on first use.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}  # by id() of Django's pool, which it keeps

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # Django's, not in the stubs
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
