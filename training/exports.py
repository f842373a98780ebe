"""Attendance lists as CSV and XLSX, written by common.spreadsheets.spreadsheet (UTF-8 with BOM, so
Excel opens Chinese right; typed formulas stay text)."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from accounts.scoping import visible_districts
from common.months import add_months
from common.spreadsheets import CONTENT_TYPES, spreadsheet, title_block
from common.text import phone_masked
from training.models import Attendance


def _header():
    return [
        _("date"),
        _("module"),
        _("kind"),
        _("place"),
        _("district"),
        _("enterprise name"),
        _("unified social credit code"),
        _("name"),
        _("role"),
        _("sex"),
        _("phone"),
    ]


# The columns' kinds (common.spreadsheets.NUMBER_FORMATS): the date a date, the rest text; the
# widths are fitted to the content.
KINDS = ["date"] + [None] * 10


def _lines(attendances, *, whole_phones):
    """One row per attendance; phone numbers masked unless `whole_phones`."""
    for attendance in attendances:
        workshop, person = attendance.workshop, attendance.participant
        yield [
            workshop.date,
            str(workshop.module),  # "模块 2：…": a number alone means nothing to the reader
            workshop.get_kind_display(),
            workshop.place,
            workshop.district.name,
            person.enterprise.name,
            person.enterprise.credit_code,
            person.name,
            person.get_role_display(),
            person.get_sex_display(),
            person.phone if whole_phones else phone_masked(person.phone),
        ]


def period_attendance(user, *, first, last):
    """Attendance in workshops of the user's districts from month `first` to month `last` (their
    first days; None leaves that end open)."""
    attendances = Attendance.objects.filter(workshop__district__in=visible_districts(user))
    if first:
        attendances = attendances.filter(workshop__date__gte=first)
    if last:
        attendances = attendances.filter(workshop__date__lt=add_months(last, 1))
    return attendances.select_related(
        "workshop__module", "workshop__district", "participant__enterprise"
    ).order_by("workshop__date", "workshop_id", "participant__enterprise__name", "participant__name")


def attendance_download(attendances, file_format, name, *, whole_phones, what, districts, period=None):
    """The attendance list as an attachment `<name>.<csv|xlsx>` (name: any language, RFC 5987);
    phone numbers masked unless `whole_phones` (accounts.scoping.sees_whole_phones). The XLSX
    under a title block: `what`, the `period` (None: the list has none) and the `districts`."""
    body = spreadsheet(
        headers=_header(),
        rows=_lines(attendances.iterator(chunk_size=2000), whole_phones=whole_phones),
        file_format=file_format,
        sheet=_("attendance"),
        kinds=KINDS,
        title=title_block(what=what, period=period, districts=[district.name for district in districts]),
    )
    response = HttpResponse(body, content_type=CONTENT_TYPES[file_format])
    # A Chinese name goes as filename*=utf-8''<percent-encoded>, an ASCII one as filename="…".
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{name}.{file_format}"
    )
    return response
