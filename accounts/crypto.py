"""Tokens at rest: MultiFernet keyed by TOKEN_ENCRYPTION_KEYS (never SECRET_KEY).

The first key encrypts; every key decrypts. To rotate: put a new key first, run
`manage.py rotate_token_keys`, then drop the old key.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def key_id(key: str) -> str:
    """A short fingerprint naming a key (shown in admin) without revealing it."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.TOKEN_ENCRYPTION_KEYS))


def primary_key_id() -> str:
    return key_id(settings.TOKEN_ENCRYPTION_KEYS[0])


def encrypt(plaintext: str) -> str:
    return cipher().encrypt(plaintext.encode()).decode() if plaintext else ""


def decrypt(ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return cipher().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise TokenKeyMissing("No configured TOKEN_ENCRYPTION_KEYS entry decrypts this token.") from None


def decrypt_access_token(ciphertext: str) -> str:
    """decrypt, remembered: every Drive request decrypts its user's access token, the same
    ciphertext until the next refresh, and HMAC and AES cost ~4% of Drive's CPU per small
    download. Remembered per process for the last ACCESS_TOKENS_REMEMBERED ciphertexts
    (plaintext in memory, as the keys that decrypt them are), under the fingerprints of the
    keys too, so a remembered answer is exactly what decrypting again would give; a failure
    is never remembered. Refresh tokens, each read once per rotation, go through decrypt and
    do not crowd these out."""
    if not ciphertext:
        return ""
    return _access_token_decrypted(_keyring_id(tuple(settings.TOKEN_ENCRYPTION_KEYS)), ciphertext)


ACCESS_TOKENS_REMEMBERED = 1024


@lru_cache(maxsize=4)
def _keyring_id(keys: tuple[str, ...]) -> str:
    return ",".join(key_id(key) for key in keys)


# Keyed by the keys' fingerprints, not the keys: a frame of this function (in an error
# report's traceback, say) holds no key.
@lru_cache(maxsize=ACCESS_TOKENS_REMEMBERED)
def _access_token_decrypted(keyring_id: str, ciphertext: str) -> str:
    return decrypt(ciphertext)


def reencrypt(ciphertext: str) -> str:
    """Re-encrypt with the first key (MultiFernet.rotate)."""
    if not ciphertext:
        return ""
    try:
        return cipher().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise TokenKeyMissing("No configured TOKEN_ENCRYPTION_KEYS entry decrypts this token.") from None


class TokenKeyMissing(Exception):
    pass
