"""Every figure the dashboard, the summary API and the exports show, computed in the database.

Each function takes the districts (a queryset the user may see, from score_portal.scoping) and a
Period, and returns plain values. Views, the API and exports call these; nothing recomputes a
figure elsewhere. Each docstring states the definition shown to the user (DOMAIN.md, "The figures").
"""

import datetime
from dataclasses import dataclass


def add_months(month, count):
    """The first day of the month `count` months after `month` (negative: before)."""
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A range of whole months; `first` None means "since the first record"."""

    first: datetime.date | None  # first day of the `from` month
    last: datetime.date  # first day of the `to` month

    @property
    def end(self):
        """The first day after the period: compare dates with `< period.end`."""
        return add_months(self.last, 1)

    @property
    def last_day(self):
        return self.end - datetime.timedelta(days=1)

    def months(self):
        """The first days of the months in the period (needs `first`)."""
        month, months = self.first, []
        while month <= self.last:
            months.append(month)
            month = add_months(month, 1)
        return months


# Training figures (issue 6). Their imports sit here, not at the top, because this section was
# appended while the rest of the module was being written elsewhere; move them up when convenient.
from decimal import ROUND_HALF_UP, Decimal  # noqa: E402

from django.db.models import Count, Q  # noqa: E402

from enterprises.models import Enterprise  # noqa: E402
from training.models import Module, Participant, Workshop  # noqa: E402

# Workshops count by their own district; people and enterprises by the district of the enterprise
# they belong to (a workshop's enterprises are of its district, WorkshopForm sees to it).


def _in_period(prefix, period):
    """Q for `<prefix>date` within the period's months."""
    condition = Q(**{f"{prefix}date__lt": period.end})
    if period.first is not None:
        condition &= Q(**{f"{prefix}date__gte": period.first})
    return condition


def workshops_held(districts, period):
    """Workshops held: workshops of the districts dated within the period, per module and per kind
    (classroom training or factory walk-through)."""
    held = Q(workshops__district__in=districts) & _in_period("workshops__", period)
    modules = Module.objects.annotate(
        classroom=Count("workshops", filter=held & Q(workshops__kind=Workshop.Kind.CLASSROOM)),
        walkthrough=Count("workshops", filter=held & Q(workshops__kind=Workshop.Kind.WALKTHROUGH)),
    ).order_by("number")
    return [
        {"module": m.number, "name": m.name, "classroom": m.classroom, "walkthrough": m.walkthrough}
        for m in modules
    ]


def people_trained(districts, period):
    """People trained: distinct people of the districts' enterprises on the attendance list of at
    least one workshop (classroom or walk-through) held within the period, by role and sex as last
    recorded; a person is the same enterprise, name and phone. Share of women = women × 100 / people,
    one decimal, halves away from zero; null when nobody was trained."""
    Role, Sex = Participant.Role, Participant.Sex
    trained = Participant.objects.filter(
        Q(enterprise__district__in=districts) & _in_period("attendances__workshop__", period)
    )
    counts = trained.aggregate(
        **{
            f"{role}_{sex}": Count("pk", distinct=True, filter=Q(role=role, sex=sex))
            for role in (Role.MANAGER, Role.WORKER)
            for sex in (Sex.FEMALE, Sex.MALE)
        }
    )
    women = counts["manager_female"] + counts["worker_female"]
    total = women + counts["manager_male"] + counts["worker_male"]
    share = None
    if total:
        share = float((Decimal(women * 100) / Decimal(total)).quantize(Decimal("0.1"), ROUND_HALF_UP))
    return {**counts, "women": women, "men": total - women, "total": total, "women_share_pct": share}


def enterprises_per_module(districts, period):
    """Enterprises that took a module: enterprises of the districts with at least one person on the
    attendance list of a classroom workshop of that module held within the period."""
    path = "workshops__attendances__participant__enterprise"
    took = (
        Q(workshops__kind=Workshop.Kind.CLASSROOM)
        & Q(**{f"{path}__district__in": districts})
        & _in_period("workshops__", period)
    )
    modules = Module.objects.annotate(enterprises=Count(path, distinct=True, filter=took)).order_by("number")
    return [{"module": m.number, "name": m.name, "enterprises": m.enterprises} for m in modules]


def walkthroughs_per_enterprise(districts, period):
    """Walk-throughs held per enterprise: factory walk-throughs dated within the period that visited
    each enterprise of the districts; enterprises without one in the period are not listed. Most
    visited first."""
    held = Q(workshops__kind=Workshop.Kind.WALKTHROUGH) & _in_period("workshops__", period)
    enterprises = (
        Enterprise.objects.filter(district__in=districts)
        .annotate(walkthroughs=Count("workshops", filter=held))
        .filter(walkthroughs__gt=0)
        .select_related("district")
        .order_by("-walkthroughs", "name", "credit_code")
    )
    return [
        {
            "credit_code": e.credit_code,
            "name": e.name,
            "district": e.district.code,
            "walkthroughs": e.walkthroughs,
        }
        for e in enterprises
    ]


def training_figures(districts, period):
    """Every training figure over the districts and the period: four queries, whatever the data."""
    return {
        "workshops": workshops_held(districts, period),
        "people": people_trained(districts, period),
        "enterprises_per_module": enterprises_per_module(districts, period),
        "walkthroughs_per_enterprise": walkthroughs_per_enterprise(districts, period),
    }
