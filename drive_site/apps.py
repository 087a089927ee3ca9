"""The project's own app config: it creates the directories every process may write to, at
start-up rather than on importing settings (which must have no side effect)."""

from __future__ import annotations

from pathlib import Path

from django.apps import AppConfig
from django.conf import settings

# kombu's filesystem transport: where messages are written, read, kept, and its exchange tables.
BROKER_FOLDERS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


class DriveSiteConfig(AppConfig):
    name = "drive_site"
    verbose_name = "Drive site"

    def ready(self) -> None:
        # SQLite, the file cache and Celery beat create files but not their directory; WhiteNoise
        # warns about a missing STATIC_ROOT (collectstatic fills it in production); kombu's
        # filesystem transport needs its folders to exist.
        broker_options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        folders = [settings.DATA_DIR, settings.STATIC_ROOT]
        folders += [broker_options[key] for key in BROKER_FOLDERS if key in broker_options]
        for folder in folders:
            Path(folder).mkdir(parents=True, exist_ok=True)
