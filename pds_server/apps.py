from django.apps import AppConfig


class PdsServerConfig(AppConfig):
    name = "pds_server"
    verbose_name = "Embedded PDS"
    default_auto_field = "django.db.models.BigAutoField"
