import json

from django.core.management.base import BaseCommand, CommandError

from pds_server.models import AccessKey, Domain
from pds_server.services.accesskeys import accesskey_create


class Command(BaseCommand):
    help = "Create an AccessKey pair for a domain. The secret is printed once and stored only encrypted."

    def add_arguments(self, parser):
        parser.add_argument("--domain", help="domain id (default: the default domain)")
        parser.add_argument("--role", choices=AccessKey.Role.values, default=AccessKey.Role.ADMIN)
        parser.add_argument("--description", default="")
        parser.add_argument("--json", action="store_true", help='print {"access_key_id", "access_key_secret", ...}')

    def handle(self, *args, **options):
        domain = (
            Domain.objects.filter(domain_id=options["domain"]).first()
            if options["domain"]
            else Domain.objects.filter(is_default=True).first()
        )
        if domain is None:
            raise CommandError("No such domain: run pds_bootstrap first or pass --domain.")
        created = accesskey_create(domain=domain, role=options["role"], description=options["description"])
        if options["json"]:
            fields = {
                "access_key_id": created.access_key.access_key_id,
                "access_key_secret": created.secret,
                "domain_id": domain.domain_id,
                "role": created.access_key.role,
            }
            self.stdout.write(json.dumps(fields))
            return
        self.stdout.write(f"AccessKey ID:     {created.access_key.access_key_id}")
        self.stdout.write(f"AccessKey secret: {created.secret}  (shown once)")
