"""How fast the summary API and the dashboard page answer on PostgreSQL (a benchmark, not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/score_portal \
        .venv/bin/python benchmarks/dashboard_benchmark.py [--enterprises 1000 10000] [--repeat 40] \
        [--months 36] [--missing 0.03]

For each size it creates a scratch database (`<name>_dashboard_bench`, dropped afterwards), loads
that many enterprises over the five districts with `--months` months of safety reports each, ending
with the latest due month (SCORE starting in months 13–20, one enterprise in ten missing a baseline
month, and each report missing with probability `--missing`; received on the 5th of the next
month), two suggestions a month and a completed project every other month after the start, runs
ANALYZE (as the import engine does before it commits an import of 1,000 rows or more:
imports/engine.py), and then times, as a city official who sees every district, over the data's
months:

- the summary API (`/dashboard/api/summary/?to=<last month>`),
- the dashboard page (`/dashboard/?to=<last month>`: the figures plus the monthly trend),
- the district page of Nanxun (its enterprises, each with its own figures) and the missing API
  (who owes which report; skipped on code from before it existed),
- the breakdown by sector, by cohort and by district (`/dashboard/breakdown/`; skipped on code
  from before it existed),
- the bare SQL of the aggregate queries each of them runs, replayed through the cursor: the
  floor that no Python-side change can beat;
- both again from the page cache (dashboard.page_cache), as every request but the first after a
  change of the data is answered (the lines above are timed with the cache off);
- the first summary API request after a change of the data, which rebuilds the dashboard's
  roll-up (dashboard/rollup.py), and the rebuild alone: what the first official after an import or
  an edit waits.

It prints median and 95th percentile in milliseconds and each request's query count.
BENCH_MAINTENANCE="VACUUM ANALYZE" measures the state after autovacuum instead of right after the
load; BENCH_VERBOSE=1 also prints each query of the page with its time.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

MONTHS = 36  # --months


def data_months(months):
    """The first and last month of the data: `months` months ending with the latest due month
    (docs/domain.md, "Reporting"; the due day is the default 10th), so that every enterprise owes what
    the data hold and no more, as in a portal in use. Worked out here rather than imported, so
    that the same script measures code from before the reporting figures too."""
    import datetime

    from django.utils import timezone

    today = timezone.localdate(timezone=timezone.get_default_timezone())
    index = today.year * 12 + today.month - 1 - (1 if today.day >= 10 else 2)
    last = datetime.date(index // 12, index % 12 + 1, 1)
    first_index = index - (months - 1)
    return datetime.date(first_index // 12, first_index % 12 + 1, 1), last


def load(count, months, missing):
    """`count` enterprises and their reports, suggestions and projects, written by PostgreSQL itself;
    each monthly report is missing with probability `missing`."""
    try:
        from districts.models import District
    except ImportError:  # the code from before the apps were layered
        from enterprises.models import District
    from enterprises.credit_code import check_character
    from enterprises.models import Enterprise
    from tests.factories import make_user

    districts = list(District.objects.order_by("division"))
    first_month, _last = data_months(months)
    enterprises = []
    for number in range(count):
        district = districts[number % len(districts)]
        body = f"91{district.division}{number:09d}"
        start_month = 12 + number % 9  # months 12..20 after the first month of the data
        enterprises.append(
            Enterprise(
                credit_code=body + check_character(body),
                name=f"基准企业{number}",
                district=district,
                sector=["纺织", "竹制品", "化工", "木业家具"][number % 4],
                cohort=str(2015 + start_month // 12 - 1),
                employees=50 + number % 250,
                score_start=_month_after(first_month, start_month).replace(day=15),
            )
        )
    Enterprise.objects.bulk_create(enterprises, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        # Since #20 a record carries a version (Django's default, no database default): given here
        # when the code measured has it, so that the same script loads the code from before it too.
        cursor.execute(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'enterprises_safetyreport' AND column_name = 'version'"
        )
        column, one = (", version", ", 1") if cursor.fetchone() else ("", "")
        # Since the review states (2b6a8b0) a report carries its state, explanation and comment
        # (Django's defaults, none in the database): given as a new report gets them.
        cursor.execute(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'enterprises_safetyreport' AND column_name = 'explanation'"
        )
        review, submitted = (
            (", state, explanation, review_comment", ", 'submitted', '', ''")
            if cursor.fetchone()
            else ("", "")
        )
        cursor.execute(
            f"""
            INSERT INTO enterprises_safetyreport (enterprise_id, month, inspections, accidents{column}{review})
            SELECT e.id, m.month::date,
                   CASE WHEN m.month >= date_trunc('month', e.score_start) THEN 6 + floor(random() * 7)
                        ELSE 1 + floor(random() * 4) END,
                   CASE WHEN m.month >= date_trunc('month', e.score_start) THEN (random() < 0.2)::int
                        ELSE floor(random() * 3) END{one}{submitted}
            FROM enterprises_enterprise e
            CROSS JOIN generate_series(%s::date, %s::date + %s * interval '1 month', interval '1 month') AS m(month)
            -- one enterprise in ten misses the third month before its start (it leaves the change)
            WHERE NOT (e.id %% 10 = 0 AND m.month = date_trunc('month', e.score_start) - interval '3 months')
              AND random() >= %s
            """,
            [first_month, first_month, months - 1, missing],
        )
        cursor.execute(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'enterprises_safetyreport' AND column_name = 'received_at'"
        )
        if cursor.fetchone():
            # Received on the 5th of the next month (on time), as a portal in use would have them.
            cursor.execute(
                "UPDATE enterprises_safetyreport SET received_at = "
                "(month + interval '1 month 4 days 9 hours')::timestamp AT TIME ZONE 'Asia/Shanghai'"
            )
        cursor.execute(
            f"""
            INSERT INTO improvements_suggestion
                (enterprise_id, reference, submitted_on, text, submitted_by, status{column})
            SELECT r.enterprise_id, 'JY' || to_char(r.month, 'YYYYMM') || '-' || n, r.month + n * 9,
                   '通道划线', '', (ARRAY['submitted', 'accepted', 'implemented', 'rejected'])[1 + (n + r.enterprise_id) % 4]{one}
            FROM enterprises_safetyreport r
            JOIN enterprises_enterprise e ON e.id = r.enterprise_id
            CROSS JOIN generate_series(1, 2) AS n
            WHERE r.month >= date_trunc('month', e.score_start)
            """
        )
        cursor.execute(
            f"""
            INSERT INTO improvements_improvementproject
                (enterprise_id, reference, title, status, started_on, completed_on, cost, savings{column})
            SELECT r.enterprise_id, 'XM' || to_char(r.month, 'YYYYMM'), '节能照明改造', 'completed',
                   r.month, r.month + 20, 5000, round((1000 + random() * 90000)::numeric, 2){one}
            FROM enterprises_safetyreport r
            JOIN enterprises_enterprise e ON e.id = r.enterprise_id
            WHERE r.month >= date_trunc('month', e.score_start) AND extract(month FROM r.month)::int % 2 = 0
            """
        )
        # Fresh planner statistics, as the import engine leaves them after a large import
        # (ANALYZE_AFTER_ROWS). BENCH_MAINTENANCE="SELECT 1" measures a load without them.
        cursor.execute(os.environ.get("BENCH_MAINTENANCE", "ANALYZE"))
    # And the dashboard's roll-up built, as the import engine builds it before it commits.
    from dashboard import rollup

    rollup.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM enterprises_safetyreport")
        reports = cursor.fetchone()[0]
    user = make_user("city_official", username="bench-city")
    return user, reports


def _month_after(month, count):
    import datetime

    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def backend_cpu_seconds():
    """CPU seconds the PostgreSQL backend serving this connection has used (Linux /proc, same host)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None  # the database runs on another host
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(call, repeat):
    """Milliseconds of `repeat` calls after two warm-up calls, and the mean CPU milliseconds per call
    (this process plus its PostgreSQL backend): what a call costs on an idle machine, which the
    wall-clock times only show when nothing else runs."""
    for _ in range(2):
        call()
    times = []
    cpu_before, backend_before = time.process_time(), backend_cpu_seconds()
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    backend_after = backend_cpu_seconds()
    cpu = time.process_time() - cpu_before
    if backend_before is not None and backend_after is not None:
        cpu += backend_after - backend_before
    return times, cpu * 1000 / repeat


def summary(label, measured, queries=""):
    times, cpu = measured
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return (
        f"{label:<34} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   "
        f"CPU {cpu:7.1f} ms   {queries}"
    )


def bench(count, repeat, months, missing):
    from dashboard import rollup

    user, reports = load(count, months, missing)
    reset_queries()
    client = Client()
    client.force_login(user)
    first, last = data_months(months)
    period = f"from={first:%Y-%m}&to={last:%Y-%m}"
    api_url = f"/dashboard/api/summary/?{period}"
    page_url = f"/dashboard/?{period}"
    district_url = f"/dashboard/districts/nanxun/?{period}"
    missing_url = f"/dashboard/api/missing/?{period}"

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return response

    # Copied at once: the captured list is a view on connection.queries, which the next request empties.
    with CaptureQueriesContext(connection) as captured:
        get(api_url)
    api_queries = list(captured.captured_queries)
    with CaptureQueriesContext(connection) as captured:
        get(page_url)
    page_queries = list(captured.captured_queries)
    api = timed(lambda: get(api_url), repeat)
    page = timed(lambda: get(page_url), repeat)
    # The district page (one district's enterprises with their own figures) and the missing API,
    # which code from before the reporting figures does not have.
    with CaptureQueriesContext(connection) as captured:
        get(district_url)
    district_queries = len(captured.captured_queries)
    district = timed(lambda: get(district_url), repeat)
    has_missing = client.get(missing_url).status_code == 200
    if has_missing:
        with CaptureQueriesContext(connection) as captured:
            listed = get(missing_url).json()["enterprises"]
        missing_queries = len(captured.captured_queries)
        missing_api = timed(lambda: get(missing_url), repeat)
    # The breakdown by sector (grouped by the same statements, from the tables: the roll-up is per
    # district) and by district (from the roll-up), which code from before it does not have.
    breakdown_url = f"/dashboard/breakdown/?{period}&by=sector"
    has_breakdown = client.get(breakdown_url).status_code == 200
    if has_breakdown:
        with CaptureQueriesContext(connection) as captured:
            get(breakdown_url)
        breakdown_queries = list(captured.captured_queries)
        breakdown = timed(lambda: get(breakdown_url), repeat)
        breakdown_cohort = timed(lambda: get(breakdown_url.replace("by=sector", "by=cohort")), repeat)
        breakdown_district = timed(lambda: get(breakdown_url.replace("by=sector", "by=district")), repeat)
        breakdown_sql = [
            q["sql"] for q in breakdown_queries if "GROUP BY" in q["sql"] and q["sql"].startswith("SELECT")
        ]
        # The same figures from the statements on the tables, as while a writer holds the roll-up
        # back: what every request would cost without the roll-up kept per sector and cohort.
        from unittest import mock

        from common.months import Period
        from dashboard.figures import breakdown_figures
        from districts.models import District

        def from_tables():
            with mock.patch.object(rollup, "current_alias", return_value=None):
                breakdown_figures(District.objects.all(), Period(first, last), by="sector")

        breakdown_tables = timed(from_tables, max(3, repeat // 4))
    # The aggregate queries each request sends (the four figure queries; the page adds the two of
    # the monthly trend), replayed bare: no session, user, role or district look-up, no Python.
    api_sql = [q["sql"] for q in api_queries if "GROUP BY" in q["sql"] and q["sql"].startswith("SELECT")]
    page_sql = [q["sql"] for q in page_queries if "GROUP BY" in q["sql"] and q["sql"].startswith("SELECT")]

    def bare(statements):
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    api_floor = timed(lambda: bare(api_sql), repeat)
    page_floor = timed(lambda: bare(page_sql), repeat)
    if has_breakdown:
        breakdown_floor = timed(lambda: bare(breakdown_sql), repeat)

    def changed():
        # What any write does to the roll-up (the triggers' statement): mark it stale, and draw
        # the page cache's key afresh.
        with connection.cursor() as cursor:
            cursor.execute(rollup.TRIGGER_SETS[0].bump(connection.vendor))

    def after_change(call):
        def measured():
            changed()
            call()

        return measured

    # The same requests answered from the page cache (dashboard.page_cache), as every request but
    # the first after a change of the data is.
    settings.SCORE_PAGE_CACHE = True
    api_cached = timed(lambda: get(api_url), repeat)
    page_cached = timed(lambda: get(page_url), repeat)
    if has_missing:
        missing_cached = timed(lambda: get(missing_url), repeat)
    if has_breakdown:
        breakdown_cached = timed(lambda: get(breakdown_url), repeat)
    settings.SCORE_PAGE_CACHE = False

    rebuild_repeat = max(3, repeat // 4)
    first_api = timed(after_change(lambda: get(api_url)), rebuild_repeat)
    rebuild_alone = timed(after_change(rollup.rebuild), rebuild_repeat)
    print(f"\n{count} enterprises, {reports} safety reports, {months} months ({first:%Y-%m}..{last:%Y-%m})")
    print(summary("summary API", api, f"{len(api_queries)} queries"))
    print(summary(f"  floor: its {len(api_sql)} aggregates in SQL", api_floor))
    print(summary("dashboard page", page, f"{len(page_queries)} queries"))
    print(summary(f"  floor: its {len(page_sql)} aggregates in SQL", page_floor))
    print(summary("district page (Nanxun)", district, f"{district_queries} queries"))
    if has_missing:
        months_listed = sum(len(row["months"]) for row in listed)
        print(
            summary("missing API", missing_api, f"{missing_queries} queries")
            + f"  ({len(listed)} enterprises, {months_listed} months)"
        )
        print(summary("missing API from the page cache", missing_cached))
    if has_breakdown:
        print(summary("breakdown by sector", breakdown, f"{len(breakdown_queries)} queries"))
        print(summary(f"  floor: its {len(breakdown_sql)} aggregates in SQL", breakdown_floor))
        print(summary("  its figures from the tables", breakdown_tables, "(no roll-up)"))
        print(summary("breakdown by cohort", breakdown_cohort))
        print(summary("breakdown by district", breakdown_district))
        print(summary("breakdown by sector from the page cache", breakdown_cached))
    print(summary("summary API from the page cache", api_cached))
    print(summary("dashboard page from the page cache", page_cached))
    print(summary("summary API after a change", first_api, "(rebuilds the roll-up)"))
    print(summary("  the roll-up's rebuild alone", rebuild_alone))
    if os.environ.get("BENCH_VERBOSE"):
        for query in page_queries:
            print(f"{query['time']:>8} s  {query['sql'][:150]}")
    print(
        f"page / API: median {statistics.median(page[0]) / statistics.median(api[0]):.2f}, "
        f"CPU {page[1] / api[1]:.2f}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument(
        "--months", type=int, default=MONTHS, help="months of data, ending with the latest due month"
    )
    parser.add_argument(
        "--missing", type=float, default=0.0, help="share of monthly reports missing, e.g. 0.03"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the benchmark is about PostgreSQL.")
    # Production settings: no query log kept (it would also fill up and hide the counts).
    setup_test_environment(debug=False)
    settings.ALLOWED_HOSTS = ["testserver"]
    # Each request computes its figures, as the first request after a change of the data does;
    # the page cache is timed apart.
    settings.SCORE_PAGE_CACHE = False
    # A scratch database beside the one DATABASE_URL names, never that one.
    connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_dashboard_bench"
    for count in args.enterprises:
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            bench(count, args.repeat, args.months, args.missing)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
