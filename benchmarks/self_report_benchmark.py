"""What self-reporting costs as the data grow (issue #23, "Targets"), on PostgreSQL; a benchmark, not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/self_report_benchmark.py [--only form,concurrent,review] [--vacuum]

Each part makes its own scratch databases, `score_bench_sr_<part>…` (dropped first if they exist,
and dropped afterwards), filled as write_cost_benchmark fills its own (history_benchmark's
`write_shape` files loaded with COPY, the roll-up rebuilt before anything is timed); its helpers
are used here, not repeated. The parts (`--only`, comma-separated; all by default):

- form: the enterprise's month form, POST /report/<latest due month>/ by an enterprise user
  (Django's test Client, in this process, through the middleware and the door), at 1,000 and
  10,000 enterprises × 48 months, on both shapes (current: the report is submitted already, the
  form updates it; stopped: a new report): statements (must not grow), median of `--repeat`
  submissions alternating between the two sizes' databases, the ratio (target: at most 2×); the
  roll-up current before and after.
- concurrent: 100 enterprises submitting their form at once (100 threads, each its own enterprise
  user, test Client and database connection) at 10,000 × 48 (current shape): every answer a
  redirect (302), every report stored with its value, and the four roll-up tables equal, row for
  row, to what a full rebuild makes (tests/test_dashboard_rollup.py's `stored_rollup`).
- review: a district (南浔区) of 200 and of 2,000 enterprises with a 10-year backlog (120 months,
  every report `submitted`; 1,000 and 10,000 enterprises in five districts): GET /review/ as its
  district official, queries (must not grow) and median time, alternating; then, at 2,000, its
  240,000 reports imported (imports.services.import_file of a file of the same rows, in this
  process, the reports deleted past the door first) and approved in one action (POST
  /review/approve/ with `district` and `to` = the latest due month): approval within 3× of the
  import. `--vacuum`: the reports' table vacuumed after loading, before the queue is timed (loaded
  by COPY, its rows are not yet marked visible to all, so an index-only scan reads them all the
  same; autovacuum marks them a while after a bulk load).
"""

import argparse
import functools
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from benchmarks.api_benchmark import HEADER as API_HEADER  # noqa: E402
from benchmarks.history_benchmark import SAFETY_HEADER  # noqa: E402
from benchmarks.import_benchmark import connect, write_csv  # noqa: E402
from benchmarks.write_cost_benchmark import (  # noqa: E402  (sets Django up)
    assert_current,
    codes,
    latest_due,
    median_ms,
    note,
    parts_run,
    rebuilt,
    released_at_once,
    rollup_differing,
    scratch,
    shape_loaded,
    slowest_printed,
    stored_values,
    switched,
)

PARTS = ("form", "concurrent", "review")
DISTRICT = "南浔区"  # enterprise i is in DISTRICTS[i % 5]: a fifth of them


# --- Users and the form -------------------------------------------------------------------------------


def enterprise_client(code):
    """A test Client logged in as a new user of the enterprise `code`."""
    from accounts.services import user_create_or_update

    user = user_create_or_update(
        username=f"bench-{code}", role="enterprise", password="", enterprise_code=code
    )
    client = Client()
    client.force_login(user)
    return client


def form_data(code, value):
    """The month form of `code` for the latest due month, as the page would post it (the stored
    version, the values, an explanation in case a value is warned)."""
    from enterprises.models import SafetyReport, reported_counts

    version = (
        SafetyReport.objects.filter(enterprise__credit_code=code, month=latest_due())
        .values_list("version", flat=True)
        .first()
    )
    data = {field.name: 0 for field in reported_counts(SafetyReport)}
    return {**data, "inspections": value, "explanation": "benchmark", "version": version or ""}


def form_post(client, data):
    """(seconds, statements) of one submission of the form."""
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.post(f"/report/{latest_due():%Y-%m}/", data)
        elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.content[:500]
    slowest_printed(captured.captured_queries)
    return elapsed, len(captured.captured_queries)


def alternated(names, prepare, measure, repeat):
    """{size: [(seconds, count)]} of `repeat` measures (after one warm-up) on each database of
    `names` ({size: name}), alternating between them so that what else the machine does weighs on
    both alike. `prepare(number)` -> the state `measure(state, number)` takes, per database."""
    states = {}
    for count, name in names.items():
        switched(name)
        states[count] = prepare(count)
    found = {count: [] for count in names}
    for number in range(repeat + 1):
        for count, name in names.items():
            switched(name)
            measured = measure(states[count], number)
            if number:
                found[count].append(measured)
    return found


def compared(found):
    """(median seconds, statements) per size of `alternated`'s answer."""
    return {
        count: (statistics.median(s for s, _n in runs), sorted({n for _s, n in runs}))
        for count, runs in found.items()
    }


def two_sizes(part):
    """Scratch databases of part `part` for 1,000 and 10,000 enterprises: ({size: url}, stack)."""
    return {1000: scratch(f"sr-{part}-1000"), 10000: scratch(f"sr-{part}-10000")}


def names_of(urls):
    return {count: urlsplit(url).path.lstrip("/") for count, url in urls.items()}


# --- 1. The form --------------------------------------------------------------------------------------------


def form_state(repeat):
    def prepare(_count):
        return [enterprise_client(code) for code in codes(0, repeat + 1)], codes(0, repeat + 1)

    return prepare


def form_measure(state, number):
    clients, targets = state
    return form_post(clients[number], form_data(targets[number], 7 + number % 5))


def part_form(args):
    sizes = two_sizes("form")
    with sizes[1000] as small, sizes[10000] as large, tempfile.TemporaryDirectory() as folder:
        urls = {1000: small, 10000: large}
        names = names_of(urls)
        for shape in ("current", "stopped"):
            for count, url in urls.items():
                switched(names[count])
                shape_loaded(url, Path(folder), shape=shape, count=count, months_per_enterprise=48)
                assert_current()
            found = compared(alternated(names, form_state(args.repeat), form_measure, args.repeat))
            for name in names.values():
                switched(name)
                assert_current()
            (big, big_statements), (little, little_statements) = found[10000], found[1000]
            same = big_statements == little_statements
            note(
                "form",
                f"{shape}, the enterprise's form (POST /report/<month>/), 10,000 × 48 against 1,000 × 48",
                f"{median_ms([big])} against {median_ms([little])} (medians of {args.repeat}, alternating)",
                f"statements {big_statements} against {little_statements}; roll-up current before and after",
                f"{big / little:.2f}× (target ≤ 2×; same statements: {'yes' if same else 'NO'})",
            )


# --- 2. A hundred enterprises at once ---------------------------------------------------------------------------


def at_once(posts):
    """Each (client, data) of `posts` submitted from a thread of its own, all released at once:
    [(status, seconds)] in their order, and the wall time of the whole."""
    path = f"/report/{latest_due():%Y-%m}/"
    return released_at_once([functools.partial(submitted, client, path, data) for client, data in posts])


def submitted(client, path, data):
    return client.post(path, data).status_code


def part_concurrent(args):
    with scratch("sr-concurrent") as url, tempfile.TemporaryDirectory() as folder:
        shape_loaded(url, Path(folder), shape="current", count=10000, months_per_enterprise=48)
        # Enterprises 0, 37, 74, …: every district (enterprise i is in district i % 5) twenty times.
        targets = [(code, 20 + number % 9) for number, code in enumerate(codes(0, args.threads * 37)[::37])]
        posts = [(enterprise_client(code), form_data(code, value)) for code, value in targets]
        answers, wall = at_once(posts)
        statuses = sorted({status for status, _seconds in answers})
        kept = stored_values(targets)
        assert_current()
        differing, rows = rollup_differing()
        met = statuses == [302] and kept == len(targets) and not differing
        note(
            "concurrent",
            f"{len(targets)} enterprises submitting their form at once, 10,000 × 48",
            f"wall {wall:.2f} s, slowest {max(s for _status, s in answers):.2f} s, "
            f"median {median_ms([s for _status, s in answers])}",
            f"answers {statuses}, {kept}/{len(targets)} stored with their value, roll-up rows differing "
            f"from a rebuild: {differing} of {rows}",
            "met" if met else "NOT MET",
        )


# --- 3. The review queue and the backlog ------------------------------------------------------------------------


def official_client():
    """A test Client logged in as a new district official of DISTRICT; and the district."""
    from districts.models import District
    from tests.factories import make_user

    district = District.objects.get(name_zh=DISTRICT)
    client = Client()
    client.force_login(make_user("district_official", district=district.code))
    return client, district


def queue_measure(state, _number):
    """(seconds, queries) of one GET /review/."""
    client = state
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get("/review/")
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content[:300]
    slowest_printed(captured.captured_queries, count=2)
    return elapsed, len(captured.captured_queries)


def district_rows(district):
    """The district's reports as the rows of a safety file (SAFETY_HEADER's columns)."""
    from enterprises.models import SafetyReport

    return [
        [code, f"{month.year}年{month.month}月", *values]
        for code, month, *values in SafetyReport.objects.filter(enterprise__district=district)
        .order_by("enterprise__credit_code", "month")
        .values_list("enterprise__credit_code", "month", *API_HEADER[2:])
    ]


def reports_deleted(url, district):
    """The district's reports deleted past the door, the roll-up rebuilt: the import finds them
    missing, as a file of the backlog would."""
    database = connect(url)
    with database, database.cursor() as cursor:
        cursor.execute(
            "DELETE FROM enterprises_safetyreport WHERE enterprise_id IN "
            "(SELECT id FROM enterprises_enterprise WHERE district_id = %s)",
            [district.pk],
        )
    database.close()
    rebuilt()


def imported(path):
    """Seconds of the safety file at `path` imported in this process (the command's path)."""
    from imports.services import import_file

    started = time.perf_counter()
    _batch, plan = import_file(kind="safety", file_name=path.name, content=path.read_bytes())
    elapsed = time.perf_counter() - started
    assert plan.ok and plan.to_create, "the backlog's file wrote nothing"
    return elapsed


def approved_backlog(client, district):
    """(seconds, reports approved) of the district's backlog approved in one POST."""
    from enterprises.models import SafetyReport

    started = time.perf_counter()
    response = client.post("/review/approve/", {"district": district.code, "to": f"{latest_due():%Y-%m}"})
    elapsed = time.perf_counter() - started
    assert response.status_code in (302, 303), response.content[:300]
    waiting = SafetyReport.objects.filter(enterprise__district=district, state="submitted").count()
    assert waiting == 0, f"{waiting} reports still submitted"
    return elapsed, SafetyReport.objects.filter(enterprise__district=district, state="approved").count()


def import_then_approve(url, folder):
    """At the database `url`: the district's backlog imported, then approved in one action."""
    client, district = official_client()
    rows = district_rows(district)
    path = write_csv(folder / "backlog.csv", SAFETY_HEADER, rows)
    reports_deleted(url, district)
    seconds_import = imported(path)
    assert_current()
    seconds_approve, count = approved_backlog(client, district)
    assert_current()
    note(
        "review",
        f"the backlog approved in one action (POST /review/approve/, {DISTRICT}, 2,000 × 120)",
        f"{seconds_approve:.2f} s against {seconds_import:.2f} s importing the same {len(rows):,} rows",
        f"{count:,} reports approved; import: imports.services.import_file in this process",
        f"{seconds_approve / seconds_import:.2f}× (target ≤ 3×)",
    )


def vacuumed(url):
    """The reports' table vacuumed, as autovacuum leaves it a while after a bulk load: its visibility
    map set, an index-only scan need not read the table's rows to know they are visible."""
    database = connect(url)
    database.autocommit = True
    with database.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) enterprises_safetyreport")
    database.close()


def part_review(args):
    sizes = two_sizes("review")
    with sizes[1000] as small, sizes[10000] as large, tempfile.TemporaryDirectory() as folder:
        urls = {1000: small, 10000: large}
        names = names_of(urls)
        for count, url in urls.items():
            switched(names[count])
            shape_loaded(url, Path(folder), shape="current", count=count, months_per_enterprise=120)
            if args.vacuum:
                vacuumed(url)
        found = compared(alternated(names, lambda _count: official_client()[0], queue_measure, args.repeat))
        (big, big_queries), (little, little_queries) = found[10000], found[1000]
        note(
            "review",
            f"the review queue (GET /review/), {DISTRICT}'s official, 2,000 against 200 enterprises × 120 months",
            f"{median_ms([big])} against {median_ms([little])} (medians of {args.repeat}, alternating)",
            f"queries {big_queries} against {little_queries}",
            f"{big / little:.2f}×; constant queries: {'yes' if big_queries == little_queries else 'NO'}",
        )
        switched(names[10000])
        import_then_approve(large, Path(folder))


# --- The run ------------------------------------------------------------------------------------------------------

RUN = {"form": part_form, "concurrent": part_concurrent, "review": part_review}


def configured():
    setup_test_environment(debug=False)
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SCORE_PAGE_CACHE = False
    # The backlog's file (240,000 rows) is over the import's bounds, which are not what is measured.
    settings.SCORE_IMPORT_MAX_ROWS = settings.SCORE_IMPORT_MAX_CELLS = 10_000_000
    settings.SCORE_IMPORT_MAX_BYTES = 2**30
    settings.SCORE_IMPORT_READ_SECONDS = 3600


def main():
    import logging
    import warnings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS), help=f"parts, comma-separated: {', '.join(PARTS)}")
    parser.add_argument("--repeat", type=int, default=21, help="submissions or requests timed per figure")
    parser.add_argument("--threads", type=int, default=100, help="enterprises submitting at once")
    parser.add_argument(
        "--vacuum",
        action="store_true",
        help="review: the reports vacuumed after loading (as autovacuum leaves them), before the queue is timed",
    )
    args = parser.parse_args()
    chosen = [part.strip() for part in args.only.split(",") if part.strip()]
    if set(chosen) - set(PARTS) or connection.vendor != "postgresql":
        raise SystemExit(f"parts: {', '.join(PARTS)}; DATABASE_URL must name PostgreSQL")
    configured()
    logging.getLogger("score.request").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")
    parts_run({part: RUN[part] for part in chosen}, args)


if __name__ == "__main__":
    main()
