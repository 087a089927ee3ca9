import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from drive_site.keys import keys_generate
from pds_server.services.bootstrap import pds_bootstrap


class Command(BaseCommand):
    help = (
        "Create (idempotently) the default domain, the drive app's web-server and JWT apps, and a demo user; "
        "generate SECRET_KEY and the token encryption key into the data directory when the environment gives none."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.add_argument(
            "--env-file", default=str(settings.BASE_DIR / ".env"), help="where to write the drive app's settings"
        )
        parser.add_argument("--no-env-file", action="store_true", help="do not write any .env file")
        parser.add_argument("--site-url", default=settings.DRIVE_SITE_URL)
        parser.add_argument("--endpoint", default=settings.PDS_ENDPOINT)

    def handle(self, *args, **options):
        # First, as on a fresh machine nothing else has made them: the processes started next read them.
        generated = keys_generate(data_dir=Path(settings.DATA_DIR))
        result = pds_bootstrap(
            env_file=None if options["no_env_file"] else Path(options["env_file"]),
            site_url=options["site_url"],
            endpoint=options["endpoint"],
        )
        if options["json"]:
            self.stdout.write(json.dumps(result.public_summary(), indent=2))
            return
        for path in generated:
            self.stdout.write(f"Generated {path} (mode 0600)")
        self.stdout.write(f"PDS domain:      {result.domain_id} at {result.endpoint}")
        self.stdout.write(f"Web-server app:  {result.web_app_id}")
        self.stdout.write(f"JWT app:         {result.jwt_app_id} (private key {result.private_key_path})")
        self.stdout.write(f"Demo user:       {result.demo_user_name} / {result.demo_password}")
        if result.env_file_written:
            self.stdout.write(f"Wrote the drive app's settings to {options['env_file']}")
