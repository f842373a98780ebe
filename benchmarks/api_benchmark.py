"""The machine API against the portal's own paths, on PostgreSQL (a benchmark, not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/score_portal \
        .venv/bin/python benchmarks/api_benchmark.py [--enterprises 1000] [--months 36] [--repeat 3]

In a scratch database (`<name>_api_bench`, dropped afterwards) it loads the dashboard benchmark's
data (benchmarks/dashboard_benchmark.py: 1,000 enterprises × 36 months, 3 % of reports missing) and
measures, in the same run:

- reads: `GET /api/v1/figures/` for a client of every district against `GET /dashboard/api/summary/`
  for a city official, same period, the page cache off (each request computes its figures) and on;
  and `/healthz`, the cost of a request through the middleware with no work (the floor);
- writes: the same 36,000 safety rows (1,000 enterprises × 36 months, every field) through
  `POST /api/v1/imports/safety/` (JSON, into the running process, as a department's system sends
  them) and through `manage.py import_data safety FILE.csv` (a fresh process, as the import
  benchmark runs it), the table emptied before each, best of `--repeat` rounds; and the floor:
  Django's start-up (`manage.py check`) and a bare COPY of the CSV (benchmarks/import_benchmark.py).

Targets (#16): the API write no slower than 1.5 × import_data; the figures read within 1.5 × the
summary API at 1,000 enterprises.
"""

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Django is set up by the dashboard benchmark's module, before Django's test tools are imported.
from benchmarks.dashboard_benchmark import data_months, load, summary, timed  # noqa: E402, I001
from benchmarks.import_benchmark import copy_time, measure  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HEADER = [
    "credit_code",
    "month",
    "inspections",
    "hazards_found",
    "hazards_fixed",
    "accidents",
    "injuries",
    "lost_workdays",
]


def safety_rows(months):
    from common.months import add_months
    from enterprises.models import Enterprise

    first, _last = data_months(months)
    rng = random.Random(16)
    rows = []
    for code in Enterprise.objects.order_by("credit_code").values_list("credit_code", flat=True):
        for index in range(months):
            found = rng.randint(0, 6)
            month = add_months(first, index)
            rows.append(
                [code, f"{month:%Y-%m}", rng.randint(0, 5), found, rng.randint(0, found), rng.randint(0, 1)]
                + [rng.randint(0, 1), rng.randint(0, 10)]
            )
    return rows


def truncate_reports():
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE enterprises_safetyreport")


def bench(count, months, repeat):
    from accounts.services import api_client_create

    user, _reports = load(count, months, 0.03)
    official = Client()
    official.force_login(user)
    token = api_client_create(name="benchmark", all_districts=True, may_write=True)[1]
    system = Client(headers={"Authorization": f"Bearer {token}"})
    first, last = data_months(months)
    period = f"from={first:%Y-%m}&to={last:%Y-%m}"

    def get(client, url):
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return response

    assert (
        get(system, f"/api/v1/figures/?{period}").json()
        == get(official, f"/dashboard/api/summary/?{period}").json()
    )
    print(f"\n{count} enterprises × {months} months, reads ({repeat * 20} requests each)")
    floor = timed(lambda: get(system, "/healthz"), repeat * 20)
    ours = timed(lambda: get(system, f"/api/v1/figures/?{period}"), repeat * 20)
    theirs = timed(lambda: get(official, f"/dashboard/api/summary/?{period}"), repeat * 20)
    settings.SCORE_PAGE_CACHE = True
    ours_cached = timed(lambda: get(system, f"/api/v1/figures/?{period}"), repeat * 20)
    theirs_cached = timed(lambda: get(official, f"/dashboard/api/summary/?{period}"), repeat * 20)
    settings.SCORE_PAGE_CACHE = False
    print(summary("floor: /healthz", floor))
    print(summary("GET /api/v1/figures/", ours))
    print(summary("GET /dashboard/api/summary/", theirs))
    print(summary("figures, from the page cache", ours_cached))
    print(summary("summary API, from the page cache", theirs_cached))
    median = lambda measured: sorted(measured[0])[len(measured[0]) // 2]  # noqa: E731
    print(
        f"figures / summary API: {median(ours) / median(theirs):.2f}× (cached {median(ours_cached) / median(theirs_cached):.2f}×)"
    )

    rows = safety_rows(months)
    body = json.dumps({"rows": [dict(zip(HEADER, row, strict=True)) for row in rows]})
    url = urlunsplit(
        urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{connection.settings_dict['NAME']}")
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "true"}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "safety.csv"
        with open(path, "w", newline="", encoding="utf-8") as stream:
            csv.writer(stream).writerows([HEADER, *rows])
        api_runs, command_runs = [], []
        for _round in range(repeat):
            truncate_reports()
            started = time.perf_counter()
            response = system.post("/api/v1/imports/safety/", body, content_type="application/json")
            api_runs.append(time.perf_counter() - started)
            assert response.status_code == 200 and response.json()["created"] == len(rows), response.content[
                :300
            ]
            truncate_reports()
            command_runs.append(measure("safety", path, env)[0])
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "check"], env=env, check=True, capture_output=True
        )
        start_up = time.perf_counter() - started
        copy_seconds, _indexed = copy_time(url, path)
    print(f"\nwrites: {len(rows):,} safety rows ({len(body) / 2**20:.1f} MB of JSON), best of {repeat}")
    print(
        f"POST /api/v1/imports/safety/      {min(api_runs):6.2f} s   all: {', '.join(f'{s:.2f}' for s in api_runs)}"
    )
    print(
        f"import_data safety (new process)  {min(command_runs):6.2f} s   all: {', '.join(f'{s:.2f}' for s in command_runs)}"
    )
    print(f"floor: start-up (manage.py check) {start_up:6.2f} s; bare COPY of the CSV {copy_seconds:.3f} s")
    print(f"API / import_data: {min(api_runs) / min(command_runs):.2f}×")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the benchmark is about PostgreSQL.")
    print(
        f"load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
    )
    setup_test_environment(debug=False)
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SCORE_PAGE_CACHE = False
    settings.SCORE_API_RATE = 1_000_000  # the limit is not what is measured
    connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_api_bench"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        bench(args.enterprises, args.months, args.repeat)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
