"""Applications (OAuth clients) of a domain."""

from __future__ import annotations

import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from pds_server import errors
from pds_server.models import App, Domain
from pds_server.services import tokens

ALL_SCOPES = ["DRIVE.ALL", "FILE.ALL", "SHARE.ALL", "USER.ALL", "GROUP.ALL"]


def new_app_id() -> str:
    return secrets.token_hex(10)


def app_create(
    *,
    domain: Domain,
    name: str,
    app_type: str,
    redirect_uris: list[str] | None = None,
    scopes: list[str] | None = None,
    public_key: str = "",
    allow_service_account: bool = False,
    app_id: str | None = None,
) -> tuple[App, str | None]:
    """Create an app. Returns it with its client secret (web-server apps only), which is
    shown once: only its digest is stored."""
    if app_type not in App.AppType.values:
        raise errors.InvalidParameter(f"app_type must be one of {', '.join(App.AppType.values)}")
    app = App(
        app_id=app_id or new_app_id(),
        domain=domain,
        name=name,
        app_type=app_type,
        redirect_uris="\n".join(redirect_uris or []),
        scopes=scopes or list(ALL_SCOPES),
        public_key=public_key,
        allow_service_account=allow_service_account,
    )
    secret = None
    if app_type == App.AppType.WEB_SERVER:
        secret = tokens.new_secret()
        app.client_secret_hash = tokens.digest(secret)
    app.save()
    return app, secret


def app_rotate_secret(*, app: App) -> str:
    secret = tokens.new_secret()
    app.client_secret_hash = tokens.digest(secret)
    app.save(update_fields=["client_secret_hash"])
    return secret


def rsa_key_pair() -> tuple[str, str]:
    """A fresh 2048-bit RSA key pair as (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem
