"""Django admin of a domain's third-party user systems (OAuth 2.0 / OpenID Connect providers)
and the identities they link. The client secret is write-only: stored encrypted
(PDS_SECRET_KEYS), never shown again."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models

from pds_server.models import FederatedIdentity, FederationProvider
from pds_server.services.federation import federation_callback_path, provider_secret_set


def https_formfield(field: models.Field, **kwargs) -> forms.Field | None:
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"  # a provider's endpoints are https (Django 6's default)
    return field.formfield(**kwargs)


class FederationProviderForm(forms.ModelForm):
    client_secret = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only. Leave empty to keep the stored secret.",
    )

    class Meta:
        model = FederationProvider
        formfield_callback = https_formfield
        fields = (
            "domain",
            "name",
            "label",
            "enabled",
            "client_id",
            "token_endpoint_auth_method",
            "discovery_url",
            "issuer",
            "authorization_endpoint",
            "token_endpoint",
            "userinfo_endpoint",
            "jwks_uri",
            "scopes",
            "subject_claim",
            "nick_name_claim",
            "email_claim",
            "phone_claim",
            "create_users",
        )

    def clean(self):
        cleaned = super().clean()
        if not self.instance.client_secret_encrypted and not cleaned.get("client_secret"):
            self.add_error("client_secret", "The provider's client secret is required.")
        return cleaned


@admin.register(FederationProvider)
class FederationProviderAdmin(admin.ModelAdmin):
    form = FederationProviderForm
    list_display = ("name", "label", "domain", "enabled", "create_users", "discovery_url", "created_at")
    list_filter = ("enabled", "domain")
    search_fields = ("name", "label", "client_id")
    readonly_fields = ("redirect_uri_to_register", "secret_stored")
    fieldsets = (
        (None, {"fields": ("domain", ("name", "label"), "enabled", "redirect_uri_to_register")}),
        ("Client", {"fields": ("client_id", "client_secret", "secret_stored", "token_endpoint_auth_method")}),
        (
            "Endpoints",
            {
                "fields": (
                    "discovery_url",
                    "issuer",
                    "authorization_endpoint",
                    "token_endpoint",
                    "userinfo_endpoint",
                    "jwks_uri",
                    "scopes",
                ),
                "description": "A discovery URL fills whichever endpoint is left empty.",
            },
        ),
        (
            "Users",
            {
                "fields": (
                    "subject_claim",
                    "nick_name_claim",
                    "email_claim",
                    "phone_claim",
                    "create_users",
                ),
                "description": (
                    "Which claims say who the person is and fill a new user's profile. A new user gets no user "
                    "name (password and LDAP sign-in find people by it); an email or phone number only when the "
                    "provider says it is verified (email_verified, phone_number_verified) and no other user of "
                    "the domain has it. Creating users is off by default: turn it on only for a provider whose "
                    "every account may become a user of this domain."
                ),
            },
        ),
    )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="Redirect URI to register at the provider")
    def redirect_uri_to_register(self, obj: FederationProvider) -> str:
        return f"https://<this domain's PDS host>{federation_callback_path(obj.name or '<name>')}"

    @admin.display(description="Secret stored", boolean=True)
    def secret_stored(self, obj: FederationProvider) -> bool:
        return bool(obj.client_secret_encrypted)

    def save_model(self, request, obj: FederationProvider, form, change):
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("client_secret"):
            provider_secret_set(provider=obj, client_secret=form.cleaned_data["client_secret"])


@admin.register(FederatedIdentity)
class FederatedIdentityAdmin(admin.ModelAdmin):
    list_display = ("provider", "subject", "user", "created_at", "last_signin_at")
    list_filter = ("provider",)
    search_fields = ("subject", "user__user_id", "user__user_name")
    raw_id_fields = ("user",)
    list_select_related = ("provider", "user")
