"""The figures' registry against the code before it, in one run (a benchmark, not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/score_portal \
        .venv/bin/python benchmarks/registry_benchmark.py --base /path/to/the/old/tree \
        [--rounds 15] [--repeat 5] [--report-repeat 1]

`--base` is a checkout (or `git archive`) of the commit to compare with (issue "A figure declared
once": 9d10b50). Each tree gets a worker process of its own, with its own scratch database
(`<name>_registry_bench_base` and `_new`, dropped afterwards) loaded by that tree's
benchmarks/dashboard_benchmark.load (1,000 enterprises × 36 months over the five districts, 3 % of
the reports missing). The driver then asks the workers in turn, round after round (the order
within a round alternating), to time `--repeat` requests (`--report-repeat` reports) of each of: the summary API, the district
page of Nanxun and the city's printed report (Chinese), computed each time (the page cache off),
and `/healthz` as the floor.
Interleaving spreads whatever else the machine does over both. It prints each tree's median per
request, their ratio (new ÷ base), and the query counts of each.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGETS = ("floor", "summary", "district", "report")


def worker(name):
    """Serve timing requests on stdin for the tree this file is in: `TARGET REPEAT` → a JSON list
    of seconds; `queries` → the query count of each target."""
    sys.path.insert(0, str(Path.cwd()))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from benchmarks import dashboard_benchmark

    setup_test_environment(debug=False)
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SCORE_PAGE_CACHE = False
    connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_registry_bench_{name}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        user, _reports = dashboard_benchmark.load(1000, 36, 0.03)
        client = Client()
        client.force_login(user)
        first, last = dashboard_benchmark.data_months(36)
        period = f"from={first:%Y-%m}&to={last:%Y-%m}"
        urls = {
            "floor": "/healthz",  # the machine's floor: a request that reads one row
            "summary": f"/dashboard/api/summary/?{period}",
            "district": f"/dashboard/districts/nanxun/?{period}",
            "report": f"/dashboard/report.pdf?{period}",
        }

        def get(target):
            response = client.get(urls[target], headers={"Accept-Language": "zh-hans"})
            assert response.status_code == 200, (target, response.content[:300])

        for target in TARGETS:
            get(target)  # warm: the roll-up, the templates, the fonts
        print("ready", flush=True)
        for line in sys.stdin:
            command, *rest = line.split()
            if command == "storage":
                print(json.dumps(storage(connection, int(rest[0]))), flush=True)
                continue
            if command == "queries":
                counts = {}
                for target in TARGETS:
                    with CaptureQueriesContext(connection) as captured:
                        get(target)
                    counts[target] = len(captured.captured_queries)
                print(json.dumps(counts), flush=True)
            else:
                times = []
                for _ in range(int(rest[0])):
                    start = time.perf_counter()
                    get(command)
                    times.append(time.perf_counter() - start)
                print(json.dumps(times), flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def storage(connection, repeat):
    """The roll-up's read wide (a column per sum: how it is stored) and long (a row per sum, as
    Zulip's analytics keep them), timed on the same data: {"wide": [s], "long": [s], "rows": …}.
    The long table is made here from the wide one (a scratch table); both reads are what
    dashboard.figures.period_sums asks of the roll-up: every sum over the period, per district."""
    from dashboard.models import MonthlyRollup
    from dashboard.sums import monthly_columns

    columns = monthly_columns()
    wide_table = MonthlyRollup._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_long_rollup")
        cursor.execute(
            "CREATE TABLE bench_long_rollup (district_id bigint, month date, stat text, value numeric, "
            "PRIMARY KEY (district_id, month, stat))"
        )
        cursor.execute(
            "INSERT INTO bench_long_rollup SELECT district_id, month, stat, value FROM "
            + wide_table
            + ", LATERAL (VALUES "
            + ", ".join(f"('{column}', {column}::numeric)" for column in columns)
            + ") AS v(stat, value)"
        )
        cursor.execute("ANALYZE bench_long_rollup")
        cursor.execute("SELECT min(month), max(month), count(*) FROM bench_long_rollup")
        first, last, rows = cursor.fetchone()
        wide_sql = (
            f"SELECT district_id, {', '.join(f'SUM({column})' for column in columns)} FROM {wide_table} "
            "WHERE month >= %s AND month <= %s GROUP BY district_id"
        )
        long_sql = (
            "SELECT district_id, stat, SUM(value) FROM bench_long_rollup "
            "WHERE month >= %s AND month <= %s GROUP BY district_id, stat"
        )
        result = {"rows": rows}
        for name, sql in (("wide", wide_sql), ("long", long_sql)):
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                cursor.execute(sql, [first, last])
                fetched = cursor.fetchall()
                if name == "long":  # into the same shape: {district: {stat: sum}}
                    shaped = {}
                    for district, stat, value in fetched:
                        shaped.setdefault(district, {})[stat] = value
                times.append(time.perf_counter() - start)
            result[name] = times
        cursor.execute("DROP TABLE bench_long_rollup")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the tree of the commit to compare with")
    parser.add_argument("--new", help="the tree to measure against it (default: this one)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--report-repeat", type=int, default=1, help="reports a round (each takes seconds)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    new = Path(__file__).resolve().parent.parent
    trees = {"base": Path(args.base).resolve(), "new": Path(args.new).resolve() if args.new else new}
    workers = {}
    for name, tree in trees.items():
        workers[name] = subprocess.Popen(
            [
                sys.executable,
                str(new / "benchmarks" / "registry_benchmark.py"),
                "--base",
                ".",
                "--worker",
                name,
            ],
            cwd=tree,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
    try:
        for name, process in workers.items():
            assert process.stdout.readline().strip() == "ready", name

        def ask(name, command):
            workers[name].stdin.write(command + "\n")
            workers[name].stdin.flush()
            return json.loads(workers[name].stdout.readline())

        counts = {name: ask(name, "queries") for name in workers}
        times = {name: {target: [] for target in TARGETS} for name in workers}
        for round_number in range(args.rounds):
            order = ["base", "new"] if round_number % 2 == 0 else ["new", "base"]
            for target in TARGETS:
                for name in order:
                    repeat = args.report_repeat if target == "report" else args.repeat
                    times[name][target].extend(ask(name, f"{target} {repeat}"))
        print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {args.rounds} rounds")
        layout = ask("new", "storage 200")
        print(
            f"roll-up read, every sum per district over 36 months: wide "
            f"{statistics.median(layout['wide']) * 1000:.2f} ms, long ({layout['rows']} rows) "
            f"{statistics.median(layout['long']) * 1000:.2f} ms"
        )
        for target in TARGETS:
            base = statistics.median(times["base"][target]) * 1000
            new_median = statistics.median(times["new"][target]) * 1000
            print(
                f"{target:>8}: base {base:8.1f} ms ({counts['base'][target]} queries), "
                f"new {new_median:8.1f} ms ({counts['new'][target]} queries): {new_median / base:.2f}×"
            )
    finally:
        for process in workers.values():
            process.stdin.close()
            process.wait(timeout=120)


if __name__ == "__main__":
    main()
