from django.apps import AppConfig


class PdsServerConfig(AppConfig):
    name = "pds_server"
    verbose_name = "Embedded PDS"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # What administrators do in Django admin goes into the audit log too.
        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_save

        from pds_server.services.audit import admin_action_record

        post_save.connect(admin_action_record, sender=LogEntry, dispatch_uid="pds_server.audit.admin_action")
