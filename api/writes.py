"""POST /api/v1/imports/<kind>/: JSON rows through the import engine, as a file's rows go.

The rows become the engine's table: the union of their keys is the header row (so the engine maps
keys as it maps a file's headers, and lists the keys no column knows), each row's values its
cells, numbered by the row's position in `rows` from 1 (a file's are numbered as Excel shows
them, header = row 1). From there the same parsers, rules, messages and all-or-nothing commit as
a file's. Two things differ, both because JSON says more than a cell: a number is never an Excel
serial date (imports.values.excel_serial_dates), and a value no column takes (true, a list, an
object) is refused in its cell. A row for an enterprise outside the client's districts is an
error of that row: the write door checks the client's rights (accounts.scoping) on every row as
it will be written, inside the transaction that writes it.
"""

import json
import math
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import status

from api.errors import ApiError, too_large_message
from common.text import listed
from imports import values
from imports.engine import header_key
from imports.kinds import import_kind
from imports.limits import number_text
from imports.reading import Table
from imports.services import ImportConflict, import_rows, problems_listed

LARGEST_EXACT_INT = 2**53  # past it a JSON number is handed to the parsers as its digits


def _finite(text):
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def _refuse_constant(name):
    raise ValueError(name)


class JsonObject(dict):
    """A JSON object as read, with the keys it gave more than once (`repeated`): json.loads
    keeps a repeated key's last value without a word, and a row must not lose one silently."""

    repeated = ()


def _json_object(pairs):
    found = JsonObject(pairs)
    if len(found) < len(pairs):
        seen = set()
        found.repeated = list(dict.fromkeys(key for key, _value in pairs if key in seen or seen.add(key)))
    return found


# A \u escape of a UTF-16 surrogate (D800-DFFF), paired or lone: only then can the text hold one.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _lone_surrogate(text, body):
    """Whether the JSON `body` read from `text` holds a lone surrogate (`"\\ud800"`): not a
    character, so no UTF-8 answer can carry it (echoed in an error it made the JSON renderer fail).
    JSON allows the escape; the scan of the text is cheap and the walk runs only when it finds one."""
    if not SURROGATE_ESCAPE.search(text):
        return False
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def body_rows(request):
    """The request's `rows` (a list of objects) and its bytes; ApiError (400, 413) otherwise."""
    content = _body_bytes(request)
    body = _body_json(content)
    rows = _body_rows_list(body)
    refused, more = problems_listed(
        problem for position, row in enumerate(rows, start=1) for problem in _row_shape(position, row)
    )
    if refused:
        raise RowErrors(refused, more)
    return rows, content


def _body_bytes(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.SCORE_IMPORT_MAX_BYTES:
        raise ApiError(too_large_message(), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    content = request.body
    if len(content) > settings.SCORE_IMPORT_MAX_BYTES:
        raise ApiError(too_large_message(), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    return content


def _body_json(content):
    """The body read as JSON, every refusal a 400 in the request's language."""
    try:
        text = content.decode("utf-8-sig")
        body = json.loads(
            text, parse_float=_finite, parse_constant=_refuse_constant, object_pairs_hook=_json_object
        )
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
    if _lone_surrogate(text, body):
        # Not echoed: the answer could not carry it.
        raise ApiError(
            _(
                "The body is not valid Unicode: it holds a \\u escape of a lone surrogate "
                "(\\ud800 to \\udfff not in a pair), which is not a character."
            )
        )
    return body


def _body_rows_list(body):
    shape = _('The body must be a JSON object {"rows": [{…}, …]}.')
    if not isinstance(body, dict):
        raise ApiError(shape)
    if body.repeated:
        raise ApiError(
            _("The key “%(key)s” is given more than once in the body; give it once.")
            % {"key": body.repeated[0][:40]}
        )
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
    return rows


def _row_shape(position, row):
    """The errors of a row that is not an object of fields given once each."""
    if not isinstance(row, dict):
        yield {
            "row": position,
            "field": None,
            "value": json.dumps(row, ensure_ascii=False)[:100],
            "message": _("A row must be a JSON object of fields and their values."),
        }
        return
    for key in row.repeated:
        yield {
            "row": position,
            "field": key,
            "value": None,
            "message": _("The key “%(key)s” is given more than once in this row; give each field once.")
            % {"key": key[:40]},
        }


class RowErrors(Exception):
    """Rows of the body refused before the engine sees them: the first errors (error_limit()) and
    the number of the others."""

    def __init__(self, errors, more):
        super().__init__("row errors")
        self.errors = errors
        self.more = more


# Credit codes and references are text: a JSON number in their place is an error of its row, never
# read as a code (a digits-only code as a number, a reference 007 sent as 7 would be stored as
# something other than what the system holds).
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


def _key_cell(value):
    """A JSON value as the cell of a key column (a credit code, a month, a reference: what finds
    the record written), which takes no number: a number lost its leading zeros or its digits past
    2**53 on its way through JSON, or was read as another record's key (a credit code sent as a
    number took over another district's enterprise)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return values.RefusedCell(
            json.dumps(value),
            _("This field identifies the record: write it as a JSON string (in quotes), not a number."),
        )
    return _cell(value)


def key_header_keys(kind):
    """The header keys (engine.header_key) of the columns of `kind`'s key fields, as declared:
    whatever a key column is called, in any of its accepted headers."""
    declared = import_kind(kind)
    return {
        header_key(header)
        for column in declared.columns
        if column.field in declared.key
        for header in column.headers
    }


def rows_table(rows, kind):
    """The engine's table of `rows` of `kind`: the keys in the order first seen, and keys that
    cannot be headers (empty ones), which are listed as ignored."""
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
    key_columns = key_header_keys(kind)
    cell_of = [(key, _key_cell if header_key(key) in key_columns else _cell) for key in headers]
    table = Table(
        headers=headers,
        rows=[
            (position, [cell(row.get(key)) for key, cell in cell_of])
            for position, row in enumerate(rows, start=1)
        ],
        header_row=None,
    )
    return table, empty


def api_key(column):
    """A column's key in the API's rows: its first English header (docs/domain.md, "The machine
    API")."""
    return next((header for header in column.headers if header.isascii()), column.headers[0])


def import_request(request, kind, *, dry_run):
    """The answer's (status, body) for a write of `kind` by the request's client."""
    client = request.auth
    try:
        rows, content = body_rows(request)
    except RowErrors as refused:
        return status.HTTP_400_BAD_REQUEST, {"errors": refused.errors, "more_errors": refused.more}
    table, empty_keys = rows_table(rows, kind)
    # The table holds every value; the rows' JSON objects (a sixth of the request's peak memory,
    # benchmarks/api_errors_benchmark.py) go before the engine plans.
    del rows
    serials = values.excel_serial_dates.set(False)
    try:
        batch, plan = import_rows(
            kind=kind,
            table=table,
            content=content,
            file_name=f"POST /api/v1/imports/{kind}/",
            api_client=client,
            dry_run=dry_run,
        )
    except ImportConflict as conflict:
        raise ApiError(str(conflict), status.HTTP_409_CONFLICT) from None
    finally:
        values.excel_serial_dates.reset(serials)
    if not plan.ok:
        return status.HTTP_400_BAD_REQUEST, _errors_body(plan)
    return status.HTTP_200_OK, {
        "created": plan.count("create"),
        "updated": plan.count("update"),
        "unchanged": plan.count("unchanged"),
        "ignored_fields": [*plan.ignored, *empty_keys],
    }


def _errors_body(plan):
    """The 400's body of a refused plan: its first errors in the order of the rows, at most
    SCORE_IMPORT_MAX_ERRORS as on the import pages (an all-error write of 131,756 rows answered 89 MB
    when every error was listed), and the number of the others."""
    keys = {header: api_key(column) for column in plan.kind.columns for header in column.headers}
    listed_errors, more = problems_listed(plan.errors)
    return {
        "errors": [
            {
                "row": problem.row,
                # A missing column is named by its first header, in Chinese: here by its key.
                "field": (keys.get(problem.column, problem.column) if problem.row is None else problem.column)
                or None,
                "value": problem.value,
                "message": problem.message,
            }
            for problem in listed_errors
        ],
        "more_errors": more,
    }
