"""How a domain's users sign in on the PDS's own page (the `login_type` of the authorize
request): a password, the domain's LDAP / Active Directory server, or a one-time code sent
to their mobile phone. Each is switched on per domain in Django admin; a domain without a
row of a method has it at its default (password on, the others off)."""

from __future__ import annotations

from django.db import models

from pds_server.models.directory import Domain

PHONE_BODY_TEMPLATE = '{"phone": "$phone", "code": "$code", "minutes": $minutes}'


class PasswordSignin(models.Model):
    domain = models.OneToOneField(Domain, on_delete=models.CASCADE, related_name="password_signin")
    enabled = models.BooleanField(default=True, help_text="user name (or user id) and the user's PDS password")

    class Meta:
        verbose_name = "password sign-in"

    def __str__(self) -> str:
        return f"password sign-in of {self.domain_id}"


class LdapSignin(models.Model):
    """Bind as the service account (or anonymously), find the one entry of the login with
    `search_filter`, then bind as that entry with the password typed."""

    domain = models.OneToOneField(Domain, on_delete=models.CASCADE, related_name="ldap_signin")
    enabled = models.BooleanField(default=False)
    server_uri = models.CharField(max_length=255, help_text="ldap://host:389 or ldaps://host:636")
    start_tls = models.BooleanField(default=False, help_text="upgrade an ldap:// connection with StartTLS")
    ca_certificate = models.TextField(
        blank=True, help_text="PEM certificates to trust for TLS (empty: the system's); the host name is checked"
    )
    bind_dn = models.CharField(max_length=512, blank=True, help_text="empty: search anonymously")
    # MultiFernet under PDS_SECRET_KEYS (services.secrets_box); never shown again.
    bind_password_encrypted = models.TextField(blank=True, editable=False)
    search_base = models.CharField(max_length=512, help_text="e.g. ou=people,dc=example,dc=org")
    search_filter = models.CharField(
        max_length=512, default="(uid={login})", help_text="{login} is replaced by the escaped login typed"
    )
    user_name_attribute = models.CharField(max_length=64, default="uid")
    nick_name_attribute = models.CharField(max_length=64, default="cn", blank=True)
    email_attribute = models.CharField(max_length=64, default="mail", blank=True)
    phone_attribute = models.CharField(max_length=64, default="mobile", blank=True)
    create_users = models.BooleanField(default=True, help_text="create the PDS user at the first sign-in")
    timeout = models.PositiveSmallIntegerField(default=10, help_text="seconds, for connecting and for each answer")

    class Meta:
        verbose_name = "LDAP sign-in"

    def __str__(self) -> str:
        return f"LDAP sign-in of {self.domain_id}"


class PhoneSignin(models.Model):
    class Sender(models.TextChoices):
        CONSOLE = "console", "Log (development)"
        FILE = "file", "File (development and tests)"
        HTTP = "http", "HTTP SMS gateway"

    domain = models.OneToOneField(Domain, on_delete=models.CASCADE, related_name="phone_signin")
    enabled = models.BooleanField(default=False)
    allow_registration = models.BooleanField(
        default=False, help_text="an unknown number becomes a new user at its first sign-in"
    )
    sender = models.CharField(max_length=16, choices=Sender.choices, default=Sender.CONSOLE)
    file_path = models.CharField(
        max_length=1024, blank=True, help_text="File sender: where codes are appended (empty: PDS_PHONE_CODE_FILE)"
    )
    http_url = models.URLField(max_length=1024, blank=True, help_text="HTTP sender: the gateway's URL (POST)")
    http_content_type = models.CharField(max_length=128, default="application/json")
    http_body_template = models.TextField(
        default=PHONE_BODY_TEMPLATE, help_text="$phone, $code and $minutes are replaced"
    )
    # An Authorization header value for the gateway, encrypted like the LDAP bind password.
    http_authorization_encrypted = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = "phone code sign-in"

    def __str__(self) -> str:
        return f"phone code sign-in of {self.domain_id}"


class PhoneCode(models.Model):
    """A one-time code sent to a number: only its keyed digest is kept. A newer code for the
    same number replaces it; it is spent by a sign-in, or burnt by too many wrong tries."""

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="phone_codes")
    phone = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    tries = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["domain", "phone", "-created_at"], name="phone_code_lookup")]

    def __str__(self) -> str:
        return f"phone code #{self.pk}"
