"""The BasicUI handshake's page and endpoint. Thin: the work is in accounts.services.basicui."""

from __future__ import annotations

import json

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from accounts.backends import SIGNIN_BACKEND
from accounts.errors import SignInError
from accounts.services.basicui import (
    AccountRefused,
    BasicUIOff,
    OriginRefused,
    TokenRefused,
    basicui_origin_check,
    basicui_session_start,
    basicui_token_accept,
)


def _status_for(error: SignInError) -> int:
    if isinstance(error, BasicUIOff):
        return 404
    if isinstance(error, (OriginRefused, TokenRefused, AccountRefused)):
        return 403
    return 503  # the PDS could not be reached: try again


@never_cache
@require_GET
@ensure_csrf_cookie
def accesstoken(request: HttpRequest) -> HttpResponse:
    """`/accesstoken?origin=<origin>`: the page (js/basicui.js) that says "ready" to the
    site that opened it and waits for the token. Another origin gets a page saying so, and
    no script: nothing is posted to it."""
    origin = request.GET.get("origin")
    try:
        basicui_origin_check(origin)
    except SignInError as error:
        return render(request, "accounts/basicui_refused.html", {"message": str(error)}, status=_status_for(error))
    response = render(request, "accounts/basicui.html", {"origin": origin})
    # Keep the site as this window's opener: Django's default (same-origin) would cut the
    # link, leaving no window to say "ready" to. The refusal page keeps the default.
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    return response


@never_cache
@require_POST
def accesstoken_accept(request: HttpRequest) -> JsonResponse:
    """The page posts the token the site handed it (CSRF-protected JSON:
    {origin, access_token, expires_in?}); signed in, it goes on to the drive."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    origin = body.get("origin") if isinstance(body, dict) else None
    try:
        sign_in = basicui_token_accept(origin=origin, message=body)
    except SignInError as error:
        return JsonResponse({"error": str(error)}, status=_status_for(error))
    login(request, sign_in.user, backend=SIGNIN_BACKEND)  # cycles the session id
    basicui_session_start(request.session, sign_in)  # the session ends with the token
    return JsonResponse({"next": reverse("files:home")})
