"""The audit log: one row per change, append-only (rows are only ever added, and removed
only by the retention task, services/audit.py)."""

from __future__ import annotations

from django.db import models

from pds_server.models.directory import Domain


class AuditLog(models.Model):
    class Result(models.TextChoices):
        SUCCESS = "success"
        FAILURE = "failure"

    log_id = models.CharField(max_length=40, unique=True)
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="audit_logs")
    acted_at = models.DateTimeField()
    # Who: a user, a service (app token), an anonymous share visitor, or a Django admin.
    actor_type = models.CharField(max_length=16)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_name = models.CharField(max_length=128, blank=True)
    app_id = models.CharField(max_length=64, blank=True)
    # What: e.g. category "file", type "file.rename".
    action_category = models.CharField(max_length=32)
    action_type = models.CharField(max_length=64)
    # Which object, as it was then.
    drive_id = models.CharField(max_length=32, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_name = models.CharField(max_length=1024, blank=True)
    file_path = models.TextField(blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    client_type = models.CharField(max_length=255, blank=True)
    result = models.CharField(max_length=16, choices=Result.choices, default=Result.SUCCESS)
    error_code = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["domain", "acted_at"], name="audit_by_time"),
            models.Index(fields=["domain", "drive_id", "object_id", "acted_at"], name="audit_by_object"),
            models.Index(fields=["domain", "actor_id", "acted_at"], name="audit_by_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.action_type} by {self.actor_id or self.actor_type} at {self.acted_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise ValueError("Audit log rows are append-only.")
        super().save(*args, **kwargs)
