"""Who uses the portal: each account's role and place of work."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The four roles; an account's is Profile.role (a superuser is always a programme admin).
    What a role may do is decided by accounts.scoping, not by model permissions."""

    PROGRAMME_ADMIN = "programme_admin", _("programme admin")
    CITY_OFFICIAL = "city_official", _("city official")
    DISTRICT_OFFICIAL = "district_official", _("district official")
    TRAINER = "trainer", _("trainer")


class Profile(models.Model):
    """What a user does in the portal and where: a district for district officials and trainers, a
    city for city officials."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    # Blank: an account made in the admin without a role sees nothing until it is given one.
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    city = models.ForeignKey("districts.City", models.PROTECT, null=True, blank=True, verbose_name=_("city"))
    district = models.ForeignKey(
        "districts.District", models.PROTECT, null=True, blank=True, verbose_name=_("district")
    )

    class Meta:
        db_table = "score_portal_profile"
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return str(self.user)


class LoginFailure(models.Model):
    """One failed login, kept for the throttling window (accounts.throttle).

    In the database rather than a cache so that every app server behind the load balancer counts
    the same failures.
    """

    username = models.CharField(_("username"), max_length=150)
    ip_address = models.GenericIPAddressField(_("IP address"))
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        db_table = "score_portal_loginfailure"
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        indexes = [models.Index(fields=["username", "at"]), models.Index(fields=["ip_address", "at"])]

    def __str__(self):
        return f"{self.username} {self.ip_address} {self.at:%Y-%m-%d %H:%M}"
