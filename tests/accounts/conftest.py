from __future__ import annotations

import pytest

from tests import fault_server


@pytest.fixture
def jwt_drive(live_server, jwt_app, rsa_keys, settings, tmp_path) -> str:
    """Drive in JWT mode against the live embedded PDS; returns its base URL."""
    key_file = tmp_path / "jwt_private.pem"
    key_file.write_text(rsa_keys[0])
    settings.DRIVE_AUTH_MODE = "jwt"
    settings.DRIVE_SITE_URL = live_server.url
    settings.PDS_ENDPOINT = live_server.url
    settings.PDS_JWT_APP_ID = jwt_app.app_id
    settings.PDS_JWT_PRIVATE_KEY_FILE = str(key_file)
    return live_server.url


@pytest.fixture
def pds_answering_503():
    """The URL of a PDS answering 503 to everything."""
    with fault_server.pds_answering_503() as (url, _):
        yield url
