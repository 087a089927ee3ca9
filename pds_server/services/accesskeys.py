"""AccessKey pairs and their signatures (pds-api.md section 7; the PDS document "Call API
operations by using an AccessKey pair"): `Authorization: acs <AccessKeyId>:<Signature>`,
Signature = base64(HMAC-SHA1(secret, VERB\\n Accept\\n Content-MD5\\n Content-Type\\n Date\\n
CanonicalizedHeaders CanonicalizedResource)), exactly what the official SDKs compute
(alibabacloud_gateway_pds and the legacy ROA signer), so they work unmodified.

Refusals, each a PDS JSON error: an unknown key or one of another domain, a disabled key,
a wrong signature (throttled per key and source address, across processes), a Date more
than 15 minutes off, a Content-MD5 that does not match the body, and a replayed request: a
nonce (`x-acs-signature-nonce`) seen before, or, for clients that send none (the legacy
SDK), the same signature seen before within the window."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, timedelta
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from pds_server import errors
from pds_server.models import AccessKey, AccessKeyNonce, App, Domain, PdsUser
from pds_server.routers import PDS_DB
from pds_server.services import throttle
from pds_server.services.apps import ALL_SCOPES
from pds_server.services.secrets_box import SecretKeyMissing, secret_decrypt, secret_encrypt
from pds_server.services.tokens import IssuedTokens, tokens_issue
from pds_server.services.users import user_logon

log = logging.getLogger(__name__)

SCHEME = "acs "
DOWNLOAD_FILE_SIGNED_TYPE = "application/x-www-form-urlencoded; charset=UTF-8"
# Refusals written to the audit log: those naming a key of the domain (unknown ids and
# throttled attempts are not, or anyone could fill the log).
AUDITED_REFUSALS = frozenset(
    {
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId.Inactive",
        "RequestTimeTooSkewed",
        "SignatureNonceUsed",
        "InvalidParameter.ContentMD5",
        "InvalidParameter.Date",
        "InvalidParameterMissing.Date",
    }
)
# How long an old secret keeps working after a rotation.
ROTATION_GRACE = timedelta(hours=24)
LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True)
class CreatedAccessKey:
    access_key: AccessKey
    secret: str  # shown once, never stored in clear


def _new_key_id() -> str:
    return "LTAI" + secrets.token_hex(10).upper()


def _new_secret() -> str:
    return secrets.token_urlsafe(24)


def accesskey_create(*, domain: Domain, role: str = AccessKey.Role.ADMIN, description: str = "") -> CreatedAccessKey:
    """A new pair for `domain`; the secret is returned once and kept only encrypted."""
    if role not in AccessKey.Role.values:
        raise errors.InvalidParameter(f"role must be one of {', '.join(AccessKey.Role.values)}.")
    key_id = _new_key_id()
    secret = _new_secret()
    with transaction.atomic(using=PDS_DB):
        app = App.objects.create(
            app_id=f"ak-{key_id.lower()}",
            domain=domain,
            name=f"AccessKey {key_id}",
            description="Tokens obtained with this AccessKey pair (made with the key, disabled with it).",
            app_type=App.AppType.JWT,
            scopes=list(ALL_SCOPES),
        )
        key = AccessKey.objects.create(
            domain=domain,
            access_key_id=key_id,
            secret_encrypted=secret_encrypt(secret),
            role=role,
            description=description[:256],
            app=app,
        )
    return CreatedAccessKey(key, secret)


def accesskey_rotate(*, access_key: AccessKey) -> str:
    """A new secret for the same key id; the old one keeps working for ROTATION_GRACE."""
    secret = _new_secret()
    now = timezone.now()
    access_key.previous_secret_encrypted = access_key.secret_encrypted
    access_key.previous_valid_until = now + ROTATION_GRACE
    access_key.secret_encrypted = secret_encrypt(secret)
    access_key.rotated_at = now
    changed = ["previous_secret_encrypted", "previous_valid_until", "secret_encrypted", "rotated_at"]
    access_key.save(update_fields=changed)
    return secret


def accesskey_set_enabled(*, access_key: AccessKey, enabled: bool) -> None:
    """Disabling a key also disables its app, so user tokens it obtained stop working."""
    with transaction.atomic(using=PDS_DB):
        AccessKey.objects.filter(pk=access_key.pk).update(enabled=enabled)
        App.objects.filter(pk=access_key.app_id).update(enabled=enabled)
    access_key.enabled = enabled


# --- Verifying a signed request -----------------------------------------------------------


def is_accesskey_request(request: HttpRequest) -> bool:
    """`acs <id>:<sig>`, or the SDKs' newer schemes (ACS3-/ACS4-HMAC-...), refused by name."""
    authorization = request.headers.get("Authorization", "")
    return authorization[: len(SCHEME)].lower() == SCHEME or authorization[:5].upper() in ("ACS3-", "ACS4-")


def string_to_sign(request: HttpRequest, *, content_type: str | None = None) -> str:
    """What the SDKs sign: method, the four standard headers, then every `x-acs-*` header
    (name lowercased, sorted, value trimmed), then the path and the sorted query (a key
    alone when its value is empty)."""
    headers = request.headers
    lines = [
        request.method or "POST",
        headers.get("Accept", ""),
        headers.get("Content-MD5", ""),
        headers.get("Content-Type", "") if content_type is None else content_type,
        headers.get("Date", ""),
    ]
    canonical = "\n".join(lines) + "\n"
    acs = sorted((name.lower(), value.strip()) for name, value in headers.items() if name.lower().startswith("x-acs-"))
    canonical += "".join(f"{name}:{value}\n" for name, value in acs)
    resource = request.path
    if request.GET:
        query = request.GET
        pairs = [key if query.get(key, "") == "" else f"{key}={query.get(key)}" for key in sorted(query)]
        resource += "?" + "&".join(pairs)
    return canonical + resource


def signature_of(text: str, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()).decode()


def _refused(message: str, code: str) -> errors.PdsError:
    return errors.Forbidden(message, code=code)


def _secrets_of(key: AccessKey) -> list[str]:
    found = [secret_decrypt(key.secret_encrypted)]
    if key.previous_secret_encrypted and key.previous_valid_until and key.previous_valid_until > timezone.now():
        found.append(secret_decrypt(key.previous_secret_encrypted))
    return found


def _request_date_check(request: HttpRequest) -> None:
    raw = request.headers.get("Date", "")
    if not raw:
        raise errors.MissingParameter("Date")
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError, OverflowError):
        raise errors.InvalidParameter("The Date header is not an HTTP date.", code="InvalidParameter.Date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if abs((timezone.now() - moment).total_seconds()) > settings.PDS_ACCESSKEY_CLOCK_SKEW:
        raise _refused("The request's Date is more than 15 minutes from the server's time.", "RequestTimeTooSkewed")


def _content_md5_check(request: HttpRequest) -> None:
    given = request.headers.get("Content-MD5", "")
    if given and given != base64.b64encode(hashlib.md5(request.body).digest()).decode():  # noqa: S324 (the scheme's)
        raise _refused("Content-MD5 does not match the body.", "InvalidParameter.ContentMD5")


def _nonce_record(*, key_id: str, nonce: str) -> None:
    """Each nonce once per key: the unique row is the cross-process record."""
    try:
        with transaction.atomic(using=PDS_DB):
            AccessKeyNonce.objects.create(access_key_id=key_id, nonce=nonce[:128], seen_at=timezone.now())
    except IntegrityError:
        raise _refused("This signature nonce was used before.", "SignatureNonceUsed") from None


def _signature_matches(request: HttpRequest, key: AccessKey, signature: str) -> bool:
    given = signature.encode()  # bytes: compare_digest refuses non-ASCII str
    try:
        secrets_now = _secrets_of(key)
    except SecretKeyMissing:
        log.error("No PDS_SECRET_KEYS entry decrypts the secret of AccessKey %s", key.access_key_id)
        raise errors.PdsError("The server cannot check this key now.", code="ServiceUnavailable", status=503) from None
    for text in _strings_to_sign(request):
        for secret in secrets_now:
            if hmac.compare_digest(signature_of(text, secret).encode(), given):
                return True
    return False


def _strings_to_sign(request: HttpRequest) -> list[str]:
    """What the request's signer may have signed. The official SDK's gateway signs its
    DownloadFile GET as a form (`application/x-www-form-urlencoded; charset=UTF-8`) but sends
    another Content-Type; that one operation is checked against what the SDK signed too."""
    texts = [string_to_sign(request)]
    if request.path == "/v2/file/download" and request.headers.get("x-acs-action", "") == "DownloadFile":
        texts.append(string_to_sign(request, content_type=DOWNLOAD_FILE_SIGNED_TYPE))
    return texts


def accesskey_authenticate(*, request: HttpRequest, domain: Domain) -> AccessKey:
    """The enabled key of `domain` that signed this request, or a PdsError."""
    authorization = request.headers.get("Authorization", "")
    if authorization[:5].upper() in ("ACS3-", "ACS4-"):
        raise errors.InvalidParameter(
            "Only the v1 AccessKey signature (Authorization: acs <AccessKeyId>:<Signature>) is supported.",
            code="InvalidParameterNotSupported.Authorization",
        )
    credential = authorization[len(SCHEME) :].strip()
    key_id, _, signature = credential.partition(":")
    if not key_id or not signature:
        raise errors.AccessTokenInvalid("The acs authorization must be <AccessKeyId>:<Signature>.")
    subject = f"{key_id[:32]}:{throttle.source_address(request)}"
    throttle.throttle_check(rule=throttle.ACCESSKEY, subject=subject, message="Too many wrong signatures.")
    key = AccessKey.objects.select_related("domain", "app").filter(access_key_id=key_id[:32]).first()
    if key is None or key.domain_id != domain.pk:
        throttle.failure_record(rule=throttle.ACCESSKEY, subject=subject)
        raise _refused("The AccessKey does not exist in this domain.", "InvalidAccessKeyId.NotFound")
    if not _signature_matches(request, key, signature):
        throttle.failure_record(rule=throttle.ACCESSKEY, subject=subject)
        raise _refused("The request signature does not match.", "SignatureDoesNotMatch")
    if not key.enabled:
        raise _refused("The AccessKey is disabled.", "InvalidAccessKeyId.Inactive")
    _request_date_check(request)
    _content_md5_check(request)
    # The signature stands for the request as signed, nonce included (normalised as the
    # signature normalised it: a nonce with a trailing space is the same nonce). A request
    # without a nonce is then a replay exactly when it repeats another's signature.
    _nonce_record(key_id=key.access_key_id, nonce="sig:" + signature)
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_GRANULARITY:
        # A write per signed request would be a hot row; "last used" to the minute is enough.
        AccessKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def accesskey_nonces_purge() -> int:
    """Nonces older than twice the Date window can no longer be replayed: forget them."""
    cutoff = timezone.now() - timedelta(seconds=2 * settings.PDS_ACCESSKEY_CLOCK_SKEW)
    deleted, _ = AccessKeyNonce.objects.filter(seen_at__lt=cutoff).delete()
    return deleted


# --- A user's token for the server holding the key -----------------------------------------

# `get_access_token_by_link_info` types and the user field each one names.
LINK_TYPES = {"mobile": "phone", "phone": "phone", "email": "email", "user_name": "user_name", "ldap": "user_name"}


def accesskey_user_token(*, access_key: AccessKey, user: PdsUser) -> IssuedTokens:
    """An access token for `user`, as a sign-in (the first makes their drive). No refresh
    token: the server holding the key asks again, as JWT apps do."""
    if user.domain_id != access_key.domain_id:
        raise errors.NotFound("User")
    if user.status != PdsUser.Status.ENABLED:
        raise errors.Forbidden("The user is disabled.", code="ForbiddenUserDisabled")
    if user.role == PdsUser.Role.SUPERADMIN and access_key.role != AccessKey.Role.SUPERADMIN:
        # An administrator's key may not become a super administrator through their token.
        raise errors.Forbidden(
            "Only a superadmin key may get a super administrator's token.", code="ForbiddenNoPermission"
        )
    user = user_logon(user=user)
    return tokens_issue(
        app=access_key.app, user=user, scopes=list(ALL_SCOPES), grant_type="accesskey", with_refresh_token=False
    )


def user_by_link_info(*, domain: Domain, link_type: str, identity: str) -> PdsUser:
    field = LINK_TYPES.get(link_type)
    if field is None:
        raise errors.InvalidParameter(
            f"type must be one of {', '.join(sorted(LINK_TYPES))}.", code="InvalidParameterNotSupported.type"
        )
    matches = list(PdsUser.objects.filter(domain=domain, **{field: identity})[:2]) if identity else []
    if len(matches) != 1:  # none, or two users sharing an address: name nobody
        raise errors.NotFound("User")
    return matches[0]
