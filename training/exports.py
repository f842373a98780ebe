"""Attendance lists as CSV (UTF-8 with BOM, so Excel opens Chinese right) and XLSX."""

import csv
import datetime
import io
from urllib.parse import quote

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from dashboard.exports import cell_safe
from score_portal.scoping import visible_districts
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


def _lines(attendances):
    """One row per attendance; typed text that a spreadsheet would run as a formula stays text
    (dashboard.exports.cell_safe, the same guard as the dashboard's exports)."""
    for attendance in attendances:
        workshop, person = attendance.workshop, attendance.participant
        yield [
            cell_safe(value)
            for value in (
                workshop.date,
                workshop.module.number,
                workshop.get_kind_display(),
                workshop.place,
                workshop.district.name,
                person.enterprise.name,
                person.enterprise.credit_code,
                person.name,
                person.get_role_display(),
                person.get_sex_display(),
                person.phone,
            )
        ]


def period_attendance(user, *, first, last):
    """Attendance in workshops of the user's districts from month `first` to month `last` ((year, month) or None)."""
    attendances = Attendance.objects.filter(workshop__district__in=visible_districts(user))
    if first:
        attendances = attendances.filter(workshop__date__gte=datetime.date(first[0], first[1], 1))
    if last:
        year, month = (last[0] + 1, 1) if last[1] == 12 else (last[0], last[1] + 1)
        attendances = attendances.filter(workshop__date__lt=datetime.date(year, month, 1))
    return attendances.select_related(
        "workshop__module", "workshop__district", "participant__enterprise"
    ).order_by("workshop__date", "workshop_id", "participant__enterprise__name", "participant__name")


def attendance_csv(attendances):
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(_header())
    for line in _lines(attendances.iterator(chunk_size=2000)):
        writer.writerow([value.isoformat() if isinstance(value, datetime.date) else value for value in line])
    return out.getvalue().encode("utf-8")


def attendance_xlsx(attendances):
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("attendance"))
    widths = [12, 8, 14, 24, 10, 30, 22, 12, 10, 6, 16]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append(_header())
    for line in _lines(attendances.iterator(chunk_size=2000)):
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_filename(title, suffix):
    return quote(f"{title}-{suffix}")
