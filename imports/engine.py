"""The import engine: read a file, map its headers, parse and check every row, plan, commit.

Each kind of file is a declaration (`ImportKind`) next to its model — `enterprises/imports.py`,
`improvements/imports.py` — naming its columns, their accepted headers, parsers and rules. The
engine does the rest the same way for every kind, with a fixed number of queries whatever the
number of rows: one per lookup table, one for the existing records, then the writes in bulk
(PostgreSQL `COPY`; elsewhere `bulk_create`/`bulk_update` in large batches).
"""

import contextvars
import csv
import datetime
import hashlib
import io
import itertools
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from operator import itemgetter

from django.db import connection, transaction
from django.db import utils as db_errors
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import Action, Facts, Role, rights_of, state_allows, user_role
from common.text import listed
from districts.models import District
from imports.history import history_value, history_write
from imports.reading import UnreadableFile, table_read
from imports.signals import import_written, write_followed
from imports.values import CellError, RefusedCell, is_empty

BATCH_SIZE = 2000

# What the key cell of a template's example row starts with (imports.templates): no credit code
# can, its alphabet having no Chinese character.
EXAMPLE_MARK = "示例"

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
    # For the kind's template (imports.templates): a cell of its example row, and what the column
    # takes in words; without them, the parser's own (`parse.example`, `parse.hint`).
    example: object = None
    hint: object = ""

    @property
    def example_cell(self):
        return self.example if self.example is not None else getattr(self.parse, "example", "")

    @property
    def rule_text(self):
        return self.hint or getattr(self.parse, "hint", "")


@dataclass(frozen=True)
class Rule:
    """A rule across the fields of a row. It runs on every row whose cells of `fields` parsed
    (empty cells and columns missing from the file included), whatever the row's other cells: a
    file's errors are all found in one round, and a rule never reads a cell that failed."""

    fields: tuple  # the fields `check` reads
    check: Callable  # (values, lookups) -> [(field, message)]
    text: object = ""  # the rule in words, for the rules sheet of the kind's template (lazy)


@dataclass(frozen=True)
class ImportKind:
    name: str
    label: object
    model: type
    columns: tuple
    key: tuple  # fields that identify a record; the first is filtered with `__in`
    lookups: Callable  # ({field: [cell, …]}) -> object the parsers and rules read; one query each
    # The record kind in the rule of rights (accounts.scoping.Kind), and (values, lookups) -> the
    # Facts of the record as `values` describe it: what the rule is asked about (its district, its
    # enterprise, its state). `owner_field`: the column a refusal of the written record names.
    record_kind: str
    facts: Callable
    owner_field: str
    # (values, lookups) -> (credit code, key within the enterprise): how the history names a record.
    record_name: Callable
    rules: tuple = ()  # Rule: errors
    warn_row: Callable | None = None  # (values, lookups) -> [(field, message)]: warnings of a sound row
    # (field, value, lookups) -> the value as the history keeps it (JSON: a district by its code).
    history_shown: Callable = lambda name, value, lookups: history_value(value)
    # A rule that needs the stored record a row updates: (values, stored) -> [(field, message)],
    # `stored` holding the record's `stored_fields` (read with the existing records: no query more).
    check_stored: Callable | None = None
    stored_fields: tuple = ()
    # The field of a kind whose records have a review state (a report's `state`: docs/domain.md,
    # "Enterprises report for themselves"). A write leaves every record it changes in the field's
    # default state (submitted); one whose state locks it (accounts.scoping.STATE_RULES: approved)
    # is an error of its row, unless the write overrides the locks (Writer.override), and then it
    # keeps its state. A row identical to the stored record leaves its state alone.
    state_field: str | None = None
    # The field marking a record its enterprise's own user created (a suggestion's or a project's
    # `entered_by_enterprise`): the door sets it on the records such a writer creates; a later
    # write (a district's correction) leaves it as it is.
    entered_by_field: str | None = None

    @property
    def written_state(self):
        """The state a write leaves a record it creates or changes in (the field's default)."""
        return self.model._meta.get_field(self.state_field).get_default()


@dataclass(frozen=True)
class Writer:
    """Who writes, and through which path (imports.models.RecordChange.Path).

    `actor` is whose rights the door checks: a user or an API client; None for the system itself
    (a command run without --by, seed_demo), which may write everything but a locked record and is
    named in the history as "command line". `user` and `api_client` are the history's author.
    `override`: the written reason for which a programme admin overrides the locks of this one write
    (changing approved reports, which stay approved); None: the locks hold. `action`: the right the
    door checks on every row (accounts.scoping.Action): WRITE, or FILE_FOR for a district official
    filing a report for an enterprise that cannot (代填报), who may not otherwise write reports."""

    path: str
    actor: object = None
    user: object = None
    api_client: object = None
    override: str | None = None
    action: str = Action.WRITE

    @classmethod
    def of(cls, actor, path, *, override=None, action=Action.WRITE):
        """The writer `actor` (a user, an API client, or None for the command line) on `path`."""
        from accounts.models import ApiClient

        if isinstance(actor, ApiClient):
            return cls(path=path, actor=actor, api_client=actor, override=override, action=action)
        return cls(path=path, actor=actor, user=actor, override=override, action=action)


# Set while a plan is made inside the transaction that will commit it: the kinds' lookups then lock
# the enterprises the rows belong to (`for_commit`), so that the rights and versions checked are
# those of the records as they stand when written.
_committing = contextvars.ContextVar("committing", default=False)


def for_commit(queryset):
    """`queryset` locked against concurrent writers when the plan is being made for its commit.

    The door's lock protocol: every write of an enterprise's records first locks the enterprise's
    row (FOR NO KEY UPDATE, in the order of their ids, so that two writers never wait for each other
    in a circle). Reports, suggestions and projects are then read unlocked: any other writer of them
    waits for the same enterprise row. Elsewhere than PostgreSQL this changes nothing (SQLite takes
    one lock for the whole database at the first write)."""
    if not _committing.get():
        return queryset
    return queryset.order_by("pk").select_for_update(no_key=True)


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
    version: int | None = None  # the stored record's version, for an update
    cells: list = field(default_factory=list)  # the raw row, for the error sheet
    # For a row of a record already stored: that record's values of the file's fields (the same
    # keys as `values`, key fields included) as they stand before the write. None for a new record.
    old: dict | None = None
    state: str | None = None  # the stored record's review state (ImportKind.state_field), if any
    overrides: bool = False  # an update of a locked record, allowed by the write's override


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
    writer: Writer | None = None

    @property
    def ok(self):
        return not self.errors

    def count(self, action):
        return sum(1 for row in self.rows if row.action == action)

    @property
    def overridden(self):
        """How many locked (approved) records the plan changes by its writer's override."""
        return sum(1 for row in self.rows if row.overrides and row.action == "update")

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
                # The stored version too: a record changed by someone else between the preview
                # and the confirmation makes the confirmation show the new plan, never write over it.
                digest.update(repr((row.action, row.pk, row.version, *row.values.values())).encode())
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
        """`row`'s values as they will be saved, as text, in the order of preview_columns(): for
        each, (text, the stored value's text where the row changes it, else None)."""
        shown = []
        for _header, column in self.preview_columns():
            new = self._text(column, row.values.get(column.field))
            old = None
            if row.old is not None and column.field in row.old:
                old = self._text(column, row.old[column.field])
            shown.append((new, old if old != new else None))
        return shown

    def _text(self, column, value):
        if value is None:
            return ""
        if column.show:
            return column.show(value, self.lookups)
        return str(value)


def header_key(header):
    """Headers match without case, surrounding spaces, full-width forms, or `_` versus space."""
    folded = unicodedata.normalize("NFKC", str(header)).strip().casefold()
    return re.sub(r"[\s_\-]+", "_", folded)


def import_plan(kind, *, content=None, file_name=None, table=None, row_check=None, writer=None, commit=False):
    """Read `content` as a file of `kind` and plan it: rows to create, update, leave; or errors.

    `table` instead of a file: rows already read (the machine API's JSON, api.writes), numbered
    as the caller numbers them. `row_check` (values, lookups) -> [(field, message)] adds the
    caller's own rule to the kind's. `writer`: whose rights every row is checked against, on the
    plan as it will be written (a row the writer may not write is an error of that row).
    `commit`: the plan is made inside the transaction that commits it, the records it concerns
    locked (`for_commit`)."""
    token = _committing.set(commit)
    try:
        return _plan(kind, content, file_name, table, row_check, writer)
    finally:
        _committing.reset(token)


def _plan(kind, content, file_name, table, row_check, writer):
    plan = Plan(kind=kind, writer=writer)
    if table is None:
        try:
            table = table_read(content, file_name)
        except UnreadableFile as error:
            plan.errors.append(Problem(None, "", "", str(error)))
            return plan
    plan.headers = table.headers
    plan.header_row = table.header_row
    _map_headers(plan)
    if content is not None:
        table = _without_examples(plan, table)
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
    # The rows that parsed are compared and their rights checked even when others failed: every
    # error of a file in one round, a right refused among them.
    _compare_with_database(plan)
    # Rights first: a record outside the writer's reach is refused as such, and its state (an
    # approved report's lock) is not told to a writer who may not see it.
    _check_rights(plan)
    _check_locks(plan)
    plan.errors.sort(key=lambda problem: problem.row or 0)
    return plan


def locked_lookups(kind, cells_of):
    """The kind's lookups read as for a commit: the enterprises they name locked (`for_commit`)."""
    token = _committing.set(True)
    try:
        return kind.lookups(cells_of)
    finally:
        _committing.reset(token)


def values_plan(kind, rows, *, cells_of, writer, commit=False, lookups=None, stored=None):
    """A plan of rows already typed (a form's or the admin's cleaned values, every column of the
    kind given): no parsing, but the kind's rules, the comparison with the database and the
    writer's rights, as for a file's rows. `cells_of` holds what the kind's lookups read (a row's
    enterprise by its credit code). A caller that has read the stored records under lock already
    (an undo) gives them as `stored`, [(id, version, values)] row by row, and its `lookups`."""
    token = _committing.set(commit)
    try:
        plan = Plan(kind=kind, writer=writer, header_row=None)
        fields = [column.field for column in kind.columns]
        plan.headers = [str(column.label) for column in kind.columns]
        plan.columns = {name: index for index, name in enumerate(fields)}
        plan.lookups = lookups if lookups is not None else kind.lookups(cells_of)
        for number, values in enumerate(rows, start=1):
            row = PlannedRow(number=number, action="create", values=dict(values))
            row.cells = [values.get(name) for name in fields]
            for rule in kind.rules:
                for field_name, message in rule.check(values, plan.lookups):
                    index = plan.columns.get(field_name)
                    header = plan.headers[index] if index is not None else ""
                    plan.errors.append(Problem(number, header, _cell_text(values.get(field_name)), message))
                    row.action = ""
            plan.rows.append(row)
        if plan.errors:
            return plan
        if stored is None:
            _compare_with_database(plan)
        else:
            for row, (pk, version, old) in zip(plan.rows, stored, strict=True):
                # The stored state, when the caller read it with the values, is the lock's, not a field.
                row.state = old.get(kind.state_field) if kind.state_field else None
                row.pk, row.version = pk, version
                row.old = {name: value for name, value in old.items() if name != kind.state_field}
                row.action = "unchanged" if all(old[f] == row.values[f] for f in fields) else "update"
        _check_rights(plan)  # first, as in _plan
        _check_locks(plan)
        return plan
    finally:
        _committing.reset(token)


def _check_locks(plan):
    """A row that would change a record whose stored state locks it (an approved report) is an error
    of that row, whoever writes (the command line too), unless the write overrides the locks and
    its actor may (accounts.scoping: Action.OVERRIDE_LOCK; the command line may); a row identical
    to the stored record is no change and passes. No query: the states were read with the records."""
    kind, writer = plan.kind, plan.writer
    if not kind.state_field:
        return
    locked = [
        row
        for row in plan.rows
        if row.action == "update" and not state_allows(Action.WRITE, kind.record_kind, row.state)
    ]
    if not locked:
        return
    override = writer is not None and writer.override
    rights = rights_of(writer.actor) if override and writer.actor is not None else None
    for row in locked:
        facts = kind.facts({**row.values, **row.old}, plan.lookups)
        if override and (rights is None or rights.can(Action.OVERRIDE_LOCK, _with_state(facts, row.state))):
            row.overrides = True
            continue
        index = plan.columns.get(kind.key[-1])
        header = plan.headers[index] if index is not None else ""
        cell = _cell_text(row.cells[index]) if index is not None and index < len(row.cells) else ""
        plan.errors.append(Problem(row.number, header, cell, _lock_message()))
        row.action = ""


def _with_state(facts, state):
    return Facts(facts.kind, facts.district_id, facts.enterprise_id, state, facts.city_id)


def _lock_message():
    return _(
        "This report is approved, and an approved report is locked: it cannot be changed. A district "
        "official of its district or a programme admin may reopen it, or a programme admin may "
        "override the lock with a written reason."
    )


def _check_rights(plan):
    """Each row's record as it stands (an update's) and as it will be written must be the writer's
    to write (accounts.scoping): a record moved out of the writer's districts, or into them from
    another, is refused. Without a query per row: the writer's rights are resolved once; the
    districts are named (one query) only when a row is refused."""
    writer = plan.writer
    if writer is None or writer.actor is None:
        return
    rights = rights_of(writer.actor)
    refused = _refused_rows(plan, rights, writer.action)
    if not refused:
        return
    names = {district.pk: district.name for district in District.objects.all()}
    where = rights.district_lookups(writer.action, plan.kind.record_kind)
    allowed = [] if where is None else [d.name for d in District.objects.filter(**where).order_by("division")]
    message = _refusal_message(writer, allowed)
    for row, facts, field_name in refused:
        index = plan.columns.get(field_name, plan.columns.get(plan.kind.key[0]))
        header = plan.headers[index] if index is not None else ""
        cell = _cell_text(row.cells[index]) if index is not None and index < len(row.cells) else ""
        shown = {"district": names.get(facts.district_id, "?"), "allowed": listed(allowed) or _("none")}
        plan.errors.append(Problem(row.number, header, cell, message % shown))
        row.action = ""


def _refused_rows(plan, rights, action):
    """[(row, the Facts refused, the column to name)]: the record as stored is checked first."""
    kind, lookups = plan.kind, plan.lookups
    refused = []
    for row in plan.rows:
        if not row.action:
            continue
        before = kind.facts({**row.values, **row.old}, lookups) if row.old else None
        after = kind.facts(row.values, lookups)
        for facts, field_name in ((before, kind.key[0]), (after, kind.owner_field)):
            if facts is not None and not rights.can(action, facts):
                refused.append((row, facts, field_name))
                break
    return refused


def _refusal_message(writer, allowed):
    if writer.api_client is None:
        return _("This record belongs to %(district)s, outside the districts you may write (%(allowed)s).")
    if not allowed:
        return _("This client may write in no district.")
    return _(
        "This record belongs to %(district)s, outside the districts this client may write (%(allowed)s)."
    )


def _without_examples(plan, table):
    """The table without the example rows of the kind's template (imports.templates): a row
    whose key cell starts with EXAMPLE_MARK is left out, with a warning, so that a template sent
    back as it was downloaded, or filled in below its example, imports nothing of the example."""
    index = plan.columns.get(plan.kind.key[0])
    if index is None:
        return table
    kept = []
    for number, cells in table.rows:
        cell = cells[index] if index < len(cells) else None
        if isinstance(cell, str) and cell.strip().startswith(EXAMPLE_MARK):
            plan.warnings.append(
                Problem(number, plan.headers[index], cell, _("The template's example row: not imported."))
            )
        else:
            kept.append((number, cells))
    return replace(table, rows=kept)


def _column_of(header, accepted):
    """The column a header names: one of its accepted headers, or several of them on lines of
    their own (the template's `统一社会信用代码` over `credit_code`)."""
    column = accepted.get(header_key(header))
    if column is None and "\n" in str(header):
        named = {accepted.get(header_key(line)) for line in str(header).splitlines() if line.strip()}
        column = named.pop() if len(named) == 1 else None
    return column


def _map_headers(plan):
    accepted = {header_key(h): column for column in plan.kind.columns for h in column.headers}
    for index, header in enumerate(plan.headers):
        if not header:
            continue
        column = _column_of(header, accepted)
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
                    % {"what": column.label, "headers": listed(column.headers)},
                )
            )


def _parse_rows(plan, table, cells_of, row_check=None):
    """Parse every cell, then run every rule whose fields parsed: each row's every error at once.

    Column by column: months, codes, districts and counts repeat down a file, so each distinct
    cell of a column is parsed once and the rest is a dictionary look-up. A row's values hold the
    fields that parsed; a failed field is absent, and its row is planned with no action."""
    kind = plan.kind
    present = [column for column in kind.columns if column.field in plan.columns]
    header_of = {column.field: plan.headers[plan.columns[column.field]] for column in present}
    rows = table.rows
    values_of = [{} for _row in rows]
    failed_of = [set() for _row in rows]
    errors = []
    for column in present:
        cells = cells_of[column.field]
        results = _parsed_cells(column, cells, plan.lookups)
        for position, cell in enumerate(cells):
            ok, value = results[cell]
            if ok:
                values_of[position][column.field] = value
            else:
                failed_of[position].add(column.field)
                errors.append(Problem(rows[position][0], header_of[column.field], _cell_text(cell), value))
    # The kind's rules show the value they judged; the caller's rule (the API client's districts)
    # concerns a cell that has no value of its own to show (a credit code, a district).
    rules = [(rule, False) for rule in kind.rules] + ([(row_check, True)] if row_check else [])
    for position, (number, cells) in enumerate(rows):
        values, failed = values_of[position], failed_of[position]
        for rule, shows_cell in rules:
            if not failed.isdisjoint(rule.fields):
                continue
            for field_name, message in rule.check(values, plan.lookups):
                shown = cells[plan.columns[field_name]] if shows_cell else values.get(field_name)
                errors.append(Problem(number, header_of.get(field_name, ""), _cell_text(shown), message))
                failed.add(field_name)
        if not failed and kind.warn_row:
            for field_name, message in kind.warn_row(values, plan.lookups):
                cell = cells[plan.columns[field_name]]
                plan.warnings.append(
                    Problem(number, header_of.get(field_name, ""), _cell_text(cell), message)
                )
        plan.rows.append(
            PlannedRow(number=number, action="" if failed else "create", values=values, cells=cells)
        )
    # Row by row, and within a row cell errors in the order of the kind's columns, then the rules'
    # (the sort is stable).
    errors.sort(key=lambda problem: problem.row)
    plan.errors.extend(errors)


def _parsed_cells(column, cells, lookups):
    """{cell: (True, value) or (False, message)} for each distinct cell of a column."""
    results = {}
    for cell in set(cells):
        if isinstance(cell, RefusedCell):
            results[cell] = (False, cell.message)
        elif is_empty(cell):
            results[cell] = (False, _("This cell is required.")) if column.required else (True, column.empty)
        else:
            try:
                results[cell] = (True, column.parse(cell, lookups))
            except CellError as error:
                results[cell] = (False, str(error))
    return results


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
        if not all(name in row.values for name in key):
            continue  # a key cell that failed has its own error
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
    """Each planned row against the stored record of its key: create, update or unchanged, with
    the record's id, version and old values; one query whatever the rows."""
    kind = plan.kind
    key = kind.key
    fields = [c.field for c in kind.columns if c.field in plan.columns and c.field not in key]
    # The stored values a rule of the kind needs besides the file's (kind.check_stored).
    extra = [f for f in kind.stored_fields if f not in fields and f not in key] if kind.check_stored else []
    if kind.state_field:
        extra.append(kind.state_field)  # the lock's (_check_locks), read with the rest: no query more
    key_of = _tuple_of(key)
    planned = [row for row in plan.rows if row.action]
    existing = _stored_records(kind, {row.values[key[0]] for row in planned}, fields, extra)
    # Compared as tuples: the database gives back dates, ints and Decimals, as the parsers do.
    values_of = _tuple_of(fields) if fields else lambda values: ()
    for row in planned:
        row_key = key_of(row.values)
        found = existing.get(row_key)
        if found is None:
            continue
        row.pk, row.version = found[0], found[2]
        row.action = "unchanged" if values_of(row.values) == found[1] else "update"
        row.old = {**dict(zip(key, row_key, strict=True)), **dict(zip(fields, found[1], strict=True))}
        stored = dict(zip(extra, found[3], strict=True))
        if kind.state_field:
            row.state = stored.pop(kind.state_field)
        if kind.check_stored:
            _check_stored(plan, row, {**row.old, **stored})
    plan.errors.sort(key=lambda problem: problem.row or 0)


def _stored_records(kind, wanted, fields, extra):
    """{key: (id, values of `fields`, version, values of `extra`)} of the stored records whose first
    key field is in `wanted`; the enterprises themselves locked for a commit (their rows are the
    lock of every record of theirs)."""
    width = len(kind.key)
    end = 2 + width + len(fields)
    stored = kind.model.objects.filter(**{f"{kind.key[0]}__in": wanted})
    if kind.key == ("credit_code",):
        stored = for_commit(stored)
    return {
        record[2 : 2 + width]: (record[0], record[2 + width : end], record[1], record[end:])
        for record in stored.values_list("pk", "version", *kind.key, *fields, *extra)
    }


def _check_stored(plan, row, stored):
    for field_name, message in plan.kind.check_stored(row.values, stored):
        index = plan.columns.get(field_name)
        header = plan.headers[index] if index is not None else ""
        cell = _cell_text(row.cells[index]) if index is not None and index < len(row.cells) else ""
        plan.errors.append(Problem(row.number, header, cell, message))


def import_commit(plan, *, batch=None):
    """The door every write of an enterprise, a report, a suggestion or a project goes through,
    whatever its path (a file, the command, the machine API, a form, the admin): write `plan` in one
    transaction, marking every written record with `batch` (None for a form's or the admin's write),
    raising each changed record's version, and keeping the history of every changed value
    (imports.history) in the same transaction. The plan must have been made in this transaction
    (`import_plan(…, commit=True)`): its rights and versions were checked on the records as they
    stand, under lock. On PostgreSQL a large import (ANALYZE_AFTER_ROWS) also refreshes its table's
    planner statistics. Receivers of import_written (the dashboard's roll-up) do their part in the
    same transaction."""
    assert plan.ok, "a plan with errors is never committed"
    kind = plan.kind
    model = kind.model
    now = timezone.now()
    update_fields = [c.field for c in kind.columns if c.field in plan.columns and c.field not in kind.key]
    stamped = [f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
    creates = _creates(plan)
    updates = _updates(plan)
    if kind.state_field:
        update_fields = [*update_fields, kind.state_field]
    batch_id = batch.pk if batch is not None else None
    with transaction.atomic(), write_followed(_enterprises_written(plan), _months_written(plan)) as written:
        if connection.vendor == "postgresql":
            _copy_create(model, creates, batch_id=batch_id, now=now)
            _copy_update(model, updates, update_fields, stamped, batch_id=batch_id, now=now)
            if len(creates) + len(updates) >= ANALYZE_AFTER_ROWS:
                # Fresh statistics right away, not when autovacuum next looks (up to a minute
                # later): a table the planner believes empty or a tenth of its size gets nested
                # loops where the dashboard's figures need hash joins. One query; 60 ms for
                # 36,000 reports on the development machine (ANALYZE reads a sample).
                with connection.cursor() as cursor:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        else:
            _insert_many(model, creates, batch_id=batch_id, now=now)
            _update_many(model, updates, update_fields, stamped, batch_id=batch_id, now=now)
        if creates or updates:
            history_write(plan, batch=batch, at=now)
            import_written.send(sender=import_commit, kind=kind, batch=batch)
        if creates and kind.key == ("credit_code",):
            codes = [values["credit_code"] for values in creates]
            written.update(model.objects.filter(credit_code__in=codes).values_list("pk", flat=True))


def _creates(plan):
    """The values of the records `plan` creates, marked as entered by their enterprise when the
    writer is the enterprise's own user (ImportKind.entered_by_field)."""
    creates = [row.values for row in plan.rows if row.action == "create"]
    mark = plan.kind.entered_by_field
    writer = plan.writer
    if (
        mark
        and creates
        and writer is not None
        and writer.user is not None
        and user_role(writer.user) == Role.ENTERPRISE
    ):
        return [{**values, mark: True} for values in creates]
    return creates


def _updates(plan):
    """[(id, values to write)] of the rows that update a record. A kind with a state writes it too:
    a changed record is submitted again (a returned report corrected), one changed over its lock by
    an override keeps its state. A created record takes the field's default."""
    kind = plan.kind
    if not kind.state_field:
        return [(row.pk, row.values) for row in plan.rows if row.action == "update"]
    written = kind.written_state
    return [
        (row.pk, {**row.values, kind.state_field: row.state if row.overrides else written})
        for row in plan.rows
        if row.action == "update"
    ]


def _enterprises_written(plan):
    """The ids of the stored enterprises whose records (or themselves) `plan` changes: the
    enterprises it updates, or the enterprises of the records it creates or updates. The ones it
    creates have none yet (import_commit adds them once written)."""
    rows = [row for row in plan.rows if row.action in ("create", "update")]
    if plan.kind.key == ("credit_code",):
        return {row.pk for row in rows if row.pk is not None}
    return {row.values["enterprise_id"] for row in rows}


def _months_written(plan):
    """(first, last): the months of the records `plan` writes, for a kind whose records are monthly
    (a report's month is part of its key, so a write never moves one to another month); None for
    the others, whose dates may move (a project completed in another month)."""
    if "month" not in plan.kind.key:
        return None
    months = [row.values["month"] for row in plan.rows if row.action in ("create", "update")]
    return (min(months), max(months)) if months else None


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
    version = quote(opts.get_field("version").column)
    sql = (
        f"UPDATE {quote(opts.db_table)} SET {', '.join(f'{quote(c)} = %s' for c in columns)}, "
        f"{version} = {version} + 1 WHERE {quote(opts.pk.column)} = %s"
    )
    rows = [
        [*[f.get_db_prep_save(values[f.attname], connection) for f in written], *stamps, batch_id, pk]
        for pk, values in updates
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# PostgreSQL: COPY writes 36,000 rows in a fraction of the time an INSERT of the same rows takes,
# because nothing is parsed per value; updates go through a temporary table and one UPDATE … FROM.


class _Stream:
    """A file for COPY to read, written as it is read: PostgreSQL stores one chunk while Python
    formats the next (the server is another process, on another core). `chunks` yields text."""

    def __init__(self, chunks):
        self.chunks = iter(chunks)
        self.pending = ""
        self.failure = None  # an error raised while making the text (see _copy)

    def read(self, size=-1):
        while size < 0 or len(self.pending) < size:
            try:
                chunk = next(self.chunks, "")
            except Exception as error:
                self.failure = error
                raise
            if not chunk:
                break
            self.pending += chunk
        if size < 0:
            size = len(self.pending)
        data, self.pending = self.pending[:size], self.pending[size:]
        return data


def _csv_chunks(rows, rows_per_chunk=2000):
    rows = iter(rows)
    while True:
        chunk = io.StringIO()
        writer = csv.writer(chunk, lineterminator="\n")
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
            if count == rows_per_chunk:
                break
        if not count:
            return
        yield chunk.getvalue()


def _line_chunks(lines, lines_per_chunk=2000):
    lines = iter(lines)
    while chunk := "".join(itertools.islice(lines, lines_per_chunk)):
        yield chunk


def _copy(cursor, sql, chunks):
    # Django's debug cursor logs it, so query counts include it.
    import psycopg2

    stream = _Stream(chunks)
    try:
        cursor.copy_expert(sql, stream, 1 << 16)
    except psycopg2.Error as error:
        if stream.failure is not None:
            # psycopg2 reports an error of the code making the text (a history row, say) as the
            # COPY's own failure, which would read as a conflict with another writer: it is a fault.
            raise stream.failure from None
        # Django turns the driver's errors into its own for execute() but not for copy_expert(),
        # which it hands through: the same mapping here, so that a unique key taken by a concurrent
        # import is an IntegrityError like any other.
        name = next(name for name in DB_API_ERRORS if isinstance(error, getattr(psycopg2, name)))
        raise getattr(db_errors, name)(*error.args) from error


def copy_rows(cursor, model, table, columns, rows):
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
    _copy(cursor, sql, _csv_chunks(rows))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value):
    """`value` as a field of COPY's text format: \\N for NULL, backslash, tab and line ends escaped."""
    if value is None:
        return "\\N"
    value = str(value)
    # Looked for first: most values have nothing to escape, and translate() with replacements
    # longer than one character goes character by character (a history line 4× slower, measured).
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


def copy_lines(cursor, table, columns, lines):
    """COPY `lines` (each a row in COPY's text format, fields made by copy_text, ending in a line
    feed) into `table`: for rows whose values CSV would quote, such as JSON."""
    quote = connection.ops.quote_name
    _copy(cursor, f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN", _line_chunks(lines))


def _copy_create(model, creates, *, batch_id, now):
    if not creates:
        return
    # One list comprehension per row: constants ride along as the defaults of keys no row has.
    # The time as text once, as the csv module would write it (str()) for every row otherwise: a
    # date-time's str() twice a row was a third of the formatting of 36,000 reports (measured).
    spec = []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.attname == "last_import_id":
            spec.append((" batch", batch_id))
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            spec.append((" now", str(now)))
        else:
            spec.append((f.attname, f.get_default()))
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    with connection.cursor() as cursor:
        copy_rows(
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
    # A name of its own: a form's write has no batch, and two writes may share a transaction.
    scratch_name = f"import_update_{batch_id or uuid.uuid4().hex}"
    scratch = quote(scratch_name)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS "
            f"SELECT {pk}, {', '.join(map(quote, columns))} FROM {quote(opts.db_table)} WITH NO DATA"
        )
        tail = [str(now) for _s in stamped] + [batch_id]  # as text once (_copy_create)
        rows = ([key, *[values[f] for f in fields], *tail] for key, values in updates)
        copy_rows(cursor, model, scratch_name, [opts.pk.column, *columns], rows)
        cursor.execute(f"ANALYZE {scratch}")  # so the planner joins 36,000 rows by hash, not by loop
        version = quote(opts.get_field("version").column)
        assignments = ", ".join(
            [f"{quote(c)} = s.{quote(c)}" for c in columns] + [f"{version} = t.{version} + 1"]
        )
        cursor.execute(
            f"UPDATE {quote(opts.db_table)} AS t SET {assignments} FROM {scratch} AS s WHERE t.{pk} = s.{pk}"
        )
