import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role
from accounts.services import user_create_or_update


class Command(BaseCommand):
    help = "Create a portal account with a role (and the district, city or enterprise it works for)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--district", help="district code, e.g. nanxun (district roles)")
        parser.add_argument("--city", help="city code for a city official (default: the only city)")
        parser.add_argument(
            "--enterprise",
            help="credit code of the enterprise an enterprise account reports for (--role enterprise only); "
            "an enterprise may have several accounts",
        )
        parser.add_argument(
            "--password",
            help="default: a random one, printed once, which the account must change at its first login; "
            "checked like the admin's password forms",
        )

    def handle(self, *args, username, role, district, city, enterprise, password, **options):
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        try:
            if not generated:
                # The same rules as the admin's and the login's password forms (AUTH_PASSWORD_VALIDATORS).
                validate_password(password, user=get_user_model()(username=username))
            user = user_create_or_update(
                username=username,
                role=role,
                password=password,
                district_code=district,
                city_code=city,
                enterprise_code=enterprise,
                # Printed on a terminal: whoever reads it there is not the account's owner.
                must_change_password=generated,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        place = district or (user.profile.enterprise.credit_code if user.profile.enterprise else None)
        self.stdout.write(self.style.SUCCESS(f"{username}: {role}" + (f" ({place})" if place else "")))
        if generated:
            self.stdout.write(f"password: {password}")
