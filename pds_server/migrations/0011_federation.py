# Owner: federation helper (third-party OAuth/OIDC providers).
# Hand-filled from `manage.py makemigrations pds_server --dry-run -v 3`.
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pds_server", "0010_signin_methods")]

    operations = [
        migrations.CreateModel(
            name="FederationProvider",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "name",
                    models.CharField(
                        help_text="the login_type value and the URL segment, e.g. ding, wx, ram",
                        max_length=32,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[a-z0-9][a-z0-9_-]*$", "lowercase letters, digits, '_' and '-'"
                            )
                        ],
                    ),
                ),
                ("label", models.CharField(help_text="shown on the sign-in page, e.g. 'DingTalk'", max_length=128)),
                ("enabled", models.BooleanField(default=True)),
                ("client_id", models.CharField(max_length=255)),
                ("client_secret_encrypted", models.TextField(blank=True, editable=False)),
                (
                    "discovery_url",
                    models.URLField(
                        blank=True,
                        help_text="https://issuer/.well-known/openid-configuration; or the endpoints below",
                        max_length=1024,
                    ),
                ),
                (
                    "issuer",
                    models.CharField(
                        blank=True,
                        help_text="expected `iss` of ID tokens (required with a JWKS URI, without discovery)",
                        max_length=1024,
                    ),
                ),
                ("authorization_endpoint", models.URLField(blank=True, max_length=1024)),
                ("token_endpoint", models.URLField(blank=True, max_length=1024)),
                ("userinfo_endpoint", models.URLField(blank=True, max_length=1024)),
                ("jwks_uri", models.URLField(blank=True, help_text="keys that sign ID tokens", max_length=1024)),
                (
                    "token_endpoint_auth_method",
                    models.CharField(
                        choices=[
                            ("client_secret_basic", "HTTP Basic (client_secret_basic)"),
                            ("client_secret_post", "In the form (client_secret_post)"),
                        ],
                        default="client_secret_basic",
                        help_text="how the secret is sent",
                        max_length=32,
                    ),
                ),
                (
                    "scopes",
                    models.CharField(
                        blank=True,
                        help_text="space-separated; with 'openid' the provider is used as OpenID Connect",
                        max_length=512,
                    ),
                ),
                ("subject_claim", models.CharField(default="sub", max_length=64)),
                ("nick_name_claim", models.CharField(blank=True, default="name", max_length=64)),
                (
                    "email_claim",
                    models.CharField(
                        blank=True,
                        default="email",
                        help_text="taken only with email_verified true, and not in use",
                        max_length=64,
                    ),
                ),
                (
                    "phone_claim",
                    models.CharField(
                        blank=True,
                        default="phone_number",
                        help_text="taken only with phone_number_verified true, and not in use",
                        max_length=64,
                    ),
                ),
                (
                    "create_users",
                    models.BooleanField(
                        default=False,
                        help_text="create a new domain user on a subject's first sign-in (off: only identities an "
                        "administrator linked sign in)",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "domain",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="federation_providers",
                        to="pds_server.domain",
                    ),
                ),
            ],
            options={
                "verbose_name": "federation provider",
            },
        ),
        migrations.CreateModel(
            name="FederatedIdentity",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("subject", models.CharField(max_length=255)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("last_signin_at", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="federated_identities",
                        to="pds_server.pdsuser",
                    ),
                ),
                (
                    "provider",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="identities",
                        to="pds_server.federationprovider",
                    ),
                ),
            ],
            options={
                "verbose_name": "federated identity",
                "verbose_name_plural": "federated identities",
            },
        ),
        migrations.CreateModel(
            name="FederationState",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("state_hash", models.CharField(max_length=64, unique=True)),
                ("code_verifier", models.CharField(max_length=128)),
                ("nonce", models.CharField(blank=True, max_length=64)),
                ("authorize_query", models.TextField(help_text="the original /v2/oauth/authorize query string")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField(db_index=True)),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "provider",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="pds_server.federationprovider",
                    ),
                ),
            ],
        ),
        migrations.AddConstraint(
            model_name="federationprovider",
            constraint=models.UniqueConstraint(fields=("domain", "name"), name="unique_federation_provider_name"),
        ),
        migrations.AddConstraint(
            model_name="federatedidentity",
            constraint=models.UniqueConstraint(fields=("provider", "subject"), name="unique_federated_subject"),
        ),
    ]
