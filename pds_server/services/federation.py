"""Sign-in through a domain's third-party user systems (generic OAuth 2.0 / OpenID Connect
providers): which providers a domain offers, the one-time state of a sign-in in flight,
and the domain user a provider's subject signs in (linked, or created on the first
sign-in when the provider allows it). The protocol with the provider is federation_oidc."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

from django.db import IntegrityError, transaction
from django.utils import timezone

from pds_server import errors
from pds_server.models import Domain, FederatedIdentity, FederationProvider, FederationState, PdsUser
from pds_server.routers import PDS_DB
from pds_server.services.federation_oidc import FederationError
from pds_server.services.secrets_box import secret_encrypt
from pds_server.services.tokens import digest
from pds_server.services.users import user_create

STATE_LIFETIME = timedelta(minutes=10)
# Profile fields a provider's claims may fill, with their column sizes (never the user name).
PROFILE_FIELDS = {"nick_name": 128, "email": 254, "phone": 32}
# A new user's creator: other sign-in methods never adopt such a user (ldap_signin).
CREATOR_PREFIX = "federation:"
# Parameters of the sign-in page that have done their work once the person is back.
SIGNIN_ONLY_PARAMETERS = ("login_type",)


def federation_providers(domain: Domain) -> list[tuple[str, str]]:
    """(name, label) of the domain's enabled providers, for the sign-in page's links."""
    rows = FederationProvider.objects.filter(domain=domain, enabled=True).order_by("label", "name")
    return [(row.name, row.label) for row in rows]


def federation_start_url(name: str, authorize_query: str) -> str:
    """Where the sign-in page sends `login_type=<name>`: the same authorize query string."""
    return f"/v2/oauth/federation/{name}/start?{authorize_query}"


def federation_callback_path(name: str) -> str:
    """The redirect URI to register at the provider (after this PDS's own origin)."""
    return f"/v2/oauth/federation/{name}/callback"


def provider_for(*, domain: Domain, name: str) -> FederationProvider:
    provider = FederationProvider.objects.filter(domain=domain, name=name).first()
    if provider is None:
        raise FederationError(f"This domain has no sign-in method called {name[:32]!r}.")
    if not provider.enabled:
        raise FederationError(f"Sign-in with {provider.label} is turned off for this domain.")
    return provider


def provider_secret_set(*, provider: FederationProvider, client_secret: str) -> None:
    provider.client_secret_encrypted = secret_encrypt(client_secret)
    FederationProvider.objects.filter(pk=provider.pk).update(client_secret_encrypted=provider.client_secret_encrypted)


# --- The sign-in in flight -----------------------------------------------------------------


@dataclass(frozen=True)
class Flight:
    state: str
    verifier: str
    nonce: str


def state_begin(*, provider: FederationProvider, authorize_query: str) -> Flight:
    """A new sign-in: its state (the browser keeps it in a signed cookie), PKCE verifier and,
    for OpenID Connect, nonce (both kept here)."""
    now = timezone.now()
    FederationState.objects.filter(expires_at__lt=now).delete()
    flight = Flight(
        state=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(64),
        nonce=secrets.token_urlsafe(24) if provider.is_openid else "",
    )
    FederationState.objects.create(
        state_hash=digest(flight.state),
        provider=provider,
        code_verifier=flight.verifier,
        nonce=flight.nonce,
        authorize_query=authorize_query,
        created_at=now,
        expires_at=now + STATE_LIFETIME,
    )
    return flight


def state_claim(*, provider: FederationProvider, state: str) -> FederationState:
    """The sign-in this state began, once: a second use, another provider's state or an
    expired one is refused."""
    record = FederationState.objects.filter(state_hash=digest(state or "-"), provider=provider).first()
    if record is None:
        raise FederationError("This sign-in is unknown here. Start again from the sign-in page.")
    claimed = FederationState.objects.filter(pk=record.pk, used_at__isnull=True).update(used_at=timezone.now())
    if not claimed:
        raise FederationError("This sign-in was already used. Start again from the sign-in page.")
    if record.expires_at <= timezone.now():
        raise FederationError("This sign-in took too long. Start again from the sign-in page.")
    return record


def fresh_signin_asked(authorize_query: str) -> bool:
    """Whether the original authorize request asked for a new authentication (prompt=login):
    the provider is asked for one too, and its ID token's auth_time must be after the start."""
    return any(
        key == "prompt" and "login" in value.split()
        for key, value in parse_qsl(authorize_query, keep_blank_values=True)
    )


def authorize_continuation(authorize_query: str) -> str:
    """The original authorize query string for after the sign-in: without the sign-in
    page's own choice (login_type) and without prompt=login, which is now satisfied."""
    pairs = []
    for key, value in parse_qsl(authorize_query, keep_blank_values=True):
        if key in SIGNIN_ONLY_PARAMETERS:
            continue
        if key == "prompt":
            value = " ".join(word for word in value.split() if word != "login")
            if not value:
                continue
        pairs.append((key, value))
    return urlencode(pairs)


# --- The domain user -------------------------------------------------------------------


def subject_of(*, provider: FederationProvider, claims: dict) -> str:
    subject = claims.get(provider.subject_claim)
    if isinstance(subject, bool) or not isinstance(subject, (str, int)) or not str(subject).strip():
        raise FederationError(f"The provider did not say who you are (no {provider.subject_claim!r} claim).")
    subject = str(subject).strip()
    if len(subject) > 255:
        raise FederationError("The provider's subject is longer than 255 characters.")
    return subject


def _claim_text(claims: dict, claim: str, size: int) -> str:
    value = claims.get(claim) if claim else None
    if isinstance(value, str) and value.strip() and all(ord(ch) >= 32 for ch in value):
        return value.strip()[:size]
    return ""


def profile_from(*, provider: FederationProvider, claims: dict) -> dict[str, str]:
    """A new user's profile from the provider's claims: the nick name; the email and phone
    only when the provider says it verified them (OIDC Core section 5.1 email_verified,
    phone_number_verified: exactly true) and no other user of the domain has them, since the
    share dialog and phone sign-in find people by them. Never a user name: password and LDAP
    sign-in find people by it, so a provider account could otherwise take a person's place."""
    profile = {}
    nick_name = _claim_text(claims, provider.nick_name_claim, PROFILE_FIELDS["nick_name"])
    if nick_name:
        profile["nick_name"] = nick_name
    users = PdsUser.objects.filter(domain=provider.domain)
    email = _claim_text(claims, provider.email_claim, PROFILE_FIELDS["email"])
    if email and claims.get("email_verified") is True and not users.filter(email__iexact=email).exists():
        profile["email"] = email
    phone = _claim_text(claims, provider.phone_claim, PROFILE_FIELDS["phone"])
    if phone and claims.get("phone_number_verified") is True and not users.filter(phone=phone).exists():
        profile["phone"] = phone
    return profile


def federated_user(*, provider: FederationProvider, claims: dict) -> PdsUser:
    """The enabled domain user this provider's subject signs in. A subject seen for the first
    time becomes a new user when the provider creates users; it is never linked to an
    existing user by a matching name or email (that would let the provider take accounts)."""
    subject = subject_of(provider=provider, claims=claims)
    identity = FederatedIdentity.objects.select_related("user").filter(provider=provider, subject=subject).first()
    if identity is None:
        if not provider.create_users:
            raise FederationError(
                f"Your {provider.label} account is not linked to a user of this domain. Ask an administrator."
            )
        identity = _identity_create(provider=provider, subject=subject, claims=claims)
    user = identity.user
    if user.status != PdsUser.Status.ENABLED:
        raise FederationError("Your user of this domain is disabled.")
    FederatedIdentity.objects.filter(pk=identity.pk).update(last_signin_at=timezone.now())
    return user


def _identity_create(*, provider: FederationProvider, subject: str, claims: dict) -> FederatedIdentity:
    profile = profile_from(provider=provider, claims=claims)
    try:
        with transaction.atomic(using=PDS_DB):
            user = user_create(
                domain=provider.domain,
                user_id=uuid.uuid4().hex,
                fields=profile,
                creator=f"{CREATOR_PREFIX}{provider.name}",
            )
            return FederatedIdentity.objects.create(provider=provider, subject=subject, user=user)
    except (IntegrityError, errors.AlreadyExist):
        # A concurrent first sign-in of the same subject won the race: use its user.
        existing = FederatedIdentity.objects.select_related("user").filter(provider=provider, subject=subject).first()
        if existing is None:
            raise FederationError("Your user could not be created. Try again.") from None
        return existing
