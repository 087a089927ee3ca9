import json
import secrets

from django.core.management.base import BaseCommand, CommandError

from pds_server import errors
from pds_server.models import Domain, PdsUser
from pds_server.services.users import user_create


class Command(BaseCommand):
    help = "Create a user of a PDS domain who can sign in on the PDS sign-in page."

    def add_arguments(self, parser):
        parser.add_argument("user_id")
        parser.add_argument("--domain", help="domain id (default: the default domain)")
        parser.add_argument("--user-name", help="sign-in name (default: the user id)")
        parser.add_argument("--nick-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--role", default=PdsUser.Role.USER, choices=PdsUser.Role.values)
        parser.add_argument("--password", help="default: a random password, printed once")

    def handle(self, *args, **options):
        domain = (
            Domain.objects.filter(domain_id=options["domain"]).first()
            if options["domain"]
            else Domain.objects.filter(is_default=True).first()
        )
        if domain is None:
            raise CommandError("No such domain: run pds_bootstrap first or pass --domain.")
        password = options["password"] or secrets.token_urlsafe(12)
        try:
            user = user_create(
                domain=domain,
                user_id=options["user_id"],
                fields={
                    "user_name": options["user_name"] or options["user_id"],
                    "nick_name": options["nick_name"],
                    "email": options["email"],
                    "role": options["role"],
                },
                password=password,
                creator="manage.py",
            )
        except errors.PdsError as error:
            raise CommandError(error.message) from None
        output = {"domain_id": domain.domain_id, "user_id": user.user_id, "user_name": user.user_name}
        if not options["password"]:
            output["password"] = password
        self.stdout.write(json.dumps(output, indent=2))
