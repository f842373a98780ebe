"""The dashboard's downloads: its district table and enterprise lists, written by
common.spreadsheets."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from common.spreadsheets import CONTENT_TYPES, spreadsheet


def period_label(period):
    """The period as it appears in a file name: 2016-01_2016-12, or until-2016-12 when `from` is open."""
    if period.first is None:
        return f"until-{period.last:%Y-%m}"
    return f"{period.first:%Y-%m}_{period.last:%Y-%m}"


def table_download(*, name, period, headers, rows, file_format):
    """An attachment `score-<name>_<period>.<csv|xlsx>` holding `headers` and `rows`."""
    body = spreadsheet(headers=headers, rows=rows, file_format=file_format, sheet=name)
    response = HttpResponse(body, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"score-{name}_{period_label(period)}.{file_format}"
    )
    return response
