"""Writes that touch several models of the enterprises app."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from districts.models import City, District


@transaction.atomic
def city_create_or_update(*, code, name_zh, name_en, division, districts):
    """Add a city with its districts (or bring an existing one up to date): data, not code.

    `districts` is a list of (code, name_zh, name_en, division). Each row is validated as the admin
    would (unique codes and division codes, six-digit divisions) before anything is saved; a
    district code already used by another city is refused rather than moved.
    """
    if not (len(division) == 6 and division.isdigit()):
        raise ValidationError(
            {"division": _("A division code has six digits, not %(value)s.") % {"value": division}}
        )
    for district_code, _zh, _en, district_division in districts:
        # GB/T 2260: a district's code starts with its city's first four digits (330402 in 330400).
        if not (len(district_division) == 6 and district_division.isdigit()) or (
            district_division[:4] != division[:4]
        ):
            raise ValidationError(
                {
                    "division": _(
                        "The district %(code)s has division %(value)s, which is not in the city %(city)s."
                    )
                    % {"code": district_code, "value": district_division, "city": division}
                }
            )
    city = City.objects.filter(code=code).first() or City(code=code)
    city.name_zh, city.name_en, city.division = name_zh, name_en, division
    city.full_clean()
    city.save()
    saved = []
    for district_code, district_zh, district_en, district_division in districts:
        district = District.objects.filter(code=district_code, city=city).first() or District(
            code=district_code, city=city
        )
        district.name_zh, district.name_en, district.division = district_zh, district_en, district_division
        district.full_clean()
        district.save()
        saved.append(district)
    return city, saved
