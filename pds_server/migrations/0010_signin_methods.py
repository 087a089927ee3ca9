# Owner: sign-in methods helper (login types, LDAP, phone codes). Hand-filled from `manage.py makemigrations pds_server --dry-run -v 3`.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pds_server", "0009_accesskeys_app_policy")]

    operations = [
        migrations.CreateModel(
            name="LdapSignin",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("enabled", models.BooleanField(default=False)),
                ("server_uri", models.CharField(help_text="ldap://host:389 or ldaps://host:636", max_length=255)),
                (
                    "start_tls",
                    models.BooleanField(default=False, help_text="upgrade an ldap:// connection with StartTLS"),
                ),
                (
                    "ca_certificate",
                    models.TextField(
                        blank=True,
                        help_text="PEM certificates to trust for TLS (empty: the system's); the host name is checked",
                    ),
                ),
                ("bind_dn", models.CharField(blank=True, help_text="empty: search anonymously", max_length=512)),
                ("bind_password_encrypted", models.TextField(blank=True, editable=False)),
                ("search_base", models.CharField(help_text="e.g. ou=people,dc=example,dc=org", max_length=512)),
                (
                    "search_filter",
                    models.CharField(
                        default="(uid={login})",
                        help_text="{login} is replaced by the escaped login typed",
                        max_length=512,
                    ),
                ),
                ("user_name_attribute", models.CharField(default="uid", max_length=64)),
                ("nick_name_attribute", models.CharField(blank=True, default="cn", max_length=64)),
                ("email_attribute", models.CharField(blank=True, default="mail", max_length=64)),
                ("phone_attribute", models.CharField(blank=True, default="mobile", max_length=64)),
                (
                    "create_users",
                    models.BooleanField(default=True, help_text="create the PDS user at the first sign-in"),
                ),
                (
                    "timeout",
                    models.PositiveSmallIntegerField(
                        default=10, help_text="seconds, for connecting and for each answer"
                    ),
                ),
                (
                    "domain",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="ldap_signin", to="pds_server.domain"
                    ),
                ),
            ],
            options={
                "verbose_name": "LDAP sign-in",
            },
        ),
        migrations.CreateModel(
            name="PasswordSignin",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "enabled",
                    models.BooleanField(default=True, help_text="user name (or user id) and the user's PDS password"),
                ),
                (
                    "domain",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="password_signin",
                        to="pds_server.domain",
                    ),
                ),
            ],
            options={
                "verbose_name": "password sign-in",
            },
        ),
        migrations.CreateModel(
            name="PhoneSignin",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("enabled", models.BooleanField(default=False)),
                (
                    "allow_registration",
                    models.BooleanField(
                        default=False, help_text="an unknown number becomes a new user at its first sign-in"
                    ),
                ),
                (
                    "sender",
                    models.CharField(
                        choices=[
                            ("console", "Log (development)"),
                            ("file", "File (development and tests)"),
                            ("http", "HTTP SMS gateway"),
                        ],
                        default="console",
                        max_length=16,
                    ),
                ),
                (
                    "file_path",
                    models.CharField(
                        blank=True,
                        help_text="File sender: where codes are appended (empty: PDS_PHONE_CODE_FILE)",
                        max_length=1024,
                    ),
                ),
                (
                    "http_url",
                    models.URLField(blank=True, help_text="HTTP sender: the gateway's URL (POST)", max_length=1024),
                ),
                ("http_content_type", models.CharField(default="application/json", max_length=128)),
                (
                    "http_body_template",
                    models.TextField(
                        default='{"phone": "$phone", "code": "$code", "minutes": $minutes}',
                        help_text="$phone, $code and $minutes are replaced",
                    ),
                ),
                ("http_authorization_encrypted", models.TextField(blank=True, editable=False)),
                (
                    "domain",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="phone_signin", to="pds_server.domain"
                    ),
                ),
            ],
            options={
                "verbose_name": "phone code sign-in",
            },
        ),
        migrations.CreateModel(
            name="PhoneCode",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("phone", models.CharField(max_length=32)),
                ("code_hash", models.CharField(max_length=64)),
                ("tries", models.PositiveSmallIntegerField(default=0)),
                ("expires_at", models.DateTimeField()),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "domain",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="phone_codes", to="pds_server.domain"
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["domain", "phone", "-created_at"], name="phone_code_lookup")],
            },
        ),
    ]
