"""What a write costs as the data grow (issue #22, "Cost per write"), on PostgreSQL; a benchmark, not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/write_cost_benchmark.py [--only one-write,concurrent,import,api-40k,province,report]

Each part makes its own scratch database, `score_bench_<part>` (dropped first if it exists, and
dropped afterwards), migrated by this code. The data of the shapes are history_benchmark's
`write_shape` files (the same CSVs an import reads), loaded with COPY into staging tables and
inserted from there by PostgreSQL (`load_files`), then the roll-up is rebuilt (as `rebuild_rollup`
does) so that every write measured finds it current. The shapes:

- current: reports for every month up to the latest due month (as a portal in use, the demo);
- stopped: the same number of months ending in the past (history_benchmark: from January 2017),
  so that most of each enterprise's owed months are missing.

The parts (`--only`, comma-separated; all by default):

- one-write: a one-report write, as a one-row safety file (imports.services.import_file, in this
  process) and as one API row (POST /api/v1/imports/safety/, Django's test Client with a write
  token), at 1,000 and 10,000 enterprises × 48 months, on both shapes: statements (must not grow),
  median of `--repeat` writes, and the ratio 10,000 / 1,000 (target: at most 2×). Each write is
  the latest due month's report of another enterprise (an update on the current shape, a new
  report on the stopped one). The roll-up must still be current afterwards.
- concurrent: 50 one-report API writes from 50 threads at once (each thread its own connection and
  test Client, through the middleware and its lock timeout) at 10,000 enterprises × 48 months, on
  both shapes (updates on the current one, new reports on the stopped one), ten in each district,
  all of the same month: every write answered 200, every report stored with its value, and the four
  roll-up tables equal, row for row, to what a full rebuild makes (tests/test_dashboard_rollup.py's
  `stored_rollup`, `rebuilt_rollup`).
- import: `import_data safety` of 36,000 rows (1,000 enterprises × 36 months) in a fresh process,
  `--rounds` rounds on each shape (reports emptied and the roll-up rebuilt before each), median,
  beside the floor of the same run: start-up (`manage.py check`) + a bare COPY of the same file;
  and the same import with the roll-up left stale (the door follows nothing): what following costs.
- api-40k: one POST of 40,000 new enterprises to a real server (gunicorn, 2 processes × 4 threads)
  against `import_data enterprises` of the same rows as a file (target: at most 3×), and another
  client's one-row safety write sent meanwhile (target: under 1 s).
- province: `--province` enterprises (default 100,000) × 120 months, 3 % of reports missing,
  generated here: the generation's time, `manage.py rebuild_rollup` (a process: start-up
  included), the summary API computed (page cache off), the missing API for one district and 12
  months, and a one-report write (time and statements), beside the same at 10,000 × 120.
- report: the printed report's second request against its first (target: under a tenth; with five
  repeats, since its cache is per server process and a repeat may reach the other one), and
  another official's cached dashboard page while one official's session sends 16 report requests
  at once (over SCORE_REPORT_CONCURRENCY they are answered 429; target: within 2× of its time
  alone), on a real server (gunicorn, 2 processes × 4 threads).

The servers run with DJANGO_DEBUG=true (static files served without collectstatic); their rate
limit is raised, since the limit is not what is measured.
"""

import argparse
import contextlib
import datetime
import json
import logging
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from benchmarks.history_benchmark import SAFETY_HEADER, copy_floor, empty_reports, run, write_shape  # noqa: E402
from benchmarks.import_benchmark import DISTRICTS, connect, credit_code, first_month, months, write_csv  # noqa: E402

ENTERPRISE_HEADER = ["统一社会信用代码", "企业名称", "区县", "职工人数", "SCORE开始日期"]
PARTS = ("one-write", "concurrent", "import", "api-40k", "province", "report")
RESULTS = []  # (part, what, figure, beside, ratio / target): the table printed at the end


def note(part, what, figure, beside="", verdict=""):
    RESULTS.append((part, what, figure, beside, verdict))
    print(f"  {what}: {figure}  {beside}  {verdict}".rstrip(), flush=True)


def stamp():
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, load average {load}"


# --- Scratch databases and data ---------------------------------------------------------------------


@contextlib.contextmanager
def scratch(part):
    """A scratch database `score_bench_<part>` migrated by this code; Django's connection points at
    it meanwhile. Yields its URL; dropped afterwards. BENCH_DATABASE_PREFIX replaces `score_bench_`,
    so that two sessions on one server do not drop each other's databases."""
    prefix = os.environ.get("BENCH_DATABASE_PREFIX", "score_bench_")
    connection.settings_dict["TEST"]["NAME"] = f"{prefix}{part.replace('-', '_')}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    name = connection.settings_dict["NAME"]
    try:
        yield urlunsplit(
            urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{connection.settings_dict['NAME']}")
        )
    finally:
        connections.close_all()
        connection.settings_dict["NAME"] = name  # the one to drop, whichever the part pointed at last
        connection.creation.destroy_test_db(old_name, verbosity=0)


ENTERPRISES_FROM_STAGING = """
    INSERT INTO enterprises_enterprise (version, credit_code, name, district_id, sector, employees,
        score_start, cohort, address, contact, phone, created_at, updated_at)
    SELECT 1, s.credit_code, s.name, d.id, '', s.employees, s.score_start,
        extract(year FROM s.score_start)::text, '', '', '', now(), now()
    FROM staged_enterprise s JOIN enterprises_district d ON d.name_zh = s.district
"""
REPORTS_FROM_STAGING = """
    INSERT INTO enterprises_safetyreport (version, enterprise_id, month, inspections, hazards_found,
        hazards_fixed, accidents, injuries, lost_workdays, received_at, state, explanation, review_comment)
    SELECT 1, e.id, m.month, s.inspections, s.hazards_found, s.hazards_fixed, s.accidents, s.injuries,
        s.lost_workdays, m.month + interval '1 month 4 days', 'submitted', '', ''
    FROM staged_safety s
    JOIN enterprises_enterprise e ON e.credit_code = s.credit_code
    CROSS JOIN LATERAL (SELECT make_date(split_part(s.month, '年', 1)::int,
        rtrim(split_part(s.month, '年', 2), '月')::int, 1) AS month) m
"""


def load_files(url, enterprises_file, safety_file):
    """The files' enterprises and reports written by COPY into staging tables and inserted from
    there (past the door: the roll-up is stale until rebuilt). Returns the seconds it took."""
    started = time.perf_counter()
    database = connect(url)
    try:
        staged_and_inserted(database, enterprises_file, safety_file)
        database.autocommit = True
        with database.cursor() as cursor:
            cursor.execute("ANALYZE")
    finally:
        database.close()
    return time.perf_counter() - started


def staged_and_inserted(database, enterprises_file, safety_file):
    with database, database.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE staged_enterprise (credit_code text, name text, district text, "
            "employees integer, score_start date)"
        )
        cursor.execute(
            "CREATE TEMPORARY TABLE staged_safety (credit_code text, month text, inspections integer, "
            "hazards_found integer, hazards_fixed integer, accidents integer, injuries integer, "
            "lost_workdays integer)"
        )
        for table, path in (("staged_enterprise", enterprises_file), ("staged_safety", safety_file)):
            with open(path, encoding="utf-8") as stream:
                cursor.copy_expert(f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)", stream)
        cursor.execute(ENTERPRISES_FROM_STAGING)
        cursor.execute(REPORTS_FROM_STAGING)


def empty_data(url):
    """Every enterprise and what hangs on it gone (between the data sets of one database)."""
    database = connect(url)
    with database, database.cursor() as cursor:
        cursor.execute(
            "TRUNCATE enterprises_enterprise, imports_recordchange, score_portal_importbatch CASCADE"
        )
    database.close()


def rebuilt():
    """The whole roll-up rebuilt in this process (the rebuild command's work); its seconds."""
    from dashboard import rollup

    started = time.perf_counter()
    rollup.rebuild()
    return time.perf_counter() - started


def shape_loaded(url, folder, *, shape, count, months_per_enterprise):
    """The database emptied and filled with `write_shape`'s data, its roll-up rebuilt."""
    empty_data(url)
    files = write_shape(folder, shape=shape, enterprises=count, months_per_enterprise=months_per_enterprise)
    seconds = load_files(url, *files)
    print(
        f"  {shape}, {count:,} × {months_per_enterprise} months loaded in {seconds:.1f} s, roll-up {rebuilt():.1f} s"
    )
    return files


def assert_current():
    from dashboard.rollup import current_alias

    assert current_alias() is not None, "a door write left the roll-up stale"


def latest_due():
    from enterprises.reporting import latest_due_month

    return latest_due_month()


def codes(offset, count):
    from enterprises.models import Enterprise

    return list(
        Enterprise.objects.order_by("id").values_list("credit_code", flat=True)[offset : offset + count]
    )


def median_ms(seconds):
    return f"{statistics.median(seconds) * 1000:,.0f} ms"


# --- 1. One-report write --------------------------------------------------------------------------------


def api_token(name):
    """The write token of a new API client of every district."""
    from accounts.services import api_client_create

    return api_client_create(name=name, all_districts=True, may_write=True)[1]


def token_client(token):
    """A test Client of its own (one per thread) sending `token`."""
    return Client(headers={"Authorization": f"Bearer {token}"})


def file_write(code, value, folder):
    """One safety report of `code` for the latest due month, as a one-row file: (seconds, statements)."""
    from imports.services import import_file

    month = latest_due()
    path = write_csv(
        folder / "one.csv", SAFETY_HEADER, [[code, f"{month.year}年{month.month}月", value, 1, 1, 0, 0, 0]]
    )
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        _batch, plan = import_file(kind="safety", file_name="one.csv", content=path.read_bytes())
        elapsed = time.perf_counter() - started
    assert plan.ok and (plan.to_create or plan.to_update), "the one-row file wrote nothing"
    slowest_printed(captured.captured_queries)
    return elapsed, len(captured.captured_queries)


def slowest_printed(queries, count=4):
    """BENCH_VERBOSE=1: the slowest of `queries` (CaptureQueriesContext's), with their times."""
    if os.environ.get("BENCH_VERBOSE"):
        for query in sorted(queries, key=lambda query: -float(query["time"]))[:count]:
            print(f"    {float(query['time']) * 1000:8.1f} ms  {query['sql'][:300]}")


def api_write(client, code, value):
    """The same as one API row: (seconds, statements, status)."""
    row = {"credit_code": code, "month": f"{latest_due():%Y-%m}", "inspections": value, "accidents": 0}
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.post("/api/v1/imports/safety/", {"rows": [row]}, content_type="application/json")
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content[:300]
    return elapsed, len(captured.captured_queries)


def switched(name):
    """Django's connection pointed at the database `name`, connected (outside any timing)."""
    connection.close()
    connection.settings_dict["NAME"] = name
    connection.ensure_connection()


def one_write(path, client, code, number, folder):
    """(seconds, statements) of the `number`th one-report write of `code` by `path`."""
    if path == "file":
        return file_write(code, 7 + number % 5, folder)
    return api_write(client, code, 7 + number % 5)


def one_write_interleaved(names, folder, repeat):
    """{(path, size): (median seconds, {statements})} of `repeat` writes (after one warm-up) each
    of another enterprise, alternating between the databases of each size ({size: name}) so that
    what else the machine does weighs on both alike."""
    setup = {}
    for count, name in names.items():
        switched(name)
        client = token_client(api_token(f"bench-{secrets.token_hex(4)}"))
        setup[count] = client, {"file": codes(0, repeat + 1), "API": codes(500, repeat + 1)}
    found = {}
    for number in range(repeat + 1):
        for count, name in names.items():
            switched(name)
            client, targets = setup[count]
            for path in ("file", "API"):
                measured = one_write(path, client, targets[path][number], number, folder)
                if number:
                    found.setdefault((path, count), []).append(measured)
    for name in names.values():
        switched(name)
        assert_current()
    return {
        key: (statistics.median(seconds for seconds, _count in runs), {count for _seconds, count in runs})
        for key, runs in found.items()
    }


def part_one_write(args):
    with (
        scratch("one-write-1000") as small,
        scratch("one-write-10000") as large,
        tempfile.TemporaryDirectory() as folder,
    ):
        urls = {1000: small, 10000: large}
        names = {count: urlsplit(url).path.lstrip("/") for count, url in urls.items()}
        for shape in ("current", "stopped"):
            for count, url in urls.items():
                switched(names[count])
                shape_loaded(url, Path(folder), shape=shape, count=count, months_per_enterprise=48)
            measured = one_write_interleaved(names, Path(folder), args.repeat)
            for path in ("file", "API"):
                one_write_noted(shape, path, measured[path, 1000], measured[path, 10000])
        switched(names[10000])


def one_write_noted(shape, path, small, large):
    note(
        "one-write",
        f"{shape}, one-report write by {path}, 10,000 × 48 against 1,000 × 48 (interleaved)",
        f"{median_ms([large[0]])} against {median_ms([small[0]])}",
        f"statements {sorted(large[1])} against {sorted(small[1])}",
        f"{large[0] / small[0]:.2f}× (target ≤ 2×; same statements: {'yes' if large[1] == small[1] else 'NO'})",
    )


# --- 2. Fifty writes at once ----------------------------------------------------------------------------


def concurrent_writes(client_of, targets):
    """Each (code, value) of `targets` written as one API row from a thread of its own, all released
    at once: [(status, seconds)] in the order of `targets`, and the wall time of the whole."""
    month = f"{latest_due():%Y-%m}"

    def write(client, code, value):
        row = {"credit_code": code, "month": month, "inspections": value, "accidents": 0}
        return lambda: (
            client.post(
                "/api/v1/imports/safety/", {"rows": [row]}, content_type="application/json"
            ).status_code
        )

    return released_at_once([write(client_of(), *target) for target in targets])


def released_at_once(requests):
    """Each of `requests` (a function of no argument returning a status) run in a thread of its own
    (its own database connection), all released at once: [(status, seconds)] in their order, and
    the wall time of the whole. This thread's connection is closed meanwhile (PostgreSQL's
    max_connections is 100 here)."""
    barrier = threading.Barrier(len(requests) + 1)
    answers = [None] * len(requests)

    def run_one(number, request):
        barrier.wait()
        started = time.perf_counter()
        try:
            answers[number] = (request(), time.perf_counter() - started)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run_one, args=item) for item in enumerate(requests)]
    for thread in threads:
        thread.start()
    connections.close_all()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return answers, time.perf_counter() - started


def stored_values(targets):
    from enterprises.models import SafetyReport

    found = dict(
        SafetyReport.objects.filter(
            month=latest_due(), enterprise__credit_code__in=[code for code, _value in targets]
        ).values_list("enterprise__credit_code", "inspections")
    )
    return sum(1 for code, value in targets if found.get(code) == value)


def rollup_differing():
    """(rows of the four roll-up tables differing from what a full rebuild makes, rows a rebuild
    makes): tests/test_dashboard_rollup.py's `stored_rollup` before and after `rebuilt_rollup`."""
    from tests.test_dashboard_rollup import rebuilt_rollup, stored_rollup

    stored, rebuilt_rows = stored_rollup(), rebuilt_rollup()
    differing = sum(
        1 for key in stored.keys() | rebuilt_rows.keys() if stored.get(key) != rebuilt_rows.get(key)
    )
    return differing, len(rebuilt_rows)


def part_concurrent(args):
    with scratch("concurrent") as url, tempfile.TemporaryDirectory() as folder:
        for shape in ("current", "stopped"):
            shape_loaded(url, Path(folder), shape=shape, count=10000, months_per_enterprise=48)
            fifty_at_once(shape)


def fifty_at_once(shape):
    """50 one-report API writes at once (updates on the current shape, new reports on the stopped
    one), checked: answers, values stored, the roll-up against a rebuild."""
    token = api_token(f"bench-threads-{shape}")
    # Enterprises 0, 37, 74, …: every district (enterprise i is in district i % 5) ten times.
    targets = [(code, 20 + number % 9) for number, code in enumerate(codes(0, 50 * 37)[::37])]
    answers, wall = concurrent_writes(lambda: token_client(token), targets)
    statuses = sorted({status for status, _seconds in answers})
    kept = stored_values(targets)
    assert_current()
    differing, rows = rollup_differing()
    note(
        "concurrent",
        f"{shape}, 50 one-report API writes at once, 10,000 × 48",
        f"wall {wall:.2f} s, slowest write {max(s for _status, s in answers):.2f} s",
        f"answers {statuses}, {kept}/50 stored with their value, roll-up rows differing from a rebuild: "
        f"{differing} of {rows}",
        "met" if statuses == [200] and kept == 50 and not differing else "NOT MET",
    )


# --- 3. import_data safety of 36,000 rows against the floor -------------------------------------------


def import_round(url, env, safety_file):
    """(import, start-up, COPY, import unfollowed) seconds of one round: the reports emptied and the
    roll-up rebuilt first (so that the import follows a current roll-up), then a fresh `import_data`
    process; the same import with the roll-up left stale (the door follows nothing: what following
    costs); the floor."""
    empty_reports(url)
    unfollowed = run(ROOT, env, "import_data", "safety", str(safety_file), "--language", "en")[0]
    empty_reports(url)
    rebuilt()
    imported = run(ROOT, env, "import_data", "safety", str(safety_file), "--language", "en")[0]
    assert_current()
    startup = run(ROOT, env, "check", "--fail-level", "CRITICAL")[0]
    return imported, startup, copy_floor(url, safety_file), unfollowed


def part_import(args):
    with scratch("import") as url, tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "true"}
        for shape in ("current", "stopped"):
            _enterprises, safety_file = shape_loaded(
                url, Path(folder), shape=shape, count=1000, months_per_enterprise=36
            )
            rounds = [import_round(url, env, safety_file) for _round in range(args.rounds)]
            imported, startup, copy, unfollowed = (
                statistics.median(column) for column in zip(*rounds, strict=True)
            )
            ratio = statistics.median(i / (s + c) for i, s, c, _u in rounds)
            note(
                "import",
                f"{shape}, import_data safety, 36,000 rows (1,000 × 36), median of {args.rounds}",
                f"{imported:.2f} s (all: {', '.join(f'{r[0]:.2f}' for r in rounds)})",
                f"floor: start-up {startup:.2f} s + bare COPY {copy:.3f} s; the same import with the roll-up "
                f"stale (nothing followed) {unfollowed:.2f} s",
                f"{ratio:.2f}× the floor (median of the rounds' ratios; target ≤ 2×)",
            )


# --- Real servers ---------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def server(url, *, workers=2, threads=4):
    """gunicorn with the production configuration on a free port, serving the database at `url`;
    yields its base URL; stopped afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "true",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
        "GUNICORN_TIMEOUT": "900",  # a long write is measured, not killed (production: 60 s)
        "GUNICORN_LOG_LEVEL": "warning",
        "SCORE_API_RATE": "1000000",
    }
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "score_portal/gunicorn.conf.py", "score_portal.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            waited_for(base, process, log)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def waited_for(base, process, log):
    """Until the server answers /healthz (at most two minutes on a busy machine)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise SystemExit(f"the server stopped:\n{log.read().decode()[-3000:]}")
        with contextlib.suppress(OSError):
            if http(base, "/healthz", timeout=5)[0] == 200:
                return
        time.sleep(0.5)
    raise SystemExit("the server did not answer within two minutes")


def http(base, path, *, body=None, headers=None, timeout=1200):
    """(status, seconds, body) of one request (a POST of JSON `body` when given)."""
    headers = {**(headers or {}), **({"Content-Type": "application/json"} if body is not None else {})}
    request = urllib.request.Request(
        base + path, data=body, headers=headers, method="POST" if body else "GET"
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        content, status = error.read(), error.code
    return status, time.perf_counter() - started, content


# --- 4. Forty thousand new enterprises through the API ----------------------------------------------------


def new_enterprise_rows(count):
    start = first_month(48)
    return [
        [credit_code(DISTRICTS[i % 5][0], 600000 + i), f"新企业{i}", DISTRICTS[i % 5][1], 20 + i % 300]
        + [f"{start.year + 1}-{1 + i % 12:02d}-15"]
        for i in range(count)
    ]


def forty_thousand_body(rows):
    """The API's JSON for `rows`, checked against the import limits (settings)."""
    body = json.dumps(
        {"rows": [dict(zip(ENTERPRISE_HEADER, row, strict=True)) for row in rows]}, ensure_ascii=False
    ).encode()
    fits = len(body) <= settings.SCORE_IMPORT_MAX_BYTES and len(rows) <= settings.SCORE_IMPORT_MAX_ROWS
    print(
        f"  {len(rows):,} enterprise rows: {len(body) / 2**20:.1f} MB of JSON (limit "
        f"{settings.SCORE_IMPORT_MAX_BYTES / 2**20:.0f} MB, {settings.SCORE_IMPORT_MAX_ROWS:,} rows): "
        f"{'within' if fits else 'OVER'} the limits"
    )
    assert fits, "40,000 rows are over the body limit: lower --new-enterprises"
    return body


def new_enterprises_removed(url, rows):
    """The rows' enterprises deleted past the door, and the roll-up rebuilt (the next write finds
    the same state)."""
    database = connect(url)
    with database, database.cursor() as cursor:
        cursor.execute(
            "DELETE FROM enterprises_enterprise WHERE credit_code = ANY(%s)", [[r[0] for r in rows]]
        )
    database.close()
    rebuilt()


def writes_meanwhile(base, token, code, busy):
    """One-row safety writes of `code` by another client, one after the other while `busy()`:
    their seconds (each changes the value, so that each writes)."""
    month, seconds, number = f"{latest_due():%Y-%m}", [], 0
    while busy() or not seconds:
        number += 1
        row = {"credit_code": code, "month": month, "inspections": 30 + number % 7, "accidents": 0}
        status, elapsed, content = http(
            base, "/api/v1/imports/safety/", body=json.dumps({"rows": [row]}).encode(), headers=token
        )
        assert status == 200, content[:300]
        seconds.append(elapsed)
        time.sleep(0.5)
    return seconds


def big_write_with_other(base, body, writer, other, code):
    """The 40,000-row POST in a thread, and the other client's writes meanwhile (from 2 s after it
    starts): (status, seconds, answer) of the big one, and the other's seconds."""
    answer = {}
    big = threading.Thread(
        target=lambda: answer.update(
            big=http(base, "/api/v1/imports/enterprises/", body=body, headers=writer)
        )
    )
    big.start()
    time.sleep(2)
    meanwhile = writes_meanwhile(base, other, code, big.is_alive)
    big.join()
    return answer["big"], meanwhile


def part_api_40k(args):
    with scratch("api-40k") as url, tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        shape_loaded(url, folder, shape="current", count=1000, months_per_enterprise=48)
        rows = new_enterprise_rows(args.new_enterprises)
        body = forty_thousand_body(rows)
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "true"}
        command = run(
            ROOT,
            env,
            "import_data",
            "enterprises",
            str(write_csv(folder / "new.csv", ENTERPRISE_HEADER, rows)),
        )
        assert_current()
        new_enterprises_removed(url, rows)
        writer, other = (
            {"Authorization": f"Bearer {api_token(name)}"} for name in ("bench-40k", "bench-other")
        )
        code = codes(0, 1)[0]
        with server(url) as base:
            alone = [s for _time in range(6) for s in writes_meanwhile(base, other, code, lambda: False)][1:]
            (status, seconds, answer), meanwhile = big_write_with_other(base, body, writer, other, code)
        assert status == 200 and json.loads(answer)["created"] == len(rows), answer[:300]
        assert_current()
        note(
            "api-40k",
            f"{len(rows):,} new enterprises, one POST against import_data of the same rows as a file",
            f"{seconds:.1f} s against {command[0]:.1f} s",
            f"GUNICORN_TIMEOUT in production: 60 s ({'within' if seconds < 60 else 'PAST it'})",
            f"{seconds / command[0]:.2f}× (target ≤ 3×)",
        )
        note(
            "api-40k",
            "another client's one-row write meanwhile",
            f"median {median_ms(meanwhile)}, slowest {max(meanwhile) * 1000:,.0f} ms ({len(meanwhile)} writes)",
            f"alone: {median_ms(alone)}",
            "met (< 1 s)" if max(meanwhile) < 1 else "NOT MET (target < 1 s)",
        )


# --- 5. A province -----------------------------------------------------------------------------------------


def province_safety_row(number, index, code, month):
    found = (number + 2 * index) % 7
    return [code, month, (number + index) % 6, found, min(found, (number + index) % 4)] + [
        int((number + index) % 23 == 0),
        0,
        0,
    ]


def province_files(folder, count, months_count, missing_percent=3):
    """`count` enterprises with `months_count` months of reports ending with the latest due month,
    a report missing where a hash of (enterprise, month) falls under `missing_percent` %."""
    first = first_month(months_count)
    names = list(months(months_count, first))
    codes_ = [credit_code(DISTRICTS[i % 5][0], 300000 + i) for i in range(count)]
    enterprises = write_csv(
        folder / f"province-enterprises-{count}.csv",
        ENTERPRISE_HEADER,
        (
            [code, f"省级企业{i}", DISTRICTS[i % 5][1], 50 + i % 400, f"{first.year + 1}-{1 + i % 12:02d}-15"]
            for i, code in enumerate(codes_)
        ),
    )
    safety = write_csv(
        folder / f"province-safety-{count}.csv",
        SAFETY_HEADER,
        (
            province_safety_row(number, index, code, month)
            for number, code in enumerate(codes_)
            for index, month in enumerate(names)
            if (number * 7919 + index * 104729) % 100 >= missing_percent
        ),
    )
    return enterprises, safety


def dashboard_client():
    """A test Client logged in as a new city official (who sees every district)."""
    from tests.factories import make_user

    client = Client()
    client.force_login(make_user("city_official", username=f"bench-{secrets.token_hex(4)}"))
    return client


def timed_get(client, url, repeat):
    """Median seconds of `repeat` GETs of `url` after one warm-up; and the last answer."""
    response = client.get(url)
    seconds = []
    for _time in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
    return statistics.median(seconds), response


def province_measured(url, folder, count, args):
    """{figure: (seconds, detail)} at `count` enterprises × 120 months."""
    from common.months import add_months

    empty_data(url)
    started = time.perf_counter()
    files = province_files(folder, count, 120)
    written = time.perf_counter() - started
    loaded = load_files(url, *files)
    reports = sum(1 for _line in open(files[1], encoding="utf-8")) - 1
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "true"}
    found = {
        "generation": (
            written + loaded,
            f"{reports:,} reports: files {written:.0f} s, COPY and insert {loaded:.0f} s",
        )
    }
    found["rebuild_rollup"] = (run(ROOT, env, "rebuild_rollup")[0], "a process: start-up included")
    client, latest = dashboard_client(), latest_due()
    summary, _answer = timed_get(client, f"/dashboard/api/summary/?to={latest:%Y-%m}", args.repeat)
    found["summary API, computed"] = (summary, "120 months, every district, page cache off")
    missing_url = (
        f"/dashboard/api/missing/?district=nanxun&from={add_months(latest, -11):%Y-%m}&to={latest:%Y-%m}"
    )
    missing, answer = timed_get(client, missing_url, args.repeat)
    found["missing API, Nanxun, 12 months"] = (
        missing,
        f"{len(answer.json()['enterprises']):,} enterprises owing",
    )
    with tempfile.TemporaryDirectory() as scratch_folder:
        writes = [file_write(code, 9, Path(scratch_folder)) for code in codes(0, args.repeat + 1)][1:]
    assert_current()
    found["one-report write (file)"] = (
        statistics.median(seconds for seconds, _count in writes),
        f"statements {sorted({count for _seconds, count in writes})}",
    )
    return found


def part_province(args):
    with scratch("province") as url, tempfile.TemporaryDirectory() as folder:
        print(f"  free disk: {disk_free(folder)}")
        small = province_measured(url, Path(folder), 10000, args)
        for figure, (seconds, detail) in small.items():
            print(f"  10,000 × 120: {figure}: {seconds:.2f} s ({detail})", flush=True)
        large = province_measured(url, Path(folder), args.province, args)
        for figure, (seconds, detail) in large.items():
            note(
                "province",
                f"{figure}, {args.province:,} against 10,000 enterprises × 120 months",
                f"{seconds:.2f} s against {small[figure][0]:.2f} s",
                f"{detail} / {small[figure][1]}",
                f"{seconds / small[figure][0]:.1f}×",
            )


def disk_free(folder):
    stat = os.statvfs(folder)
    return f"{stat.f_bavail * stat.f_frsize / 2**30:.0f} GB"


# --- 6. The printed report --------------------------------------------------------------------------------


def session_cookie(user):
    client = Client()
    client.force_login(user)
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"}


def report_paths(count, months_count):
    """`count` reports of different periods (so that none is in the report cache)."""
    from benchmarks.dashboard_benchmark import data_months
    from common.months import add_months

    first, last = data_months(months_count)
    return [
        f"/dashboard/report.pdf?from={add_months(first, number // 12):%Y-%m}"
        f"&to={add_months(last, -(number % 12)):%Y-%m}"
        for number in range(count)
    ]


def first_and_again(base, cookie, paths, again=5):
    """Seconds of each report's first request and of `again` requests of it after: [[first, second,
    …]] per report. The report cache is in each server process's memory (settings.CACHES
    "reports"), so a repeat served by the other process makes the report anew."""
    series = []
    for path in paths:
        times = []
        for _time in range(1 + again):
            status, elapsed, _pdf = http(base, path, headers=cookie)
            assert status == 200, status
            times.append(elapsed)
        series.append(times)
    return series


def flood(base, cookie, paths, other, dashboard):
    """`paths` requested at once from one session; `dashboard` requested by `other` one after the
    other meanwhile. ([statuses], [the other's seconds])."""
    statuses = [None] * len(paths)

    def report(number, path):
        statuses[number] = http(base, path, headers=cookie)[0]

    threads = [threading.Thread(target=report, args=item) for item in enumerate(paths)]
    for thread in threads:
        thread.start()
    during = []
    while any(thread.is_alive() for thread in threads) or not during:
        status, elapsed, _page = http(base, dashboard, headers=other)
        assert status == 200, status
        during.append(elapsed)
    for thread in threads:
        thread.join()
    return statuses, during


def part_report(args):
    from benchmarks.dashboard_benchmark import data_months, load
    from tests.factories import make_user

    with scratch("report") as url:
        user, _reports = load(1000, 36, 0.03)
        cookie, other = (
            session_cookie(user),
            session_cookie(make_user("city_official", username="bench-other")),
        )
        first, last = data_months(36)
        dashboard = f"/dashboard/?from={first:%Y-%m}&to={last:%Y-%m}"
        with server(url) as base:
            series = first_and_again(base, cookie, report_paths(3, 36))
            for _warm in range(10):  # each server process has the page in its cache
                http(base, dashboard, headers=other)
            alone, during, statuses = [], [], []
            for number in range(args.rounds):  # alternately alone and during a flood of new reports
                alone += [http(base, dashboard, headers=other)[1] for _time in range(20)]
                answers, times = flood(
                    base, cookie, report_paths(3 + 16 * (number + 1), 36)[-16:], other, dashboard
                )
                statuses += answers
                during += times
        firsts = [times[0] for times in series]
        seconds = [times[1] for times in series]
        cached = [min(times[1:]) for times in series]
        ratio = statistics.median(seconds) / statistics.median(firsts)
        note(
            "report",
            "printed report (1,000 × 36, the city), its second request against its first",
            f"{median_ms(seconds)} against {median_ms(firsts)}; the fastest of 5 repeats {median_ms(cached)}",
            "medians of 3 reports; each report's times: "
            + "; ".join(", ".join(f"{t:.2f}" for t in times) for times in series)
            + " s",
            f"second {ratio:.3f}×, from the cache {statistics.median(cached) / statistics.median(firsts):.3f}× "
            "(target < 0.1×)",
        )
        answered = {status: statuses.count(status) for status in sorted(set(statuses))}
        note(
            "report",
            f"another official's cached dashboard page during 16 report requests from one session, {args.rounds} rounds",
            f"median {median_ms(during)}, slowest {max(during) * 1000:,.0f} ms ({len(during)} requests)",
            f"alone: median {median_ms(alone)}, slowest {max(alone) * 1000:,.0f} ms; the reports answered {answered}",
            f"{statistics.median(during) / statistics.median(alone):.2f}× (target ≤ 2×)",
        )


# --- The run -------------------------------------------------------------------------------------------------

RUN = {
    "one-write": part_one_write,
    "concurrent": part_concurrent,
    "import": part_import,
    "api-40k": part_api_40k,
    "province": part_province,
    "report": part_report,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS), help=f"parts, comma-separated: {', '.join(PARTS)}")
    parser.add_argument("--repeat", type=int, default=21, help="writes or requests timed per figure")
    parser.add_argument("--rounds", type=int, default=5, help="import_data rounds per shape")
    parser.add_argument("--new-enterprises", type=int, default=40000)
    parser.add_argument("--province", type=int, default=100000, help="enterprises of the province")
    args = parser.parse_args()
    chosen = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = set(chosen) - set(PARTS)
    if unknown or connection.vendor != "postgresql":
        raise SystemExit(
            f"unknown parts {sorted(unknown)}" if unknown else "DATABASE_URL must name PostgreSQL"
        )
    setup_test_environment(debug=False)
    logging.getLogger("score.request").setLevel(logging.WARNING)  # one line per request in-process
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic: no page is rendered here
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SCORE_PAGE_CACHE = False  # each in-process request computes its figures
    settings.SCORE_API_RATE = 1_000_000  # the limit is not what is measured
    parts_run({part: RUN[part] for part in chosen}, args)


def parts_run(parts, args):
    """Each of `parts` ({name: function of args}) run, the machine stated before and after, and the
    table of RESULTS printed at the end."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"{stamp()}, {os.cpu_count()} CPUs, PostgreSQL {version}", flush=True)
    for part, function in parts.items():
        print(f"\n{part} ({stamp()})", flush=True)
        function(args)
    print(f"\nEnded {stamp()}\n\n| part | what | measured | beside | ratio / target |\n|---|---|---|---|---|")
    for row in RESULTS:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
