"""Making portal accounts: one service used by the add_user command and by seed_demo."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Profile, Role
from districts.models import City, District

DISTRICT_ROLES = (Role.DISTRICT_OFFICIAL, Role.TRAINER)


@transaction.atomic
def user_create_or_update(*, username, role, password, district_code=None, city_code=None, full_name=""):
    """Create the account (or bring an existing one up to date) with its role and place of work.

    A district role needs a district; a city official works for a city (the district's city, or
    the only city when there is one).
    """
    role = Role(role)
    district = city = None
    if district_code:
        district = District.objects.select_related("city").filter(code=district_code.lower()).first()
        if district is None:
            known = ", ".join(District.objects.values_list("code", flat=True))
            raise ValidationError(
                _("Unknown district %(code)s; known districts: %(known)s.")
                % {"code": district_code, "known": known}
            )
    if role in DISTRICT_ROLES and district is None:
        raise ValidationError(
            _("The role %(role)s needs a district (--district CODE).") % {"role": role.value}
        )
    if role == Role.CITY_OFFICIAL:
        if city_code:
            city = City.objects.filter(code=city_code.lower()).first()
            if city is None:
                raise ValidationError(_("Unknown city %(code)s.") % {"code": city_code})
        elif district is not None:
            city = district.city
        elif City.objects.count() == 1:
            city = City.objects.get()
        else:
            raise ValidationError(_("A city official needs a city (--city CODE)."))
        district = None
    if role == Role.PROGRAMME_ADMIN:
        district = None

    user, _created = User.objects.get_or_create(username=username)
    first, _sep, last = full_name.partition(" ")
    user.first_name, user.last_name = first, last
    # Programme admins manage everything in the admin; nobody else gets into it.
    user.is_staff = user.is_superuser = role == Role.PROGRAMME_ADMIN
    if password:
        user.set_password(password)
    user.save()
    Profile.objects.update_or_create(user=user, defaults={"role": role, "district": district, "city": city})
    return user
