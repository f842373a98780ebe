from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The four roles, each a group created by a migration; the group's name is the value."""

    PROGRAMME_ADMIN = "programme_admin", _("programme admin")
    CITY_OFFICIAL = "city_official", _("city official")
    DISTRICT_OFFICIAL = "district_official", _("district official")
    TRAINER = "trainer", _("trainer")


class Profile(models.Model):
    """Where a user works: a district for district officials and trainers, a city for city officials."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    city = models.ForeignKey(
        "enterprises.City", models.PROTECT, null=True, blank=True, verbose_name=_("city")
    )
    district = models.ForeignKey(
        "enterprises.District", models.PROTECT, null=True, blank=True, verbose_name=_("district")
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return str(self.user)
