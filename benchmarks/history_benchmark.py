"""What the write door (rights on the final plan, locks, versions, the history of every value) costs
an import: `import_data safety` of 36,000 rows with this code against the commit before the door,
in the same run, on PostgreSQL, on two shapes of data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/history_benchmark.py

The code before the door (BEFORE, by default 9d10b50) is checked out into a temporary folder with
`git worktree`. Each tree gets its own scratch database, migrated by its own code, holding the same
1,000 enterprises. Rounds alternate between the trees (before, after, before, after, …) so that
what else the machine does weighs on both alike; each round empties the reports (and the history)
and imports the same file in a fresh `manage.py import_data` process (Python and Django start-up
included). The shapes:

- current: 36 months per enterprise ending with the latest due month (as the demo's data);
- stopped: 36 months per enterprise ending in December 2019, years before today (most of each
  enterprise's owed months missing, the case that made the roll-up's cost grow).

The floor of the same run: start-up (`manage.py check` with no checks run) plus a bare COPY of the
same CSV into a table without keys. Not a test: a few minutes, PostgreSQL only.
"""

import argparse
import datetime
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.import_benchmark import (  # noqa: E402 - plain Python, no Django set-up
    DISTRICTS,
    connect,
    copy_time,
    credit_code,
    first_month,
    months,
    write_csv,
)

SAFETY_HEADER = [
    "统一社会信用代码",
    "月份",
    "安全检查次数",
    "发现隐患数",
    "整改隐患数",
    "事故起数",
    "受伤人数",
    "损失工作日",
]


def write_shape(folder, *, shape, enterprises, months_per_enterprise, seed=7):
    rng = random.Random(seed)
    first = first_month(months_per_enterprise) if shape == "current" else datetime.date(2017, 1, 1)
    codes = [credit_code(DISTRICTS[i % 5][0], 200000 + i) for i in range(enterprises)]
    enterprises_file = write_csv(
        folder / f"enterprises-{shape}.csv",
        ["统一社会信用代码", "企业名称", "区县", "职工人数", "SCORE开始日期"],
        (
            [code, f"示例企业{i}", DISTRICTS[i % 5][1], 50 + i % 400, f"{first.year + 1}-{1 + i % 12:02d}-15"]
            for i, code in enumerate(codes)
        ),
    )
    rows = []
    for code in codes:
        for month in months(months_per_enterprise, first):
            found = rng.randint(0, 6)
            rows.append(
                [code, month, rng.randint(0, 5), found, rng.randint(0, found), rng.randint(0, 1), 0, 0]
            )
    return enterprises_file, write_csv(folder / f"safety-{shape}.csv", SAFETY_HEADER, rows)


def run(root, env, *args):
    """(wall seconds, last line printed) of one manage.py process of the tree at `root`."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(root / "manage.py"), *args], env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{args} failed in {root}:\n{done.stdout}\n{done.stderr}")
    lines = done.stdout.strip().splitlines()
    return elapsed, lines[-1] if lines else ""


def empty_reports(url):
    connection = connect(url)
    with connection, connection.cursor() as cursor:
        cursor.execute("TRUNCATE enterprises_safetyreport")
        cursor.execute("SELECT to_regclass('imports_recordchange')")
        if cursor.fetchone()[0]:
            cursor.execute("TRUNCATE imports_recordchange")
    connection.close()


def copy_floor(url, path):
    """A bare COPY of the file into a table without keys (import_benchmark.copy_time's first figure)."""
    return copy_time(url, path)[0]


def database(base, name):
    import psycopg2

    parts = urlsplit(base)
    admin = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return urlunsplit(parts._replace(path=f"/{name}"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="9d10b50", help="the commit before the door")
    parser.add_argument("--enterprises", type=int, default=1000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if urlsplit(base).scheme not in ("postgres", "postgresql"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server: this runs on PostgreSQL.")

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        before_root = folder / "before"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(before_root), args.before],
            check=True,
        )
        try:
            trees = {"before": before_root, "after": ROOT}
            print(
                f"{datetime.datetime.now():%Y-%m-%d %H:%M} · load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
                f" on {os.cpu_count()} CPUs · before = {args.before}, after = working tree"
            )
            for shape in ("current", "stopped"):
                enterprises_file, safety_file = write_shape(
                    folder, shape=shape, enterprises=args.enterprises, months_per_enterprise=args.months
                )
                envs, urls = {}, {}
                for name, root in trees.items():
                    urls[name] = database(base, f"score_history_benchmark_{name}")
                    envs[name] = {**os.environ, "DATABASE_URL": urls[name], "DJANGO_DEBUG": "true"}
                    run(root, envs[name], "migrate", "-v0")
                    run(
                        root,
                        envs[name],
                        "import_data",
                        "enterprises",
                        str(enterprises_file),
                        "--language",
                        "en",
                    )
                times = {name: [] for name in trees}
                for _round in range(args.rounds):
                    for name, root in trees.items():
                        empty_reports(urls[name])
                        seconds, summary = run(
                            root, envs[name], "import_data", "safety", str(safety_file), "--language", "en"
                        )
                        times[name].append(seconds)
                startup = min(
                    run(ROOT, envs["after"], "check", "--fail-level", "CRITICAL")[0] for _ in range(3)
                )
                copy = min(copy_floor(urls["after"], safety_file) for _ in range(3))
                rows = args.enterprises * args.months
                before, after = statistics.median(times["before"]), statistics.median(times["after"])
                print(
                    f"\n{shape}: import_data safety, {rows:,} rows, median of {args.rounds} interleaved rounds"
                )
                for name in trees:
                    print(
                        f"  {name:<7} {statistics.median(times[name]):.2f} s   all: {', '.join(f'{t:.2f}' for t in times[name])}"
                    )
                print(f"  after / before: {after / before:.2f}×   (target: at most 1.3×)")
                print(
                    f"  floor: start-up {startup:.2f} s + bare COPY {copy:.3f} s = {startup + copy:.2f} s;"
                    f" after / floor: {after / (startup + copy):.2f}×"
                )
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before_root)], check=False
            )


if __name__ == "__main__":
    main()
