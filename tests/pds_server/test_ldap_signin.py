"""login_type=ldap against a real OpenLDAP server (Debian's slapd on loopback, StartTLS with a
throwaway CA): the first sign-in creates the PDS user from the directory's attributes, the
OAuth code flow goes on as after a password, and wrong passwords are refused and throttled in
the same counts as the password form's."""

from __future__ import annotations

import pytest
import requests

from pds_server.admin_signin import LdapSigninForm
from pds_server.models import AuditLog, LdapSignin, PdsUser
from pds_server.services.secrets_box import secret_decrypt, secret_encrypt
from tests.pds_server.oauth_helpers import post_form
from tests.pds_server.signin_helpers import app_url, consent_and_user, open_page
from tests.pds_server.slapd import PEOPLE, READER_DN, READER_PASSWORD, Slapd, slapd_start


@pytest.fixture(scope="module")
def slapd(tmp_path_factory) -> Slapd:
    server = slapd_start(tmp_path_factory.mktemp("slapd"))
    yield server
    server.stop()


@pytest.fixture
def directory(domain, slapd) -> LdapSignin:
    return LdapSignin.objects.create(
        domain=domain,
        enabled=True,
        server_uri=slapd.uri,
        start_tls=True,
        ca_certificate=slapd.ca_pem,
        bind_dn=READER_DN,
        bind_password_encrypted=secret_encrypt(READER_PASSWORD),
        search_base=PEOPLE,
        search_filter="(&(objectClass=inetOrgPerson)(uid={login}))",
        user_name_attribute="uid",
        nick_name_attribute="cn",
        email_attribute="mail",
        phone_attribute="mobile",
    )


def ldap_signin(session: requests.Session, url: str, login: str, password: str) -> requests.Response:
    page = open_page(session, url)
    assert 'name="action" value="ldap"' in page.text
    return post_form(session, url, page, action="ldap", username=login, password=password)


def test_first_ldap_sign_in_creates_the_user_and_the_code_flow_goes_on(pds_url, web_app, directory):
    app, secret = web_app
    assert not PdsUser.objects.filter(user_name="ada").exists()
    session = requests.Session()
    url = app_url(pds_url, app, login_type="ldap")
    answer = ldap_signin(session, url, "ada", "ada-ldap-pass-1")
    me = consent_and_user(pds_url, session, url, answer, app, secret)

    assert me["user_name"] == "ada" and me["nick_name"] == "Ada Lovelace"
    assert me["email"] == "ada@example.org" and me["phone"] == "+447700900001"
    user = PdsUser.objects.get(user_name="ada")
    assert user.creator == "ldap" and user.password == "" and user.default_drive_id
    assert AuditLog.objects.filter(actor_id=user.user_id, action_type="user.signin", result="success").exists()

    # Signed in: the next authorization needs no form; the directory is not asked again.
    again = session.get(url, allow_redirects=False)
    assert again.status_code == 302 and "code=" in again.headers["Location"]
    assert PdsUser.objects.filter(user_name="ada").count() == 1


def test_an_existing_user_of_that_name_signs_in_and_follows_the_directory(pds_url, web_app, directory, make_user):
    app, secret = web_app
    grace = make_user("grace-1", user_name="grace", nick_name="Old name", email="old@example.org")
    session = requests.Session()
    url = app_url(pds_url, app, login_type="ldap")
    me = consent_and_user(pds_url, session, url, ldap_signin(session, url, "grace", "grace-ldap-pass-1"), app, secret)
    assert me["user_id"] == "grace-1"
    grace.refresh_from_db()
    assert (grace.nick_name, grace.email, grace.phone) == ("Grace Hopper", "grace@example.org", "+15550100002")


def test_without_user_creation_a_directory_person_unknown_here_is_refused(pds_url, web_app, directory):
    app, _ = web_app
    LdapSignin.objects.filter(pk=directory.pk).update(create_users=False)
    answer = ldap_signin(requests.Session(), app_url(pds_url, app, login_type="ldap"), "linus", "linus-ldap-pass-1")
    assert answer.status_code == 401 and "The user name or password is wrong." in answer.text
    assert not PdsUser.objects.filter(user_name="linus").exists()


@pytest.mark.parametrize("login", ["*", "ada)(uid=*", "ada*", "", "nobody"])
def test_filter_metacharacters_and_unknown_logins_sign_no_one_in(pds_url, web_app, directory, login):
    app, _ = web_app
    answer = ldap_signin(requests.Session(), app_url(pds_url, app, login_type="ldap"), login, "ada-ldap-pass-1")
    assert answer.status_code == 401
    assert not PdsUser.objects.exists()


def test_an_empty_password_is_no_unauthenticated_bind(pds_url, web_app, directory):
    app, _ = web_app
    answer = ldap_signin(requests.Session(), app_url(pds_url, app, login_type="ldap"), "ada", "")
    assert answer.status_code == 401 and not PdsUser.objects.exists()


def test_wrong_passwords_are_refused_then_throttled_with_the_password_forms_counts(
    pds_url, web_app, directory, make_user, settings
):
    settings.PDS_SIGNIN_MAX_FAILURES = 3
    app, _ = web_app
    url = app_url(pds_url, app, login_type="ldap")
    for _ in range(3):
        answer = ldap_signin(requests.Session(), url, "ada", "wrong-password")
        assert answer.status_code == 401 and "The user name or password is wrong." in answer.text
    # Throttled: even the right password is refused, at the directory and at the password form.
    answer = ldap_signin(requests.Session(), url, "ada", "ada-ldap-pass-1")
    assert answer.status_code == 401 and "Too many failed attempts" in answer.text
    assert 0 < int(answer.headers["Retry-After"]) <= settings.PDS_SIGNIN_FAILURE_WINDOW
    make_user("ada-local", user_name="ada", password="ada-local-pass-1")
    session = requests.Session()
    password_url = app_url(pds_url, app)
    page = open_page(session, password_url)
    refused = post_form(session, password_url, page, action="signin", username="ada", password="ada-local-pass-1")
    assert refused.status_code == 401 and "Too many failed attempts" in refused.text
    refusals = AuditLog.objects.filter(action_type="user.signin", detail__login="ldap:ada").exclude(result="success")
    assert refusals.count() == 4  # three wrong passwords, one throttled


def test_a_directory_that_cannot_be_reached_is_said_and_counts_no_failure(pds_url, web_app, directory, settings):
    settings.PDS_SIGNIN_MAX_FAILURES = 1
    app, _ = web_app
    LdapSignin.objects.filter(pk=directory.pk).update(server_uri="ldap://127.0.0.1:9", timeout=2)
    url = app_url(pds_url, app, login_type="ldap")
    for _ in range(2):
        answer = ldap_signin(requests.Session(), url, "ada", "ada-ldap-pass-1")
        assert answer.status_code == 503
        assert "The directory server cannot be reached. Try again later." in answer.text


def test_a_wrong_service_password_is_the_directorys_fault_not_the_users(pds_url, web_app, directory):
    app, _ = web_app
    LdapSignin.objects.filter(pk=directory.pk).update(bind_password_encrypted=secret_encrypt("not-it"))
    answer = ldap_signin(requests.Session(), app_url(pds_url, app, login_type="ldap"), "ada", "ada-ldap-pass-1")
    assert answer.status_code == 503


def test_an_untrusted_certificate_is_refused(pds_url, web_app, directory):
    app, _ = web_app
    LdapSignin.objects.filter(pk=directory.pk).update(ca_certificate="")  # the system's CAs do not know it
    answer = ldap_signin(requests.Session(), app_url(pds_url, app, login_type="ldap"), "ada", "ada-ldap-pass-1")
    assert answer.status_code == 503 and not PdsUser.objects.exists()


def test_the_admin_form_stores_the_bind_password_encrypted_and_keeps_it_when_left_empty(directory):
    fields = {
        "domain": directory.domain_id,
        "enabled": "on",
        "server_uri": directory.server_uri,
        "start_tls": "on",
        "timeout": "10",
        "bind_dn": READER_DN,
        "search_base": PEOPLE,
        "search_filter": "(uid={login})",
        "user_name_attribute": "uid",
        "create_users": "on",
    }
    form = LdapSigninForm({**fields, "bind_password": "new-secret-9"}, instance=directory)
    assert form.is_valid(), form.errors
    saved = form.save()
    assert "new-secret-9" not in saved.bind_password_encrypted
    assert secret_decrypt(saved.bind_password_encrypted) == "new-secret-9"
    kept = LdapSigninForm(fields, instance=saved)
    assert kept.is_valid(), kept.errors
    assert secret_decrypt(kept.save().bind_password_encrypted) == "new-secret-9"
