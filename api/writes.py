"""POST /api/v1/imports/<kind>/: JSON rows through the import engine, as a file's rows go.

The rows become the engine's table: the union of their keys is the header row (so the engine maps
keys as it maps a file's headers, and lists the keys no column knows), each row's values its
cells, numbered by the row's position in `rows` from 1 (a file's are numbered as Excel shows
them, header = row 1). From there the same parsers, rules, messages and all-or-nothing commit as
a file's. Two things differ, both because JSON says more than a cell: a number is never an Excel
serial date (imports.values.excel_serial_dates), and a value no column takes (true, a list, an
object) is refused in its cell. A row for an enterprise outside the client's districts is an
error of that row (the client's rule, given to the engine as its row_check).
"""

import json
import math

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import status

from accounts.scoping import editable_districts
from api.errors import ApiError, too_large_message
from common.text import listed
from enterprises.credit_code import credit_code_error
from enterprises.models import Enterprise
from imports import values
from imports.engine import Rule, header_key
from imports.kinds import import_kind
from imports.limits import number_text
from imports.reading import Table
from imports.services import ImportConflict, import_rows

LARGEST_EXACT_INT = 2**53  # past it a JSON number is handed to the parsers as its digits


def _finite(text):
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def _refuse_constant(name):
    raise ValueError(name)


def body_rows(request):
    """The request's `rows` (a list of objects) and its bytes; ApiError (400, 413) otherwise."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.SCORE_IMPORT_MAX_BYTES:
        raise ApiError(too_large_message(), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    content = request.body
    if len(content) > settings.SCORE_IMPORT_MAX_BYTES:
        raise ApiError(too_large_message(), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    try:
        body = json.loads(content.decode("utf-8-sig"), parse_float=_finite, parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise ApiError(_("The body is not valid JSON: it is not UTF-8 text.")) from None
    except json.JSONDecodeError as error:
        raise ApiError(
            _("The body is not valid JSON: the error is at line %(line)d, column %(column)d.")
            % {"line": error.lineno, "column": error.colno}
        ) from None
    except ValueError:
        raise ApiError(
            _("The body is not valid JSON: a number is too large, infinite or not a number.")
        ) from None
    except RecursionError:
        raise ApiError(_("The body is not valid JSON: it is nested too deeply.")) from None
    shape = _('The body must be a JSON object {"rows": [{…}, …]}.')
    if not isinstance(body, dict):
        raise ApiError(shape)
    unknown = sorted(key for key in body if key != "rows")
    if unknown:
        raise ApiError(
            _('Unknown fields in the body: %(fields)s. It holds only "rows".')
            % {"fields": listed(key[:40] for key in unknown[:20])}
        )
    rows = body.get("rows")
    if not isinstance(rows, list):
        raise ApiError(shape)
    if not rows:
        raise ApiError(_("The request holds no rows."))
    if len(rows) > settings.SCORE_IMPORT_MAX_ROWS:
        raise ApiError(
            _("The request holds more than %(limit)s rows; the portal takes at most %(limit)s at once.")
            % {"limit": number_text(settings.SCORE_IMPORT_MAX_ROWS)},
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    not_objects = [
        {
            "row": position,
            "field": None,
            "value": json.dumps(row, ensure_ascii=False)[:100],
            "message": _("A row must be a JSON object of fields and their values."),
        }
        for position, row in enumerate(rows, start=1)
        if not isinstance(row, dict)
    ]
    if not_objects:
        raise RowErrors(not_objects)
    return rows, content


class RowErrors(Exception):
    def __init__(self, errors):
        super().__init__("row errors")
        self.errors = errors


def _cell(value):
    """A JSON value as the engine's cell."""
    if value is None or isinstance(value, str | float):
        return value
    if isinstance(value, bool):
        return values.RefusedCell(
            "true" if value else "false", _("Expected a number, a text or a date, not true or false.")
        )
    if isinstance(value, int):
        return value if -LARGEST_EXACT_INT <= value <= LARGEST_EXACT_INT else str(value)
    return values.RefusedCell(
        json.dumps(value, ensure_ascii=False)[:100],
        _("Expected a number, a text or a date, not a list or an object."),
    )


def rows_table(rows):
    """The engine's table of `rows`: the keys in the order first seen, and keys that cannot be
    headers (empty ones), which are listed as ignored."""
    keys = {}
    for row in rows:
        for key in row:
            keys.setdefault(key, None)
    if len(keys) > settings.SCORE_IMPORT_MAX_COLUMNS:
        raise ApiError(
            _("The rows hold %(count)s different fields; the portal reads at most %(limit)s.")
            % {"count": number_text(len(keys)), "limit": number_text(settings.SCORE_IMPORT_MAX_COLUMNS)}
        )
    headers = list(keys)
    empty = [key for key in headers if not key]
    table = Table(
        headers=headers,
        rows=[
            (position, [_cell(row.get(key)) for key in headers]) for position, row in enumerate(rows, start=1)
        ],
        header_row=None,
    )
    return table, empty


def _scope_check(client, kind, rows):
    """The row_check that refuses rows of enterprises outside the districts `client` may write;
    None when it may write every district."""
    if not client.district_ids():
        return None
    allowed = {district.pk: district for district in editable_districts(client)}
    message = _("This enterprise is outside the districts this client may write (%(districts)s).") % {
        "districts": listed(d.name for d in allowed.values())
    }
    column = next(c for c in import_kind(kind).columns if c.field in ("credit_code", "enterprise_id"))
    accepted = {header_key(header) for header in column.headers}
    codes = set()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, str) and header_key(key) in accepted:
                codes.add(values.folded(value).replace(" ", "").upper())
    # Valid codes only: one holding NUL would make PostgreSQL refuse the whole query.
    found = Enterprise.objects.filter(credit_code__in={c for c in codes if credit_code_error(c) is None})
    existing = {
        code: (pk, district) for pk, code, district in found.values_list("pk", "credit_code", "district_id")
    }
    if kind == "enterprises":

        def check(row, lookups):
            if row["district_id"] not in allowed:
                yield "district_id", message
            elif existing.get(row["credit_code"], (None, row["district_id"]))[1] not in allowed:
                yield "credit_code", message

        return Rule(("district_id", "credit_code"), check)
    district_of = dict(existing.values())

    def check(row, lookups):
        if district_of.get(row["enterprise_id"]) not in allowed:
            yield "enterprise_id", message

    return Rule(("enterprise_id",), check)


def api_key(column):
    """A column's key in the API's rows: its first English header (DOMAIN.md)."""
    return next((header for header in column.headers if header.isascii()), column.headers[0])


def import_request(request, kind, *, dry_run):
    """The answer's (status, body) for a write of `kind` by the request's client."""
    client = request.auth
    try:
        rows, content = body_rows(request)
    except RowErrors as refused:
        return status.HTTP_400_BAD_REQUEST, {"errors": refused.errors}
    table, empty_keys = rows_table(rows)
    serials = values.excel_serial_dates.set(False)
    try:
        batch, plan = import_rows(
            kind=kind,
            table=table,
            content=content,
            file_name=f"POST /api/v1/imports/{kind}/",
            api_client=client,
            dry_run=dry_run,
            row_check=_scope_check(client, kind, rows),
        )
    except ImportConflict as conflict:
        raise ApiError(str(conflict), status.HTTP_409_CONFLICT) from None
    finally:
        values.excel_serial_dates.reset(serials)
    if not plan.ok:
        keys = {header: api_key(column) for column in plan.kind.columns for header in column.headers}
        return status.HTTP_400_BAD_REQUEST, {
            "errors": [
                {
                    "row": problem.row,
                    # A missing column is named by its first header, in Chinese: here by its key.
                    "field": (
                        keys.get(problem.column, problem.column) if problem.row is None else problem.column
                    )
                    or None,
                    "value": problem.value,
                    "message": problem.message,
                }
                for problem in plan.errors
            ]
        }
    return status.HTTP_200_OK, {
        "created": plan.count("create"),
        "updated": plan.count("update"),
        "unchanged": plan.count("unchanged"),
        "ignored_fields": [*plan.ignored, *empty_keys],
    }
