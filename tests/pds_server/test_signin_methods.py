"""The domain's sign-in page by `login_type`: `default` offers the enabled methods with links
between them (and the third-party providers); a named method shows that one; an unknown or
disabled one gets a clear page (400). `lang` defaults to zh_CN; `prompt=login` and
`prompt=consent` ask again."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client

from pds_server.models import Consent, LdapSignin, PasswordSignin, PhoneSignin
from pds_server.models.federation import FederationProvider
from tests.conftest import REDIRECT_URI
from tests.pds_server.oauth_helpers import post_form, redirect_params
from tests.pds_server.signin_helpers import app_url, open_page

NAV = re.compile(r'<nav class="segmented signin-methods"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')


def method_links(page: requests.Response) -> dict[str, str]:
    """The links of the page's method switcher: label -> href."""
    nav = NAV.search(page.text)
    return {label: href.replace("&amp;", "&") for href, label in LINK.findall(nav.group(1))} if nav else {}


def enable_ldap(domain) -> None:
    LdapSignin.objects.create(domain=domain, enabled=True, server_uri="ldap://127.0.0.1:9", search_base="o=x")


def enable_phone(domain) -> None:
    PhoneSignin.objects.create(domain=domain, enabled=True, sender=PhoneSignin.Sender.FILE)


def test_default_with_only_the_password_has_no_switcher(pds_url, web_app):
    app, _ = web_app
    page = open_page(requests.Session(), app_url(pds_url, app))
    assert 'name="password"' in page.text and method_links(page) == {}


def test_default_links_the_enabled_methods_and_each_link_shows_its_form(pds_url, web_app, domain):
    app, _ = web_app
    enable_phone(domain)
    LdapSignin.objects.create(domain=domain, enabled=False, server_uri="ldap://127.0.0.1:9", search_base="o=x")
    session = requests.Session()
    url = app_url(pds_url, app)
    page = open_page(session, url)
    links = method_links(page)
    assert list(links) == ["Password", "Phone code"]  # LDAP is off: not offered
    assert 'aria-current="page">Password' in page.text and 'name="password"' in page.text
    phone_page = open_page(session, f"{pds_url}/v2/oauth/authorize{links['Phone code']}")
    assert 'type="tel"' in phone_page.text and 'name="password"' not in phone_page.text
    assert 'aria-current="page">Phone code' in phone_page.text
    # The link keeps the OAuth request as it was.
    query = parse_qs(urlsplit(links["Phone code"]).query)
    assert query["client_id"] == [app.app_id] and query["state"] == ["st-1"] and query["login_type"] == ["default"]

    enable_ldap_too = LdapSignin.objects.filter(domain=domain).update(enabled=True)
    assert enable_ldap_too == 1
    assert list(method_links(open_page(session, url))) == ["Password", "Directory (LDAP)", "Phone code"]


def test_a_named_login_type_shows_only_that_method(pds_url, web_app, domain):
    app, _ = web_app
    enable_ldap(domain)
    enable_phone(domain)
    page = open_page(requests.Session(), app_url(pds_url, app, login_type="ldap"))
    assert 'value="ldap"' in page.text and 'type="tel"' not in page.text and method_links(page) == {}
    page = open_page(requests.Session(), app_url(pds_url, app, login_type="password"))
    assert 'value="signin"' in page.text and method_links(page) == {}


@pytest.mark.parametrize("login_type", ["ldap", "phone", "wx", "ding", "no-such-way", "<b>x</b>"])
def test_unknown_or_disabled_login_types_get_a_clear_page(pds_url, web_app, login_type):
    app, _ = web_app
    page = requests.get(app_url(pds_url, app, login_type=login_type), allow_redirects=False, timeout=30)
    assert page.status_code == 400 and "Location" not in page.headers
    assert "This way to sign in is not available here:" in page.text
    assert "<b>x</b>" not in page.text
    assert "Sign in another way" in page.text  # back to login_type=default


def test_a_disabled_password_is_neither_offered_nor_accepted(pds_url, web_app, domain, make_user):
    app, _ = web_app
    make_user("alice", password="alice-password-1")
    PasswordSignin.objects.create(domain=domain, enabled=False)
    enable_phone(domain)
    session = requests.Session()
    url = app_url(pds_url, app)
    page = open_page(session, url)
    assert 'type="tel"' in page.text and 'name="password"' not in page.text
    answer = post_form(session, url, page, action="signin", username="alice", password="alice-password-1")
    assert answer.status_code == 400 and "Location" not in answer.headers
    assert requests.get(app_url(pds_url, app, login_type="password"), timeout=30).status_code == 400
    PhoneSignin.objects.filter(domain=domain).update(enabled=False)
    nothing = requests.get(url, timeout=30)
    assert nothing.status_code == 400 and "No way to sign in is turned on for this domain." in nothing.text


def test_providers_are_listed_and_their_login_type_goes_straight_to_them(pds_url, web_app, domain):
    app, _ = web_app
    FederationProvider.objects.create(domain=domain, name="ding", label="DingTalk", client_id="c")
    FederationProvider.objects.create(domain=domain, name="wx", label="WeChat", client_id="c", enabled=False)
    page = open_page(requests.Session(), app_url(pds_url, app))
    assert "DingTalk" in page.text and "WeChat" not in page.text
    url = app_url(pds_url, app, login_type="ding")
    answer = requests.get(url, allow_redirects=False, timeout=30)
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/v2/oauth/federation/ding/start?{urlsplit(url).query}"
    assert requests.get(app_url(pds_url, app, login_type="wx"), timeout=30).status_code == 400


def test_lang_defaults_to_zh_cn_and_only_en_us_is_english(pds_url, web_app):
    app, _ = web_app
    base = {"client_id": app.app_id, "redirect_uri": REDIRECT_URI, "response_type": "code", "login_type": "default"}
    for lang in (None, "zh_CN", "fr_FR"):
        params = {**base, **({"lang": lang} if lang else {})}
        page = requests.get(f"{pds_url}/v2/oauth/authorize?{urlencode(params)}", timeout=30)
        assert 'lang="zh-CN"' in page.text and "<h1>登录</h1>" in page.text, lang
    page = requests.get(f"{pds_url}/v2/oauth/authorize?{urlencode({**base, 'lang': 'en_US'})}", timeout=30)
    assert 'lang="en"' in page.text and "<h1>Sign in</h1>" in page.text
    # The error pages too.
    bad = requests.get(f"{pds_url}/v2/oauth/authorize?{urlencode({**base, 'client_id': 'nope'})}", timeout=30)
    assert bad.status_code == 400 and "无法完成此请求" in bad.text
    bad = requests.get(f"{pds_url}/v2/oauth/authorize?{urlencode({**base, 'login_type': 'x'})}", timeout=30)
    assert bad.status_code == 400 and "此处不支持该登录方式：x。" in bad.text


def signed_in_session(pds_url, app) -> requests.Session:
    """A browser signed in to the PDS that has consented to the app."""
    session = requests.Session()
    url = app_url(pds_url, app)
    page = open_page(session, url)
    consent = post_form(session, url, page, action="signin", username="alice", password="alice-password-1")
    assert "code" in redirect_params(post_form(session, url, consent, action="consent", decision="allow"))
    return session


def test_prompt_login_asks_again_on_a_get_and_on_a_post(pds_url, web_app, make_user):
    app, _ = web_app
    make_user("alice", password="alice-password-1")
    session = signed_in_session(pds_url, app)
    url = app_url(pds_url, app, prompt="login")
    page = open_page(session, url)
    assert 'name="password"' in page.text
    # The earlier sign-in does not let a form of this request through either.
    consent = post_form(session, url, page, action="consent", decision="allow")
    assert consent.status_code == 200 and 'name="password"' in consent.text
    # A new sign-in: on to the same request, the prompt satisfied; then the code.
    answer = post_form(session, url, page, action="signin", username="alice", password="alice-password-1")
    assert answer.status_code == 303
    target = answer.headers["Location"]
    assert "prompt" not in parse_qs(urlsplit(target).query) and "state=st-1" in target
    assert "code" in redirect_params(session.get(f"{pds_url}{target}", allow_redirects=False))


def test_prompt_login_keeps_the_consent_prompt(pds_url, web_app, make_user):
    app, _ = web_app
    make_user("alice", password="alice-password-1")
    session = signed_in_session(pds_url, app)
    url = app_url(pds_url, app, prompt="login consent")
    page = open_page(session, url)
    answer = post_form(session, url, page, action="signin", username="alice", password="alice-password-1")
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["prompt"] == ["consent"]
    assert 'name="decision"' in session.get(f"{pds_url}{answer.headers['Location']}").text


def test_prompt_consent_asks_again_despite_hide_consent_and_an_earlier_consent(pds_url, web_app, make_user):
    app, _ = web_app
    make_user("alice", password="alice-password-1")
    session = signed_in_session(pds_url, app)
    assert Consent.objects.count() == 1
    plain = session.get(app_url(pds_url, app, hide_consent="true"), allow_redirects=False)
    assert plain.status_code == 302
    url = app_url(pds_url, app, hide_consent="true", prompt="consent")
    page = open_page(session, url)
    assert 'name="decision"' in page.text
    assert "code" in redirect_params(post_form(session, url, page, action="consent", decision="allow"))


def test_prompt_none_never_shows_a_page(pds_url, web_app, make_user):
    app, _ = web_app
    answer = requests.get(app_url(pds_url, app, prompt="none"), allow_redirects=False, timeout=30)
    assert redirect_params(answer)["error"] == "login_required"
    make_user("alice", password="alice-password-1")
    session = signed_in_session(pds_url, app)
    answer = session.get(app_url(pds_url, app, prompt="none"), allow_redirects=False)
    assert "code" in redirect_params(answer)
    answer = session.get(app_url(pds_url, app, prompt="none", scope="FILE.ALL"), allow_redirects=False)
    assert "code" in redirect_params(answer)


class FormFields(HTMLParser):
    """The values a browser would send with the admin page's form, as it stands."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select = self._textarea = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name") or ""
        if tag == "input" and name and a.get("type") not in ("submit", "file"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields[name] = a.get("value") or ("on" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        self._select = "" if tag == "select" else self._select
        self._textarea = "" if tag == "textarea" else self._textarea

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data.lstrip("\n") if not self.fields[self._textarea] else data


def test_the_domains_admin_page_turns_the_sign_in_methods_on(domain, tmp_path):
    admin_user = get_user_model().objects.create_superuser("boss", "boss@example.com", "admin-password-1")
    client = Client()
    client.force_login(admin_user)
    url = f"/admin/pds_server/domain/{domain.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    for heading in ("Sign-in: password", "Sign-in: LDAP / Active Directory", "Sign-in: code sent to the mobile phone"):
        assert heading in text
    assert 'name="ldap_signin-0-bind_password"' in text
    parser = FormFields()
    parser.feed(text)
    fields = {name: value for name, value in parser.fields.items() if "__prefix__" not in name}
    fields.pop("password_signin-0-enabled", None)  # untick: password off
    fields.update({"phone_signin-0-enabled": "on", "phone_signin-0-sender": "file"})
    fields["phone_signin-0-file_path"] = str(tmp_path / "codes.txt")
    answer = client.post(url, {**fields, "_continue": "Save"})
    assert answer.status_code == 302, answer.content.decode()[-3000:]
    assert not PasswordSignin.objects.get(domain=domain).enabled
    assert PhoneSignin.objects.get(domain=domain).sender == "file"
    assert not LdapSignin.objects.filter(domain=domain).exists()  # left empty: not made
