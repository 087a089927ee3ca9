"""The PDS's own sign-in page: which ways in a domain offers (`login_type`), a password
checked under two throttles (per account, and per source address, which catches one
password tried against many accounts; LDAP passwords count in the same two), and where a
browser that signed out may be sent back to."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from pds_server.models import App, Domain, LdapSignin, PasswordSignin, PdsUser, PhoneSignin
from pds_server.selectors import user_for_signin
from pds_server.services import throttle
from pds_server.services.users import user_check_password

THROTTLED = "Too many failed sign-in attempts. Try again later."
# The sign-in methods of the PDS page, in the order the page offers them.
PASSWORD, LDAP, PHONE = "password", "ldap", "phone"


def signin_methods_enabled(*, domain: Domain) -> list[str]:
    """The domain's own ways in: password unless turned off, LDAP and phone codes when on."""
    password = PasswordSignin.objects.filter(domain=domain).first()
    methods = [PASSWORD] if password is None or password.enabled else []
    if LdapSignin.objects.filter(domain=domain, enabled=True).exists():
        methods.append(LDAP)
    if PhoneSignin.objects.filter(domain=domain, enabled=True).exists():
        methods.append(PHONE)
    return methods


def credentials_check(
    *, domain: Domain, login: str, source_address: str, check: Callable[[], PdsUser | None]
) -> PdsUser | None:
    """Run `check` (a password against the PDS's hash, or a bind at the LDAP server) under the
    sign-in throttles: TooManyRequests while the account or the address is throttled, before
    anything is checked; a refusal (None, or a user who is not enabled) counts in both."""
    account = f"{domain.pk}:{login.lower()}"
    address = f"{domain.pk}:{source_address}"
    throttle.throttle_check(rule=throttle.SIGNIN_ACCOUNT, subject=account, message=THROTTLED)
    throttle.throttle_check(rule=throttle.SIGNIN_ADDRESS, subject=address, message=THROTTLED)
    user = check() if login else None
    if user is None or user.status != PdsUser.Status.ENABLED:
        throttle.failure_record(rule=throttle.SIGNIN_ACCOUNT, subject=account)
        throttle.failure_record(rule=throttle.SIGNIN_ADDRESS, subject=address)
        return None
    # The account's count restarts; the address's does not (one good password of the
    # attacker's own must not reset their guessing at others).
    throttle.throttle_reset(rule=throttle.SIGNIN_ACCOUNT, subject=account)
    return user


def signin_attempt(*, domain: Domain, login: str, password: str, source_address: str) -> PdsUser | None:
    """The enabled user whose PDS password this is, or None (see credentials_check)."""

    def check() -> PdsUser | None:
        user = user_for_signin(domain=domain, login=login)
        return user if user is not None and user_check_password(user=user, password=password) else None

    return credentials_check(domain=domain, login=login, source_address=source_address, check=check)


def origin_of(uri: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port), or None for what a browser might read otherwise than we do
    (user info, backslashes, spaces and control characters)."""
    if "\\" in uri or any(char.isspace() or ord(char) < 32 for char in uri):
        return None
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname or "@" in parts.netloc:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def post_logout_redirect(*, domain: Domain, client_id: str, redirect_uri: str) -> str | None:
    """`redirect_uri` when the client is known and the URI has the origin of one of the
    client's registered redirect URIs; otherwise None (the PDS's own signed-out page)."""
    target = origin_of(redirect_uri) if redirect_uri else None
    if target is None or not client_id:
        return None
    app = App.objects.filter(domain=domain, app_id=client_id, enabled=True).first()
    if app is None or app.app_type == App.AppType.JWT:
        return None
    if target not in {origin_of(registered) for registered in app.redirect_uri_list}:
        return None
    return redirect_uri
