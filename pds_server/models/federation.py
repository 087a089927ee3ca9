"""Third-party user systems of a domain's sign-in page: generic OAuth 2.0 / OpenID Connect
providers (`ding`, `wx`, `ram` are such providers by name), the identities they vouch for,
and the one-time state of a sign-in in flight."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from pds_server.models.directory import Domain, PdsUser

# Values of `login_type` the sign-in page has for its own methods: no provider may take them.
RESERVED_NAMES = frozenset({"default", "password", "ldap", "phone", "sms"})


class FederationProvider(models.Model):
    class TokenAuth(models.TextChoices):
        BASIC = "client_secret_basic", "HTTP Basic (client_secret_basic)"
        POST = "client_secret_post", "In the form (client_secret_post)"

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="federation_providers")
    name = models.CharField(
        max_length=32,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9_-]*$", "lowercase letters, digits, '_' and '-'")],
        help_text="the login_type value and the URL segment, e.g. ding, wx, ram",
    )
    label = models.CharField(max_length=128, help_text="shown on the sign-in page, e.g. 'DingTalk'")
    enabled = models.BooleanField(default=True)
    client_id = models.CharField(max_length=255)
    # MultiFernet under PDS_SECRET_KEYS (services/secrets_box.py); never shown after it is set.
    client_secret_encrypted = models.TextField(blank=True, editable=False)
    discovery_url = models.URLField(
        max_length=1024, blank=True, help_text="https://issuer/.well-known/openid-configuration; or the endpoints below"
    )
    issuer = models.CharField(
        max_length=1024,
        blank=True,
        help_text="expected `iss` of ID tokens (required with a JWKS URI, without discovery)",
    )
    authorization_endpoint = models.URLField(max_length=1024, blank=True)
    token_endpoint = models.URLField(max_length=1024, blank=True)
    userinfo_endpoint = models.URLField(max_length=1024, blank=True)
    jwks_uri = models.URLField(max_length=1024, blank=True, help_text="keys that sign ID tokens")
    token_endpoint_auth_method = models.CharField(
        max_length=32, choices=TokenAuth.choices, default=TokenAuth.BASIC, help_text="how the secret is sent"
    )
    scopes = models.CharField(
        max_length=512, blank=True, help_text="space-separated; with 'openid' the provider is used as OpenID Connect"
    )
    subject_claim = models.CharField(max_length=64, default="sub")
    # No user name from claims: other sign-in methods (password, LDAP) find people by it.
    nick_name_claim = models.CharField(max_length=64, blank=True, default="name")
    email_claim = models.CharField(
        max_length=64, blank=True, default="email", help_text="taken only with email_verified true, and not in use"
    )
    phone_claim = models.CharField(
        max_length=64,
        blank=True,
        default="phone_number",
        help_text="taken only with phone_number_verified true, and not in use",
    )
    create_users = models.BooleanField(
        default=False,
        help_text="create a new domain user on a subject's first sign-in (off: only identities an administrator "
        "linked sign in)",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "federation provider"
        constraints = [models.UniqueConstraint(fields=["domain", "name"], name="unique_federation_provider_name")]

    def __str__(self) -> str:
        return f"{self.label} ({self.name}) @ {self.domain_id}"

    def clean(self) -> None:
        if self.name in RESERVED_NAMES:
            raise ValidationError({"name": f"{self.name!r} is a sign-in method of the page itself."})
        if not self.discovery_url and not (self.authorization_endpoint and self.token_endpoint):
            raise ValidationError("Give a discovery URL, or at least the authorization and token endpoints.")
        if not self.discovery_url and not self.userinfo_endpoint and not self.jwks_uri:
            raise ValidationError("Give a userinfo endpoint or a JWKS URI (for ID tokens): the subject comes from one.")
        if not self.discovery_url and self.jwks_uri and not self.issuer.strip():
            raise ValidationError({"issuer": "Give the issuer of the ID tokens the JWKS URI checks (their `iss`)."})

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def is_openid(self) -> bool:
        return "openid" in self.scope_list


class FederatedIdentity(models.Model):
    """A provider's subject, linked to the domain user it signs in."""

    provider = models.ForeignKey(FederationProvider, on_delete=models.CASCADE, related_name="identities")
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(PdsUser, on_delete=models.CASCADE, related_name="federated_identities")
    created_at = models.DateTimeField(auto_now_add=True)
    last_signin_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "federated identity"
        verbose_name_plural = "federated identities"
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="unique_federated_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.provider.name}:{self.subject} -> {self.user_id}"


class FederationState(models.Model):
    """A sign-in sent to a provider and not yet back: found by the digest of its `state`
    (which the browser also holds in a signed cookie), used once. The PKCE verifier and the
    nonce stay here, never in the browser."""

    state_hash = models.CharField(max_length=64, unique=True)
    provider = models.ForeignKey(FederationProvider, on_delete=models.CASCADE, related_name="+")
    code_verifier = models.CharField(max_length=128)
    nonce = models.CharField(max_length=64, blank=True)
    authorize_query = models.TextField(help_text="the original /v2/oauth/authorize query string")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sign-in through {self.provider_id} until {self.expires_at:%Y-%m-%d %H:%M}"
