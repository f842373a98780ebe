"""The dashboard's roll-up: the district figures summed per district and month, kept in step with
the data by database triggers (see dashboard/rollup.py for how, and README "Dashboard performance"
for why)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dashboard import registry


class DistrictMonth(models.Model):
    """A row of the roll-up: one district and one month."""

    district = models.ForeignKey("districts.District", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))

    class Meta:
        abstract = True
        constraints = [models.UniqueConstraint(fields=["district", "month"], name="%(class)s_key")]

    def __str__(self):
        return f"{self.district_id} {self.month:%Y-%m}"


def monthly_sum_field(kind):
    """The roll-up's column for one monthly sum of dashboard.registry.monthly_sums."""
    if kind == registry.DECIMAL:
        return models.DecimalField(max_digits=18, decimal_places=2, default=0)
    if kind == registry.BIG:
        return models.BigIntegerField(default=0)
    return models.IntegerField(default=0)


# The sums of dashboard.sums' monthly statement for one row of a roll-up: a column per monthly sum
# of the registry (dashboard.registry.monthly_sums), generated.
#
# Wide (a column per sum), not long (a row per sum, as Zulip's analytics keep a row per stat), by
# measurement (benchmarks/registry_benchmark.py, 7 December 2026, PostgreSQL, 1,000 enterprises ×
# 36 months): the roll-up's read of every sum per district over the period took 0.33–0.44 ms wide
# and 1.17–1.62 ms long (17 times the rows: 3,060), three to four times as long, on every figure
# request. And an update of one month (the next issue makes the roll-up incremental) adds its
# deltas to one row in one statement, whatever the number of figures, where long it would upsert a
# row per sum. A new sum costs a column and its migration, which the registry's declaration makes
# mechanical (`makemigrations`).
MonthlySums = type(
    "MonthlySums",
    (models.Model,),
    {
        "__module__": __name__,
        "__doc__": "The sums of dashboard.sums' monthly statement for one row of a roll-up.",
        "Meta": type("Meta", (), {"abstract": True}),
        **{column: monthly_sum_field(kind) for column, kind in registry.monthly_sums()},
    },
)


class ChangeSums(models.Model):
    """The sums of dashboard.sums' before/after statement (CHANGE_COLUMNS) for one row of a roll-up."""

    enterprises = models.IntegerField(default=0)
    baseline_inspections = models.BigIntegerField(default=0)
    followup_inspections = models.BigIntegerField(default=0)
    baseline_accidents = models.BigIntegerField(default=0)
    followup_accidents = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class MonthlyRollup(DistrictMonth, MonthlySums):
    """One district's month: what the figures for any range of whole months add up."""

    class Meta(DistrictMonth.Meta):
        verbose_name = _("monthly roll-up")
        verbose_name_plural = _("monthly roll-ups")


class ChangeRollup(DistrictMonth, ChangeSums):
    """The before/after comparison of one district for a period ending with `month` (it depends on
    the period's last month only): the qualifying enterprises and their pooled sums."""

    class Meta(DistrictMonth.Meta):
        verbose_name = _("before/after roll-up")
        verbose_name_plural = _("before/after roll-ups")


class SegmentMonth(models.Model):
    """A row of the breakdown's roll-up: the enterprises of one district with the same sector and
    cohort (as written, "" when not given), in one month. The district roll-up above is these rows
    summed per district (dashboard.rollup.rebuild), so the two cannot disagree."""

    district = models.ForeignKey("districts.District", on_delete=models.CASCADE, related_name="+")
    sector = models.CharField(_("sector"), max_length=100, blank=True)
    cohort = models.CharField(_("cohort"), max_length=50, blank=True)
    month = models.DateField(_("month"))

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["district", "sector", "cohort", "month"], name="%(class)s_key")
        ]

    def __str__(self):
        return f"{self.district_id} {self.sector} {self.cohort} {self.month:%Y-%m}"


class SegmentMonthlyRollup(SegmentMonth, MonthlySums):
    """The monthly sums of one district's enterprises of one sector and cohort: what the breakdown
    by sector or cohort adds up."""

    class Meta(SegmentMonth.Meta):
        verbose_name = _("monthly roll-up by sector and cohort")
        verbose_name_plural = _("monthly roll-ups by sector and cohort")


class SegmentChangeRollup(SegmentMonth, ChangeSums):
    """The before/after comparison of one district's enterprises of one sector and cohort, for a
    period ending with `month`."""

    class Meta(SegmentMonth.Meta):
        verbose_name = _("before/after roll-up by sector and cohort")
        verbose_name_plural = _("before/after roll-ups by sector and cohort")


def generation_new():
    """A random generation, as the triggers draw one (dashboard.rollup.GENERATION): 32 hex digits."""
    return secrets.token_hex(16)


class RollupState(models.Model):
    """One row: `data_version` counts the writes to the tables the figures read (triggers raise it);
    `rollup_version` is the data_version the roll-up was last built from, and `due_month` the
    latest due month it counted owed reports up to. Both current: the roll-up is current.

    `generation` is drawn at random by the same writes, and keys dashboard.page_cache: a counter
    comes back to a number it had after a rollback or a restore, with other data behind it; a
    generation drawn afresh by the next write does not."""

    data_version = models.BigIntegerField(default=0)
    rollup_version = models.BigIntegerField(default=-1)
    due_month = models.DateField(null=True)
    generation = models.CharField(max_length=36, default=generation_new)

    class Meta:
        verbose_name = _("roll-up state")

    def __str__(self):
        return f"data {self.data_version}, roll-up {self.rollup_version}"


class DistrictGeneration(models.Model):
    """A district's generation: drawn at random by every write through the door to the district's
    enterprises and their records (dashboard.rollup.follow_write), and part of the page cache's key
    (dashboard.page_cache). A row per district, not one for all: writers in different districts do
    not wait for one another, and a writer holds its row only from the end of its write to its
    commit."""

    district = models.OneToOneField(
        "districts.District", models.CASCADE, primary_key=True, related_name="+", db_constraint=False
    )
    generation = models.CharField(max_length=36, default=generation_new)

    class Meta:
        verbose_name = _("district's data generation")

    def __str__(self):
        return f"{self.district_id} {self.generation}"


class FollowedWrite(models.Model):
    """On SQLite, a row while the door writes and follows its write (dashboard.rollup.FOLLOWED): the
    roll-up's triggers then leave the state alone. Empty otherwise; PostgreSQL uses a setting local
    to the transaction instead."""

    class Meta:
        verbose_name = _("followed write")

    def __str__(self):
        return str(self.pk)


class ContentState(models.Model):
    """One row: `version` counts the writes to the other tables the cached pages show (districts,
    cities, training; triggers raise it), and `generation` is drawn at random by the same writes
    (RollupState says why). With RollupState.generation it keys dashboard.page_cache. A row of its
    own: a trainer's transaction holds this row until it commits, and must not queue behind an
    import (which holds RollupState's) nor keep the roll-up from being rebuilt."""

    version = models.BigIntegerField(default=0)
    generation = models.CharField(max_length=36, default=generation_new)

    class Meta:
        verbose_name = _("page content state")

    def __str__(self):
        return f"content {self.version}"


class DisplayLink(models.Model):
    """A link that opens the meeting-room screen alone, with no login: for a wall display, which
    must not go dark when someone's session ends. It shows what its creator may see, as the
    creator's role and districts stand at each request: a creator deactivated or no longer an
    official stops it working. Only the token's SHA-256 is kept; the token itself is shown once,
    when the link is made (dashboard.screen)."""

    name = models.CharField(_("name"), max_length=100)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="display_links", verbose_name=_("creator")
    )
    token_hash = models.CharField(_("token hash (SHA-256)"), max_length=64, unique=True)
    # The screen's language unless the link's URL asks for another (`lang`).
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("display link")
        verbose_name_plural = _("display links")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.name


class ReportSlot(models.Model):
    """A printed report being made for a user: taken before WeasyPrint starts, deleted when it ends
    (dashboard.report_slots). Counted in the database, not in a process's memory, so that the limit
    of SCORE_REPORT_CONCURRENCY holds across every worker and app server."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("user")
    )
    started_at = models.DateTimeField(_("started at"))

    class Meta:
        verbose_name = _("report being made")
        verbose_name_plural = _("reports being made")
        indexes = [models.Index(fields=["user", "started_at"], name="report_slot_user_started")]

    def __str__(self):
        return f"{self.user_id} {self.started_at:%Y-%m-%d %H:%M:%S}"
