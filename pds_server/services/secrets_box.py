"""The embedded PDS's own secrets at rest (AccessKey secrets, LDAP bind passwords, federation
client secrets): MultiFernet keyed by PDS_SECRET_KEYS, separate from the drive app's
TOKEN_ENCRYPTION_KEYS because the two are different services. The first key encrypts, every
key decrypts; `secret_reencrypt` moves a value to the first key."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db.models import Model


class SecretKeyMissing(Exception):
    """No configured PDS_SECRET_KEYS entry decrypts a stored secret."""


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _box() -> MultiFernet:
    return _cipher(tuple(settings.PDS_SECRET_KEYS))


def secret_encrypt(plaintext: str) -> str:
    return _box().encrypt(plaintext.encode()).decode() if plaintext else ""


def secret_decrypt(ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return _box().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretKeyMissing("No configured PDS_SECRET_KEYS entry decrypts this secret.") from None


def secret_reencrypt(ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return _box().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretKeyMissing("No configured PDS_SECRET_KEYS entry decrypts this secret.") from None


# Every stored secret: (model, encrypted fields). Rotating PDS_SECRET_KEYS re-encrypts them all.
def _secret_fields() -> list[tuple[type[Model], tuple[str, ...]]]:
    from pds_server.models import AccessKey, FederationProvider, LdapSignin, PhoneSignin

    return [
        (AccessKey, ("secret_encrypted", "previous_secret_encrypted")),
        (LdapSignin, ("bind_password_encrypted",)),
        (PhoneSignin, ("http_authorization_encrypted",)),
        (FederationProvider, ("client_secret_encrypted",)),
    ]


def secret_keys_rotate() -> int:
    """Re-encrypt every stored secret with the first of PDS_SECRET_KEYS; how many rows
    changed. Put the new key first, run this (`manage.py pds_rotate_secret_keys`), then
    drop the old key. Raises SecretKeyMissing, changing nothing more, if a key is missing."""
    changed = 0
    for model, fields in _secret_fields():
        for row in model._default_manager.all().iterator():
            updates = {name: secret_reencrypt(getattr(row, name)) for name in fields if getattr(row, name)}
            if updates:
                model._default_manager.filter(pk=row.pk).update(**updates)
                changed += 1
    return changed
