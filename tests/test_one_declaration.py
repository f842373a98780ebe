"""The proof that one declaration is enough (issue "A figure declared once"): a reported value and
its figures, declared here alone, reach the import's columns, the machine API's rows and schema,
the summary API, the downloads, the dashboard's page, a district's enterprise list (page and
download) and the meeting-room screen (its data and its card), with nothing else written for them.

The test declares what a developer would add to the code: a ReportedCount field on SafetyReport
(and its column, as its migration would), the roll-up's column for its sum (its migration), and
two Figures in the registry: the sum and a rate resting on it. The database changes are plain
ALTER TABLE ADD COLUMN inside the test's transaction, which both databases roll back."""

import contextlib
import csv
import datetime
import io
import json
import re

import pytest
from django.db import connection
from django.test import Client

from accounts.services import api_client_create
from dashboard import registry
from dashboard.models import MonthlyRollup, SegmentMonthlyRollup, monthly_sum_field
from enterprises.models import ReportedCount, SafetyReport
from imports.services import import_file
from tests.factories import login_as, make_enterprise
from tests.import_files import csv_bytes

NANXUN_A = "91330503375583185N"
D = datetime.date


@contextlib.contextmanager
def declared_field(model, name, field):
    """`field` on `model` as `name`, and its column, for the length of the block."""
    field.contribute_to_class(model, name)
    with connection.cursor() as cursor:
        column = field.db_type(connection)
        null = "" if field.null else f" NOT NULL DEFAULT {field.get_default()}"
        cursor.execute(f"ALTER TABLE {model._meta.db_table} ADD COLUMN {name} {column}{null}")
    try:
        yield field
    finally:
        model._meta.local_fields.remove(field)
        model._meta._expire_cache()
        delattr(model, name)


@pytest.fixture
def near_misses(db, monkeypatch):
    """Near misses (未遂事件), reported monthly, summed, and per 1,000 worker-years."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(
            declared_field(
                SafetyReport,
                "near_misses",
                ReportedCount("near misses", null=True, blank=True, headers=("未遂事件数", "near_misses")),
            )
        )
        for rollup in (MonthlyRollup, SegmentMonthlyRollup):
            stack.enter_context(declared_field(rollup, "near_misses", monthly_sum_field(registry.BIG)))
        figures = (
            registry.Figure(
                "near_misses",
                registry.COUNT,
                "Near misses",
                "The sum of the near misses in the monthly safety reports of the period.",
                source=registry.REPORTED,
                sums="near_misses",
                per_enterprise=True,
                screen="period",
                screen_label="Near misses since the first record",
                screen_caption="Reported in the monthly safety reports",
            ),
            registry.Figure(
                "near_miss_rate",
                registry.RATE,
                "Near misses per 1,000 worker-years",
                "Near misses × 12,000 ÷ worker-months, to two decimals.",
                numerator="near_misses",
                denominator="worker_months",
                scale=12000,
                places=2,
            ),
        )
        monkeypatch.setattr(registry, "FIGURES", (*registry.FIGURES, *figures))
        yield


def test_a_reported_value_and_its_figures_declared_once_are_everywhere(near_misses, client):
    enterprise = make_enterprise("nanxun", credit_code=NANXUN_A, employees=100)
    # The import knows its column by its declared headers; the file's other values as usual.
    rows = [
        ["统一社会信用代码", "月份", "安全检查次数", "事故起数", "未遂事件数"],
        [NANXUN_A, "2017-01", "2", "0", "3"],
        [NANXUN_A, "2017-02", "2", "0", "2"],
    ]
    _batch, plan = import_file(kind="safety", file_name="s.csv", content=csv_bytes(rows))
    assert plan.ok and not plan.ignored
    assert list(
        SafetyReport.objects.filter(enterprise=enterprise)
        .order_by("month")
        .values_list("near_misses", flat=True)
    ) == [3, 2]
    # Through the machine API too, and read back with its rows and its schema.
    token = api_client_create(name="proof", district_codes=["nanxun"], may_write=True)[1]
    api = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "en"}
    body = {
        "rows": [
            {"credit_code": NANXUN_A, "month": "2017-03", "inspections": 1, "accidents": 0, "near_misses": 1}
        ]
    }
    written = Client().post(
        "/api/v1/imports/safety/", json.dumps(body), content_type="application/json", **api
    )
    assert written.json() == {"created": 1, "updated": 0, "unchanged": 0, "ignored_fields": []}
    listed = Client().get("/api/v1/safety-reports/", **api).json()["results"]
    assert [(row["month"], row["near_misses"]) for row in listed] == [
        ("2017-01", 3),
        ("2017-02", 2),
        ("2017-03", 1),
    ]
    schema = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schema["SafetyReport"]["properties"]["near_misses"] == {"type": "integer", "nullable": True}
    assert schema["Figures"]["properties"]["near_misses"]["type"] == "integer"
    assert schema["Figures"]["properties"]["near_miss_rate"]["type"] == "number"
    # The summary API: 3 + 2 + 1 = 6 near misses over 3 reports × 100 employees = 300 worker-months:
    # 6 × 12,000 ÷ 300 = 240.00 per 1,000 worker-years.
    login_as(client, "city_official")
    period = {"from": "2017-01", "to": "2017-12"}
    total = client.get("/dashboard/api/summary/", period).json()["total"]
    assert (total["near_misses"], total["worker_months"], total["near_miss_rate"]) == (6, 300, 240.0)
    # The machine API's figures are the same body.
    assert Client().get("/api/v1/figures/", period, **api).json()["total"]["near_miss_rate"] == 240.0
    # The downloads: both figures appended as columns, the total row last.
    csv_text = client.get("/dashboard/export/districts.csv", period).content.decode("utf-8-sig")
    header, *lines = csv_text.splitlines()
    assert header.endswith(",Near misses,Near misses per 1,000 worker-years") or header.endswith(
        ',Near misses,"Near misses per 1,000 worker-years"'
    )
    assert lines[-1].endswith(",6,240.0")
    # The dashboard's page: the rate's card and its column of the rates table, with what it rests on.
    html = client.get("/dashboard/", period).content.decode()
    assert 'data-figure="near_miss_rate"' in html
    assert "Near misses per 1,000 worker-years" in html
    assert "6 ÷ 300" in html
    assert "Near misses × 12,000 ÷ worker-months, to two decimals." in html

    client.cookies["django_language"] = "en"  # the headers below as written
    # A district's enterprise list: its column, summed per enterprise (3 + 2 + 1 = 6), marked
    # incomplete as the other sums of the safety reports are: 3 of the 12 months of 2017 owed
    # (SCORE start 2016-01) were reported.
    district = client.get("/dashboard/districts/nanxun/", period).content.decode()
    assert '<th scope="col" class="text-end" data-column="near_misses">' in district
    cell = re.search(r'<td ([^>]*data-column="near_misses"[^>]*)>(\d+)', district)
    assert cell.group(2) == "6"
    assert "data-incomplete" in cell.group(1)
    # Its download: the column after the figures, before the reports received and owed.
    listed = client.get("/dashboard/districts/nanxun/export.csv", period).content.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(listed)))
    assert header[-3:] == ["Near misses", "Reports received", "Reports owed"]
    assert row[header.index("Near misses")] == "6"
    # The meeting-room screen: the figure in every view (since the first record: 6 in Nanxun and
    # in the city, 0 elsewhere), and its card.
    screen = client.get("/dashboard/screen/data/", {"lang": "en"}).json()
    assert {view["code"]: view["figures"]["near_misses"] for view in screen["views"]} == {
        "": 6,
        "wuxing": 0,
        "nanxun": 6,
        "deqing": 0,
        "changxing": 0,
        "anji": 0,
    }
    card = client.get("/dashboard/screen/", {"lang": "en"}).content.decode()
    assert 'data-figure="near_misses" data-kind="count"' in card
    assert "Near misses since the first record" in card
