"""Sign-in and sign-out. Thin: the work is in accounts.services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.backends import SIGNIN_BACKEND
from accounts.errors import SignInError
from accounts.services.revocation import credential_revoke
from accounts.services.signin import oauth_signin_complete, oauth_signin_start, pds_signout_url, safe_next_url


def _pds_lang() -> str:
    return "zh_CN" if translation.get_language() in ("zh-hans", "zh-cn", "zh") else "en_US"


jwt_mode_login = auth_views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True)


@never_cache
def signin(request: HttpRequest) -> HttpResponseBase:
    if settings.DRIVE_AUTH_MODE in ("jwt", "accesskey"):
        # Django's own sign-in (any auth backend: the existing user system); the PDS token
        # is minted on the server with the JWT app or the AccessKey pair when first needed.
        return jwt_mode_login(request)
    if request.method != "GET":
        return HttpResponse(status=405)
    if request.user.is_authenticated:
        return redirect(safe_next_url(request.GET.get("next")))
    authorize_url = oauth_signin_start(session=request.session, next_url=request.GET.get("next"), lang=_pds_lang())
    return redirect(authorize_url)


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    try:
        user, next_url = oauth_signin_complete(session=request.session, params=request.GET)
    except SignInError as error:
        request.session.flush()
        return render(request, "accounts/signin_failed.html", {"message": str(error)}, status=400)
    login(request, user, backend=SIGNIN_BACKEND)  # cycles the session id
    return redirect(next_url)


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        credential_revoke(user=request.user)
    logout(request)  # flushes the session
    if settings.DRIVE_AUTH_MODE == "oauth":
        # On to the PDS's sign-out as well; through a page of our own, since this form's
        # CSP (form-action 'self') forbids redirecting its submission to another origin.
        return redirect("accounts:signing_out")
    messages.info(request, "You are signed out.")
    return redirect("accounts:signed_out")


@never_cache
@require_GET
def signing_out(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signing_out.html", {"pds_signout_url": pds_signout_url()})


def signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signed_out.html")
