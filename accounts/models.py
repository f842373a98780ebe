"""Who uses the portal: each account's role and place of work."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The roles; an account's is Profile.role (a superuser is always a programme admin).
    What a role may do is decided by accounts.scoping (its RIGHTS table), not by model permissions."""

    PROGRAMME_ADMIN = "programme_admin", _("programme admin")
    CITY_OFFICIAL = "city_official", _("city official")
    DISTRICT_OFFICIAL = "district_official", _("district official")
    TRAINER = "trainer", _("trainer")
    # An enterprise's safety officer or improvement team: its own enterprise's records only.
    ENTERPRISE = "enterprise", _("enterprise")


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
    # For the enterprise role: the one enterprise the account reports for (several accounts may share
    # it). Named by string: accounts sits below the enterprises app and does not import it.
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enterprise"),
    )
    # Set when someone else chose or saw the password (an enterprise's account made or reset by its
    # district, a password add_user generated): the account is sent to the password change page
    # (accounts.middleware) until it has chosen its own.
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("The account must choose a new password before it may open any other page."),
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


class ApiClient(models.Model):
    """Another system of the department that reads and feeds the portal through /api/v1/ (the work-safety
    credit mechanism, a county's risk inspection system): its districts, whether it may write, and
    the hash of its token.

    Scoped by accounts.scoping like a user: the districts it was given, or every district when it has
    `all_districts` (a flag of its own, so that losing its last district leaves a client with none,
    never with the whole city). The token itself
    is never stored: only its SHA-256 (see api.authentication for why a fast hash suffices). During a
    rotation the previous token's hash stays valid until `previous_token_valid_until`.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    districts = models.ManyToManyField(
        "districts.District",
        blank=True,
        related_name="+",
        verbose_name=_("districts"),
        help_text=_("The districts the client reads (and writes, if it may write). None chosen: none."),
    )
    all_districts = models.BooleanField(
        _("all districts"),
        default=False,
        help_text=_(
            "The client reads (and writes, if it may write) every district, those added later included; "
            "for the city's systems. Then choose no district above."
        ),
    )
    may_write = models.BooleanField(_("may write"), default=False)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    previous_token_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    previous_token_valid_until = models.DateTimeField(
        _("previous token valid until"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    request_count = models.PositiveBigIntegerField(_("requests"), default=0, editable=False)
    # The rate limit's counter (api.authentication): requests in the minute starting at window_start.
    window_start = models.DateTimeField(null=True, blank=True, editable=False)
    window_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self):
        return self.name

    def district_ids(self):
        """The pks of the districts given (empty: none; see all_districts), read once per instance."""
        if not hasattr(self, "_district_ids"):
            self._district_ids = tuple(sorted(self.districts.values_list("pk", flat=True)))
        return self._district_ids
