"""Keys Drive makes for itself when the environment gives none: Django's SECRET_KEY and the
Fernet keys that encrypt PDS tokens at rest (Drive) and the embedded PDS's own secrets
(AccessKey secrets, LDAP bind passwords, federation client secrets). `manage.py pds_bootstrap` (run on first start by
`make run` and by the compose migrate service) writes each once into the data directory, mode
0600; settings only read them (drive_site/settings/env.py, `Env.secret`)."""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path

SECRET_KEY_FILE = "secret_key"
TOKEN_ENCRYPTION_KEY_FILE = "token_encryption_key"
PDS_SECRET_KEY_FILE = "pds_secret_key"


def _fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


# setting -> (file under the data directory, how to make its value)
GENERATED_KEYS: dict[str, tuple[str, Callable[[], str]]] = {
    "SECRET_KEY": (SECRET_KEY_FILE, lambda: secrets.token_urlsafe(50)),
    "TOKEN_ENCRYPTION_KEYS": (TOKEN_ENCRYPTION_KEY_FILE, _fernet_key),
    "PDS_SECRET_KEYS": (PDS_SECRET_KEY_FILE, _fernet_key),
}


def keys_generate(*, data_dir: Path, environ: Mapping[str, str] = os.environ) -> list[Path]:
    """Write the file of every key the environment leaves empty and that does not exist yet;
    return the files written. The settings read the same variables (a .env file is in
    `os.environ` once settings are loaded)."""
    written = []
    for setting, (name, make) in GENERATED_KEYS.items():
        if environ.get(setting):
            continue
        path = data_dir / name
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made by an earlier start, or by another process just now
            continue
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
        written.append(path)
    return written
