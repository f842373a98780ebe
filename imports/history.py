"""The history of every value: what the write door keeps of each write (imports.models.RecordChange).

One row per record written, in bulk for a bulk write (COPY on PostgreSQL, one executemany
elsewhere): never a statement per record.
"""

import datetime
import decimal
import json

from django.db import connection, models

from imports.models import RecordChange

COMMAND_LINE = "command line"
JSON_TEXT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def history_value(value):
    """A stored value as the history keeps it in JSON: dates as ISO 8601, amounts as decimal text."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def history_field(name):
    """The name a field's changes are kept under: `district`, not `district_id`."""
    return name[:-3] if name.endswith("_id") else name


def _json(value):
    """One value as JSON_TEXT writes it: a whole number directly (most reported values are one),
    anything else through the encoder."""
    return str(value) if type(value) is int else JSON_TEXT.encode(value)


def _converters(kind, lookups, names):
    """For each field of the rows: (its name, the JSON text that opens its change, `"name":[`, a
    function giving its JSON value, or None where the stored value is JSON already: a number, a
    text). Worked out once per write, not per value: a bulk write keeps 36,000 records' history,
    and its changes are written as JSON text directly (a third of the time of building dicts for
    the encoder, measured)."""
    converters = []
    for name in names:
        field = kind.model._meta.get_field(name)
        opening = f"{JSON_TEXT.encode(history_field(name))}:["
        if field.is_relation or isinstance(field, models.DateField | models.DecimalField):
            converters.append((name, opening, lambda value, n=name: kind.history_shown(n, value, lookups)))
        else:
            converters.append((name, opening, None))
    return converters


def _object(entries):
    return "{" + ",".join(entries) + "}"


def _given(converters, values, pair):
    """The JSON text {field: pair % value} of the values given (not None, not empty)."""
    return _object(
        f"{opening}{pair % _json(convert(value) if convert else value)}]"
        for name, opening, convert in converters
        if (value := values[name]) is not None and value != ""
    )


def _creates(converters, values):
    """The JSON text of a created record's changes: {field: [null, value]} of the values given."""
    return _given(converters, values, "null,%s")


def _updates(converters, values, old):
    """The JSON text of a changed record's changes: {field: [old, new]} of the values that differ."""
    return _object(
        f"{opening}{_json(convert(before) if convert else before)},{_json(convert(value) if convert else value)}]"
        for name, opening, convert in converters
        if (before := old[name]) != (value := values[name])
    )


def _deletes(converters, values):
    """The JSON text of a deleted record's last values: {field: [value, null]}."""
    return _given(converters, values, "%s,null")


def author_name(writer):
    if writer.api_client is not None:
        return writer.api_client.name
    if writer.user is not None:
        return writer.user.get_username()
    return COMMAND_LINE


def history_author(writer, at):
    """The history row's fields that say who wrote, when and how (the system when `writer` is None)."""
    user = getattr(writer, "user", None)
    client = getattr(writer, "api_client", None)
    return {
        "at": at,
        "user_id": user.pk if user is not None and user.pk else None,
        "api_client_id": client.pk if client is not None else None,
        "by": author_name(writer) if writer is not None else COMMAND_LINE,
        "path": writer.path if writer is not None else RecordChange.Path.IMPORT,
    }


# The fields of a history row that differ from row to row of one write; the others (who, when, how,
# the import, the review's state and comment) are the same for every row of the write.
VARYING = ("kind", "credit_code", "record_key", "action", "changes")


def history_write(plan, *, batch, at):
    """Keep one RecordChange per created or changed row of `plan` (written in the same transaction).

    A write's history has no state and no comment (null), except where it moved a record's review
    state (imports.engine.ImportKind.state_field): a returned report corrected is `submitted` again,
    and a change of an approved report made by an override of its lock is kept as `approved` with
    the override's reason as its comment. One statement per such group (at most three)."""
    kind, lookups = plan.kind, plan.lookups
    author = {**history_author(plan.writer, at), "batch_id": batch.pk if batch is not None else None}
    names = [name for name in plan.rows[0].values if name not in kind.key] if plan.rows else []
    converters = _converters(kind, lookups, names)
    record_name, name = kind.record_name, kind.name
    create, update = RecordChange.Action.CREATE, RecordChange.Action.UPDATE

    def history_row(row):
        if row.action == "create":
            return (name, *record_name(row.values, lookups), create, _creates(converters, row.values))
        return (name, *record_name(row.values, lookups), update, _updates(converters, row.values, row.old))

    groups = {}
    for row in plan.rows:
        if row.action in ("create", "update"):
            groups.setdefault(_state_of(plan, row), []).append(row)
    for (state, comment), rows in groups.items():
        # Made as they are written: on PostgreSQL the server stores one chunk of COPY while the
        # next is made (a tenth of a second of a 36,000-row import no longer waited for).
        changes_write({**author, "state": state, "comment": comment}, map(history_row, rows))


def _state_of(plan, row):
    """(state, comment) of a written row's history (history_write)."""
    kind = plan.kind
    if not kind.state_field or row.action != "update":
        return None, None
    if row.overrides:
        return row.state, plan.writer.override
    if row.state != kind.written_state:
        return kind.written_state, None
    return None, None


def changes_write(shared, rows):
    """Insert history rows in one go: `rows` are tuples of the VARYING fields (`changes` as JSON
    text), `shared` the other fields' values (by attname), the same for every row. `rows` may be
    an iterator, made as it is written; an empty list writes nothing."""
    if isinstance(rows, list) and not rows:
        return
    opts = RecordChange._meta
    shared = dict(shared)
    if connection.vendor != "postgresql":  # the one date-time, as the database takes it
        shared["at"] = opts.get_field("at").get_db_prep_save(shared["at"], connection)
    attnames = [*VARYING, *shared]
    columns = [opts.get_field(name).column for name in attnames]
    tail = tuple(shared.values())
    if connection.vendor == "postgresql":
        from imports.engine import copy_lines, copy_text

        # COPY's text format, each line joined here: the changes are JSON, full of the quotes that
        # CSV would have to double (five times the time of the join, measured).
        ending = "\t" + "\t".join(copy_text(value) for value in tail) + "\n"
        with connection.cursor() as cursor:
            copy_lines(
                cursor,
                opts.db_table,
                columns,
                ("\t".join(map(copy_text, row)) + ending for row in rows),
            )
        return
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(opts.db_table)} ({', '.join(map(quote, columns))}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [row + tail for row in rows])


def history_of_deletes(doomed, *, writer):
    """Keep a RecordChange for each record about to be deleted: `doomed` is [(kind, [values of a
    record], lookups)]."""
    from django.utils import timezone

    shared = {**history_author(writer, timezone.now()), "batch_id": None, "state": None, "comment": None}
    rows = []
    for kind, records, lookups in doomed:
        if not records:
            continue
        names = [c.field for c in kind.columns if c.field not in kind.key]
        converters = _converters(kind, lookups, names)
        rows.extend(
            (
                kind.name,
                *kind.record_name(values, lookups),
                RecordChange.Action.DELETE,
                _deletes(converters, values),
            )
            for values in records
        )
    changes_write(shared, rows)
