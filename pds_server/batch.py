"""`/v2/batch`: each sub-request dispatched to the handler of its own endpoint."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from pds_server import errors
from pds_server.api import BATCHABLE, Caller, Endpoint

# The scopes of endpoints that change nothing (a share's download count aside, which a
# share caller's reads never take from the batch's memo).
READ_SCOPES = frozenset({"FILE.GET", "FILE.LIST"})


def batch_dispatch(request: HttpRequest, caller: Caller, requests: list[Any]) -> list[dict]:
    """Each sub-request through the handler of its own endpoint, with the caller's token;
    an error answers that sub-request alone."""
    responses = []
    subs = [sub if isinstance(sub, dict) else {} for sub in requests]
    endpoints = [BATCHABLE.get("/v2" + str(sub.get("url", ""))) for sub in subs]
    # Reads only (file/get with file/get_download_url, as Drive's downloads send them):
    # nothing in the batch can change a grant or a row another sub-request reads.
    if all(endpoint is not None and endpoint.scope in READ_SCOPES for endpoint in endpoints):
        caller.batch_reads = {}
    try:
        for sub, endpoint in zip(subs, endpoints, strict=True):
            responses.append(batch_answer(request, caller, sub, endpoint))
    finally:
        caller.batch_reads = None
    return responses


def batch_answer(request: HttpRequest, caller: Caller, sub: dict, endpoint: Endpoint | None) -> dict:
    """One sub-request's answer; an error answers it alone."""
    try:
        if endpoint is None:
            raise errors.PdsError(f"{sub.get('url')} cannot be batched.", code="NotFound", status=404)
        caller.require_scope(endpoint.scope)
        sub_body = sub.get("body") if isinstance(sub.get("body"), dict) else {}
        result = endpoint.handler(request, caller, sub_body)
        status, payload = result if isinstance(result, tuple) else (200, result)
    except errors.PdsError as error:
        status, payload = error.status, error.body()
    return {"id": sub.get("id", ""), "status": status, "body": payload if payload is not None else {}}
