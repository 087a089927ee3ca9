"""pds_bootstrap, pds_createapp and pds_createuser."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from pds_server.models import App, Domain, PdsUser
from pds_server.services.bootstrap import read_env_file
from pds_server.services.tokens import secret_matches
from pds_server.services.users import user_check_password
from tests.factories import DomainFactory


def bootstrap(env_file) -> dict:
    out = io.StringIO()
    call_command(
        "pds_bootstrap",
        "--json",
        f"--env-file={env_file}",
        "--site-url=http://drive.test",
        "--endpoint=http://pds.test",
        stdout=out,
    )
    return json.loads(out.getvalue())


@pytest.mark.django_db(databases="__all__")
def test_bootstrap_is_idempotent_and_writes_private_files(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    env_file = tmp_path / ".env"
    first = bootstrap(env_file)
    assert set(first) == {"domain_id", "endpoint", "web_app_id", "jwt_app_id", "private_key_path", "demo_user"}
    env = read_env_file(env_file)
    assert env["PDS_CLIENT_ID"] == first["web_app_id"] and env["PDS_JWT_APP_ID"] == first["jwt_app_id"]
    web_app = App.objects.get(app_id=first["web_app_id"])
    assert secret_matches(env["PDS_CLIENT_SECRET"], web_app.client_secret_hash)
    assert web_app.redirect_uri_list == ["http://drive.test/accounts/callback/"]
    assert env_file.stat().st_mode & 0o777 == 0o600
    key_file = tmp_path / "keys" / "jwt_private.pem"
    assert str(key_file) == first["private_key_path"] and key_file.stat().st_mode & 0o777 == 0o600
    assert "PRIVATE KEY" in key_file.read_text()
    demo = PdsUser.objects.get(user_id="demo")
    assert user_check_password(user=demo, password=first["demo_user"]["password"])

    second = bootstrap(env_file)
    assert second == first
    assert read_env_file(env_file) == env
    assert Domain.objects.count() == 1 and App.objects.count() == 2 and PdsUser.objects.count() == 1


@pytest.mark.django_db(databases="__all__")
def test_bootstrap_without_the_env_file_issues_a_new_secret(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    env_file = tmp_path / ".env"
    bootstrap(env_file)
    old_secret = read_env_file(env_file)["PDS_CLIENT_SECRET"]
    env_file.unlink()
    again = bootstrap(env_file)
    new_secret = read_env_file(env_file)["PDS_CLIENT_SECRET"]
    assert new_secret != old_secret
    assert secret_matches(new_secret, App.objects.get(app_id=again["web_app_id"]).client_secret_hash)


@pytest.mark.django_db(databases="__all__")
def test_bootstrap_keeps_other_lines_of_the_env_file(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=true\n# a comment\n")
    bootstrap(env_file)
    text = env_file.read_text()
    assert text.startswith("DEBUG=true\n# a comment\n") and "PDS_CLIENT_ID=" in text


@pytest.mark.django_db(databases="__all__")
def test_createapp_and_createuser(tmp_path, settings):
    DomainFactory(domain_id="demo", name="Demo", is_default=True)
    out = io.StringIO()
    call_command("pds_createapp", "Mobile", "--type=native", "--redirect-uri=com.example.app://cb", stdout=out)
    created = json.loads(out.getvalue())
    app = App.objects.get(app_id=created["app_id"])
    assert app.app_type == "native" and created["client_secret"] is None
    out = io.StringIO()
    call_command("pds_createapp", "Site", "--type=web_server", "--redirect-uri=https://site/cb", stdout=out)
    web = json.loads(out.getvalue())
    assert secret_matches(web["client_secret"], App.objects.get(app_id=web["app_id"]).client_secret_hash)
    out = io.StringIO()
    call_command("pds_createapp", "Jobs", "--type=jwt", f"--generate-key={tmp_path / 'k.pem'}", stdout=out)
    assert (tmp_path / "k.pem").stat().st_mode & 0o777 == 0o600
    with pytest.raises(CommandError):
        call_command("pds_createapp", "Broken", "--type=jwt", stdout=io.StringIO())

    out = io.StringIO()
    call_command("pds_createuser", "zoe", "--role=admin", stdout=out)
    user = json.loads(out.getvalue())
    zoe = PdsUser.objects.get(user_id="zoe")
    assert zoe.role == "admin" and user_check_password(user=zoe, password=user["password"])
    with pytest.raises(CommandError):
        call_command("pds_createuser", "zoe", stdout=io.StringIO())
