"""Sign-in by a one-time code sent to the user's mobile number: 6 digits, valid 5 minutes,
5 tries per code, stored only as a keyed digest. Sending is rate-limited per number and per
source address, and wrong codes count in the sign-in page's per-address throttle, all in the
shared cache (services.throttle), so the limits hold across processes.

Whether a number belongs to a user is never told: the page says the same whether a code
was sent or not (nothing is sent to a number of no user unless the domain lets new users
register by phone)."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from pds_server.models import Domain, PdsUser, PhoneCode, PhoneSignin
from pds_server.routers import PDS_DB
from pds_server.services import sms_senders, throttle
from pds_server.services.signin import THROTTLED
from pds_server.services.users import user_create

CODE_DIGITS = 6
CODE_LIFETIME = 300
CODE_TRIES = 5
CODE_FORMAT = re.compile(rf"^[0-9]{{{CODE_DIGITS}}}$")
# A number as people type it: digits, an optional leading +, spaces, dashes, dots, parentheses.
PHONE_TYPED = re.compile(r"^\+?[0-9 ().-]{5,40}$")
SENDS_PER_NUMBER = throttle.Rule("phone-code-number", "PDS_PHONE_CODE_NUMBER_MAX_SENDS", "PDS_PHONE_CODE_NUMBER_WINDOW")
SENDS_PER_ADDRESS = throttle.Rule(
    "phone-code-address", "PDS_PHONE_CODE_ADDRESS_MAX_SENDS", "PDS_PHONE_CODE_ADDRESS_WINDOW"
)
TOO_MANY_SENDS = "Too many codes were asked for. Try again later."


def phone_normalize(typed: str) -> str | None:
    """The number as stored in PdsUser.phone: digits with an optional leading +; None when
    what was typed is no phone number."""
    typed = typed.strip()
    if not PHONE_TYPED.match(typed):
        return None
    digits = re.sub(r"[^0-9]", "", typed)
    if not 5 <= len(digits) <= 20:
        return None
    return ("+" if typed.startswith("+") else "") + digits


def _code_digest(*, domain: Domain, phone: str, code: str) -> str:
    # Keyed by SECRET_KEY: a million codes are quickly tried against a plain hash.
    return salted_hmac("pds_server.phone_code", f"{domain.pk}:{phone}:{code}", algorithm="sha256").hexdigest()


def _phone_user(*, domain: Domain, phone: str) -> PdsUser | None:
    """The one user of the number (None for none, or several: a number shared is no proof)."""
    users = list(PdsUser.objects.filter(domain=domain, phone=phone)[:2])
    return users[0] if len(users) == 1 else None


def phone_code_send(*, domain: Domain, phone: str, source_address: str) -> None:
    """Send a new code to `phone` (which replaces any earlier one). Raises TooManyRequests past
    the rate limits, SendFailed when the sender fails."""
    config = PhoneSignin.objects.select_related("domain").filter(domain=domain, enabled=True).first()
    if config is None:  # turned off since the page was shown
        return
    number = f"{domain.pk}:{phone}"
    address = f"{domain.pk}:{source_address}"
    throttle.throttle_check(rule=SENDS_PER_NUMBER, subject=number, message=TOO_MANY_SENDS)
    throttle.throttle_check(rule=SENDS_PER_ADDRESS, subject=address, message=TOO_MANY_SENDS)
    # Each request counts, sent or not: the limits must not tell which numbers have users.
    throttle.failure_record(rule=SENDS_PER_NUMBER, subject=number)
    throttle.failure_record(rule=SENDS_PER_ADDRESS, subject=address)
    known = PdsUser.objects.filter(domain=domain, phone=phone).exists()
    if not known and not config.allow_registration:
        return
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    with transaction.atomic(using=PDS_DB):
        PhoneCode.objects.filter(domain=domain, phone=phone, used_at__isnull=True).update(used_at=now)
        PhoneCode.objects.create(
            domain=domain,
            phone=phone,
            code_hash=_code_digest(domain=domain, phone=phone, code=code),
            expires_at=now + timedelta(seconds=CODE_LIFETIME),
        )
    sms_senders.code_send(config=config, phone=phone, code=code, minutes=CODE_LIFETIME // 60)


def _code_spend(*, domain: Domain, phone: str, code: str) -> bool:
    """Whether `code` is the number's live code; each call uses one of the code's tries,
    taken before the comparison so that guesses sent at once cannot exceed them."""
    now = timezone.now()
    record = (
        PhoneCode.objects.filter(domain=domain, phone=phone, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at", "-pk")
        .first()
    )
    if record is None:
        return False
    live = PhoneCode.objects.filter(pk=record.pk, used_at__isnull=True, tries__lt=CODE_TRIES)
    if not live.update(tries=F("tries") + 1):
        return False  # burnt by earlier wrong tries
    expected = _code_digest(domain=domain, phone=phone, code=code)
    if not CODE_FORMAT.match(code) or not hmac.compare_digest(expected, record.code_hash):
        return False
    return bool(PhoneCode.objects.filter(pk=record.pk, used_at__isnull=True).update(used_at=now))


def _registered_user(*, domain: Domain, phone: str) -> PdsUser:
    masked = phone[:-8] + "****" + phone[-4:] if len(phone) >= 8 else phone
    return user_create(
        domain=domain,
        user_id=secrets.token_hex(16),
        fields={"phone": phone, "nick_name": masked},
        creator="phone",
    )


def phone_code_signin(*, domain: Domain, phone: str, code: str, source_address: str) -> PdsUser | None:
    """The enabled user of `phone` when `code` is its live code, else None. Wrong codes count
    in the sign-in page's per-address throttle (TooManyRequests, checked first)."""
    config = PhoneSignin.objects.filter(domain=domain, enabled=True).first()
    address = f"{domain.pk}:{source_address}"
    throttle.throttle_check(rule=throttle.SIGNIN_ADDRESS, subject=address, message=THROTTLED)
    if config is None or not _code_spend(domain=domain, phone=phone, code=code.strip()):
        throttle.failure_record(rule=throttle.SIGNIN_ADDRESS, subject=address)
        return None
    user = _phone_user(domain=domain, phone=phone)
    if user is None and config.allow_registration and not PdsUser.objects.filter(domain=domain, phone=phone).exists():
        user = _registered_user(domain=domain, phone=phone)
    if user is None or user.status != PdsUser.Status.ENABLED:
        return None
    return user


def phone_codes_purge(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete codes that expired more than `older_than` ago (for a periodic task); how many."""
    deleted, _ = PhoneCode.objects.filter(expires_at__lt=timezone.now() - older_than).delete()
    return deleted
