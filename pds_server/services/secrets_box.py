"""The embedded PDS's own secrets at rest (AccessKey secrets, LDAP bind passwords, federation
client secrets): MultiFernet keyed by PDS_SECRET_KEYS, separate from the drive app's
TOKEN_ENCRYPTION_KEYS because the two are different services. The first key encrypts, every
key decrypts; `secret_reencrypt` moves a value to the first key."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


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
