"""The dashboard pages' content, built once per change of the data instead of on every request.

Officials open the same few pages over and over (their district's or their city's dashboard, the
summary API, the enterprises they follow), and the data changes with a monthly import or an odd
edit. So the expensive part of those pages (figures, trend, training figures and their rendering)
is kept, per app-server process, under a key made of:

- what the content shows besides the data: the page, the user's scope (`visible_scope`: the
  districts they see), the period, the role where the page differs by role;
- the language (`get_language`);
- the generations of the data (RollupState.generation and ContentState.generation, which the
  database's triggers draw afresh, at random, on every write to a table the content reads that the
  door does not follow, and each district's DistrictGeneration, which the door's writes draw:
  dashboard/rollup.py). Not the counters beside them (data_version, version): a rollback or a
  restore brings a counter back to a number it had, and the next write to the same number again,
  with other data behind it; a random generation is not drawn twice. A rolled-back write takes its
  generation back with it, and the next write draws a new one;
- the latest due month (enterprises.reporting): which reports are owed, and so the reporting
  figures, change at midnight of a due day without any write.

Two requests for the same content at the same moment (two officials opening the same printed
report) build it once: the second waits for the first's value (per process, as the cache is).

A write therefore changes the key, and the next request builds the content afresh: an entry is
never out of date, it is only no longer asked for, and the cache drops it when full. The
generations are read before anything the content shows, so an entry holds data at least as new as
its key says (on PostgreSQL each statement sees what was committed when it started). With a read
replica, generations and content both come from the replica: a page is as current as the replica,
as it would be uncached. After a restore or a failover that loses commits, a generation the
restored data had comes back with that same data, and the next write draws a new one: the app
servers need no restart.

What a request still does every time: the session and the user with its scope (one query each),
the generations (one query, `versions` at the start of the view), permission checks, and the page
around the content (navigation, the user's name, the CSRF token), which is per user and never
cached.

The cache is Django's `pages` cache (settings.CACHES; the printed report's PDFs in `reports`,
smaller in entries since each is larger): local memory, per process, so nothing is
shared between app servers and nothing needs clearing when one restarts. SCORE_PAGE_CACHE=false
turns it off (every request builds its content, as before), which the load test uses to measure
both ways.
"""

import hashlib
import threading

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.utils.translation import get_language

from enterprises.reporting import latest_due_month

from .models import RollupState
from .rollup import CONTENT_TABLE, GENERATIONS_TABLE, STATE_TABLE

CACHE_ALIAS = "pages"
# The printed report's PDFs (150–300 kB each, ten times a page's content) are kept apart, with a
# bound of their own (settings.CACHES["reports"]): under the pages' 1,000 entries they could take
# 300 MB of a process, and push out the pages that officials open every day.
REPORT_CACHE_ALIAS = "reports"


# Every district's generation, in the order of the districts, as one text.
DISTRICT_GENERATIONS = {
    "postgresql": f"SELECT string_agg(generation, ',' ORDER BY district_id) FROM {GENERATIONS_TABLE}",
    "sqlite": f"SELECT group_concat(generation, ',') FROM (SELECT generation FROM {GENERATIONS_TABLE} "
    "ORDER BY district_id)",
}


def data_versions():
    """(RollupState.generation, ContentState.generation, every district's generation) where the
    page reads from, in one query; None when there is no roll-up state row (after a flush, before
    the first write or the roll-up's rebuild, which draw one). A missing content row (a flush) reads
    as "", and so do districts without a generation: the first write makes the row, with a
    generation drawn at random."""
    alias = router.db_for_read(RollupState) or DEFAULT_DB_ALIAS
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.generation, COALESCE((SELECT generation FROM {CONTENT_TABLE} WHERE id = 1), ''), "
            f"COALESCE(({DISTRICT_GENERATIONS[connection.vendor]}), '') "
            f"FROM {STATE_TABLE} s WHERE s.id = 1"
        )
        return cursor.fetchone()


def versions():
    """The key's data_versions() and the latest due month, read by a view before anything its
    content shows; None when nothing is to be cached (SCORE_PAGE_CACHE off, or no state row),
    without a query when off."""
    if not settings.SCORE_PAGE_CACHE:
        return None
    data = data_versions()
    return None if data is None else (*data, latest_due_month())


def cached(versions, parts, build, *, alias=CACHE_ALIAS):
    """build()'s value for `parts` (a tuple of what the value depends on besides the data and the
    language: numbers, strings, dates), from the cache while the data is unchanged since
    `versions` (from `versions()`; None: build it, cache nothing). `alias`: the cache it is kept
    in, REPORT_CACHE_ALIAS for the printed report's PDFs."""
    if versions is None:
        return build()
    key = repr((tuple(versions), get_language(), *parts))
    key = "page:" + hashlib.sha256(key.encode()).hexdigest()
    cache = caches[alias]
    value = cache.get(key)
    if value is not None:
        return value
    # Asked again while it is being built (two officials opening the same report at once): the
    # second waits for the first and reads its value, rather than make it a second time. Per
    # process, as the cache itself is.
    with _building_guard:
        building = _building.setdefault(key, threading.Lock())
    try:
        with building:
            value = cache.get(key)
            if value is None:
                value = build()
                cache.set(key, value)
    finally:
        with _building_guard:
            if _building.get(key) is building:
                del _building[key]
    return value


# {key: the lock held while its value is built}, and the lock that guards the dict.
_building = {}
_building_guard = threading.Lock()
