"""Peak memory of a machine-API write whose every row is refused (a benchmark, not a test), #22.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/score_portal \
        .venv/bin/python benchmarks/api_errors_benchmark.py [--rows 100000] [--against COMMIT] [--rounds 3]

In a scratch database (`<name>_errors_bench`, dropped afterwards) it makes 500 Nanxun enterprises
and a client that may write there; then, each time in a fresh process, it builds a body of `--rows`
safety rows (500 enterprises × up to 400 months from 1992-01, so that no key repeats), every row
refused for one cell (`"inspections": -1`), sends it to `POST /api/v1/imports/safety/` in that
process (Django's test client, DEBUG off, every middleware) and prints the process's peak resident
size (`ru_maxrss`) before the request (Django loaded, the body built as bytes, its rows freed)
and after it, the answer's status, size and errors listed, and the request's time. The peak's
growth is what the request cost at its worst moment.

With `--against COMMIT` it measures COMMIT's code (its files from `git archive`) the same way, in
rounds that alternate which code goes first, and prints each one's median.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `--code DIR`: measure the code checked out in DIR (a commit before, for --against), not this one.
CODE = Path(sys.argv[sys.argv.index("--code") + 1]) if "--code" in sys.argv else ROOT
sys.path.insert(0, str(CODE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

ENTERPRISES = 500
FIRST_YEAR = 1992


def peak_mb():
    """This process's peak resident size so far, in MB (Linux gives ru_maxrss in KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def credit_codes():
    from enterprises.credit_code import check_character

    bodies = [f"91330503{number:09d}" for number in range(ENTERPRISES)]
    return [body + check_character(body) for body in bodies]


def load():
    """The enterprises and a writing client of Nanxun; returns the client's token."""
    from accounts.services import api_client_create
    from districts.models import District
    from enterprises.models import Enterprise

    nanxun = District.objects.get(code="nanxun")
    Enterprise.objects.bulk_create(
        Enterprise(
            credit_code=code,
            name=f"基准企业{number}",
            district=nanxun,
            employees=100,
            score_start=f"{FIRST_YEAR + 2}-01-15",
        )
        for number, code in enumerate(credit_codes())
    )
    return api_client_create(name="errors-bench", district_codes=["nanxun"], may_write=True)[1]


def measure(token, count):
    """One refused write of `count` rows in this process; prints its figures as a JSON line."""
    setup_test_environment(debug=False)
    settings.ALLOWED_HOSTS = ["testserver"]
    codes = credit_codes()
    rows = [
        {
            "credit_code": codes[number % ENTERPRISES],
            "month": f"{FIRST_YEAR + month // 12}-{month % 12 + 1:02d}",
            "inspections": -1,
            "accidents": 0,
        }
        for number in range(count)
        for month in [number // ENTERPRISES]
    ]
    body = json.dumps({"rows": rows}).encode()
    del rows
    before = peak_mb()
    started = time.perf_counter()
    response = Client().post(
        "/api/v1/imports/safety/",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    seconds = time.perf_counter() - started
    answer = response.json()
    print(
        json.dumps(
            {
                "status": response.status_code,
                "body_mb": len(body) / 1e6,
                "answer_mb": len(response.content) / 1e6,
                "listed": len(answer.get("errors", [])),
                "more_errors": answer.get("more_errors"),
                "peak_before_mb": before,
                "peak_after_mb": peak_mb(),
                "seconds": seconds,
            }
        )
    )


def run_child(code, token, count):
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    answer = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "api_errors_benchmark.py"),
            "--code",
            str(code),
            "--measure",
            token,
            "--rows",
            str(count),
        ],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        cwd=code,
    )
    if answer.returncode:
        sys.exit(answer.stderr[-2000:])
    return json.loads(answer.stdout.strip().splitlines()[-1])


def report(name, results):
    growth = statistics.median(r["peak_after_mb"] - r["peak_before_mb"] for r in results)
    first = results[0]
    print(
        f"{name:<7} status {first['status']}, answer {first['answer_mb']:.2f} MB, "
        f"{first['listed']} errors listed, more_errors {first['more_errors']}; "
        f"peak {statistics.median(r['peak_after_mb'] for r in results):.0f} MB "
        f"(before the request {statistics.median(r['peak_before_mb'] for r in results):.0f} MB, "
        f"growth {growth:.0f} MB), {statistics.median(r['seconds'] for r in results):.2f} s"
    )


def bench(token, count, against, rounds):
    codes = [("after", ROOT)]
    with tempfile.TemporaryDirectory(prefix="score-before-") as base:
        if against:
            subprocess.run(f"git archive {against} | tar -x -C {base}", shell=True, check=True, cwd=ROOT)
            codes.insert(0, ("before", Path(base)))
        connection.close()
        results = {name: [] for name, _code in codes}
        for number in range(rounds):
            for name, code in codes if number % 2 == 0 else reversed(codes):
                results[name].append(run_child(code, token, count))
    print(
        f"\n{count:,} safety rows, every one refused; {rounds} rounds, medians"
        + (f", before = {against}" if against else "")
    )
    for name, _code in codes:
        report(name, results[name])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--against", help="a commit to compare with, in alternating rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rows > ENTERPRISES * 400:
        sys.exit(f"At most {ENTERPRISES * 400:,} rows: 400 months of {ENTERPRISES} enterprises.")
    if args.measure:
        measure(args.measure, args.rows)
        return
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the benchmark is about PostgreSQL.")
    # A scratch database beside the one DATABASE_URL names, never that one.
    connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_errors_bench"
    started = time.perf_counter()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        token = load()
        bench(token, args.rows, args.against, args.rounds)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
