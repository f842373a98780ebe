import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role
from accounts.services import user_create_or_update


class Command(BaseCommand):
    help = "Create a portal account with a role (and the district or city it works for)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--district", help="district code, e.g. nanxun (district roles)")
        parser.add_argument("--city", help="city code for a city official (default: the only city)")
        parser.add_argument(
            "--password", help="default: a random one, printed once; checked like the admin's password forms"
        )

    def handle(self, *args, username, role, district, city, password, **options):
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        try:
            if not generated:
                # The same rules as the admin's and the login's password forms (AUTH_PASSWORD_VALIDATORS).
                validate_password(password, user=get_user_model()(username=username))
            user_create_or_update(
                username=username, role=role, password=password, district_code=district, city_code=city
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"{username}: {role}" + (f" ({district})" if district else "")))
        if generated:
            self.stdout.write(f"password: {password}")
