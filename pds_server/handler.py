"""The embedded PDS's WSGI application (pds_server/wsgi.py): its JSON endpoints through a
short middleware chain, everything else through settings.MIDDLEWARE.

An endpoint of `pds_endpoint` reads its caller from a bearer token, a signature or a share
token, never from a session or a Django user; it is csrf_exempt and its answers are not
translated. The session, authentication, locale, CSRF, messages and the drive app's own
middleware did nothing for those requests but cost about a sixth of the PDS's CPU per call
(py-spy, 1 MiB downloads in bench/). The authorize and federation pages, which do use them,
and any other path keep the whole chain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.urls import get_resolver
from django.utils.module_loading import import_string

# What a JSON endpoint's answer needs, taken from settings.MIDDLEWARE in its order: the
# security headers, the request id and JSON errors (PdsApiMiddleware), Content-Length
# (CommonMiddleware: without it gunicorn sends the answer chunked), X-Frame-Options.
API_MIDDLEWARE = frozenset(
    {
        "django.middleware.security.SecurityMiddleware",
        "pds_server.middleware.PdsApiMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    }
)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ApiHandler(WSGIHandler):
    """Django's WSGIHandler with the API_MIDDLEWARE of settings.MIDDLEWARE only."""

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler.load_middleware for new-style, synchronous middleware (all of
        # API_MIDDLEWARE), which reads settings.MIDDLEWARE itself and so cannot be given a list.
        self._view_middleware: list[Callable[..., Any]] = []
        self._template_response_middleware: list[Callable[..., Any]] = []
        self._exception_middleware: list[Callable[..., Any]] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]
        for path in reversed([path for path in settings.MIDDLEWARE if path in API_MIDDLEWARE]):
            middleware = import_string(path)(handler)
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler


def pds_application(full: WSGIHandler) -> WSGIApp:
    """`full` for every path but those of the JSON endpoints, which an ApiHandler answers."""
    from pds_server.api import ROUTES  # (after django.setup(): the module imports models)

    get_resolver().url_patterns  # noqa: B018  # imports the views, whose pds_endpoint fills ROUTES
    api = ApiHandler()
    endpoints = frozenset(ROUTES)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        handler = api if environ.get("PATH_INFO", "") in endpoints else full
        return handler(environ, start_response)

    application.api_paths = endpoints  # type: ignore[attr-defined]  # for tests
    return application
