"""Reads of the dashboard from a read replica when DATABASE_REPLICA_URL is set.

Only code that asks for it reads from the replica (the dashboard's figures, through
`reads_from_replica`): a replica lags the primary by a moment, and a page that shows what the
user has just saved (the admin, the import preview) must read the primary. Everything else, and
every write, goes to "default".
"""

import contextvars
import functools

from django.db import connections

_use_replica = contextvars.ContextVar("score_use_replica", default=False)


class ReplicaRouter:
    """Installed by settings.py only when DATABASE_REPLICA_URL defines the "replica" database."""

    def db_for_read(self, model, **hints):
        return "replica" if _use_replica.get() else None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def reads_from_replica(view):
    """Decorate a read-only view (a dashboard page, the summary API) to read from the replica."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        token = _use_replica.set(True)
        try:
            return view(*args, **kwargs)
        finally:
            _use_replica.reset(token)

    return wrapper


def reading_from_replica():
    """Whether the code running now reads from the replica (inside a @reads_from_replica view)."""
    return _use_replica.get()


def replica_as_of(lag_seconds):
    """When the replica is more than `lag_seconds` behind the primary: the time of the last
    change it holds (the primary's commit time of the last transaction it replayed); else None.

    Behind means it has received WAL it has not yet replayed and its last replay is that old: a
    replica of an idle primary has nothing to replay and is current, however old its last change.
    """
    with connections["replica"].cursor() as cursor:
        cursor.execute(
            "SELECT pg_last_xact_replay_timestamp(), "
            "pg_last_wal_receive_lsn() IS DISTINCT FROM pg_last_wal_replay_lsn() "
            "AND now() - pg_last_xact_replay_timestamp() > make_interval(secs => %s)",
            [lag_seconds],
        )
        as_of, behind = cursor.fetchone()
    return as_of if behind else None
