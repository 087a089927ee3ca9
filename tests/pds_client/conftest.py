from __future__ import annotations

import pytest

from tests import fault_server


@pytest.fixture
def flaky_pds():
    """A PDS answering 503 to everything: (its URL, the handler counting the calls)."""
    with fault_server.pds_answering_503() as answering:
        yield answering


@pytest.fixture
def alice_token(pds_url, make_user, jwt_app) -> str:
    from pds_server.services.tokens import tokens_issue
    from pds_server.services.users import user_logon

    user = user_logon(user=make_user("alice"))
    issued = tokens_issue(
        app=jwt_app, user=user, scopes=["USER.ALL", "DRIVE.ALL"], grant_type="test", with_refresh_token=False
    )
    return issued.access_token_value
