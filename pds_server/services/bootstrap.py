"""`pds_bootstrap`: the default domain, the drive app's two applications and a demo user.
Idempotent: a second run changes nothing that still works."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from pds_server.models import App, Domain, PdsUser
from pds_server.routers import PDS_DB
from pds_server.services import tokens
from pds_server.services.apps import app_create, app_rotate_secret, rsa_key_pair
from pds_server.services.users import user_check_password, user_create, user_set_password

WEB_APP_NAME = "Drive"
JWT_APP_NAME = "Drive (existing user system)"
DEMO_USER_ID = "demo"


@dataclass
class BootstrapResult:
    domain_id: str
    endpoint: str
    web_app_id: str
    web_client_secret: str
    jwt_app_id: str
    private_key_path: str
    demo_user_name: str
    demo_password: str
    env_file_written: bool

    def public_summary(self) -> dict:
        """What `--json` prints: no client secret (that goes to the .env file only)."""
        return {
            "domain_id": self.domain_id,
            "endpoint": self.endpoint,
            "web_app_id": self.web_app_id,
            "jwt_app_id": self.jwt_app_id,
            "private_key_path": self.private_key_path,
            "demo_user": {"user_name": self.demo_user_name, "password": self.demo_password},
        }


def write_private(path: Path, content: str) -> None:
    """Write a secret file readable by its owner only (0600), replacing any old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return values


def update_env_file(path: Path, values: dict[str, str]) -> None:
    """Set keys in a .env file, keeping every other line as it was."""
    lines = path.read_text().splitlines() if path.is_file() else ["# Written by `manage.py pds_bootstrap`."]
    remaining = dict(values)
    for index, line in enumerate(lines):
        key = line.partition("=")[0].strip()
        if "=" in line and not line.lstrip().startswith("#") and key in remaining:
            lines[index] = f"{key}={remaining.pop(key)}"
    lines.extend(f"{key}={value}" for key, value in remaining.items())
    write_private(path, "\n".join(lines) + "\n")


@transaction.atomic(using=PDS_DB)
def pds_bootstrap(*, env_file: Path | None, site_url: str, endpoint: str) -> BootstrapResult:
    data_dir = Path(settings.DATA_DIR)
    domain = Domain.objects.filter(domain_id=settings.PDS_DEFAULT_DOMAIN_ID).first()
    if domain is None:
        domain = Domain.objects.create(
            domain_id=settings.PDS_DEFAULT_DOMAIN_ID,
            name="Demo domain",
            is_default=not Domain.objects.filter(is_default=True).exists(),
        )

    existing_env = read_env_file(env_file) if env_file else {}
    redirect_uri = f"{site_url.rstrip('/')}/accounts/callback/"

    web_app = App.objects.filter(domain=domain, name=WEB_APP_NAME, app_type=App.AppType.WEB_SERVER).first()
    if web_app is None:
        web_app, created_secret = app_create(
            domain=domain, name=WEB_APP_NAME, app_type=App.AppType.WEB_SERVER, redirect_uris=[redirect_uri]
        )
        assert created_secret is not None, "a web-server app always gets a client secret"
        web_secret = created_secret
    else:
        if redirect_uri not in web_app.redirect_uri_list:
            web_app.redirect_uris = "\n".join(web_app.redirect_uri_list + [redirect_uri])
            web_app.save(update_fields=["redirect_uris"])
        web_secret = existing_env.get("PDS_CLIENT_SECRET", "")
        if existing_env.get("PDS_CLIENT_ID") != web_app.app_id or not tokens.secret_matches(
            web_secret, web_app.client_secret_hash
        ):
            # The secret is kept only as a digest; without a working copy, issue a new one.
            web_secret = app_rotate_secret(app=web_app)

    key_path = data_dir / "keys" / "jwt_private.pem"
    jwt_app = App.objects.filter(domain=domain, name=JWT_APP_NAME, app_type=App.AppType.JWT).first()
    if jwt_app is None or not key_path.is_file():
        private_pem, public_pem = rsa_key_pair()
        write_private(key_path, private_pem)
        if jwt_app is None:
            jwt_app, _ = app_create(domain=domain, name=JWT_APP_NAME, app_type=App.AppType.JWT, public_key=public_pem)
        else:
            jwt_app.public_key = public_pem
            jwt_app.save(update_fields=["public_key"])

    demo_file = data_dir / "demo-user.json"
    demo = json.loads(demo_file.read_text()) if demo_file.is_file() else {}
    user = PdsUser.objects.filter(domain=domain, user_id=DEMO_USER_ID).first()
    password = demo.get("password", "")
    if user is None:
        password = secrets.token_urlsafe(12)
        user = user_create(
            domain=domain, user_id=DEMO_USER_ID, fields={"user_name": "demo", "nick_name": "Demo"}, password=password
        )
    elif not password or not user_check_password(user=user, password=password):
        password = secrets.token_urlsafe(12)
        user_set_password(user=user, password=password)
    write_private(demo_file, json.dumps({"user_name": user.user_name, "password": password}))

    env_written = False
    if env_file is not None:
        wanted = {
            "DRIVE_SITE_URL": site_url,
            "PDS_ENDPOINT": endpoint,
            "PDS_DOMAIN_ID": domain.domain_id,
            "PDS_CLIENT_ID": web_app.app_id,
            "PDS_CLIENT_SECRET": web_secret,
            "PDS_JWT_APP_ID": jwt_app.app_id,
            "PDS_JWT_PRIVATE_KEY_FILE": str(key_path),
        }
        if any(existing_env.get(key) != value for key, value in wanted.items()):
            update_env_file(env_file, wanted)
            env_written = True

    return BootstrapResult(
        domain_id=domain.domain_id,
        endpoint=endpoint,
        web_app_id=web_app.app_id,
        web_client_secret=web_secret,
        jwt_app_id=jwt_app.app_id,
        private_key_path=str(key_path),
        demo_user_name=user.user_name,
        demo_password=password,
        env_file_written=env_written,
    )
