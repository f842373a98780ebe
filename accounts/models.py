"""Who uses the portal: each account's role and place of work."""

from django.conf import settings
from django.db import models
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


class FailedLoginCount(models.Model):
    """Failed logins for one username, or from one address, in the current window (accounts.throttle).

    One row per username and per address rather than one per failure: a conditional UPDATE of the
    row checks the limit and counts the attempt in one statement, which holds when attempts arrive
    together. In the database rather than a cache so that every app server counts the same failures.
    """

    class Kind(models.TextChoices):
        USERNAME = "username", _("username")
        ADDRESS = "address", _("IP address")

    kind = models.CharField(_("counted by"), max_length=8, choices=Kind.choices)
    # A username in lower case, or an address.
    value = models.CharField(_("username or IP address"), max_length=150)
    failures = models.PositiveIntegerField(_("failures"))
    # The count starts again at the first attempt after SCORE_LOGIN_WINDOW_MINUTES from here.
    window_start = models.DateTimeField(_("window start"))

    class Meta:
        verbose_name = _("failed login count")
        verbose_name_plural = _("failed login counts")
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="failed_login_count_per_key")]
        indexes = [models.Index(fields=["window_start"], name="failed_login_count_window")]

    def __str__(self):
        return f"{self.kind} {self.value}: {self.failures}"
