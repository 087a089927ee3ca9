"""The sign-in part of the authorize page (views.oauth.authorize): the PDS's own sign-in
cookie, and the ways in a domain offers, chosen by the `login_type` of the request —
`default` (the domain's methods, with links between them, and its third-party providers),
`password`, `ldap`, `phone`, or a provider's name (straight to that provider). An unknown or
disabled `login_type` gets the error page (400), never a 500.

The cookie is never Django's session: see SIGNIN_COOKIE_PATH."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.utils.crypto import salted_hmac

from pds_server import errors
from pds_server.i18n import signin_texts
from pds_server.models import PdsUser
from pds_server.services import audit, ldap_signin, phone_codes, signin, sms_senders, throttle
from pds_server.services.oauth import AuthorizationRequest

logger = logging.getLogger(__name__)

SIGNIN_COOKIE = "pds_signin"
SIGNIN_SALT = "pds_server.signin"
# The sign-in cookie is scoped to the OAuth pages: it is never sent to the drive app's paths.
SIGNIN_COOKIE_PATH = "/v2/oauth/"
# Which of the default page's methods is shown (its links set it); never part of the OAuth request.
TAB_PARAMETER = "signin_method"
# The forms' `action`, and the method each belongs to.
ACTIONS = {
    "signin": signin.PASSWORD,
    "ldap": signin.LDAP,
    "phone_send": signin.PHONE,
    "phone_signin": signin.PHONE,
}
# Failures the audit log knows (services.audit.SIGNIN_FAILURES), by the page's own.
AUDIT_FAILURES = {"bad_code": "bad_credentials", "bad_phone": "bad_credentials"}


def page_lang(lang: str) -> str:
    return "en_US" if lang == "en_US" else "zh_CN"


def error_page(request: HttpRequest, message: str, *, lang: str, status: int = 400, back_url: str = "") -> HttpResponse:
    context = {"message": message, "t": signin_texts(page_lang(lang)), "back_url": back_url}
    context["domain"] = getattr(request, "pds_domain", None)
    return render(request, "pds_server/error.html", context, status=status)


# --- The PDS's own sign-in cookie --------------------------------------------------------------


def signin_value(user: PdsUser) -> str:
    # Bound to the password hash: changing the password signs the user out everywhere.
    return f"{user.pk}:{salted_hmac(SIGNIN_SALT, user.password).hexdigest()[:32]}"


def signed_in_user(request: HttpRequest) -> PdsUser | None:
    try:
        value = request.get_signed_cookie(SIGNIN_COOKIE, salt=SIGNIN_SALT, max_age=settings.PDS_SIGNIN_LIFETIME)
    except (KeyError, signing.BadSignature):
        return None
    user_pk = value.split(":", 1)[0]
    user = PdsUser.objects.filter(pk=int(user_pk) if user_pk.isdigit() else 0, domain=request.pds_domain).first()
    if user is None or user.status != PdsUser.Status.ENABLED or signin_value(user) != value:
        return None
    return user


def signin_cookie_set(response: HttpResponse, *, request: HttpRequest, user: PdsUser) -> None:
    """Sign the browser in (every way in ends here, third-party providers included)."""
    response.set_signed_cookie(
        SIGNIN_COOKIE,
        signin_value(user),
        salt=SIGNIN_SALT,
        max_age=settings.PDS_SIGNIN_LIFETIME,
        path=SIGNIN_COOKIE_PATH,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


# --- The forms ---------------------------------------------------------------------------------


@dataclass
class SignIn:
    user: PdsUser | None
    failure: str = ""  # a key of the page's texts: bad_credentials, throttled, bad_code, ...
    retry_after: int = 0
    status: int = 401


def _audited(request: HttpRequest, login: str, outcome: SignIn) -> SignIn:
    failure = AUDIT_FAILURES.get(outcome.failure, outcome.failure)
    audit.signin_record(request=request, login=login, user=outcome.user, failure=failure)
    return outcome


def _attempt(attempt: Callable[[], PdsUser | None], *, refused: str) -> SignIn:
    """A sign-in method's check as the page's outcome: the user, `refused`, or throttled."""
    try:
        user = attempt()
    except errors.TooManyRequests as throttled:
        return SignIn(None, "throttled", throttled.retry_after)
    return SignIn(user, "" if user else refused)


def signin_from_form(request: HttpRequest) -> SignIn:
    """The password form."""
    login = request.POST.get("username", "").strip()
    outcome = _attempt(
        lambda: signin.signin_attempt(
            domain=request.pds_domain,  # type: ignore[attr-defined]
            login=login,
            password=request.POST.get("password", ""),
            source_address=throttle.source_address(request),
        ),
        refused="bad_credentials",
    )
    return _audited(request, login, outcome)


def ldap_from_form(request: HttpRequest) -> SignIn:
    login = request.POST.get("username", "").strip()
    domain = request.pds_domain  # type: ignore[attr-defined]
    try:
        outcome = _attempt(
            lambda: ldap_signin.ldap_signin_attempt(
                domain=domain,
                login=login,
                password=request.POST.get("password", ""),
                source_address=throttle.source_address(request),
            ),
            refused="bad_credentials",
        )
    except ldap_signin.DirectoryUnavailable as failure:
        logger.warning("LDAP sign-in on domain %s: %s", domain.domain_id, failure)
        outcome = SignIn(None, "directory_unavailable", status=503)
    return _audited(request, f"ldap:{login}", outcome)


def phone_code_from_form(request: HttpRequest, phone: str) -> SignIn:
    outcome = _attempt(
        lambda: phone_codes.phone_code_signin(
            domain=request.pds_domain,  # type: ignore[attr-defined]
            phone=phone,
            code=request.POST.get("code", ""),
            source_address=throttle.source_address(request),
        ),
        refused="bad_code",
    )
    return _audited(request, f"phone:{phone}", outcome)


# --- The page ----------------------------------------------------------------------------------


def _federation_links(domain) -> list[tuple[str, str]]:
    """(name, label) of the domain's enabled third-party providers (services.federation)."""
    try:
        from pds_server.services.federation import federation_providers
    except ImportError:  # pragma: no cover - the federation module is optional to this page
        return []
    return list(federation_providers(domain))


@dataclass
class SigninPage:
    request: HttpRequest
    auth_request: AuthorizationRequest
    login_type: str
    offered: list[str]  # the domain's own methods this page offers
    providers: list[tuple[str, str]] = field(default_factory=list)
    provider_start: str = ""  # login_type named a provider: where the browser goes instead

    @property
    def texts(self) -> dict:
        return signin_texts(self.auth_request.lang)

    @classmethod
    def open(cls, request: HttpRequest, auth_request: AuthorizationRequest) -> SigninPage | HttpResponse:
        """The page of this request's `login_type`, or the error page when the domain has no such way in."""
        domain = request.pds_domain  # type: ignore[attr-defined]
        login_type = request.GET.get("login_type", "") or "default"
        methods = signin.signin_methods_enabled(domain=domain)
        providers = _federation_links(domain)
        page = cls(request, auth_request, login_type, offered=[])
        if login_type == "default":
            page.offered, page.providers = methods, providers
            if not methods and not providers:
                return page.refused_type(page.texts["no_methods"])
        elif login_type in ACTIONS.values() and login_type in methods:
            page.offered = [login_type]
        elif login_type in dict(providers):
            page.provider_start = f"/v2/oauth/federation/{login_type}/start?{page.query(without=TAB_PARAMETER)}"
        else:
            return page.refused_type(page.texts["login_type_unavailable"].format(login_type=login_type[:64]))
        return page

    def query(self, *, without: str = "", **changes: str) -> str:
        params: QueryDict = self.request.GET.copy()
        params.pop(without, None)
        for name, value in changes.items():
            params[name] = value
        return params.urlencode()

    def refused_type(self, message: str) -> HttpResponse:
        back = ""
        if self.login_type != "default":
            back = f"/v2/oauth/authorize?{self.query(without=TAB_PARAMETER, login_type='default')}"
        return error_page(self.request, message, lang=self.auth_request.lang, back_url=back)

    @property
    def current(self) -> str:
        chosen = self.request.GET.get(TAB_PARAMETER, "")
        return chosen if chosen in self.offered else (self.offered[0] if self.offered else "")

    def render(self, method: str, *, error: str = "", status: int = 200, **extra) -> HttpResponse:
        texts = self.texts
        tabs = []
        if self.login_type == "default" and len(self.offered) > 1:
            tabs = [
                {
                    "label": texts[f"method_{name}"],
                    "url": f"?{self.query(signin_method=name)}",
                    "current": name == method,
                }
                for name in self.offered
            ]
        providers = [
            {"label": label, "url": f"/v2/oauth/federation/{name}/start?{self.query(without=TAB_PARAMETER)}"}
            for name, label in self.providers
        ]
        context = {
            "t": texts,
            "app": self.auth_request.app,
            "scopes": self.auth_request.scopes,
            "domain": self.request.pds_domain,  # type: ignore[attr-defined]
            "method": method,
            "tabs": tabs,
            "providers": providers,
            "error": error,
            "restart_url": "?" + self.query(signin_method=method) if tabs else "?" + self.query(),
            **extra,
        }
        return render(self.request, "pds_server/signin.html", context, status=status)

    def signin_response(self) -> HttpResponse:
        """No one is signed in: the form of the current method, or off to the provider."""
        if self.provider_start:
            return HttpResponseRedirect(self.provider_start)
        return self.render(self.current)

    def consent_response(self, user: PdsUser) -> HttpResponse:
        context = {"t": self.texts, "app": self.auth_request.app, "scopes": self.auth_request.scopes}
        context.update(domain=self.request.pds_domain, user=user)  # type: ignore[attr-defined]
        return render(self.request, "pds_server/consent.html", context)

    def continue_signed_in(self) -> HttpResponse:
        """After the new sign-in that prompt=login asked for: the same request without that
        prompt (now satisfied), so that the consent form's round trip finds the user."""
        prompt = " ".join(sorted(self.auth_request.prompt - {"login"}))
        params: QueryDict = self.request.GET.copy()
        params.pop("prompt", None)
        if prompt:
            params["prompt"] = prompt
        response = HttpResponseRedirect(f"/v2/oauth/authorize?{params.urlencode()}")
        response.status_code = 303  # See Other: a GET of the same request
        return response

    def refused(self, method: str, outcome: SignIn, **extra) -> HttpResponse:
        minutes = max(1, -(-outcome.retry_after // 60))
        message = self.texts[outcome.failure].format(minutes=minutes)
        response = self.render(method, error=message, status=outcome.status, **extra)
        if outcome.retry_after:
            response["Retry-After"] = str(outcome.retry_after)
        return response

    def signin_post(self, action: str) -> PdsUser | HttpResponse:
        """A form of the page was sent: the user it signs in, or the page to answer with."""
        method = ACTIONS[action]
        if method not in self.offered:
            return self.refused_type(self.texts["login_type_unavailable"].format(login_type=method))
        if action == "signin":
            outcome = signin_from_form(self.request)
        elif action == "ldap":
            outcome = ldap_from_form(self.request)
        else:
            phone = phone_codes.phone_normalize(self.request.POST.get("phone", ""))
            if phone is None:
                return self.refused(method, SignIn(None, "bad_phone", status=400))
            if action == "phone_send":
                return self.phone_send(phone)
            outcome = phone_code_from_form(self.request, phone)
            if outcome.user is None:
                return self.refused(method, outcome, phone=phone, code_sent=True)
        return outcome.user if outcome.user is not None else self.refused(method, outcome)

    def phone_send(self, phone: str) -> HttpResponse:
        try:
            phone_codes.phone_code_send(
                domain=self.request.pds_domain,  # type: ignore[attr-defined]
                phone=phone,
                source_address=throttle.source_address(self.request),
            )
        except errors.TooManyRequests as throttled:
            return self.refused(signin.PHONE, SignIn(None, "too_many_codes", throttled.retry_after, status=429))
        except sms_senders.SendFailed as failure:
            logger.warning("Phone code to %s not sent: %s", phone, failure)
            return self.refused(signin.PHONE, SignIn(None, "send_failed", status=503), phone=phone)
        notice = self.texts["code_sent"].format(phone=phone)
        return self.render(signin.PHONE, phone=phone, code_sent=True, notice=notice)
