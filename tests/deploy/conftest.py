"""The production shape for the deployment tests: deploy/nginx.conf in front of Drive and
the embedded PDS, each under gunicorn with deploy/gunicorn.conf.py (tests/deploy/stack.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from pds_server.models import App
from pds_server.services.apps import app_create
from tests.celery_worker import database_url
from tests.deploy.stack import ACCESS_LOG_FORMAT, ROOT, Stack, free_port, make_certificates


@pytest.fixture
def gunicorn_access_log_format() -> str | None:
    """The gunicorns' access log format; a module that returns None gets deploy/gunicorn.conf.py's."""
    return ACCESS_LOG_FORMAT


@pytest.fixture
def stack(request, tmp_path, domain, make_user, monkeypatch, gunicorn_access_log_format):
    # pds_local: downloads from the embedded PDS go to its gunicorn directly (/_pds_local/);
    # proxy: through the signed URL's public origin (/_pds_proxy/), as for the PDS cloud.
    download_path = getattr(request, "param", "pds_local")
    make_user("alice", password="alice-password-1")
    ca, _, _ = make_certificates(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    stack = Stack(directory=tmp_path, https_port=free_port(), http_port=free_port(), ca=ca)
    stack.download_path = download_path
    app, secret = app_create(
        domain=domain,
        name="Drive",
        app_type=App.AppType.WEB_SERVER,
        redirect_uris=[f"{stack.drive_url}/accounts/callback/"],
    )
    data_dir = str(django_settings.DATA_DIR)
    common = {key: value for key, value in os.environ.items() if not key.startswith(("DRIVE_", "PDS_", "DJANGO_ALLOW"))}
    common.update(
        DRIVE_ENV_FILE="",
        DRIVE_DATA_DIR=data_dir,
        DRIVE_FAST_PASSWORD_HASHER=os.environ.get("DRIVE_FAST_PASSWORD_HASHER", ""),
        DATABASE_URL=database_url("default"),
        PDS_DATABASE_URL=database_url("pds"),
        DRIVE_BEHIND_PROXY="true",
        SESSION_COOKIE_SECURE="true",
        DEBUG="false",
        REQUESTS_CA_BUNDLE=str(ca),
        TOKEN_ENCRYPTION_KEYS=",".join(django_settings.TOKEN_ENCRYPTION_KEYS),
    )
    try:
        # Static files as production serves them: collected once, then nginx's.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env={**common, "DRIVE_ROLE": "drive"},
            check=True,
        )
        pds_port, drive_port = free_port(), free_port()
        stack.start_gunicorn(
            "pds",
            "pds_server.wsgi",
            pds_port,
            {
                **common,
                "DRIVE_ROLE": "pds",
                "PDS_PUBLIC_URL": stack.pds_url,
                "PDS_XACCEL_BLOB_LOCATION": "/_pds_blobs/",
                "ALLOWED_HOSTS": "127.0.0.1",
            },
            access_log_format=gunicorn_access_log_format,
        )
        stack.start_gunicorn(
            "drive",
            "drive_site.wsgi",
            drive_port,
            {
                **common,
                "DRIVE_ROLE": "drive",
                "DRIVE_SITE_URL": stack.drive_url,
                "PDS_ENDPOINT": stack.pds_url,
                "PDS_CLIENT_ID": app.app_id,
                "PDS_CLIENT_SECRET": secret,
                "DRIVE_DOWNLOAD_MODE": "xaccel",
                "PDS_PUBLIC_URL": stack.pds_url,
                "DRIVE_XACCEL_PDS_LOCATION": "/_pds_local/" if download_path == "pds_local" else "",
                "ALLOWED_HOSTS": "localhost",
            },
            access_log_format=gunicorn_access_log_format,
        )
        stack.start_nginx(
            static_root=django_settings.STATIC_ROOT,
            blob_root=django_settings.DATA_DIR / "blobs",
            drive_upstream=f"127.0.0.1:{drive_port}",
            pds_upstream=f"127.0.0.1:{pds_port}",
        )
        yield stack
    finally:
        stack.stop()
