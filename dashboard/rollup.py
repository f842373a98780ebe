"""The roll-up the district figures are read from, and how it stays current.

Every district figure of docs/domain.md is made of two kinds of sums, each defined once in
dashboard/sums.py: per district and month (stored here as MonthlyRollup), and per district and
possible last month for the before/after comparison (ChangeRollup). A request then reads a few
hundred rows instead of every report, suggestion and project of the period. The statements run
per district, sector and cohort (SegmentMonthlyRollup, SegmentChangeRollup: what the breakdown by
sector or cohort reads), and the district rows are those rows summed.

How it stays current, whatever writes the data (the import engine's COPY or executemany, the admin,
the services, seed_demo, bulk_create, QuerySet.update, a psql session):

- database triggers on the four tables the figures read (enterprises, safety reports, suggestions,
  improvement projects) raise RollupState.data_version on every write: on PostgreSQL once per
  statement, before it touches a row; on SQLite once per row. Migration dashboard 0002 creates
  them, and `triggers_ensure` checks them after every `migrate` (on SQLite, a later migration that
  remakes a table drops that table's triggers) and marks the roll-up stale. The same kind of
  triggers on the other tables the dashboard pages show (CONTENT_TABLES, migration 0003) raise
  ContentState.version instead, for dashboard.page_cache: a training record does not make the
  roll-up stale, nor wait for an import's lock. Each trigger also draws its row's `generation`
  afresh (migration 0009), which keys the page cache: a counter repeats after a rollback or a
  restore, a random generation does not.
- a reader (`current_alias`) compares data_version with rollup_version, the data_version the
  roll-up was built from, in one query. Equal: the roll-up is current. Different (or no state row,
  after a flush): `rebuild` recomputes the whole roll-up from the data in one transaction,
  set-based (a few SQL statements, whatever the number of rows), and records the data_version it
  read under the state row's lock. A write committing during the rebuild waits for that lock and
  then raises data_version again, so the next reader rebuilds again: a reader never takes a
  roll-up that misses a committed write for current.
- lock order, on PostgreSQL: a writer locks its table, then (its trigger) the state row. A
  rebuild takes ACCESS SHARE on the four tables first, then the state row, so a TRUNCATE or a
  migration's ALTER TABLE (which lock the table before their trigger wants the state row) cannot
  deadlock with it. And a rebuild does not wait for the state row: if a writer holds it (an import
  under way), the roll-up cannot be made current until that writer commits, so the reader computes
  its figures from the tables instead (`current_alias` returns None) rather than queue behind it.

The cost is paid once per change of the data, by the first dashboard request after it (measured in
docs/dashboard.md, "Dashboard performance"); writes are monthly imports and the odd admin edit,
reads are every official's every page. The enterprise drill-down runs the same statements on its
own rows (few, and indexed) instead.
"""

from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, router, transaction

from enterprises.reporting import latest_due_month

from .models import (
    ChangeRollup,
    ContentState,
    MissingReport,
    MonthlyRollup,
    RollupState,
    SegmentChangeRollup,
    SegmentMonthlyRollup,
)
from .sums import (
    CHANGE_COLUMNS,
    as_date,
    change_sums_sql,
    missing_reports_sql,
    monthly_columns,
    monthly_sums_sql,
    parameters,
)

# The tables whose writes make the roll-up stale: everything the district figures read.
SOURCE_TABLES = (
    "enterprises_enterprise",
    "enterprises_safetyreport",
    "improvements_suggestion",
    "improvements_improvementproject",
)

# Read by the figures too (the months they exempt), watched from migration 0011_review_figures on.
EXEMPTION_TABLES = ("enterprises_exemption",)

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
    # The history of values, on the enterprise page. Written in the same transaction as the records
    # it describes (whose triggers raise data_version anyway), but watched on its own too: a page
    # is never cached from data its key does not follow.
    "imports_recordchange",
)

STATE_TABLE = RollupState._meta.db_table
CONTENT_TABLE = ContentState._meta.db_table


# A new random generation, 32 hex digits (or a UUID's 36 characters), in each dialect.
GENERATION = {
    "postgresql": "gen_random_uuid()::text",
    "sqlite": "lower(hex(randomblob(16)))",
}


class TriggerSet(NamedTuple):
    """Triggers named `name` on `tables` that run `bump` on every write; the migration `migration`
    gives them their present bodies, and `triggers_ensure` keeps them while it is applied.
    `statement` is the bump with `{generation}` where the dialect's GENERATION goes."""

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
        "0010_state_generation",
        f"INSERT INTO {STATE_TABLE} (id, data_version, rollup_version, generation) "
        "VALUES (1, 1, -1, {generation}) "
        f"ON CONFLICT (id) DO UPDATE SET data_version = {STATE_TABLE}.data_version + 1, "
        "generation = excluded.generation",
    ),
    # The exempt months (docs/domain.md, "Exempt months") are not owed: an exemption's writes make
    # the roll-up stale as well. A set of its own, for the migration that brought the table into the
    # figures: at an earlier one, the trigger must not be made (the table may not exist yet).
    TriggerSet(
        "dashboard_rollup_stale",
        EXEMPTION_TABLES,
        "0011_review_figures",
        f"INSERT INTO {STATE_TABLE} (id, data_version, rollup_version, generation) "
        "VALUES (1, 1, -1, {generation}) "
        f"ON CONFLICT (id) DO UPDATE SET data_version = {STATE_TABLE}.data_version + 1, "
        "generation = excluded.generation",
    ),
    # Raise the page content's version, in its own row (ContentState says why).
    TriggerSet(
        "dashboard_content_changed",
        CONTENT_TABLES,
        "0010_state_generation",
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
                f"SET search_path FROM CURRENT AS $$ BEGIN {trigger.bump(vendor)}; RETURN NULL; END $$"
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
                        f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {trigger.bump(vendor)}; END"
                    )
    return create


def triggers_ensure(using=DEFAULT_DB_ALIAS, **kwargs):
    """After every `migrate` (a post_migrate receiver): the triggers of every set whose migration is
    applied exist with their present bodies, and their versions are raised (the roll-up is marked
    stale) and their generations drawn (cached pages are dropped), since a migration may have
    changed the data without them."""
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    applied = MigrationRecorder(connection).applied_migrations()
    # Not migrated that far (yet, or any more: `migrate dashboard 0009` puts back the bodies
    # without a generation, `migrate dashboard 0001` drops them).
    sets = [trigger for trigger in TRIGGER_SETS if ("dashboard", trigger.migration) in applied]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in trigger_sql(connection.vendor, sets):
            cursor.execute(statement)
        for trigger in sets:
            cursor.execute(trigger.bump(connection.vendor))


def current_alias():
    """The database to read the roll-up from, after making sure it is current (one query when it
    is); None when it is behind and a writer holds it back: then read the tables.

    The dashboard's views read from the replica when there is one; the roll-up is rebuilt on the
    primary, and a request that had to rebuild it reads it there, since the replica may lag.
    """
    alias = router.db_for_read(RollupState) or DEFAULT_DB_ALIAS
    with connections[alias].cursor() as cursor:
        cursor.execute(
            f"SELECT data_version = rollup_version AND due_month = %s FROM {STATE_TABLE} WHERE id = 1",
            [latest_due_month()],
        )
        row = cursor.fetchone()
    if row is not None and row[0]:
        return alias
    return DEFAULT_DB_ALIAS if rebuild() else None


# PostgreSQL's SQLSTATE for "could not obtain lock" (FOR UPDATE NOWAIT).
LOCK_NOT_AVAILABLE = "55P03"


def rebuild(using=DEFAULT_DB_ALIAS):
    """Recompute the whole roll-up from the data, unless another request just did. True when the
    roll-up is current afterwards; False (PostgreSQL) when a writer holds the state row, whose
    changes no rebuild can see before it commits, or, in a web request, when a table it needs stays
    locked past the request's lock timeout (a migration): the reader then reads the records, and
    answers busy if they are locked too. Outside a request there is no lock timeout: a command's
    rebuild waits for the lock. Fifteen queries."""
    connection = connections[using]
    vendor = connection.vendor
    try:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            if vendor == "postgresql":
                # The tables first, then the state row: the order a TRUNCATE or ALTER TABLE takes.
                # And room to aggregate and sort the whole data in memory (the default 4 MB spilled
                # the month sums to disk at 10,000 enterprises), for this transaction only. A rebuild
                # begun runs to its end, whatever statement timeout the web request set
                # (score_portal.middleware.DatabaseTimeoutMiddleware): SET LOCAL as well, first. Not
                # its lock timeout: a request does not wait for a migration to end.
                cursor.execute(
                    "SET LOCAL statement_timeout = 0; "
                    f"LOCK TABLE {', '.join((*SOURCE_TABLES, *EXEMPTION_TABLES))} IN ACCESS SHARE MODE; "
                    "SET LOCAL work_mem = '64MB'"
                )
                state = f"SELECT data_version, rollup_version, due_month FROM {STATE_TABLE} WHERE id = 1 FOR UPDATE NOWAIT"
                cursor.execute(state)
                row = cursor.fetchone()
                if row is None:  # after a flush
                    cursor.execute(
                        f"INSERT INTO {STATE_TABLE} (id, data_version, rollup_version, generation) "
                        f"VALUES (1, 0, -1, {GENERATION[vendor]}) ON CONFLICT (id) DO NOTHING"
                    )
                    cursor.execute(state)
                    row = cursor.fetchone()
            else:
                # SQLite: a write takes the database's lock, which stands for the state row's.
                cursor.execute(
                    f"INSERT INTO {STATE_TABLE} (id, data_version, rollup_version, generation) "
                    f"VALUES (1, 0, -1, {GENERATION[vendor]}) "
                    f"ON CONFLICT (id) DO UPDATE SET rollup_version = {STATE_TABLE}.rollup_version"
                )
                cursor.execute(
                    f"SELECT data_version, rollup_version, due_month FROM {STATE_TABLE} WHERE id = 1"
                )
                row = cursor.fetchone()
            data_version, rollup_version, due_month = row
            params = parameters()
            if data_version == rollup_version and as_date(due_month) == params["due_month"]:
                return True
            for model in (
                MonthlyRollup,
                ChangeRollup,
                SegmentMonthlyRollup,
                SegmentChangeRollup,
                MissingReport,
            ):
                cursor.execute(f"DELETE FROM {model._meta.db_table}")
            # The statements run once, per district, sector and cohort (the breakdown's rows); the
            # district rows are those summed: the same work as per district, and no second pass.
            for segments, districts, statement, statement_params, columns in (
                (
                    SegmentMonthlyRollup,
                    MonthlyRollup,
                    monthly_sums_sql(vendor, by="segment"),
                    params,
                    monthly_columns(),
                ),
                (
                    SegmentChangeRollup,
                    ChangeRollup,
                    change_sums_sql(vendor, by="segment"),
                    None,
                    CHANGE_COLUMNS,
                ),
            ):
                cursor.execute(
                    f"INSERT INTO {segments._meta.db_table} (district_id, sector, cohort, month, "
                    f"{', '.join(columns)}) {statement}",
                    statement_params,
                )
                cursor.execute(
                    f"INSERT INTO {districts._meta.db_table} (district_id, month, {', '.join(columns)}) "
                    f"SELECT district_id, month, {', '.join(f'SUM({column})' for column in columns)} "
                    f"FROM {segments._meta.db_table} GROUP BY district_id, month"
                )
            cursor.execute(
                f"INSERT INTO {MissingReport._meta.db_table} (district_id, enterprise_id, month) "
                + missing_reports_sql(vendor),
                params,
            )
            cursor.execute(
                f"UPDATE {STATE_TABLE} SET rollup_version = %s, due_month = %s WHERE id = 1",
                [data_version, params["due_month"]],
            )
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) == LOCK_NOT_AVAILABLE:
            return False
        raise
    return True


def rebuild_after_import(**kwargs):
    """Every kind of file feeds the figures: rebuild their roll-up inside the import's transaction
    (imports.signals.import_written), so that the first official to open the dashboard after a
    monthly import does not wait for it (0.1 s at 1,000 enterprises)."""
    rebuild()
