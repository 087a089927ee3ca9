import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pds_server import errors
from pds_server.models import App, Domain
from pds_server.services.apps import ALL_SCOPES, app_create, rsa_key_pair
from pds_server.services.bootstrap import write_private


class Command(BaseCommand):
    help = "Create a PDS application (OAuth client). A web-server app's secret is printed once."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--type", required=True, choices=App.AppType.values)
        parser.add_argument("--domain", help="domain id (default: the default domain)")
        parser.add_argument("--redirect-uri", action="append", default=[], help="exact redirect URI; repeat for more")
        parser.add_argument(
            "--scope", action="append", default=[], help=f"scope; repeat for more (default: {' '.join(ALL_SCOPES)})"
        )
        parser.add_argument("--public-key-file", help="JWT apps: PEM public key")
        parser.add_argument(
            "--generate-key",
            metavar="PRIVATE_KEY_PATH",
            help="JWT apps: generate a key pair, write the private key here (0600)",
        )
        parser.add_argument("--allow-service-account", action="store_true")

    def handle(self, *args, **options):
        domain = (
            Domain.objects.filter(domain_id=options["domain"]).first()
            if options["domain"]
            else Domain.objects.filter(is_default=True).first()
        )
        if domain is None:
            raise CommandError("No such domain: run pds_bootstrap first or pass --domain.")
        public_key = ""
        if options["public_key_file"]:
            public_key = Path(options["public_key_file"]).read_text()
        elif options["generate_key"]:
            private_pem, public_key = rsa_key_pair()
            write_private(Path(options["generate_key"]), private_pem)
        if options["type"] == App.AppType.JWT and not public_key:
            raise CommandError("A JWT app needs --public-key-file or --generate-key.")
        if options["type"] != App.AppType.JWT and not options["redirect_uri"]:
            raise CommandError("This app type needs at least one --redirect-uri.")
        try:
            app, secret = app_create(
                domain=domain,
                name=options["name"],
                app_type=options["type"],
                redirect_uris=options["redirect_uri"],
                scopes=options["scope"] or None,
                public_key=public_key,
                allow_service_account=options["allow_service_account"],
            )
        except errors.PdsError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            json.dumps({"app_id": app.app_id, "client_secret": secret, "domain_id": domain.domain_id}, indent=2)
        )
