"""Every PDS response carries `x-ca-request-id`, and under /v2/ nothing answers with HTML:
unknown paths, wrong methods and crashes become PDS JSON errors."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from pds_server import errors
from pds_server.api import error_response
from pds_server.selectors import domain_for_host

log = logging.getLogger(__name__)

PDS_PREFIX = "/v2/"
# The authorize endpoint and the federation sign-in are pages for people: their error pages stay HTML.
HTML_PATHS = ("/v2/oauth/authorize",)
HTML_PREFIXES = ("/v2/oauth/federation/",)


class PdsApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PDS_PREFIX):
            return self.get_response(request)
        request_id = uuid.uuid4().hex.upper()
        request.pds_request_id = request_id
        try:
            request.pds_domain = domain_for_host(request.get_host(), settings.PDS_HOST_SUFFIX)
        except errors.PdsError as error:
            response = error_response(error)
        except Exception as error:  # DisallowedHost and friends: still a JSON answer
            response = error_response(errors.InvalidParameter(str(error) or "Bad host", code="InvalidParameter.Host"))
        else:
            response = self.get_response(request)
        if request.path not in HTML_PATHS and not request.path.startswith(HTML_PREFIXES):
            response = self._as_json(response)
        response["x-ca-request-id"] = request_id
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(PDS_PREFIX):
            return None
        if isinstance(exception, errors.PdsError):
            return error_response(exception)
        log.exception("PDS request %s failed", getattr(request, "pds_request_id", "-"))
        return error_response(
            errors.PdsError("The server failed to handle the request.", code="InternalError", status=500)
        )

    @staticmethod
    def _as_json(response: HttpResponse) -> HttpResponse:
        content_type = response.get("Content-Type", "")
        if response.status_code < 400 or content_type.startswith("application/json"):
            return response
        code = {
            404: "NotFound",
            405: "MethodNotAllowed",
            403: "Forbidden",
            400: "InvalidParameter",
            416: "InvalidRange",
        }.get(response.status_code, "InternalError")
        replacement = error_response(
            errors.PdsError(f"HTTP {response.status_code}", code=code, status=response.status_code)
        )
        for header in ("Allow", "Content-Range"):
            if header in response:
                replacement[header] = response[header]
        return replacement
