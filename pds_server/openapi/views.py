"""GET /v2/openapi.json: the description of every endpoint (document.py), built once per
process. Registered like every endpoint, so it describes itself too."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from pds_server.api import Caller, pds_endpoint
from pds_server.openapi.document import OPENAPI_PATH, document_bytes


@pds_endpoint(OPENAPI_PATH, scope=None, auth="none", methods=("GET", "HEAD"), body="none")
def openapi_json(request: HttpRequest, caller: Caller, body: dict) -> HttpResponse:
    response = HttpResponse(document_bytes(), content_type="application/json; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response
