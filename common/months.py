"""Whole months: the arithmetic on them and the periods they make."""

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
