"""The sign-in methods of a domain in Django admin, as parts of the domain's page: password,
LDAP (the bind password is written encrypted and never shown again) and phone codes."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from pds_server.models import LdapSignin, PasswordSignin, PhoneSignin
from pds_server.services.secrets_box import secret_encrypt

KEEP = "Leave empty to keep the current one."


class LdapSigninForm(forms.ModelForm):
    bind_password = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), help_text=f"Of the bind DN. {KEEP}"
    )
    clear_bind_password = forms.BooleanField(required=False, help_text="Remove the stored bind password.")

    class Meta:
        model = LdapSignin
        fields = (
            "domain",
            "enabled",
            "server_uri",
            "start_tls",
            "ca_certificate",
            "timeout",
            "bind_dn",
            "search_base",
            "search_filter",
            "user_name_attribute",
            "nick_name_attribute",
            "email_attribute",
            "phone_attribute",
            "create_users",
        )

    def save(self, commit: bool = True) -> LdapSignin:
        if self.cleaned_data.get("bind_password"):
            self.instance.bind_password_encrypted = secret_encrypt(self.cleaned_data["bind_password"])
        elif self.cleaned_data.get("clear_bind_password"):
            self.instance.bind_password_encrypted = ""
        return super().save(commit=commit)


class PhoneSigninForm(forms.ModelForm):
    http_url = forms.URLField(
        required=False, assume_scheme="https", max_length=1024, help_text="HTTP sender: the gateway's URL (POST)"
    )
    http_authorization = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=f"HTTP sender: the Authorization header for the gateway (e.g. 'Bearer …'). {KEEP}",
    )

    class Meta:
        model = PhoneSignin
        fields = (
            "domain",
            "enabled",
            "allow_registration",
            "sender",
            "file_path",
            "http_url",
            "http_content_type",
            "http_body_template",
        )

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("sender") == PhoneSignin.Sender.HTTP and not cleaned.get("http_url"):
            self.add_error("http_url", "The HTTP sender needs the gateway's URL.")
        return cleaned

    def save(self, commit: bool = True) -> PhoneSignin:
        if self.cleaned_data.get("http_authorization"):
            self.instance.http_authorization_encrypted = secret_encrypt(self.cleaned_data["http_authorization"])
        return super().save(commit=commit)


class PasswordSigninInline(admin.StackedInline):
    model = PasswordSignin
    can_delete = False
    max_num = 1
    verbose_name = verbose_name_plural = "Sign-in: password (on when not set)"


class LdapSigninInline(admin.StackedInline):
    model = LdapSignin
    form = LdapSigninForm
    can_delete = False
    max_num = 1
    verbose_name = verbose_name_plural = "Sign-in: LDAP / Active Directory"
    fieldsets = (
        (None, {"fields": ("enabled", "server_uri", "start_tls", "ca_certificate", "timeout")}),
        ("Service account", {"fields": ("bind_dn", "bind_password", "clear_bind_password")}),
        ("Finding the user", {"fields": ("search_base", "search_filter")}),
        (
            "The PDS user",
            {
                "fields": (
                    "user_name_attribute",
                    "nick_name_attribute",
                    "email_attribute",
                    "phone_attribute",
                    "create_users",
                ),
                "description": "The directory's user name is the PDS user name: an existing user of that name "
                "signs in as themselves. The other attributes are copied at each sign-in.",
            },
        ),
    )


class PhoneSigninInline(admin.StackedInline):
    model = PhoneSignin
    form = PhoneSigninForm
    can_delete = False
    max_num = 1
    verbose_name = verbose_name_plural = "Sign-in: code sent to the mobile phone"
    fieldsets = (
        (
            None,
            {
                "fields": ("enabled", "allow_registration", "sender"),
                "description": "Codes of 6 digits, valid 5 minutes, 5 tries each; users are found by their phone "
                "number (digits with an optional leading +, exactly as stored).",
            },
        ),
        ("File sender", {"fields": ("file_path",)}),
        ("HTTP sender", {"fields": ("http_url", "http_content_type", "http_body_template", "http_authorization")}),
    )


# Parts of the domain's own admin page (DomainAdmin, in pds_server/admin.py).
SIGNIN_INLINES = [PasswordSigninInline, LdapSigninInline, PhoneSigninInline]
