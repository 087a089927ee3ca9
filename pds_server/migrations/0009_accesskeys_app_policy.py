# Owner: lead (AccessKey pairs, nonces, app access policy).
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pds_server", "0008_image_analysis")]

    operations = [
        migrations.AddField(
            model_name="domain",
            name="app_access_effect",
            field=models.CharField(
                choices=[("allow", "Allow all apps except"), ("deny", "Deny all apps except")],
                default="allow",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="domain",
            name="app_access_except_app_ids",
            field=models.TextField(blank=True, help_text="app ids, one per line"),
        ),
        migrations.CreateModel(
            name="AccessKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("access_key_id", models.CharField(editable=False, max_length=32, unique=True)),
                ("secret_encrypted", models.TextField(editable=False)),
                ("previous_secret_encrypted", models.TextField(blank=True, editable=False)),
                ("previous_valid_until", models.DateTimeField(blank=True, editable=False, null=True)),
                (
                    "role",
                    models.CharField(
                        choices=[("superadmin", "Super administrator"), ("admin", "Administrator")],
                        default="admin",
                        max_length=16,
                    ),
                ),
                ("description", models.CharField(blank=True, max_length=256)),
                ("enabled", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("rotated_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("last_used_at", models.DateTimeField(blank=True, editable=False, null=True)),
                (
                    "app",
                    models.OneToOneField(
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="access_key",
                        to="pds_server.app",
                    ),
                ),
                (
                    "domain",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="access_keys", to="pds_server.domain"
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="AccessKeyNonce",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("access_key_id", models.CharField(max_length=32)),
                ("nonce", models.CharField(max_length=128)),
                ("seen_at", models.DateTimeField(db_index=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("access_key_id", "nonce"), name="accesskey_nonce_once")
                ],
            },
        ),
    ]
