from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import api_client_create, api_client_rotate


class Command(BaseCommand):
    help = (
        "Create an API client for another system (its districts, or every district; whether it may "
        "write) and print its token once, alone on the last line; --rotate prints a new token for an "
        "existing client, the old one working for 7 more days."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument(
            "--district",
            action="extend",
            nargs="+",
            default=[],
            metavar="CODE",
            help="the districts the client may see (several codes, or the option repeated)",
        )
        scope.add_argument(
            "--all-districts",
            action="store_true",
            help="the client may see every district (the city's systems)",
        )
        parser.add_argument(
            "--write", action="store_true", help="the client may write (POST /api/v1/imports/…)"
        )
        parser.add_argument("--rotate", action="store_true", help="a new token for an existing client")

    def handle(self, *args, name, district, all_districts, write, rotate, **options):
        try:
            if rotate:
                if district or all_districts or write:
                    raise CommandError("--rotate changes the token only; change districts in the admin.")
                client, token = api_client_rotate(name=name)
                self.stdout.write(
                    f"{client.name}: new token; the previous one works until "
                    f"{client.previous_token_valid_until:%Y-%m-%d %H:%M %Z}."
                )
            else:
                client, token = api_client_create(
                    name=name, district_codes=district, all_districts=all_districts, may_write=write
                )
                codes = (
                    "every district"
                    if all_districts
                    else ", ".join(client.districts.values_list("code", flat=True))
                )
                self.stdout.write(f"{client.name}: {codes}; {'reads and writes' if write else 'reads only'}.")
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write("The token is shown this once; the portal keeps only its hash:")
        self.stdout.write(token)
