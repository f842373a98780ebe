"""The roll-up the district figures are read from, and how it stays current.

Every district figure of DOMAIN.md over a range of whole months is a sum over months, except the
before/after comparison, which depends on the period's last month only. So the roll-up holds, per
district and month, the sums the figures add up (MonthlyRollup), and per district and possible
last month, the qualifying enterprises with their pooled sums (ChangeRollup). A request then reads a
few hundred rows instead of every report, suggestion and project of the period.

How it stays current, whatever writes the data (the import engine's COPY or executemany, the admin,
the services, seed_demo, bulk_create, QuerySet.update, a psql session):

- database triggers on the four tables the figures read (enterprises, safety reports, suggestions,
  improvement projects) raise RollupState.data_version on every write: on PostgreSQL once per
  statement, before it touches a row; on SQLite once per row. Migration dashboard 0002 creates
  them, and `triggers_ensure` checks them after every `migrate` (on SQLite, a later migration that
  remakes a table drops that table's triggers) and marks the roll-up stale. The same kind of
  triggers on the other tables the dashboard pages show (CONTENT_TABLES, migration 0003) raise
  ContentState.version instead, for dashboard.page_cache: a training record does not make the
  roll-up stale, nor wait for an import's lock.
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
README "Dashboard performance"); writes are monthly imports and the odd admin edit, reads are every
official's every page. The enterprise drill-down reads the tables directly (one enterprise's rows
are few and indexed), and the tests compare both paths on the same data.
"""

from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, router, transaction

from .models import ChangeRollup, ContentState, MonthlyRollup, RollupState

# Follow-up and baseline windows of the before/after comparison, in months (DOMAIN.md).
CHANGE_WINDOW_MONTHS = 12

# The tables whose writes make the roll-up stale: everything the district figures read.
SOURCE_TABLES = (
    "enterprises_enterprise",
    "enterprises_safetyreport",
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
)

STATE_TABLE = RollupState._meta.db_table
CONTENT_TABLE = ContentState._meta.db_table


class TriggerSet(NamedTuple):
    """Triggers named `name` on `tables` that run `bump` (one statement, both dialects) on every
    write; the migration `migration` creates them, and `triggers_ensure` keeps them while it is
    applied."""

    name: str
    tables: tuple
    migration: str
    bump: str


TRIGGER_SETS = (
    # Raise data_version, creating the row (a stale roll-up) after a flush.
    TriggerSet(
        "dashboard_rollup_stale",
        SOURCE_TABLES,
        "0002_rollup_triggers",
        f"INSERT INTO {STATE_TABLE} (id, data_version, rollup_version) VALUES (1, 1, -1) "
        f"ON CONFLICT (id) DO UPDATE SET data_version = {STATE_TABLE}.data_version + 1",
    ),
    # Raise the page content's version, in its own row (ContentState says why).
    TriggerSet(
        "dashboard_content_changed",
        CONTENT_TABLES,
        "0003_content_state",
        f"INSERT INTO {CONTENT_TABLE} (id, version) VALUES (1, 1) "
        f"ON CONFLICT (id) DO UPDATE SET version = {CONTENT_TABLE}.version + 1",
    ),
)


def trigger_sql(vendor, sets=TRIGGER_SETS):
    """The statements that create the triggers of `sets` for `vendor`. They can run again over
    existing triggers (`triggers_ensure`); the migrations keep their own frozen copies, with the
    statements that drop them."""
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
                f"SET search_path FROM CURRENT AS $$ BEGIN {trigger.bump}; RETURN NULL; END $$"
            )
            for table in trigger.tables:
                create.append(f"DROP TRIGGER IF EXISTS {trigger.name} ON {table}")
                create.append(
                    f"CREATE TRIGGER {trigger.name} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
                    f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {trigger.name}()"
                )
        else:
            create.extend(
                f"CREATE TRIGGER IF NOT EXISTS {trigger.name}_{table}_{event.lower()} AFTER {event} "
                f"ON {table} BEGIN {trigger.bump}; END"
                for table in trigger.tables
                for event in ("INSERT", "UPDATE", "DELETE")
            )
    return create


def triggers_ensure(using=DEFAULT_DB_ALIAS, **kwargs):
    """After every `migrate` (a post_migrate receiver): the triggers of every set whose migration is
    applied exist, and their versions are raised (the roll-up is marked stale, cached pages are
    dropped), since a migration may have changed the data without them."""
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    applied = MigrationRecorder(connection).applied_migrations()
    # Not migrated that far (yet, or any more: `migrate dashboard 0001` drops them).
    sets = [trigger for trigger in TRIGGER_SETS if ("dashboard", trigger.migration) in applied]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in trigger_sql(connection.vendor, sets):
            cursor.execute(statement)
        for trigger in sets:
            cursor.execute(trigger.bump)


def month_start_sql(column, months, vendor):
    """SQL for the first day of the month `months` after the month of the date in `column`.

    Django has no portable month arithmetic, and SQLite and PostgreSQL spell it differently.
    """
    if vendor == "postgresql":
        return f"(DATE_TRUNC('month', {column}::timestamp) + INTERVAL '{int(months)} months')::date"
    return f"date({column}, 'start of month', '{int(months):+d} months')"


def current_alias():
    """The database to read the roll-up from, after making sure it is current (one query when it
    is); None when it is behind and a writer holds it back: then read the tables.

    The dashboard's views read from the replica when there is one; the roll-up is rebuilt on the
    primary, and a request that had to rebuild it reads it there, since the replica may lag.
    """
    alias = router.db_for_read(RollupState) or DEFAULT_DB_ALIAS
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT data_version = rollup_version FROM {STATE_TABLE} WHERE id = 1")
        row = cursor.fetchone()
    if row is not None and row[0]:
        return alias
    return DEFAULT_DB_ALIAS if rebuild() else None


# PostgreSQL's SQLSTATE for "could not obtain lock" (FOR UPDATE NOWAIT).
LOCK_NOT_AVAILABLE = "55P03"


def rebuild(using=DEFAULT_DB_ALIAS):
    """Recompute the whole roll-up from the data, unless another request just did. True when the
    roll-up is current afterwards; False (PostgreSQL) when a writer holds the state row, whose
    changes no rebuild can see before it commits. Nine queries."""
    connection = connections[using]
    vendor = connection.vendor
    try:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            if vendor == "postgresql":
                # The tables first, then the state row: the order a TRUNCATE or ALTER TABLE takes.
                cursor.execute(f"LOCK TABLE {', '.join(SOURCE_TABLES)} IN ACCESS SHARE MODE")
                state = (
                    f"SELECT data_version, rollup_version FROM {STATE_TABLE} WHERE id = 1 FOR UPDATE NOWAIT"
                )
                cursor.execute(state)
                row = cursor.fetchone()
                if row is None:  # after a flush
                    cursor.execute(
                        f"INSERT INTO {STATE_TABLE} (id, data_version, rollup_version) VALUES (1, 0, -1) "
                        "ON CONFLICT (id) DO NOTHING"
                    )
                    cursor.execute(state)
                    row = cursor.fetchone()
            else:
                # SQLite: a write takes the database's lock, which stands for the state row's.
                cursor.execute(
                    f"INSERT INTO {STATE_TABLE} (id, data_version, rollup_version) VALUES (1, 0, -1) "
                    f"ON CONFLICT (id) DO UPDATE SET rollup_version = {STATE_TABLE}.rollup_version"
                )
                cursor.execute(f"SELECT data_version, rollup_version FROM {STATE_TABLE} WHERE id = 1")
                row = cursor.fetchone()
            data_version, rollup_version = row
            if data_version == rollup_version:
                return True
            cursor.execute(f"DELETE FROM {MonthlyRollup._meta.db_table}")
            cursor.execute(f"DELETE FROM {ChangeRollup._meta.db_table}")
            cursor.execute(_monthly_sql(vendor), {"completed": "completed"})
            cursor.execute(_change_sql(vendor))
            cursor.execute(f"UPDATE {STATE_TABLE} SET rollup_version = %s WHERE id = 1", [data_version])
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


def _monthly_sql(vendor):
    """Per district and month: reports, suggestions submitted, projects completed and their savings,
    inspections and accidents, from the enterprises' rows (the enterprise's district today)."""

    def month(column):
        return month_start_sql(column, 0, vendor)

    return f"""
        INSERT INTO {MonthlyRollup._meta.db_table}
            (district_id, month, reports, suggestions, projects_completed, savings, inspections, accidents)
        SELECT e.district_id, f.month, SUM(f.reports), SUM(f.suggestions), SUM(f.projects),
               SUM(f.savings), SUM(f.inspections), SUM(f.accidents)
        FROM (
            SELECT enterprise_id, month, 1 AS reports, 0 AS suggestions, 0 AS projects,
                   0 AS savings, inspections, accidents
            FROM enterprises_safetyreport
            UNION ALL
            SELECT enterprise_id, {month("submitted_on")}, 0, COUNT(*), 0, 0, 0, 0
            FROM improvements_suggestion
            GROUP BY enterprise_id, {month("submitted_on")}
            UNION ALL
            SELECT enterprise_id, {month("completed_on")}, 0, 0, COUNT(*), COALESCE(SUM(savings), 0), 0, 0
            FROM improvements_improvementproject
            WHERE status = %(completed)s AND completed_on IS NOT NULL
            GROUP BY enterprise_id, {month("completed_on")}
        ) f
        JOIN enterprises_enterprise e ON e.id = f.enterprise_id
        GROUP BY e.district_id, f.month
    """


def _change_sql(vendor):
    """Per district and possible last month T of a period: the enterprises that qualify for the
    before/after comparison and their pooled baseline and follow-up sums.

    An enterprise qualifies for T when it has a report for each of the 12 months before its start
    month (its baseline, which does not depend on T) and for each of the 12 months ending with T,
    the first of which is in or after its start month. With one report per enterprise and month,
    a window of its last 12 reports up to T whose first is 11 months before T holds every month.

    One pass over the reports joined to their enterprises, with two windows per enterprise (its
    whole baseline; its last 12 reports): no join of aggregates, whose row counts the planner
    cannot estimate (a join of the baseline sums to the windows got a nested loop of 9,000 ×
    240,000 rows on PostgreSQL: 206 s at 10,000 enterprises).
    """
    window = CHANGE_WINDOW_MONTHS

    def shifted(column, months):
        return month_start_sql(column, months, vendor)

    in_baseline = "r.month >= e.baseline_first AND r.month < e.start_month"
    return f"""
        INSERT INTO {ChangeRollup._meta.db_table}
            (district_id, month, enterprises, baseline_inspections, followup_inspections,
             baseline_accidents, followup_accidents)
        SELECT district_id, month, COUNT(*), SUM(baseline_inspections), SUM(followup_inspections),
               SUM(baseline_accidents), SUM(followup_accidents)
        FROM (
            SELECT e.district_id, r.month, e.start_month,
                   COUNT(*) OVER last_reports AS followup_months,
                   MIN(r.month) OVER last_reports AS followup_first,
                   SUM(r.inspections) OVER last_reports AS followup_inspections,
                   SUM(r.accidents) OVER last_reports AS followup_accidents,
                   SUM(CASE WHEN {in_baseline} THEN 1 ELSE 0 END) OVER enterprise AS baseline_months,
                   SUM(CASE WHEN {in_baseline} THEN r.inspections ELSE 0 END) OVER enterprise
                       AS baseline_inspections,
                   SUM(CASE WHEN {in_baseline} THEN r.accidents ELSE 0 END) OVER enterprise
                       AS baseline_accidents
            FROM enterprises_safetyreport r
            JOIN (
                SELECT id, district_id, {shifted("score_start", -window)} AS baseline_first,
                       {shifted("score_start", 0)} AS start_month
                FROM enterprises_enterprise
            ) e ON e.id = r.enterprise_id
            WINDOW enterprise AS (PARTITION BY r.enterprise_id),
                   last_reports AS (
                       PARTITION BY r.enterprise_id ORDER BY r.month
                       ROWS BETWEEN {window - 1} PRECEDING AND CURRENT ROW
                   )
        ) windows
        WHERE baseline_months = {window} AND followup_months = {window}
          AND followup_first = {shifted("month", -(window - 1))} AND followup_first >= start_month
        GROUP BY district_id, month
    """
