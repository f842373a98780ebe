"""The roll-up the district figures are read from, and how it stays current.

Every district figure of docs/domain.md is made of two kinds of sums, each defined once in
dashboard/sums.py: per district and month (stored here as MonthlyRollup), and per district and
possible last month for the before/after comparison (ChangeRollup). A request then reads a few
hundred rows instead of every report, suggestion and project of the period. The statements run
per district, sector and cohort (SegmentMonthlyRollup, SegmentChangeRollup: what the breakdown by
sector or cohort reads), and the district rows are those rows summed.

How it stays current:

- **A write through the door follows itself** (`follow_write`, a receiver of
  imports.signals.records_writing). Before writing, the door names the enterprises it is about to
  change; their sums (the same statements, on their rows only) are read; after writing, they are
  read again, and the difference is added to the roll-up's rows, in the write's transaction. The
  work grows with the enterprises written, not with the data stored: a one-report write reads one
  enterprise's rows. The rows are changed in one order (table by table, by key), at the end of the
  write, so writers hold them briefly and never deadlock; rows that fall to nothing are removed, so
  the roll-up is what a rebuild would make. No row is written by every write: the page cache's key
  follows each district's generation (DistrictGeneration), drawn afresh by the writes in that
  district.
- **A new due month** (the reports owed change at midnight of a due day, with no write) is one step
  (`due_month_step`): the roll-up's rows of the months that became due are made again, a cost that
  grows with the enterprises, once a month. The command `rollup_due_month` runs it (a timer, after
  midnight of the due day); if it has not, the first reader after the due day does.
- **Writes that bypass the door** (psql, a data migration, bulk_create, QuerySet.update) are
  detected: database triggers on the tables the figures read raise RollupState.data_version, and
  the roll-up is stale until the command `rebuild_rollup` (or `migrate`, which runs it when it is
  done) has recomputed the whole of it. Meanwhile readers compute the figures from the tables with
  the same statements (`current_alias` returns None): slower, never wrong. The door's own writes
  skip the triggers (`FOLLOWED`: a transaction-local setting on PostgreSQL, a row of
  dashboard_followedwrite on SQLite, both undone with the write if it rolls back). The whole
  rebuild never runs inside a request.
- Who owes what is computed from the owed months and the reports received (dashboard.figures
  `missing_reports`), never stored per missing month.

Lock order, on PostgreSQL: a door write takes ROW EXCLUSIVE on the tables the figures read (as its
own writes would) before it reads the roll-up's state; the rebuild and the due-month step take SHARE
on them, so they wait for the writes under way and hold new ones back until they commit: a write's
sums are always taken against the roll-up as it will be when it commits.
"""

import secrets
import threading
from decimal import Decimal
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, router, transaction

from common.months import Period, add_months
from dashboard import registry
from enterprises.models import Enterprise
from enterprises.reporting import latest_due_month

from .models import (
    ChangeRollup,
    ContentState,
    DistrictGeneration,
    FollowedWrite,
    MonthlyRollup,
    RollupState,
    SegmentChangeRollup,
    SegmentMonthlyRollup,
)
from .sums import CHANGE_COLUMNS, as_date, change_sums_sql, monthly_columns, monthly_sums_sql, parameters

# The tables whose writes make the roll-up stale: everything the district figures read.
SOURCE_TABLES = (
    "enterprises_enterprise",
    "enterprises_safetyreport",
    "enterprises_exemption",
    "improvements_suggestion",
    "improvements_improvementproject",
)

# The other tables the cached pages show (dashboard.page_cache): district and city names, the
# training figures, module names. Their writes raise ContentState.version and leave the roll-up alone.
CONTENT_TABLES = (
    "enterprises_city",
    "enterprises_district",
    "training_module",
    "training_workshop",
    "training_workshop_trainers",
    "training_workshop_enterprises",
    "training_participant",
    "training_attendance",
    # The history of values, on the enterprise page. The door writes it in the same transaction as
    # the records it describes (and draws their districts' generations); written otherwise, it is
    # watched on its own: a page is never cached from data its key does not follow.
    "imports_recordchange",
)

STATE_TABLE = RollupState._meta.db_table
CONTENT_TABLE = ContentState._meta.db_table
FOLLOWED_TABLE = FollowedWrite._meta.db_table
GENERATIONS_TABLE = DistrictGeneration._meta.db_table

# A new random generation, 32 hex digits (or a UUID's 36 characters), in each dialect.
GENERATION = {
    "postgresql": "gen_random_uuid()::text",
    "sqlite": "lower(hex(randomblob(16)))",
}

# How a trigger knows that the door is writing and follows its write (`follow_write`): the door's
# own writes are not a bypass. On PostgreSQL a setting local to the transaction; on SQLite (one
# writer at a time) a row of dashboard_followedwrite. Both go with a rollback.
FOLLOWED = {
    "postgresql": "current_setting('score.followed_write', true) IS DISTINCT FROM 'on'",
    "sqlite": f"NOT EXISTS (SELECT 1 FROM {FOLLOWED_TABLE})",
}
FOLLOWED_ON = {
    "postgresql": "SELECT set_config('score.followed_write', 'on', true)",
    "sqlite": f"INSERT INTO {FOLLOWED_TABLE} (id) VALUES (1) ON CONFLICT (id) DO NOTHING",
}
FOLLOWED_OFF = {
    "postgresql": "SELECT set_config('score.followed_write', '', true)",
    "sqlite": f"DELETE FROM {FOLLOWED_TABLE}",
}


class TriggerSet(NamedTuple):
    """Triggers named `name` on `tables` that run `bump` on every write that the door does not
    follow; the migration `migration` gives them their present bodies, and `triggers_ensure` keeps
    them while it is applied. `statement` is the bump with `{generation}` where the dialect's
    GENERATION goes."""

    name: str
    tables: tuple
    migration: str
    statement: str

    def bump(self, vendor):
        """One statement in `vendor`'s dialect: the counter raised and a new generation drawn."""
        return self.statement.format(generation=GENERATION[vendor])


TRIGGER_SETS = (
    # Raise data_version, creating the row (a stale roll-up) after a flush.
    TriggerSet(
        "dashboard_rollup_stale",
        SOURCE_TABLES,
        "0011_incremental_rollup",
        f"INSERT INTO {STATE_TABLE} (id, data_version, rollup_version, generation) "
        "VALUES (1, 1, -1, {generation}) "
        f"ON CONFLICT (id) DO UPDATE SET data_version = {STATE_TABLE}.data_version + 1, "
        "generation = excluded.generation",
    ),
    # Raise the page content's version, in its own row (ContentState says why).
    TriggerSet(
        "dashboard_content_changed",
        CONTENT_TABLES,
        "0011_incremental_rollup",
        f"INSERT INTO {CONTENT_TABLE} (id, version, generation) VALUES (1, 1, {{generation}}) "
        f"ON CONFLICT (id) DO UPDATE SET version = {CONTENT_TABLE}.version + 1, "
        "generation = excluded.generation",
    ),
)


def trigger_sql(vendor, sets=TRIGGER_SETS):
    """The statements that create the triggers of `sets` for `vendor`, replacing any of the same
    name (`triggers_ensure`: on SQLite, `CREATE TRIGGER IF NOT EXISTS` would keep an old body); the
    migrations keep their own frozen copies, with the statements that drop them."""
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(
            f"The dashboard's roll-up triggers are written for PostgreSQL and SQLite, not {vendor}."
        )
    create = []
    for trigger in sets:
        if vendor == "postgresql":
            # SET search_path FROM CURRENT: the function finds the state table whatever the
            # session's search_path (pg_restore runs with an empty one).
            create.append(
                f"CREATE OR REPLACE FUNCTION {trigger.name}() RETURNS trigger LANGUAGE plpgsql "
                f"SET search_path FROM CURRENT AS $$ BEGIN IF {FOLLOWED[vendor]} THEN "
                f"{trigger.bump(vendor)}; END IF; RETURN NULL; END $$"
            )
            for table in trigger.tables:
                create.append(f"DROP TRIGGER IF EXISTS {trigger.name} ON {table}")
                create.append(
                    f"CREATE TRIGGER {trigger.name} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
                    f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {trigger.name}()"
                )
        else:
            for table in trigger.tables:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    name = f"{trigger.name}_{table}_{event.lower()}"
                    create.append(f"DROP TRIGGER IF EXISTS {name}")
                    create.append(
                        f"CREATE TRIGGER {name} AFTER {event} ON {table} WHEN {FOLLOWED[vendor]} "
                        f"BEGIN {trigger.bump(vendor)}; END"
                    )
    return create


def triggers_ensure(using=DEFAULT_DB_ALIAS, **kwargs):
    """After every `migrate` (a post_migrate receiver): the triggers of every set whose migration is
    applied exist with their present bodies, and their versions are raised (the roll-up is marked
    stale) and their generations drawn (cached pages are dropped), since a migration may have
    changed the data without them. Then, when the dashboard is migrated to its latest, the roll-up
    is rebuilt (a command, never a request, does the whole rebuild)."""
    from django.db.migrations.loader import MigrationLoader

    connection = connections[using]
    loader = MigrationLoader(connection)
    applied = loader.applied_migrations
    # Not migrated that far (yet, or any more: `migrate dashboard 0010` puts back the bodies
    # without the door's test, `migrate dashboard 0001` drops them).
    sets = [trigger for trigger in TRIGGER_SETS if ("dashboard", trigger.migration) in applied]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in trigger_sql(connection.vendor, sets):
            cursor.execute(statement)
        for trigger in sets:
            cursor.execute(trigger.bump(connection.vendor))
    if all(node in applied for node in loader.graph.leaf_nodes()):
        rebuild(using)


def current_alias():
    """The database to read the roll-up from, when it is current (one query); None when it is
    stale (a write bypassed the door and the rebuild command has not run since), or when the due
    month it counts is behind and cannot be brought forward now: then read the tables.

    The dashboard's views read from the replica when there is one; a request that had to bring the
    due month forward reads the primary, since the replica may lag.
    """
    alias = router.db_for_read(RollupState) or DEFAULT_DB_ALIAS
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT data_version = rollup_version, due_month FROM {STATE_TABLE} WHERE id = 1")
        row = cursor.fetchone()
    if row is None or not row[0]:
        return None
    if as_date(row[1]) == latest_due_month():
        return alias
    return DEFAULT_DB_ALIAS if due_month_step() else None


# PostgreSQL's SQLSTATE for "could not obtain lock" (a lock timeout, FOR UPDATE NOWAIT).
LOCK_NOT_AVAILABLE = "55P03"


def _tables_locked(cursor, vendor, mode):
    """On PostgreSQL: the tables the figures read locked in `mode` (SHARE: no write until this
    transaction ends; ROW EXCLUSIVE: what a write takes anyway). SQLite has one writer at a time."""
    if vendor == "postgresql":
        cursor.execute(f"LOCK TABLE {', '.join(SOURCE_TABLES)} IN {mode} MODE")


def _state_locked(cursor, vendor):
    """(data_version, rollup_version, due_month) of the state row, locked; the row made (stale)
    after a flush."""
    cursor.execute(
        f"INSERT INTO {STATE_TABLE} (id, data_version, rollup_version, generation) "
        f"VALUES (1, 0, -1, {GENERATION[vendor]}) ON CONFLICT (id) DO NOTHING"
    )
    lock = " FOR UPDATE" if vendor == "postgresql" else ""
    cursor.execute(f"SELECT data_version, rollup_version, due_month FROM {STATE_TABLE} WHERE id = 1{lock}")
    return cursor.fetchone()


def rebuild(using=DEFAULT_DB_ALIAS):
    """Recompute the whole roll-up from the data (the commands rebuild_rollup, seed_demo and
    migrate; never a request): it waits for the writes under way and holds new ones back until it
    commits. Fourteen queries, whatever the size of the data."""
    connection = connections[using]
    vendor = connection.vendor
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if vendor == "postgresql":
            # Room to aggregate and sort the whole data in memory (the default 4 MB spilled the
            # month sums to disk at 10,000 enterprises), for this transaction only.
            cursor.execute("SET LOCAL statement_timeout = 0; SET LOCAL work_mem = '64MB'")
        _tables_locked(cursor, vendor, "SHARE")
        data_version, _rollup_version, _due_month = _state_locked(cursor, vendor)
        params = parameters()
        for model in (MonthlyRollup, ChangeRollup, SegmentMonthlyRollup, SegmentChangeRollup):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        _monthly_rows_made(cursor, vendor, params)
        cursor.execute(
            f"INSERT INTO {SegmentChangeRollup._meta.db_table} (district_id, sector, cohort, month, "
            f"{', '.join(CHANGE_COLUMNS)}) {change_sums_sql(vendor, by='segment')}"
        )
        _district_rows_summed(cursor, ChangeRollup, SegmentChangeRollup, CHANGE_COLUMNS)
        cursor.execute(
            f"UPDATE {STATE_TABLE} SET rollup_version = %s, due_month = %s WHERE id = 1",
            [data_version, params["due_month"]],
        )


def _monthly_rows_made(cursor, vendor, params, period=None):
    """The monthly roll-up's rows (segments, then districts) made from the data, for the months of
    `period` (None: all)."""
    columns = monthly_columns()
    cursor.execute(
        f"INSERT INTO {SegmentMonthlyRollup._meta.db_table} (district_id, sector, cohort, month, "
        f"{', '.join(columns)}) {monthly_sums_sql(vendor, by='segment', period=period)}",
        params,
    )
    _district_rows_summed(cursor, MonthlyRollup, SegmentMonthlyRollup, columns, period)


def _district_rows_summed(cursor, districts, segments, columns, period=None):
    """A district roll-up's rows made as its segments' rows summed (for the months of `period`)."""
    where, params = "", []
    if period is not None:
        where, params = "WHERE month >= %s AND month <= %s", [period.first, period.last]
    cursor.execute(
        f"INSERT INTO {districts._meta.db_table} (district_id, month, {', '.join(columns)}) "
        f"SELECT district_id, month, {', '.join(f'SUM({column})' for column in columns)} "
        f"FROM {segments._meta.db_table} {where} GROUP BY district_id, month",
        params,
    )


def due_month_step(using=DEFAULT_DB_ALIAS):
    """Bring the roll-up's due month to the latest (the command rollup_due_month, or the first
    reader after a due day): the monthly rows of the months between the two are made again from the
    data, whatever else they hold (a cost that grows with the enterprises, once a month). True when
    the roll-up is current afterwards; False when it is stale (a rebuild is needed) or, in a web
    request, when a write under way holds the tables past the request's lock timeout: the reader
    then reads the tables."""
    connection = connections[using]
    vendor = connection.vendor
    try:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            if vendor == "postgresql":
                # Once begun, it runs to its end, whatever statement timeout a web request set
                # (score_portal.middleware.DatabaseTimeoutMiddleware); not its lock timeout.
                cursor.execute("SET LOCAL statement_timeout = 0")
            _tables_locked(cursor, vendor, "SHARE")
            data_version, rollup_version, due_month = _state_locked(cursor, vendor)
            target = latest_due_month()
            if data_version != rollup_version or due_month is None:
                return False
            due_month = as_date(due_month)
            if due_month == target:
                return True
            # The months whose owed reports differ between the two due months (the clock may also
            # go back: a test, a corrected server clock).
            first, last = sorted((due_month, target))
            months = Period(add_months(first, 1), last)
            for model in (SegmentMonthlyRollup, MonthlyRollup):
                cursor.execute(
                    f"DELETE FROM {model._meta.db_table} WHERE month >= %s AND month <= %s",
                    [months.first, months.last],
                )
            _monthly_rows_made(cursor, vendor, parameters(months, due_month=target), months)
            cursor.execute(f"UPDATE {STATE_TABLE} SET due_month = %s WHERE id = 1", [target])
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) == LOCK_NOT_AVAILABLE:
            return False
        raise
    return True


# --- The door's writes, followed -------------------------------------------------------------------


class EnterpriseIds(NamedTuple):
    """A scope of dashboard.sums' statements: these enterprises, wherever they are."""

    enterprise_ids: tuple
    district_ids: None = None
    enterprise_id: None = None


MONTHLY_KEY = ("district_id", "sector", "cohort", "month")


class Sums(NamedTuple):
    """What some enterprises add to the roll-up: {segment key: values} of the monthly and the
    before/after sums, and the districts they are in."""

    monthly: dict
    change: dict
    districts: frozenset

    @classmethod
    def read(cls, cursor, vendor, enterprise_ids, due_month, months=None):
        """The sums of `enterprise_ids` as the data stand, owed reports counted up to `due_month`:
        three queries, on their rows only. `months` ((first, last) or None): the monthly sums of
        those months only (the only ones a write of monthly reports can change), the before/after
        sums whole (a report is in the baseline or follow-up of many months)."""
        if not enterprise_ids:
            return cls({}, {}, frozenset())
        scope = EnterpriseIds(tuple(sorted(enterprise_ids)))
        period = Period(*months) if months else None
        params = parameters(period, due_month=due_month)
        found = []
        for statement in (
            monthly_sums_sql(vendor, by="segment", scope=scope, period=period),
            change_sums_sql(vendor, by="segment", scope=scope),
        ):
            cursor.execute(statement, params)
            found.append({(row[0], row[1], row[2], as_date(row[3])): row[4:] for row in cursor.fetchall()})
        cursor.execute(
            f"SELECT DISTINCT district_id FROM {Enterprise._meta.db_table} "
            f"WHERE id IN ({', '.join(map(str, scope.enterprise_ids))})"
        )
        return cls(*found, frozenset(row[0] for row in cursor.fetchall()))


def _exact(columns):
    """Functions making each of `columns`' values exact (SQLite sums decimals as floats)."""
    kinds = dict(registry.monthly_sums())
    return [
        (lambda value: Decimal(str(value or 0)).quantize(Decimal("0.01")))
        if kinds.get(column) == registry.DECIMAL
        else (lambda value: int(value or 0))
        for column in columns
    ]


def _differences(before, after, columns):
    """{key: values} of after − before, for the keys where they differ, in key order."""
    exact = _exact(columns)
    zero = tuple(convert(0) for convert in exact)
    changed = {}
    for key in sorted(before.keys() | after.keys()):
        old = [convert(value) for convert, value in zip(exact, before.get(key, zero), strict=True)]
        new = [convert(value) for convert, value in zip(exact, after.get(key, zero), strict=True)]
        difference = tuple(b - a for a, b in zip(old, new, strict=True))
        if any(difference):
            changed[key] = difference
    return changed


def _by_district(changes):
    """Segment rows' changes summed per (district, month), in key order."""
    summed = {}
    for (district, _sector, _cohort, month), values in changes.items():
        current = summed.get((district, month))
        summed[district, month] = (
            values if current is None else tuple(a + b for a, b in zip(current, values, strict=True))
        )
    return {key: summed[key] for key in sorted(summed)}


# Rows per INSERT: PostgreSQL takes 65,535 parameters, SQLite (3.32 and later) 32,766.
PARAMETERS_PER_STATEMENT = 30000


def _added(cursor, model, key, columns, changes):
    """`changes` ({key: values}) added to `model`'s rows, made where missing, in key order (the
    lock order every writer keeps); then the rows of those keys that fell to nothing removed."""
    if not changes:
        return
    table = model._meta.db_table
    names = [*key, *columns]
    width = len(names)
    rows = [(*row_key, *values) for row_key, values in changes.items()]
    per_statement = max(1, PARAMETERS_PER_STATEMENT // width)
    added = ", ".join(f"{column} = {table}.{column} + excluded.{column}" for column in columns)
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES "
            f"{', '.join(['(' + ', '.join(['%s'] * width) + ')'] * len(chunk))} "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {added}",
            [value for row in chunk for value in row],
        )
    # A row that holds nothing is one a rebuild would not make (each of its statement's rows counts
    # at least one report, suggestion, project, owed month or qualifying enterprise).
    districts = sorted({row_key[0] for row_key in changes})
    months = sorted({row_key[-1] for row_key in changes})
    cursor.execute(
        f"DELETE FROM {table} WHERE district_id IN ({', '.join(['%s'] * len(districts))}) "
        f"AND month >= %s AND month <= %s AND {' AND '.join(f'{column} = 0' for column in columns)}",
        [*districts, months[0], months[-1]],
    )


def _generations_drawn(cursor, districts):
    """A new random generation for each of `districts` (dashboard.page_cache's key), in order."""
    if not districts:
        return
    rows = [(district, secrets.token_hex(16)) for district in sorted(districts)]
    cursor.execute(
        f"INSERT INTO {GENERATIONS_TABLE} (district_id, generation) VALUES "
        f"{', '.join(['(%s, %s)'] * len(rows))} "
        "ON CONFLICT (district_id) DO UPDATE SET generation = excluded.generation",
        [value for row in rows for value in row],
    )


class _Following(threading.local):
    """The write the door is following on this thread, if any (`follow_write`)."""

    write = None


_following = _Following()


class _Followed:
    """One write followed: the sums of its enterprises before it, and whether a write nested in it
    made following impossible (then the roll-up is marked stale instead)."""

    def __init__(self, before, due_month, months):
        self.before = before
        self.due_month = due_month
        self.months = months
        self.nested = False


def follow_write(enterprise_ids, months=None, **kwargs):
    """Before a door write of the records of `enterprise_ids` (imports.signals.records_writing):
    their sums read, and a function returned that adds the write's difference to the roll-up once
    written (dashboard/rollup.py's docstring). Nothing to follow while the roll-up is stale: the
    write's triggers mark it stale again, and the rebuild command counts it. A door write nested in
    another (which read its sums before the inner one wrote) marks the roll-up stale rather than
    count a write twice."""
    using = DEFAULT_DB_ALIAS
    connection = connections[using]
    vendor = connection.vendor
    if _following.write is not None:
        _following.write.nested = True
        return None
    with connection.cursor() as cursor:
        _tables_locked(cursor, vendor, "ROW EXCLUSIVE")
        cursor.execute(f"SELECT data_version = rollup_version, due_month FROM {STATE_TABLE} WHERE id = 1")
        state = cursor.fetchone()
        if state is None or not state[0]:
            return None
        due_month = as_date(state[1])
        followed = _Followed(Sums.read(cursor, vendor, enterprise_ids, due_month, months), due_month, months)
        cursor.execute(FOLLOWED_ON[vendor])
    _following.write = followed

    def finish(written_ids):
        _following.write = None
        if written_ids is None:  # the write failed: its transaction rolls back
            return
        with connection.cursor() as cursor:
            cursor.execute(FOLLOWED_OFF[vendor])
            if followed.nested:
                cursor.execute(TRIGGER_SETS[0].bump(vendor))
                return
            after = Sums.read(cursor, vendor, written_ids, followed.due_month, followed.months)
            monthly = _differences(followed.before.monthly, after.monthly, monthly_columns())
            change = _differences(followed.before.change, after.change, CHANGE_COLUMNS)
            _added(cursor, SegmentMonthlyRollup, MONTHLY_KEY, monthly_columns(), monthly)
            _added(cursor, SegmentChangeRollup, MONTHLY_KEY, CHANGE_COLUMNS, change)
            _added(cursor, MonthlyRollup, ("district_id", "month"), monthly_columns(), _by_district(monthly))
            _added(cursor, ChangeRollup, ("district_id", "month"), CHANGE_COLUMNS, _by_district(change))
            _generations_drawn(cursor, followed.before.districts | after.districts)

    return finish
