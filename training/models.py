from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from districts.models import BilingualName, District
from enterprises.models import Enterprise


class Module(BilingualName):
    """One of SCORE's five modules, seeded by a migration."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def __str__(self):
        return _("Module %(number)d: %(name)s") % {"number": self.number, "name": self.name}


class Workshop(models.Model):
    class Kind(models.TextChoices):
        CLASSROOM = "classroom", _("classroom training")
        WALKTHROUGH = "walkthrough", _("factory walk-through")

    module = models.ForeignKey(Module, models.PROTECT, related_name="workshops", verbose_name=_("module"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CLASSROOM)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    district = models.ForeignKey(
        District, models.PROTECT, related_name="workshops", verbose_name=_("district")
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="workshops_led", blank=True, verbose_name=_("trainers")
    )
    enterprises = models.ManyToManyField(
        Enterprise, related_name="workshops", blank=True, verbose_name=_("enterprises taking part")
    )
    # A walk-through is led by a consultant (a trainer with a portal account) together with a
    # safety inspector of the work-safety department, who has no account: hence a name.
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="walkthroughs_as_consultant",
        verbose_name=_("consultant"),
    )
    inspector = models.CharField(_("safety inspector"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Raised by one at every save of the workshop or its attendance (training.services): a form
    # carries the version it showed, and a save over a newer one is refused.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-date", "module__number"]
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        indexes = [models.Index(fields=["district", "date"])]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.module} ({self.get_kind_display()})"

    def get_absolute_url(self):
        return reverse("workshop_detail", args=[self.pk])


class Participant(models.Model):
    """A person of an enterprise's improvement team, matched across workshops by name and phone."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("manager")
        WORKER = "worker", _("worker")

    class Sex(models.TextChoices):
        FEMALE = "female", _("female")
        MALE = "male", _("male")

    enterprise = models.ForeignKey(
        Enterprise, models.CASCADE, related_name="participants", verbose_name=_("enterprise")
    )
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)

    class Meta:
        ordering = ["enterprise", "name"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "name", "phone"],
                name="participant_unique_person_per_enterprise",
                violation_error_message=_(
                    "This enterprise already has a participant with this name and phone."
                ),
            ),
        ]

    def __str__(self):
        return self.name


class Attendance(models.Model):
    workshop = models.ForeignKey(
        Workshop, models.CASCADE, related_name="attendances", verbose_name=_("workshop")
    )
    participant = models.ForeignKey(
        Participant, models.CASCADE, related_name="attendances", verbose_name=_("participant")
    )

    class Meta:
        ordering = ["workshop", "participant__name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "participant"],
                name="attendance_once_per_workshop",
                violation_error_message=_("This person is already on the workshop's list."),
            ),
        ]

    def __str__(self):
        return f"{self.participant} @ {self.workshop}"
