"""Load test: gunicorn with the production settings on PostgreSQL, N concurrent logged-in officials.

    .venv/bin/python benchmarks/load_test.py                       # N = 10, 50, 100; 60 s each
    .venv/bin/python benchmarks/load_test.py --seconds 10 --urls '/enterprises/,{enterprise}'

What it does, in order:
1. creates the PostgreSQL database (default score_loadtest on 127.0.0.1) if missing, and migrates it;
2. fills it, once, with 1,000 enterprises over Huzhou's five districts, each with 3 years (36 months)
   of safety reports, 12 suggestions and 4 improvement projects, written with bulk_create; and 100
   official accounts (half city officials, half district officials);
3. starts the portal with bin/serve (migrate, compilemessages, collectstatic, check --deploy,
   gunicorn with score_portal/gunicorn.conf.py) on 127.0.0.1 only, DJANGO_DEBUG=false, requests
   carrying the TLS proxy's X-Forwarded-Proto header as they would in production;
4. logs the officials in through the login form, then for each N runs N threads, one official each,
   that request the URLs in turn, without pause, for --seconds;
5. prints, for each N, requests per second, median and 95th-percentile latency and the errors
   (any answer other than 200, or no answer).

`{enterprise}` in a URL stands for the page of an enterprise the official may see. The default URLs
are the dashboard, its summary API and an enterprise page. Not a test: nothing here is asserted.
The server gets this process's environment: SCORE_PAGE_CACHE=false measures the pages computed on
every request (dashboard.page_cache), GUNICORN_WORKERS/--workers other process counts.
"""

import argparse
import datetime
import http.client
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
COHORT = "load-test"
ENTERPRISES = 1000
MONTHS = 36
FIRST_MONTH = datetime.date(2015, 7, 1)
OFFICIALS = 100
PASSWORD = "load-test-official-2026"
DEFAULT_URLS = "/dashboard/,/dashboard/api/summary/?from=2016-01&to=2018-06,{enterprise}"
HOST = "127.0.0.1"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/score_loadtest")
    parser.add_argument("--users", default="10,50,100", help="comma-separated N (at most 100)")
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of each N")
    parser.add_argument("--urls", default=DEFAULT_URLS, help="comma-separated paths; {enterprise} allowed")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds an official pauses after each page (default 0: pages back to back, the harshest)",
    )
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--workers", type=int, help="gunicorn processes (default: the config's)")
    parser.add_argument("--threads", type=int, help="threads per gunicorn process (default: the config's)")
    args = parser.parse_args()
    args.users = [int(n) for n in args.users.split(",")]
    if max(args.users) > OFFICIALS or min(args.users) < 1:
        parser.error(f"--users must be between 1 and {OFFICIALS}")
    if urlsplit(args.database_url).scheme not in ("postgres", "postgresql"):
        parser.error("--database-url must be a PostgreSQL URL: the load test measures production")
    args.urls = [url.strip() for url in args.urls.split(",") if url.strip()]
    return args


def month_add(month, count):
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def database_create(url):
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    connection = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    connection.close()


def data_fill():
    """1,000 enterprises × 36 months, and the officials; skipped when already there."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User

    from accounts.services import user_create_or_update
    from districts.models import District
    from enterprises.credit_code import check_character
    from enterprises.models import Enterprise, SafetyReport
    from improvements.models import ImprovementProject, Suggestion

    districts = list(District.objects.filter(city__code="huzhou"))
    if Enterprise.objects.filter(cohort=COHORT).count() != ENTERPRISES:
        started = time.perf_counter()
        Enterprise.objects.filter(cohort=COHORT).delete()
        enterprises = []
        for number in range(ENTERPRISES):
            district = districts[number % len(districts)]
            body = f"91{district.division}{800000000 + number:09d}"
            enterprises.append(
                Enterprise(
                    credit_code=body + check_character(body),
                    name=f"负载测试企业{number:04d}",
                    district=district,
                    sector="制造业",
                    employees=50 + number % 400,
                    female_employees=20 + number % 30,
                    # Starts spread over the middle year, so every enterprise has a baseline.
                    score_start=datetime.date(2016, 7 + number % 6, 1 + number % 28),
                    cohort=COHORT,
                )
            )
        enterprises = Enterprise.objects.bulk_create(enterprises, batch_size=1000)
        reports, suggestions, projects = [], [], []
        for enterprise in enterprises:
            start = enterprise.score_start.replace(day=1)
            for offset in range(MONTHS):
                month = month_add(FIRST_MONTH, offset)
                after = month >= start
                reports.append(
                    SafetyReport(
                        enterprise=enterprise,
                        month=month,
                        inspections=(9 if after else 3) + offset % 3,
                        hazards_found=4,
                        hazards_fixed=3,
                        accidents=(offset % 7 == 0) if after else (offset % 2),
                    )
                )
            for number in range(12):
                suggestions.append(
                    Suggestion(
                        enterprise=enterprise,
                        reference=f"LT-S{number:02d}",
                        submitted_on=month_add(start, number % 18),
                        text="改进建议",
                        status="accepted" if number % 3 else "submitted",
                    )
                )
            for number in range(4):
                completed = number < 3
                projects.append(
                    ImprovementProject(
                        enterprise=enterprise,
                        reference=f"LT-P{number}",
                        title="改善项目",
                        status="completed" if completed else "in_progress",
                        started_on=month_add(start, number * 3),
                        completed_on=month_add(start, number * 3 + 2) if completed else None,
                        cost=Decimal("1200.00"),
                        savings=Decimal("5400.50") if completed else None,
                    )
                )
        SafetyReport.objects.bulk_create(reports, batch_size=5000)
        Suggestion.objects.bulk_create(suggestions, batch_size=5000)
        ImprovementProject.objects.bulk_create(projects, batch_size=5000)
        print(
            f"data: {len(enterprises)} enterprises, {len(reports)} safety reports, {len(suggestions)} "
            f"suggestions, {len(projects)} projects in {time.perf_counter() - started:.1f} s"
        )
    else:
        print(f"data: {ENTERPRISES} load-test enterprises already there")

    officials = []
    for number in range(OFFICIALS):
        username = f"loadtest-{number:03d}"
        if number % 2 == 0:
            user_create_or_update(username=username, role="city_official", password=None, city_code="huzhou")
        else:
            district = districts[number // 2 % len(districts)]
            user_create_or_update(
                username=username, role="district_official", password=None, district_code=district.code
            )
        officials.append(username)
    # One hash for all: hashing 100 passwords one by one costs a minute of PBKDF2.
    User.objects.filter(username__in=officials).update(password=make_password(PASSWORD))

    # An enterprise page each official may see: a city official any, a district official its own.
    pages = {}
    for user in User.objects.filter(username__in=officials).select_related("profile__district"):
        enterprises = Enterprise.objects.filter(cohort=COHORT).order_by("credit_code")
        if user.profile.district_id:
            enterprises = enterprises.filter(district_id=user.profile.district_id)
        pages[user.username] = enterprises[int(user.username[-3:]) % 50].get_absolute_url()
    return [(username, pages[username]) for username in officials]


def server_start(args, log_path):
    venv = Path(sys.executable).parent.parent
    env = {
        **os.environ,
        "VENV": str(venv),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": args.database_url,
        "GUNICORN_BIND": f"{HOST}:{args.port}",
    }
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    log = open(log_path, "w")
    # A session of its own: gunicorn and its workers are stopped together at the end.
    server = subprocess.Popen(
        [str(ROOT / "bin" / "serve")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"bin/serve stopped; see {log_path}")
        try:
            connection = http.client.HTTPConnection(HOST, args.port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    server_stop(server)
    raise SystemExit(f"the portal did not answer /healthz within 180 s; see {log_path}")


def server_stop(server):
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except ProcessLookupError:
        pass


# Every request goes through the TLS proxy in production; the header tells Django it did.
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Host": HOST}


def log_in(port, username):
    """Through the login form, as a browser would: the CSRF cookie and token, then the POST."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request("GET", "/accounts/login/", headers=PROXY_HEADERS)
    response = connection.getresponse()
    page = response.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", "")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    connection.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            **PROXY_HEADERS,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}/accounts/login/",
        },
    )
    response = connection.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie", "") or "")
    if response.status != 302 or session is None:
        raise SystemExit(f"{username} could not log in (HTTP {response.status})")
    connection.close()
    return f"sessionid={session.group(1)}"


def get(connection, url, headers):
    """GET on the keep-alive connection; like a browser, send once more on a fresh connection when
    the server had closed the idle one (gunicorn closes it after `keepalive` seconds)."""
    for attempt in (1, 2):
        try:
            connection.request("GET", url, headers=headers)
            response = connection.getresponse()
            response.read()
            return connection, response.status
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            connection.close()
            connection = http.client.HTTPConnection(HOST, connection.port, timeout=30)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def official_run(port, cookie, urls, deadline, think, results):
    """One official: request the URLs in turn until the deadline, on one keep-alive connection."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {**PROXY_HEADERS, "Cookie": cookie}
    latencies, errors = [], 0
    if think:
        # Officials do not all open the portal in the same instant: each starts at a random moment
        # of the first pause, so that N officials do not stay in step and arrive in bursts of N.
        time.sleep(random.uniform(0, think))
    while time.monotonic() < deadline:
        for url in urls:
            started = time.perf_counter()
            try:
                connection, status = get(connection, url, headers)
                ok = status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
            latencies.append(time.perf_counter() - started)
            errors += not ok
            if time.monotonic() >= deadline:
                break
            if think:
                time.sleep(think)
    connection.close()
    results.append((latencies, errors))


def measure(port, officials, urls, seconds, think):
    results = []
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=official_run,
            args=(
                port,
                cookie,
                [url.replace("{enterprise}", page) for url in urls],
                deadline,
                think,
                results,
            ),
        )
        for cookie, page in officials
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies = sorted(latency for run, _ in results for latency in run)
    errors = sum(count for _, count in results)
    return {
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "median_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p95_ms": statistics.quantiles(latencies, n=20)[18] * 1000 if len(latencies) > 1 else float("nan"),
        "errors": errors,
    }


def main():
    args = parse_args()
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_portal.settings")
    database_create(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], check=True)

    import django

    django.setup()
    # Only as many officials log in as the largest N needs: each login costs PBKDF2's deliberate work.
    officials = data_fill()[: max(args.users)]

    from django.db import connections

    connections.close_all()  # the data is written; the measurement uses only HTTP

    log_path = Path(tempfile.gettempdir()) / f"score-load-test-{args.port}.log"
    server = server_start(args, log_path)
    try:
        started = time.perf_counter()
        cookies = [None] * len(officials)
        login_threads = []
        for index, (username, _page) in enumerate(officials):

            def login(index=index, username=username):
                cookies[index] = log_in(args.port, username)

            login_threads.append(threading.Thread(target=login))
        for batch in range(0, len(officials), 10):
            for thread in login_threads[batch : batch + 10]:
                thread.start()
            for thread in login_threads[batch : batch + 10]:
                thread.join()
        if None in cookies:
            raise SystemExit("not every official could log in")
        print(
            f"{len(officials)} officials logged in through the form in {time.perf_counter() - started:.1f} s"
        )
        sessions = [(cookie, page) for cookie, (_username, page) in zip(cookies, officials, strict=True)]

        print(
            f"URLs: {', '.join(args.urls)}; {args.seconds:g} s per N, {args.think:g} s pause after each "
            f"page; server log: {log_path}"
        )
        print(f"{'N':>5} {'requests':>9} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} {'errors':>7}")
        for users in args.users:
            figures = measure(args.port, sessions[:users], args.urls, args.seconds, args.think)
            print(
                f"{users:>5} {figures['requests']:>9} {figures['per_second']:>8.1f} "
                f"{figures['median_ms']:>10.1f} {figures['p95_ms']:>8.1f} {figures['errors']:>7}",
                flush=True,
            )
    finally:
        server_stop(server)


if __name__ == "__main__":
    main()
