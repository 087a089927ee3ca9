"""Shared fixtures: a live embedded PDS (pytest-django's live_server) and records made
by the factories of tests/factories.py, through the services, as an administrator would
make them."""

from __future__ import annotations

import pytest

from pds_server.models import App, Domain, PdsUser
from pds_server.services.apps import rsa_key_pair
from tests.factories import AppFactory, DomainFactory, PdsUserFactory

REDIRECT_URI = "http://drive.test/accounts/callback/"
NATIVE_REDIRECT_URI = "http://127.0.0.1:3000/callback"
BROWSER_REDIRECT_URI = "http://spa.test/oauth"


def pytest_configure(config):
    from django.conf import settings

    # This run's data directory (tests/env_defaults.py): importing settings creates no files.
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)


def pytest_sessionfinish(session, exitstatus):
    import shutil

    from django.conf import settings

    if settings.DATA_DIR.name.startswith("run-"):
        shutil.rmtree(settings.DATA_DIR, ignore_errors=True)


def pytest_collection_modifyitems(items):
    # The embedded PDS has its own database: tests reach both, with real transactions
    # (the live server answers from other threads).
    for item in items:
        if item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db(transaction=True, databases="__all__"))


@pytest.fixture(scope="session")
def rsa_keys() -> tuple[str, str]:
    return rsa_key_pair()


@pytest.fixture(autouse=True)
def pds_domain_cache_off(settings):
    """Tests change domains with queryset updates and expect the change at once: every PDS
    request reads its Domain (tests/pds_server/test_request_cost.py turns the cache on)."""
    settings.PDS_DOMAIN_CACHE_SECONDS = 0


@pytest.fixture
def domain(transactional_db) -> Domain:
    return DomainFactory(domain_id="demo", name="Demo", is_default=True)


@pytest.fixture
def pds_url(live_server, domain) -> str:
    return live_server.url


@pytest.fixture
def make_user(domain):
    def make(user_id: str = "alice", password: str = "correct horse battery", role: str = "user", **fields) -> PdsUser:
        return PdsUserFactory(domain=domain, user_id=user_id, password=password, role=role, **fields)

    return make


@pytest.fixture
def web_app(domain) -> tuple[App, str]:
    app = AppFactory(domain=domain, name="Drive", app_type=App.AppType.WEB_SERVER, redirect_uris=[REDIRECT_URI])
    return app, app.client_secret


@pytest.fixture
def native_app(domain) -> App:
    return AppFactory(domain=domain, name="Desktop", app_type=App.AppType.NATIVE, redirect_uris=[NATIVE_REDIRECT_URI])


@pytest.fixture
def browser_app(domain) -> App:
    return AppFactory(domain=domain, name="SPA", app_type=App.AppType.BROWSER, redirect_uris=[BROWSER_REDIRECT_URI])


@pytest.fixture
def jwt_app(domain, rsa_keys) -> App:
    return AppFactory(domain=domain, name="Backend", app_type=App.AppType.JWT, redirect_uris=[], public_key=rsa_keys[1])


@pytest.fixture
def drive_url(live_server, web_app, settings) -> str:
    app, secret = web_app
    base = live_server.url
    settings.DRIVE_SITE_URL = base
    settings.DRIVE_REDIRECT_URI = f"{base}/accounts/callback/"
    settings.PDS_ENDPOINT = base
    settings.PDS_AUTHORIZE_URL = f"{base}/v2/oauth/authorize"
    settings.PDS_CLIENT_ID = app.app_id
    settings.PDS_CLIENT_SECRET = secret
    App.objects.filter(pk=app.pk).update(redirect_uris=settings.DRIVE_REDIRECT_URI)
    return base


@pytest.fixture
def alice(make_user):
    return make_user("alice", password="alice-password-1")
