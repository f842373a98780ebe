"""The import engine on real files: every format and encoding, every kind, field by field."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation

from common.months import add_months
from dashboard import rollup
from enterprises.models import Enterprise, SafetyReport
from imports.models import ImportBatch
from imports.services import import_file
from improvements.models import ImprovementProject, Suggestion
from tests.factories import make_enterprise
from tests.import_files import csv_bytes, xls_bytes, xlsx_bytes

SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "samples"
if not SAMPLES.exists():
    SAMPLES = Path("/work/shared/samples")

# Valid codes (check characters worked out with GB 32100-2015's weights).
NANXUN_A = "91330503375583185N"
NANXUN_B = "91330503968301438Y"
ANJI_A = "91330523285269512N"

ENTERPRISE_ROWS = [
    [
        " 统一社会信用代码 ",
        "企业名称",
        "区县",
        "行业",
        "职工人数",
        "女职工人数",
        "SCORE开始日期",
        "批次",
        "备注",
    ],
    [
        NANXUN_A.lower(),
        "湖州竹韵（南浔）有限公司",
        "南浔",
        "竹制品",
        "１２０",
        "35",
        "2015/8/15",
        "2015",
        "老客户",
    ],
    [f" {NANXUN_B} ", "南浔纺织厂", "NANXUN", "纺织", "1,200", "", "2015年9月1日", "", ""],
]


def import_bytes(kind, content, name):
    return import_file(kind=kind, file_name=name, content=content)


def assert_the_two_enterprises_are_stored():
    first = Enterprise.objects.get(credit_code=NANXUN_A)
    assert first.name == "湖州竹韵（南浔）有限公司"
    assert first.district.code == "nanxun"
    assert first.sector == "竹制品"
    assert first.employees == 120
    assert first.female_employees == 35
    assert first.score_start == datetime.date(2015, 8, 15)
    assert first.cohort == "2015"
    assert first.last_import is not None
    second = Enterprise.objects.get(credit_code=NANXUN_B)
    assert second.name == "南浔纺织厂"
    assert second.district.code == "nanxun"
    assert second.employees == 1200
    assert second.female_employees is None
    assert second.score_start == datetime.date(2015, 9, 1)
    assert second.cohort == ""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_enterprises_csv_in_every_encoding_imports_field_by_field(db, encoding):
    batch, plan = import_bytes("enterprises", csv_bytes(ENTERPRISE_ROWS, encoding), "企业.csv")
    assert plan.errors == []
    assert plan.warnings == []  # both codes registered in Nanxun's division
    assert plan.ignored == ["备注"]
    assert plan.counts() == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": 0}
    assert_the_two_enterprises_are_stored()
    assert batch.created == 2
    assert Enterprise.objects.get(credit_code=NANXUN_A).last_import == batch


def test_enterprises_xlsx_with_date_cells_and_serial_numbers(db):
    rows = [
        [
            "Credit_Code",
            "NAME",
            "District",
            "Sector",
            "employees",
            "female_employees",
            "score_start",
            "cohort",
        ],
        [
            NANXUN_A,
            "湖州竹韵（南浔）有限公司",
            "南浔区",
            "竹制品",
            120,
            35,
            datetime.datetime(2015, 8, 15),
            2015,
        ],
        # 42248 is Excel's serial number of 2015-09-01 (days since 1899-12-30).
        [NANXUN_B, "南浔纺织厂", "nanxun", "纺织", 1200.0, None, 42248, None],
        [None, None, None, None, None, None, None, None],  # a trailing formatted row
    ]
    batch, plan = import_bytes("enterprises", xlsx_bytes(rows), "enterprises.xlsx")
    assert plan.errors == []
    assert_the_two_enterprises_are_stored()


def test_enterprises_xls_first_sheet(db):
    rows = [
        ["信用代码", "名称", "所属区县", "行业", "职工人数", "女职工人数", "开始日期", "批次"],
        [
            NANXUN_A,
            "湖州竹韵（南浔）有限公司",
            "Nanxun",
            "竹制品",
            120,
            35,
            datetime.date(2015, 8, 15),
            "2015",
        ],
        [NANXUN_B, "南浔纺织厂", "南浔区", "纺织", 1200, None, "2015-09-01", None],
    ]
    batch, plan = import_bytes("enterprises", xls_bytes(rows), "enterprises.xls")
    assert plan.errors == []
    assert_the_two_enterprises_are_stored()


def test_a_credit_code_registered_elsewhere_is_a_warning_not_an_error(db):
    rows = [
        ["credit_code", "name", "district", "employees", "score_start"],
        [ANJI_A, "安吉乙企业", "南浔", "10", "2016-01-01"],
    ]
    with translation.override("en"):
        batch, plan = import_bytes("enterprises", csv_bytes(rows), "e.csv")
    assert plan.errors == []
    assert [(w.row, w.column, w.value) for w in plan.warnings] == [(2, "credit_code", ANJI_A)]
    assert plan.warnings[0].message == (
        "The credit code was registered in division 330523, not in Nanxun (330503)."
    )
    assert Enterprise.objects.get(credit_code=ANJI_A).district.code == "nanxun"


SAFETY_HEADERS = [
    "统一社会信用代码",
    "月份",
    "安全检查次数",
    "发现隐患数",
    "整改隐患数",
    "事故起数",
    "受伤人数",
    "损失工作日",
]


def test_safety_reports_in_every_month_spelling(db):
    enterprise = make_enterprise("nanxun", credit_code=NANXUN_A)
    rows = [
        SAFETY_HEADERS,
        [NANXUN_A, "2017-10", 3, 4, 2, 1, 1, 5],
        [NANXUN_A, "2017/9", "２", "", "", "0", "", ""],
        [NANXUN_A, "2017年8月", 1, 0, 0, 0, 0, 0],
        [NANXUN_A, "2017年07月", 1, 0, 0, 0, 0, 0],
        [NANXUN_A, datetime.datetime(2017, 6, 18), 1, 0, 0, 0, 0, 0],
        [NANXUN_A, 42856, 1, 0, 0, 0, 0, 0],  # serial 42856 = 2017-05-01
    ]
    batch, plan = import_bytes("safety", xlsx_bytes(rows), "safety.xlsx")
    assert plan.errors == []
    months = list(
        SafetyReport.objects.filter(enterprise=enterprise)
        .order_by("-month")
        .values_list(
            "month", "inspections", "hazards_found", "hazards_fixed", "accidents", "injuries", "lost_workdays"
        )
    )
    assert months == [
        (datetime.date(2017, 10, 1), 3, 4, 2, 1, 1, 5),
        (datetime.date(2017, 9, 1), 2, None, None, 0, None, None),
        (datetime.date(2017, 8, 1), 1, 0, 0, 0, 0, 0),
        (datetime.date(2017, 7, 1), 1, 0, 0, 0, 0, 0),
        (datetime.date(2017, 6, 1), 1, 0, 0, 0, 0, 0),
        (datetime.date(2017, 5, 1), 1, 0, 0, 0, 0, 0),
    ]
    assert set(SafetyReport.objects.values_list("last_import", flat=True)) == {batch.pk}


def test_suggestions_with_every_module_and_status_spelling(db):
    enterprise = make_enterprise("nanxun", credit_code=NANXUN_A)
    rows = [
        ["credit_code", "reference", "submitted_on", "module", "text", "submitted_by", "status"],
        [NANXUN_A, "JY01", "2015-08-20", "模块5", "加装防护栏", "刘师傅", "未采纳"],
        [NANXUN_A, "JY02", "2015/8/21", "M1", "工具定置", "", "Accepted"],
        [NANXUN_A, "JY03", "20150822", "3", "通道划线", "王", "已实施"],
        [NANXUN_A, "JY04", "2015-08-23", "", "节约用电", "", ""],
    ]
    batch, plan = import_bytes("suggestions", csv_bytes(rows, "gbk"), "建议.csv")
    assert plan.errors == []
    stored = list(
        Suggestion.objects.filter(enterprise=enterprise)
        .order_by("reference")
        .values_list("reference", "submitted_on", "module__number", "text", "submitted_by", "status")
    )
    assert stored == [
        ("JY01", datetime.date(2015, 8, 20), 5, "加装防护栏", "刘师傅", "rejected"),
        ("JY02", datetime.date(2015, 8, 21), 1, "工具定置", "", "accepted"),
        ("JY03", datetime.date(2015, 8, 22), 3, "通道划线", "王", "implemented"),
        ("JY04", datetime.date(2015, 8, 23), None, "节约用电", "", "submitted"),
    ]


def test_projects_with_amounts_and_statuses(db):
    enterprise = make_enterprise("nanxun", credit_code=NANXUN_A)
    rows = [
        [
            "编号",
            "统一社会信用代码",
            "项目名称",
            "模块",
            "状态",
            "开始日期",
            "完成日期",
            "投入金额",
            "节约金额",
        ],
        ["IP-1", NANXUN_A, "减少返工", "M4", "已完成", "2015-08-15", "2015-08-28", "26,749.00", "1994.62"],
        ["IP-2", NANXUN_A, "Reduce rework", "模块2", "in_progress", "2015-09-01", "", "１,２００.５", ""],
        ["IP-3", NANXUN_A, "Cleaner floor", "5", "Cancelled", 42248, "", 300, 12.5],
    ]
    batch, plan = import_bytes("projects", xlsx_bytes(rows), "projects.xlsx")
    assert plan.errors == []
    stored = list(
        ImprovementProject.objects.filter(enterprise=enterprise)
        .order_by("reference")
        .values_list(
            "reference", "title", "module__number", "status", "started_on", "completed_on", "cost", "savings"
        )
    )
    assert stored == [
        (
            "IP-1",
            "减少返工",
            4,
            "completed",
            datetime.date(2015, 8, 15),
            datetime.date(2015, 8, 28),
            Decimal("26749.00"),
            Decimal("1994.62"),
        ),
        (
            "IP-2",
            "Reduce rework",
            2,
            "in_progress",
            datetime.date(2015, 9, 1),
            None,
            Decimal("1200.50"),
            None,
        ),
        (
            "IP-3",
            "Cleaner floor",
            5,
            "cancelled",
            datetime.date(2015, 9, 1),
            None,
            Decimal("300.00"),
            Decimal("12.50"),
        ),
    ]


def snapshot():
    return {
        "enterprises": list(Enterprise.objects.order_by("pk").values()),
        "safety": list(SafetyReport.objects.order_by("pk").values()),
        "suggestions": list(Suggestion.objects.order_by("pk").values()),
        "projects": list(ImprovementProject.objects.order_by("pk").values()),
        "batches": list(ImportBatch.objects.order_by("pk").values()),
    }


def import_the_samples():
    for kind, name in [
        ("enterprises", "enterprises_en.csv"),
        ("safety", "safety_zh.xlsx"),
        ("suggestions", "suggestions_zh_gbk.csv"),
        ("projects", "projects_en.xlsx"),
    ]:
        call_command("import_data", kind, str(SAMPLES / name), "--language", "en")


def test_the_samples_import_and_a_second_import_changes_nothing(db, capsys):
    import_the_samples()
    # Rows in the samples: 12 enterprises, 390 reports, 54 suggestions, 33 projects.
    assert Enterprise.objects.count() == 12
    assert SafetyReport.objects.count() == 390
    assert Suggestion.objects.count() == 54
    assert ImprovementProject.objects.count() == 33
    assert ImportBatch.objects.filter(status="committed").count() == 4
    before = snapshot()
    capsys.readouterr()
    import_the_samples()
    assert snapshot() == before
    assert capsys.readouterr().out.count("Nothing to write: the portal already holds these rows.") == 4
    first = ImprovementProject.objects.get(enterprise__credit_code=NANXUN_A, reference="IP-1")
    assert (first.cost, first.savings, first.module.number) == (Decimal("26749.00"), Decimal("1994.62"), 4)


def test_a_changed_row_is_updated_and_marked_with_the_new_import(db):
    make_enterprise("nanxun", credit_code=NANXUN_A)
    rows = [SAFETY_HEADERS[:6], [NANXUN_A, "2017-10", 3, 4, 2, 1], [NANXUN_A, "2017-11", 1, 0, 0, 0]]
    first, _plan = import_bytes("safety", csv_bytes(rows), "s.csv")
    rows[1][2] = 5
    second, plan = import_bytes("safety", csv_bytes(rows), "s.csv")
    assert plan.counts() == {"rows": 2, "created": 0, "updated": 1, "unchanged": 1, "errors": 0}
    october = SafetyReport.objects.get(month=datetime.date(2017, 10, 1))
    november = SafetyReport.objects.get(month=datetime.date(2017, 11, 1))
    assert (october.inspections, october.last_import_id) == (5, second.pk)
    assert (november.inspections, november.last_import_id) == (1, first.pk)


def test_dry_run_writes_nothing(db, capsys):
    call_command(
        "import_data", "enterprises", str(SAMPLES / "enterprises_en.csv"), "--dry-run", "--language", "en"
    )
    assert "12 rows: 12 new, 0 updated, 0 unchanged." in capsys.readouterr().out
    assert Enterprise.objects.count() == 0
    assert ImportBatch.objects.count() == 0


# The import of a safety file through the door, whatever its rows (counted in the test below): at
# most this many, four fewer when no before/after comparison changes (the roll-up's two tables of it
# left alone).
QUERIES = 29


def test_the_import_query_count_does_not_grow_with_the_rows(db, django_assert_num_queries):
    make_enterprise("nanxun", credit_code=NANXUN_A)
    make_enterprise("nanxun", credit_code=NANXUN_B)
    rollup.rebuild()  # written past the door (the factories): current, so the import follows itself

    def file_of(months):
        rows = [SAFETY_HEADERS]
        for code in (NANXUN_A, NANXUN_B):
            rows += [[code, f"{2000 + m // 12}-{m % 12 + 1}", 1, 2, 1, 0, 0, 0] for m in range(months)]
        return csv_bytes(rows)

    # Savepoint; the enterprises of the file (locked for the commit on PostgreSQL); their existing
    # reports; the approved exemptions of their months; insert the batch, savepoint; the roll-up's
    # part before the write (its state, the enterprises' sums: three statements, the door's mark);
    # the reports (one bulk INSERT on SQLite, one COPY on PostgreSQL), their history (the same);
    # the roll-up's part after it (the mark lifted, the sums again, the rows changed and the rows
    # that fell to nothing, per table, the district's generation); release, update the batch's
    # counts, release. 6 rows or 600: no more than QUERIES. On PostgreSQL two more: the statement
    # timeout lifted for the import's transaction (SET LOCAL), and the tables' write lock taken
    # before the roll-up's state is read.
    postgresql = 2 if connection.vendor == "postgresql" else 0
    with django_assert_num_queries(QUERIES - 4 + postgresql):
        import_bytes("safety", file_of(3), "small.csv")
    with django_assert_num_queries(QUERIES + postgresql) as large:
        import_bytes("safety", file_of(300), "large.csv")
    # SQLite logs its executemany as "594 times: INSERT INTO …"
    written = next(
        query["sql"]
        for query in large.captured_queries
        if "safetyreport" in query["sql"] and ("INSERT INTO" in query["sql"] or "COPY" in query["sql"])
    )
    assert "INSERT INTO" in written or "COPY" in written
    assert SafetyReport.objects.count() == 600  # 2 enterprises × 300 months (the first 3 twice)

    def changed_file():
        # the 300 months again, every count changed: all of them are updates
        rows = [SAFETY_HEADERS]
        for code in (NANXUN_A, NANXUN_B):
            rows += [[code, f"{2000 + m // 12}-{m % 12 + 1}", 2, 2, 1, 0, 0, 0] for m in range(300)]
        return csv_bytes(rows)

    # Updates: SQLite runs one UPDATE through executemany; PostgreSQL makes a scratch table, COPYs
    # into it, ANALYZEs it and runs one UPDATE … FROM (three more). Not 600. The history's one
    # statement, and the roll-up's part.
    with django_assert_num_queries(QUERIES + 3 + postgresql, exact=False):
        _batch, plan = import_bytes("safety", changed_file(), "changed.csv")
    assert plan.counts()["updated"] == 600
    assert SafetyReport.objects.filter(inspections=2).count() == 600


def test_a_large_import_refreshes_the_planner_statistics_on_postgresql(db):
    """The dashboard's figures are planned from the statistics of the tables an import just wrote:
    an import of 1,000 rows or more runs ANALYZE on its table before it commits."""
    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE and pg_class are PostgreSQL's")
    codes = [make_enterprise("nanxun").credit_code for _ in range(4)]
    rows = [SAFETY_HEADERS]
    for code in codes:
        rows += [[code, f"{2000 + m // 12}-{m % 12 + 1}", 1, 2, 1, 0, 0, 0] for m in range(300)]
    import_bytes("safety", csv_bytes(rows), "large.csv")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'enterprises_safetyreport'::regclass")
        # 4 enterprises × 300 months, counted by ANALYZE (the rows are not committed yet, so no
        # autovacuum can have counted them; a table never analyzed says -1)
        assert cursor.fetchone()[0] == 1200


def test_text_with_quotes_tabs_and_line_breaks_is_stored_as_written(db):
    # COPY on PostgreSQL: quotes, tabs and line breaks survive in multi-line text (the address);
    # in one-line text (the name) tabs and line breaks become spaces (common.text). An empty
    # optional text is '' (not NULL), an empty optional number is NULL.
    name = '湖州"竹韵"\t有限公司\r\n二厂'
    address = '南浔区\\镇西路 1 号\r\n\t"东"楼'
    rows = [
        [
            "credit_code",
            "name",
            "district",
            "sector",
            "employees",
            "female_employees",
            "score_start",
            "address",
        ],
        [NANXUN_A, name, "南浔", "", "10", "", "2016-01-01", address],
    ]
    _batch, plan = import_bytes("enterprises", csv_bytes(rows), "e.csv")
    assert plan.errors == []
    stored = Enterprise.objects.get(credit_code=NANXUN_A)
    assert (stored.name, stored.sector, stored.female_employees, stored.address) == (
        '湖州"竹韵" 有限公司 二厂',
        "",
        None,
        '南浔区\\镇西路 1 号\r\n\t"东"楼',
    )


def test_a_month_long_before_the_start_or_still_to_come_is_a_warning_not_an_error(db):
    """A year typed wrong (2019 for 2025) would distort the dashboard's trend: the preview says so."""
    make_enterprise("nanxun", credit_code=NANXUN_A, score_start=datetime.date(2017, 3, 15))
    this_month = timezone.localdate().replace(day=1)
    next_month = add_months(this_month, 1)
    rows = [
        SAFETY_HEADERS[:6],
        [NANXUN_A, "2015-03", 1, 0, 0, 0],  # exactly two years before the start month: fine
        [NANXUN_A, "2015-02", 1, 0, 0, 0],  # earlier: worth a look
        [NANXUN_A, f"{next_month:%Y-%m}", 1, 0, 0, 0],  # not come yet
        [NANXUN_A, f"{this_month:%Y-%m}", 1, 0, 0, 0],  # the current month: fine
    ]
    with translation.override("en"):
        _batch, plan = import_bytes("safety", csv_bytes(rows), "s.csv")
    assert plan.ok and plan.counts()["created"] == 4  # warnings do not stop the import
    assert [(w.row, w.column, w.message) for w in plan.warnings] == [
        (
            3,
            "月份",
            "This month is more than two years before the enterprise's SCORE start (2017-03): check the year.",
        ),
        (4, "月份", "This month has not come yet: check the year."),
    ]
