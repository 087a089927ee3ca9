"""Removal of grants that can no longer be used. Safe to run any number of times."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from pds_server.models import AccessToken, AuthorizationCode, RefreshToken, UsedAssertion
from pds_server.services.accesskeys import accesskey_nonces_purge
from pds_server.services.phone_codes import phone_codes_purge

# Revoked and rotated refresh tokens are kept a while: reuse of one must still be detected.
REUSE_DETECTION_WINDOW = timedelta(days=7)


def expired_grants_purge() -> dict:
    now = timezone.now()
    codes, _ = AuthorizationCode.objects.filter(expires_at__lt=now - timedelta(hours=1)).delete()
    access, _ = AccessToken.objects.filter(expires_at__lt=now).delete()
    refresh, _ = RefreshToken.objects.filter(
        Q(family_expires_at__lt=now) | Q(idle_expires_at__lt=now - REUSE_DETECTION_WINDOW)
    ).delete()
    assertions, _ = UsedAssertion.objects.filter(expires_at__lt=now).delete()
    nonces = accesskey_nonces_purge()
    phone_codes = phone_codes_purge()
    return {
        "codes": codes,
        "access_tokens": access,
        "refresh_tokens": refresh,
        "assertions": assertions,
        "accesskey_nonces": nonces,
        "phone_codes": phone_codes,
    }
