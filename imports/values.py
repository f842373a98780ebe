"""Turn one cell as clerks write it into the value the portal stores, or say why not.

Every parser takes the raw cell (a string from CSV; a string, number, date or datetime from
Excel) and returns the Python value, None for an empty optional cell, or raises CellError with a
message in the active language. Full-width characters (`１２３`, `，`) are folded by NFKC first.
"""

import datetime
import re
import unicodedata
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from common.months import check_date
from common.text import TextRefused, listed, text_entered

EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 = 1900-01-01 with Excel's 1900 leap-year bug
SERIAL_RANGE = range(1, 100000)  # up to the year 2173; 8-digit numbers are read as YYYYMMDD
DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
COMPACT_MONTH_RE = re.compile(r"^(\d{4})(\d{2})$")
THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
DECIMAL_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
MAX_DECIMAL = Decimal("1e12")  # max_digits=14 with two decimal places


# Whether a number in a date cell is an Excel serial date (files: yes). The machine API's rows are
# JSON, where a date is text and a number is a count: there a number is never a date
# (api.writes sets this to False while it plans).
excel_serial_dates = ContextVar("excel_serial_dates", default=True)


class CellError(ValueError):
    """A cell that cannot be stored; str() is the message for the user."""


@dataclass(frozen=True)
class RefusedCell:
    """A cell refused before any parser sees it (a JSON value no column takes: true, a list, an
    object): the engine reports `message` for it as it reports a parser's CellError."""

    text: str
    message: str

    def __str__(self):
        return self.text


def is_empty(cell):
    if cell is None:
        return True
    if isinstance(cell, float) and cell != cell:
        return True
    return isinstance(cell, str) and not cell.strip()


def folded(cell):
    """The cell as text with full-width forms folded and surrounding spaces removed."""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return unicodedata.normalize("NFKC", str(cell)).strip()


def text(cell, *, max_length=None, multi_line=False):
    """Free text kept as written (no NFKC: a name's full-width brackets are the company's own),
    under the portal's rule for text (common.text): tabs and line breaks become spaces unless
    `multi_line`, other control characters are refused. `max_length` is the stored length."""
    if is_empty(cell):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)  # a phone number or cohort typed into a number cell
    if isinstance(cell, datetime.datetime) and cell.time() == datetime.time():
        cell = cell.date()
    try:
        value = text_entered(str(cell), multi_line=multi_line).strip()
    except TextRefused as refused:
        raise CellError(str(refused)) from None
    if max_length and len(value) > max_length:
        raise CellError(
            _("At most %(limit)d characters; this has %(count)d.")
            % {"limit": max_length, "count": len(value)}
        )
    return value


def whole_number(cell):
    """An integer ≥ 0; `1,234`, `１２` and Excel's `12.0` are accepted, `2.5` and `-1` are not."""
    if isinstance(cell, bool):
        raise CellError(_("Expected a whole number."))
    if isinstance(cell, int):
        number = cell
    elif isinstance(cell, float):
        if not cell.is_integer():
            raise CellError(_("Expected a whole number, not a fraction."))
        number = int(cell)
    else:
        value = folded(cell).replace(" ", "")
        if THOUSANDS_RE.match(value):
            value = value.replace(",", "")
        if re.fullmatch(r"[+-]?\d+\.0*", value):
            value = value.split(".")[0]
        if not re.fullmatch(r"[+-]?\d+", value):
            if DECIMAL_RE.match(value):
                raise CellError(_("Expected a whole number, not a fraction."))
            raise CellError(_("Expected a whole number."))
        number = int(value)
    if number < 0:
        raise CellError(_("Cannot be negative."))
    if number > 2147483647:
        raise CellError(_("This number is too large."))
    return number


def amount(cell):
    """An amount of RMB ≥ 0 with at most two decimals; `1,234.50`, `¥1234.5` are accepted."""
    if isinstance(cell, bool):
        raise CellError(_("Expected an amount such as 1234.50."))
    if isinstance(cell, int | float):
        # Excel stores 1994.62 as a binary fraction; repr gives back the number the clerk typed.
        value = Decimal(repr(float(cell))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    else:
        raw = folded(cell).replace(" ", "").lstrip("¥￥").removeprefix("RMB")
        if THOUSANDS_RE.match(raw):
            raw = raw.replace(",", "")
        if not DECIMAL_RE.match(raw):
            raise CellError(_("Expected an amount such as 1234.50."))
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise CellError(_("Expected an amount such as 1234.50.")) from None
        if value != value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
            raise CellError(_("At most two decimal places (fen)."))
        value = value.quantize(Decimal("0.01"))
    if value < 0:
        raise CellError(_("Cannot be negative."))
    if value >= MAX_DECIMAL:
        raise CellError(_("This amount is too large."))
    return value


def _serial_date(number):
    return EXCEL_EPOCH + datetime.timedelta(days=int(number))


def date(cell):
    """A date: an Excel date cell, an Excel serial number, `2015-08-15`, `2015/8/15`,
    `2015.8.15`, `2015年8月15日` or `20150815`, within the dates the portal accepts."""
    day = _date(cell)
    try:
        check_date(day)
    except ValidationError as error:
        raise CellError(error.messages[0]) from None
    return day


def _date(cell):
    if isinstance(cell, datetime.datetime):
        return cell.date()
    if isinstance(cell, datetime.date):
        return cell
    if isinstance(cell, bool):
        raise CellError(_("Expected a date such as 2015-08-15."))
    serials = excel_serial_dates.get()
    if isinstance(cell, int | float):
        if not serials or int(cell) not in SERIAL_RANGE:
            raise CellError(_("Expected a date such as 2015-08-15."))
        return _serial_date(cell)
    value = folded(cell)
    match = DATE_RE.match(value) or COMPACT_DATE_RE.match(value)
    if match is None:
        if serials and value.isdigit() and int(value) in SERIAL_RANGE:
            return _serial_date(int(value))
        raise CellError(_("Expected a date such as 2015-08-15."))
    year, month, day = map(int, match.groups()[:3])
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise CellError(_("There is no such date.")) from None


def month(cell):
    """The first day of a month written `2017-10`, `2017/10`, `2017年10月` (leading zero optional),
    `201710`, or as any date of that month."""
    if isinstance(cell, str):
        value = folded(cell)
        match = MONTH_RE.match(value) or COMPACT_MONTH_RE.match(value)
        if match:
            year, number = map(int, match.groups())
            if not 1 <= number <= 12:
                raise CellError(_("There is no month %(number)d.") % {"number": number})
            if year < datetime.MINYEAR:
                raise CellError(_("Expected a month such as 2017-10 or 2017年10月."))
            first = datetime.date(year, number, 1)
            try:
                check_date(first)
            except ValidationError as error:
                raise CellError(error.messages[0]) from None
            return first
    try:
        day = _date(cell)
    except CellError:
        raise CellError(_("Expected a month such as 2017-10 or 2017年10月.")) from None
    try:
        check_date(day)
    except ValidationError as error:
        raise CellError(error.messages[0]) from None
    return day.replace(day=1)


def choice(cell, accepted):
    """One of `accepted` ({folded lower-case spelling: stored value})."""
    value = folded(cell).casefold()
    try:
        return accepted[value]
    except KeyError:
        raise CellError(
            _("Not one of the accepted values: %(values)s.") % {"values": listed(sorted(set(accepted)))}
        ) from None
