"""Fixtures of the PDS tests: users of the API with a token and a drive."""

from __future__ import annotations

import pytest

from tests.pds_server.api_client import Api, make_api


@pytest.fixture
def alice(pds_url, make_user, jwt_app) -> Api:
    return make_api(pds_url, make_user("alice"), jwt_app)


@pytest.fixture
def bob(pds_url, make_user, jwt_app) -> Api:
    return make_api(pds_url, make_user("bob"), jwt_app)
