"""Whole months: reading them from URLs and forms, the arithmetic on them, the periods they make."""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EARLIEST = datetime.date(1990, 1, 1)

# [0-9], not \d: \d also matches fullwidth and Arabic-Indic digits, which int() then reads happily.
MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")

# How much of a refused value the message repeats: enough to recognise it, never a whole pasted page.
SHOWN_CHARACTERS = 20

NOT_A_MONTH = _(
    "“%(value)s” is not a month: write it as YYYY-MM, for example 2016-01. "
    "The portal accepts months from %(earliest)s to %(latest)s."
)
OUT_OF_RANGE = _(
    "“%(value)s” is not a month the portal accepts: write a month from %(earliest)s to %(latest)s "
    "as YYYY-MM, for example 2016-01."
)
DATE_OUT_OF_RANGE = _(
    "%(value)s is not a date the portal accepts: dates run from %(earliest)s to %(latest)s."
)
INVERTED = _("The period cannot start (%(first)s) after it ends (%(last)s).")


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


def date_range():
    """The first and the last date the portal accepts (docs/domain.md, "Dates"): 1990-01-01 and the
    last day of next year. "Next year" counts from today in the portal's TIME_ZONE, not in
    whatever time zone a request may have activated, so that every page agrees."""
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    return EARLIEST, datetime.date(today.year + 1, 12, 31)


def parse_month(text):
    """The first day of the month written exactly `YYYY-MM` (what <input type="month"> sends),
    within date_range(); anything else raises ValidationError with a message for the user."""
    earliest, latest = date_range()
    params = {"value": _shown(text), "earliest": f"{earliest:%Y-%m}", "latest": f"{latest:%Y-%m}"}
    match = MONTH.fullmatch(text)
    # Year 0 does not exist; checked apart from the range so that "0000-01" reads as no month at all.
    if not match or int(match[1]) < datetime.MINYEAR or not 1 <= int(match[2]) <= 12:
        raise ValidationError(NOT_A_MONTH, code="invalid", params=params)
    month = datetime.date(int(match[1]), int(match[2]), 1)
    if not earliest <= month <= latest:
        raise ValidationError(OUT_OF_RANGE, code="out_of_range", params=params)
    return month


def check_date(day):
    """Raise ValidationError, naming the range, unless the date `day` lies within date_range()
    (docs/domain.md, "Dates"): what every date the portal reads, from a file, a form or a URL, keeps to."""
    earliest, latest = date_range()
    if not earliest <= day <= latest:
        raise ValidationError(
            DATE_OUT_OF_RANGE,
            code="out_of_range",
            params={"value": day.isoformat(), "earliest": earliest.isoformat(), "latest": latest.isoformat()},
        )


def date_rule_install(model_classes):
    """Put every DateField of `model_classes` under check_date: among its validators (run by
    full_clean, hence by every ModelForm and the admin), appended as Django appends its own, so the
    fields' definitions and migrations stay as they are."""
    for model in model_classes:
        for field in model._meta.get_fields():
            if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
                if check_date not in field.validators:
                    field.validators.append(check_date)


def check_period(first, last):
    """Refuse a period that starts after it ends; either end may be None (open)."""
    if first is not None and last is not None and first > last:
        raise ValidationError(
            INVERTED, code="inverted", params={"first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}"}
        )


def _shown(text):
    """The refused value as the message repeats it: control characters (a NUL typed into a URL)
    shown as U+FFFD, as a browser would, and a long value cut short."""
    shown = "".join(c if c.isprintable() else "\ufffd" for c in text[:SHOWN_CHARACTERS])
    return shown + ("…" if len(text) > SHOWN_CHARACTERS else "")
