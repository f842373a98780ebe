from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from districts.services import city_create_or_update


def district_spec(value):
    """`code:中文:English:division`, e.g. `nanhu:南湖区:Nanhu:330402`."""
    parts = value.split(":")
    if len(parts) != 4 or not all(part.strip() for part in parts):
        raise ValueError(value)
    return tuple(part.strip() for part in parts)


class Command(BaseCommand):
    help = (
        "Add a city and its districts (or update them): "
        "add_city jiaxing --name-zh 嘉兴市 --name-en Jiaxing --division 330400 "
        "--district nanhu:南湖区:Nanhu:330402 --district xiuzhou:秀洲区:Xiuzhou:330411"
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="the city's code, e.g. jiaxing")
        parser.add_argument("--name-zh", required=True)
        parser.add_argument("--name-en", required=True)
        parser.add_argument("--division", required=True, help="six-digit division code, e.g. 330400")
        parser.add_argument(
            "--district",
            action="append",
            type=district_spec,
            default=[],
            metavar="CODE:中文:ENGLISH:DIVISION",
            help="one district or county; repeat for each",
        )

    def handle(self, *args, code, name_zh, name_en, division, district, **options):
        try:
            city, districts = city_create_or_update(
                code=code.lower(), name_zh=name_zh, name_en=name_en, division=division, districts=district
            )
        except ValidationError as error:
            details = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            )
            raise CommandError(details) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{city.code} ({city.name_zh}, {city.division}): "
                + ", ".join(f"{d.code} {d.name_zh}" for d in districts)
            )
        )
