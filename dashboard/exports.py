"""The dashboard's downloads: its district table and enterprise lists, written by
common.spreadsheets."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from common.spreadsheets import CONTENT_TYPES, spreadsheet, title_block


def period_label(period):
    """The period as it appears in a file name: 2016-01_2016-12, or until-2016-12 when `from` is open."""
    if period.first is None:
        return f"until-{period.last:%Y-%m}"
    return f"{period.first:%Y-%m}_{period.last:%Y-%m}"


def figure_kind(key):
    """How a figure's column is formatted (common.spreadsheets.NUMBER_FORMATS): percentages,
    rates per 1,000 worker-years, RMB, or counts."""
    if key.endswith("_pct"):
        return "pct"
    if key.endswith("_rate"):
        return "rate"
    if key.endswith("_rmb") or key in ("savings", "cost"):
        return "money"
    return "count"


def table_download(*, name, period, headers, rows, file_format, what, districts, kinds=()):
    """An attachment `score-<name>[-<district>]_<period>.<csv|xlsx>` holding `headers` and `rows`;
    the XLSX under a title block saying `what`, the period and the `districts` (their names).
    A file of one district carries its code in its name, whoever asked for it."""
    districts = list(districts)
    body = spreadsheet(
        headers=headers,
        rows=rows,
        file_format=file_format,
        sheet=name,
        kinds=kinds,
        title=title_block(what=what, period=period, districts=[d.name for d in districts]),
    )
    response = HttpResponse(body, content_type=CONTENT_TYPES[file_format])
    one = f"-{districts[0].code}" if len(districts) == 1 else ""
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"score-{name}{one}_{period_label(period)}.{file_format}"
    )
    return response
