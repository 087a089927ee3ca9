"""The PDS's WSGI application (pds_server/handler.py): its JSON endpoints through the short
middleware chain, with the same answers (headers, PDS JSON errors) as through the whole one;
its pages and unknown paths through the whole chain."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory

from pds_server.handler import ApiHandler, pds_application


@pytest.fixture
def application():
    return pds_application(WSGIHandler())


def call(application, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, dict, bytes]:
    """One request through the WSGI application, as gunicorn makes it."""
    data = json.dumps(body) if body is not None else ""
    environ = RequestFactory().generic(method, path, data, content_type="application/json", **headers).environ
    started: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info=None) -> None:
        started["status"] = int(status.split()[0])
        started["headers"] = {name.lower(): value for name, value in response_headers}

    result = application(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return started["status"], started["headers"], content


def test_the_json_endpoints_take_the_short_chain_and_the_pages_the_whole_one(application):
    assert "/v2/file/get" in application.api_paths and "/v2/batch" in application.api_paths
    assert "/v2/oauth/authorize" not in application.api_paths
    handler = ApiHandler()
    names = []
    middleware = handler._middleware_chain
    # convert_exception_to_response wraps each middleware; its __wrapped__ is the middleware.
    while middleware is not None:
        inner = getattr(middleware, "__wrapped__", None)
        if inner is None or not hasattr(inner, "get_response"):
            break
        names.append(type(inner).__name__)
        middleware = inner.get_response
    assert names == ["SecurityMiddleware", "PdsApiMiddleware", "CommonMiddleware", "XFrameOptionsMiddleware"]


def test_a_middleware_added_to_the_settings_is_weighed_for_the_json_endpoints(settings):
    # The short chain takes API_MIDDLEWARE from settings.MIDDLEWARE and skips the rest: one
    # added there must be added to API_MIDDLEWARE too if a JSON endpoint needs it.
    assert settings.MIDDLEWARE == [
        "django.middleware.security.SecurityMiddleware",
        "pds_server.middleware.PdsApiMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.locale.LocaleMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "files.drive_scope.DriveScopeMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "accounts.middleware.DeadCredentialMiddleware",
        "files.middleware.SecurityHeadersMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]


def test_an_endpoint_answers_as_through_the_whole_chain(alice, application):
    item = alice.upload("short.txt", b"short chain")
    ids = {"drive_id": alice.drive_id, "file_id": item["file_id"]}
    status, headers, content = call(
        application, "POST", "/v2/file/get", ids, HTTP_AUTHORIZATION=f"Bearer {alice.token}"
    )
    assert status == 200, content
    assert json.loads(content)["name"] == "short.txt"
    assert len(headers["x-ca-request-id"]) == 32
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert "set-cookie" not in headers and "cookie" not in headers.get("vary", "").lower()
    assert headers["content-length"] == str(len(content))  # not chunked


def test_a_refused_call_is_a_pds_json_error(alice, application):
    ids = {"drive_id": alice.drive_id, "file_id": "0" * 40}
    status, headers, content = call(application, "POST", "/v2/file/get", ids, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert status == 401 and json.loads(content)["code"] == "AccessTokenInvalid"
    assert headers["content-type"].startswith("application/json") and headers["x-ca-request-id"]
    status, _, content = call(application, "GET", "/v2/file/get")
    assert status == 405 and json.loads(content)["code"] == "MethodNotAllowed"


def test_unknown_paths_and_pages_go_through_the_whole_chain(domain, application):
    status, headers, content = call(application, "POST", "/v2/no/such/endpoint", {})
    assert status == 404 and json.loads(content)["code"] == "NotFound" and headers["x-ca-request-id"]
    status, headers, content = call(application, "GET", "/v2/oauth/authorize?client_id=nobody")
    assert headers["content-type"].startswith("text/html"), (status, content[:200])
