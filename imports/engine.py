"""The import engine: read a file, map its headers, parse and check every row, plan, commit.

Each kind of file is a declaration (`ImportKind`) next to its model — `enterprises/imports.py`,
`improvements/imports.py` — naming its columns, their accepted headers, parsers and rules. The
engine does the rest the same way for every kind, with a fixed number of queries whatever the
number of rows: one per lookup table, one for the existing records, then the writes in bulk
(PostgreSQL `COPY`; elsewhere `bulk_create`/`bulk_update` in large batches).
"""

import csv
import datetime
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter

from django.db import connection, transaction
from django.db import utils as db_errors
from django.utils import timezone
from django.utils.translation import gettext as _

from imports.reading import UnreadableFile, table_read
from imports.signals import import_written
from imports.values import CellError, RefusedCell, is_empty

BATCH_SIZE = 2000

# The DB-API exceptions, most specific first, each the name of Django's own (django.db.utils).
DB_API_ERRORS = (
    "DataError",
    "OperationalError",
    "IntegrityError",
    "InternalError",
    "ProgrammingError",
    "NotSupportedError",
    "DatabaseError",
    "InterfaceError",
    "Error",
)

# On PostgreSQL an import that writes at least this many rows refreshes the planner's statistics of
# its table before it commits (see import_commit).
ANALYZE_AFTER_ROWS = 1000


@dataclass(frozen=True)
class Column:
    """One column of a kind: the model field it fills and how a cell becomes its value."""

    field: str  # the model's attribute name (`district_id` for a foreign key)
    label: object  # what the column holds, in the user's language (lazy)
    headers: tuple  # accepted headers; compared without case, spaces or full-width forms
    parse: Callable  # (cell, lookups) -> value, or raises CellError
    required: bool = False
    empty: object = None  # the value of an empty optional cell
    show: Callable | None = None  # (value, lookups) -> text for the preview


@dataclass(frozen=True)
class ImportKind:
    name: str
    label: object
    model: type
    columns: tuple
    key: tuple  # fields that identify a record; the first is filtered with `__in`
    lookups: Callable  # ({field: [cell, …]}) -> object the parsers and rules read; one query each
    check_row: Callable | None = None  # (values, lookups) -> [(field, message)]: errors
    warn_row: Callable | None = None  # (values, lookups) -> [(field, message)]: warnings
    # A rule that needs the stored record a row updates: (values, stored) -> [(field, message)],
    # `stored` holding the record's `stored_fields` (read with the existing records: no query more).
    check_stored: Callable | None = None
    stored_fields: tuple = ()


@dataclass
class Problem:
    """An error or a warning: file row (header = 1), column header as written, the cell, why."""

    row: int | None
    column: str
    value: str
    message: str


@dataclass(slots=True)
class PlannedRow:
    number: int  # file row
    action: str  # "create", "update" or "unchanged"
    values: dict
    pk: int | None = None
    cells: list = field(default_factory=list)  # the raw row, for the error sheet
    # For a row of a record already stored: that record's values of the file's fields (the same
    # keys as `values`, key fields included) as they stand before the write. None for a new record.
    old: dict | None = None


@dataclass
class Plan:
    kind: ImportKind
    headers: list = field(default_factory=list)
    columns: dict = field(default_factory=dict)  # field -> index of its column in the file
    ignored: list = field(default_factory=list)  # headers of columns the kind does not know
    rows: list = field(default_factory=list)  # PlannedRow, in file order
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    lookups: object = None
    header_row: int | None = 1  # the row number of problems with the headers (None: no such row)

    @property
    def ok(self):
        return not self.errors

    def count(self, action):
        return sum(1 for row in self.rows if row.action == action)

    @property
    def to_create(self):
        return [row for row in self.rows if row.action == "create"]

    @property
    def to_update(self):
        return [row for row in self.rows if row.action == "update"]

    @property
    def fingerprint(self):
        """What committing would write; a confirm compares it with the preview's."""
        digest = hashlib.sha256()
        for row in self.rows:
            if row.action != "unchanged":
                digest.update(repr((row.action, row.pk, *row.values.values())).encode())
        return digest.hexdigest()

    def counts(self):
        return {
            "rows": len(self.rows),
            "created": self.count("create") if self.ok else 0,
            "updated": self.count("update") if self.ok else 0,
            "unchanged": self.count("unchanged") if self.ok else 0,
            "errors": len(self.errors),
        }

    def error_rows(self):
        """(rows with errors, rows without): None for the second when an error concerns the whole
        file or its header row (a missing column, say), which leaves no row that could be called
        fine. Data rows are numbered from 2, the header being row 1."""
        rows = {problem.row for problem in self.errors}
        data_rows = {row for row in rows if row is not None and row != self.header_row}
        if data_rows != rows:
            return len(data_rows), None
        return len(data_rows), len(self.rows) - len(data_rows)

    def preview_columns(self):
        """The kind's columns present in the file, in the file's order, with their headers."""
        present = sorted(
            (index, column)
            for column in self.kind.columns
            if (index := self.columns.get(column.field)) is not None
        )
        return [(self.headers[index], column) for index, column in present]

    def shown(self, row):
        """`row`'s values as they will be saved, as text, in the order of preview_columns()."""
        shown = []
        for _header, column in self.preview_columns():
            value = row.values.get(column.field)
            if value is None:
                shown.append("")
            elif column.show:
                shown.append(column.show(value, self.lookups))
            else:
                shown.append(str(value))
        return shown


def header_key(header):
    """Headers match without case, surrounding spaces, full-width forms, or `_` versus space."""
    folded = unicodedata.normalize("NFKC", str(header)).strip().casefold()
    return re.sub(r"[\s_\-]+", "_", folded)


def import_plan(kind, *, content=None, file_name=None, table=None, row_check=None):
    """Read `content` as a file of `kind` and plan it: rows to create, update, leave; or errors.

    `table` instead of a file: rows already read (the machine API's JSON, api.writes), numbered
    as the caller numbers them. `row_check` (values, lookups) -> [(field, message)] adds the
    caller's own rule to the kind's (the API client's districts)."""
    plan = Plan(kind=kind)
    if table is None:
        try:
            table = table_read(content, file_name)
        except UnreadableFile as error:
            plan.errors.append(Problem(None, "", "", str(error)))
            return plan
    plan.headers = table.headers
    plan.header_row = table.header_row
    _map_headers(plan)
    if plan.errors:
        return plan
    # Each column's cells, once: the lookups read the credit codes, the parsers every column.
    cells_of = {
        f: [cells[i] if i < len(cells) else None for _number, cells in table.rows]
        for f, i in plan.columns.items()
    }
    plan.lookups = kind.lookups(cells_of)
    _parse_rows(plan, table, cells_of, row_check)
    _find_duplicates(plan)
    if plan.errors:
        plan.errors.sort(key=lambda problem: problem.row or 0)
        return plan
    _compare_with_database(plan)
    return plan


def _map_headers(plan):
    accepted = {header_key(h): column for column in plan.kind.columns for h in column.headers}
    for index, header in enumerate(plan.headers):
        if not header:
            continue
        column = accepted.get(header_key(header))
        if column is None:
            plan.ignored.append(header)
        elif column.field in plan.columns:
            first = plan.headers[plan.columns[column.field]]
            plan.errors.append(
                Problem(
                    plan.header_row,
                    header,
                    header,
                    _("Two columns hold %(what)s (%(first)s and %(second)s); keep one.")
                    % {"what": column.label, "first": first, "second": header},
                )
            )
        else:
            plan.columns[column.field] = index
    for column in plan.kind.columns:
        if column.required and column.field not in plan.columns:
            plan.errors.append(
                Problem(
                    plan.header_row,
                    column.headers[0],
                    "",
                    _("The required column %(what)s is missing; name it one of: %(headers)s.")
                    % {"what": column.label, "headers": ", ".join(column.headers)},
                )
            )


def _parse_rows(plan, table, cells_of, row_check=None):
    """Parse column by column: months, codes, districts and counts repeat down a file, so each
    distinct cell of a column is parsed once and the rest is a dictionary look-up."""
    kind, lookups = plan.kind, plan.lookups
    present = [
        (column, plan.columns[column.field]) for column in kind.columns if column.field in plan.columns
    ]
    header_of = {column.field: plan.headers[index] for column, index in present}
    rows = table.rows
    failed = set()
    errors = []
    parsed_columns = []
    for column, _index in present:
        cells = cells_of[column.field]
        results = {}
        for cell in set(cells):
            if isinstance(cell, RefusedCell):
                results[cell] = (False, cell.message)
                continue
            if is_empty(cell):
                results[cell] = (
                    (False, _("This cell is required.")) if column.required else (True, column.empty)
                )
                continue
            try:
                results[cell] = (True, column.parse(cell, lookups))
            except CellError as error:
                results[cell] = (False, str(error))
        parsed = [results[cell] for cell in cells]
        if not all(ok for ok, _value in results.values()):
            header = header_of[column.field]
            for position, (ok, message) in enumerate(parsed):
                if not ok:
                    errors.append(Problem(rows[position][0], header, _cell_text(cells[position]), message))
                    failed.add(position)
        parsed_columns.append([value for _ok, value in parsed])
    fields = [column.field for column, _index in present]
    for position, row_values in enumerate(zip(*parsed_columns, strict=True)):
        number, cells = rows[position]
        values = dict(zip(fields, row_values, strict=True))
        if position not in failed and kind.check_row:
            for field_name, message in kind.check_row(values, lookups):
                errors.append(
                    Problem(
                        number, header_of.get(field_name, ""), _cell_text(values.get(field_name)), message
                    )
                )
                failed.add(position)
        if position not in failed and row_check:
            # The caller's rule names a column whose cell it concerns (a credit code, a district).
            for field_name, message in row_check(values, lookups):
                cell = cells[plan.columns[field_name]]
                errors.append(Problem(number, header_of.get(field_name, ""), _cell_text(cell), message))
                failed.add(position)
        if position not in failed and kind.warn_row:
            for field_name, message in kind.warn_row(values, lookups):
                cell = cells[plan.columns[field_name]]
                plan.warnings.append(
                    Problem(number, header_of.get(field_name, ""), _cell_text(cell), message)
                )
        plan.rows.append(
            PlannedRow(
                number=number, action="" if position in failed else "create", values=values, cells=cells
            )
        )
    # Row by row, and within a row in the order of the kind's columns (the sort is stable).
    errors.sort(key=lambda problem: problem.row)
    plan.errors.extend(errors)


def _cell_text(cell):
    if cell is None or is_empty(cell):
        return ""
    if isinstance(cell, datetime.datetime) and cell.time() == datetime.time():
        return cell.date().isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _tuple_of(names):
    """A C-speed function giving a row's values for `names` as a tuple (itemgetter of one name
    gives the bare value)."""
    getter = itemgetter(*names)
    return getter if len(names) > 1 else lambda values: (getter(values),)


def _find_duplicates(plan):
    key = plan.kind.key
    key_of = _tuple_of(key)
    first_row = {}
    headers = [plan.headers[plan.columns[f]] for f in key if f in plan.columns]
    for row in plan.rows:
        if not row.action:
            continue
        row_key = key_of(row.values)
        seen = first_row.setdefault(row_key, row.number)
        if seen != row.number:
            plan.errors.append(
                Problem(
                    row.number,
                    headers[-1],
                    _cell_text(row.cells[plan.columns[key[-1]]]),
                    _("The same %(what)s as row %(row)d: each record may appear once in a file.")
                    % {"what": " + ".join(headers), "row": seen},
                )
            )


def _compare_with_database(plan):
    kind = plan.kind
    key = kind.key
    fields = [c.field for c in kind.columns if c.field in plan.columns and c.field not in key]
    # The stored values a rule of the kind needs besides the file's (kind.check_stored).
    extra = [f for f in kind.stored_fields if f not in fields and f not in key] if kind.check_stored else []
    key_of = _tuple_of(key)
    wanted = {row.values[key[0]] for row in plan.rows}
    existing = {}
    width = len(key)
    end = 1 + width + len(fields)
    for record in kind.model.objects.filter(**{f"{key[0]}__in": wanted}).values_list(
        "pk", *key, *fields, *extra
    ):
        existing[record[1 : 1 + width]] = (record[0], record[1 + width : end], record[end:])
    # Compared as tuples: the database gives back dates, ints and Decimals, as the parsers do.
    values_of = _tuple_of(fields) if fields else lambda values: ()
    for row in plan.rows:
        row_key = key_of(row.values)
        found = existing.get(row_key)
        if found is None:
            continue
        row.pk = found[0]
        row.action = "unchanged" if values_of(row.values) == found[1] else "update"
        row.old = {**dict(zip(key, row_key, strict=True)), **dict(zip(fields, found[1], strict=True))}
        if kind.check_stored:
            stored = {**row.old, **dict(zip(extra, found[2], strict=True))}
            for field_name, message in kind.check_stored(row.values, stored):
                index = plan.columns.get(field_name)
                plan.errors.append(
                    Problem(
                        row.number,
                        plan.headers[index] if index is not None else "",
                        _cell_text(row.cells[index]) if index is not None and index < len(row.cells) else "",
                        message,
                    )
                )
    plan.errors.sort(key=lambda problem: problem.row or 0)


def import_commit(plan, *, batch):
    """Write `plan` in one transaction, marking every written record with `batch`; on PostgreSQL
    a large import (ANALYZE_AFTER_ROWS) also refreshes its table's planner statistics. Receivers of
    import_written (the dashboard's roll-up) do their part in the same transaction."""
    assert plan.ok, "a plan with errors is never committed"
    kind = plan.kind
    model = kind.model
    now = timezone.now()
    update_fields = [c.field for c in kind.columns if c.field in plan.columns and c.field not in kind.key]
    stamped = [f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
    creates = [row.values for row in plan.rows if row.action == "create"]
    updates = [(row.pk, row.values) for row in plan.rows if row.action == "update"]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _copy_create(model, creates, batch_id=batch.pk, now=now)
            _copy_update(model, updates, update_fields, stamped, batch_id=batch.pk, now=now)
            if len(creates) + len(updates) >= ANALYZE_AFTER_ROWS:
                # Fresh statistics right away, not when autovacuum next looks (up to a minute
                # later): a table the planner believes empty or a tenth of its size gets nested
                # loops where the dashboard's figures need hash joins. One query; 60 ms for
                # 36,000 reports on the development machine (ANALYZE reads a sample).
                with connection.cursor() as cursor:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        else:
            _insert_many(model, creates, batch_id=batch.pk, now=now)
            _update_many(model, updates, update_fields, stamped, batch_id=batch.pk, now=now)
        if creates or updates:
            import_written.send(sender=import_commit, kind=kind, batch=batch)


# Elsewhere (SQLite in development and tests): one prepared statement run for every row with
# executemany, rather than bulk_create, whose batches SQLite's 999-parameter limit keeps to ~100
# rows and so would add a query per hundred rows.


def _row_builder(model, *, batch_id, now):
    """The table's columns (without the key) and a function giving one record's values for them,
    prepared for the database as Model.save() would prepare them."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    getters = []
    for f in fields:
        if f.attname == "last_import_id":
            constant = batch_id
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            constant = f.get_db_prep_save(now, connection)
        else:
            default = f.get_default()
            getters.append(
                lambda values, _f=f, _d=default: _f.get_db_prep_save(values.get(_f.attname, _d), connection)
            )
            continue
        getters.append(lambda values, _v=constant: _v)
    return [f.column for f in fields], lambda values: [get(values) for get in getters]


def _insert_many(model, creates, *, batch_id, now):
    if not creates:
        return
    columns, build = _row_builder(model, batch_id=batch_id, now=now)
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [build(values) for values in creates])


def _update_many(model, updates, fields, stamped, *, batch_id, now):
    if not updates:
        return
    opts = model._meta
    quote = connection.ops.quote_name
    written = [opts.get_field(attname) for attname in fields]
    stamps = [opts.get_field(attname).get_db_prep_save(now, connection) for attname in stamped]
    columns = [f.column for f in written] + [opts.get_field(a).column for a in (*stamped, "last_import_id")]
    sql = (
        f"UPDATE {quote(opts.db_table)} SET {', '.join(f'{quote(c)} = %s' for c in columns)} "
        f"WHERE {quote(opts.pk.column)} = %s"
    )
    rows = [
        [*[f.get_db_prep_save(values[f.attname], connection) for f in written], *stamps, batch_id, pk]
        for pk, values in updates
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# PostgreSQL: COPY writes 36,000 rows in a fraction of the time an INSERT of the same rows takes,
# because nothing is parsed per value; updates go through a temporary table and one UPDATE … FROM.


class _CsvStream:
    """A file for COPY to read, written as it is read: PostgreSQL stores one chunk while Python
    formats the next (the server is another process, on another core)."""

    def __init__(self, rows, rows_per_chunk=2000):
        self.rows = iter(rows)
        self.rows_per_chunk = rows_per_chunk
        self.pending = ""

    def read(self, size=-1):
        while size < 0 or len(self.pending) < size:
            chunk = io.StringIO()
            writer = csv.writer(chunk, lineterminator="\n")
            count = 0
            for row in self.rows:
                writer.writerow(row)
                count += 1
                if count == self.rows_per_chunk:
                    break
            if not count:
                break
            self.pending += chunk.getvalue()
        if size < 0:
            size = len(self.pending)
        data, self.pending = self.pending[:size], self.pending[size:]
        return data


def _copy(cursor, model, table, columns, rows):
    """COPY `rows` into `table` as CSV, written by the csv module's C writer.

    In CSV an unquoted empty field is NULL; FORCE_NOT_NULL reads it as '' for the text columns,
    which are never NULL in this portal.
    """
    quote = connection.ops.quote_name
    by_column = {f.column: f for f in model._meta.concrete_fields}
    texts = [
        quote(c)
        for c in columns
        if c in by_column
        and not by_column[c].null
        and by_column[c].get_internal_type() in ("CharField", "TextField")
    ]
    options = "FORMAT csv" + (f", FORCE_NOT_NULL ({', '.join(texts)})" if texts else "")
    sql = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN WITH ({options})"
    # Django's debug cursor logs it, so query counts include it.
    import psycopg2

    try:
        cursor.copy_expert(sql, _CsvStream(rows), 1 << 16)
    except psycopg2.Error as error:
        # Django turns the driver's errors into its own for execute() but not for copy_expert(),
        # which it hands through: the same mapping here, so that a unique key taken by a concurrent
        # import is an IntegrityError like any other.
        name = next(name for name in DB_API_ERRORS if isinstance(error, getattr(psycopg2, name)))
        raise getattr(db_errors, name)(*error.args) from error


def _copy_create(model, creates, *, batch_id, now):
    if not creates:
        return
    # One list comprehension per row: constants ride along as the defaults of keys no row has.
    spec = []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.attname == "last_import_id":
            spec.append((" batch", batch_id))
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            spec.append((" now", now))
        else:
            spec.append((f.attname, f.get_default()))
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    with connection.cursor() as cursor:
        _copy(
            cursor,
            model,
            model._meta.db_table,
            columns,
            ([values.get(a, d) for a, d in spec] for values in creates),
        )


def _copy_update(model, updates, fields, stamped, *, batch_id, now):
    if not updates:
        return
    opts = model._meta
    columns = [opts.get_field(attname).column for attname in (*fields, *stamped, "last_import_id")]
    quote = connection.ops.quote_name
    pk = quote(opts.pk.column)
    scratch = quote(f"import_update_{batch_id}")
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS "
            f"SELECT {pk}, {', '.join(map(quote, columns))} FROM {quote(opts.db_table)} WITH NO DATA"
        )
        tail = [now for _s in stamped] + [batch_id]
        rows = ([key, *[values[f] for f in fields], *tail] for key, values in updates)
        _copy(cursor, model, f"import_update_{batch_id}", [opts.pk.column, *columns], rows)
        cursor.execute(f"ANALYZE {scratch}")  # so the planner joins 36,000 rows by hash, not by loop
        assignments = ", ".join(f"{quote(c)} = s.{quote(c)}" for c in columns)
        cursor.execute(
            f"UPDATE {quote(opts.db_table)} AS t SET {assignments} FROM {scratch} AS s WHERE t.{pk} = s.{pk}"
        )
