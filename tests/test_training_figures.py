"""The training figures on data built here; every expected value worked out by hand."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from common.months import Period
from dashboard.figures import (
    enterprises_per_module,
    people_trained,
    training_figures,
    walkthroughs_per_enterprise,
    workshops_held,
)
from districts.models import District
from tests.factories import attend, make_enterprise, make_participant, make_workshop

D = datetime.date
MARCH_TO_MAY = Period(first=D(2024, 3, 1), last=D(2024, 5, 1))


@pytest.fixture
def training(db):
    """Nanxun: enterprises A, B, C; Anji: D. Workshops inside and outside March–May 2024."""
    a = make_enterprise("nanxun", name="甲")
    b = make_enterprise("nanxun", name="乙")
    c = make_enterprise("nanxun", name="丙")
    d = make_enterprise("anji", name="丁")
    wang = make_participant(a, "王芳", role="manager", sex="female", phone="13800000001")
    li = make_participant(a, "李强", role="manager", sex="male")
    zhao = make_participant(a, "赵敏", role="worker", sex="female")
    qian = make_participant(a, "钱多", role="worker", sex="male")
    chen = make_participant(b, "陈刚", role="worker", sex="male")
    zhou = make_participant(b, "周丽", role="manager", sex="female")
    sun = make_participant(b, "孙伟", role="worker", sex="male")
    wu = make_participant(c, "吴红", role="worker", sex="female")
    zheng = make_participant(c, "郑明", role="manager", sex="male")
    feng = make_participant(d, "冯梅", role="worker", sex="female")

    w1 = make_workshop("nanxun", module=1, date=D(2024, 3, 10), enterprises=[a, b])
    attend(w1, wang, li, zhao, chen, zhou)
    w2 = make_workshop("nanxun", module=2, date=D(2024, 4, 12), enterprises=[a, b])
    attend(w2, wang, li, chen, sun)
    w3 = make_workshop("nanxun", module=1, date=D(2024, 3, 20), kind="walkthrough", enterprises=[a])
    attend(w3, zhao)
    make_workshop("nanxun", module=1, date=D(2024, 5, 31), kind="walkthrough", enterprises=[a])
    w5 = make_workshop("nanxun", module=1, date=D(2024, 4, 2), kind="walkthrough", enterprises=[c])
    attend(w5, wu)
    w6 = make_workshop("nanxun", module=1, date=D(2024, 6, 1), enterprises=[c])  # after May
    attend(w6, zheng)
    w7 = make_workshop("nanxun", module=3, date=D(2024, 2, 29), enterprises=[a])  # before March
    attend(w7, qian)
    w8 = make_workshop("anji", module=1, date=D(2024, 3, 15), enterprises=[d])
    attend(w8, feng)
    make_workshop("anji", module=1, date=D(2024, 4, 1), kind="walkthrough", enterprises=[d])


def nanxun():
    return District.objects.filter(code="nanxun")


def test_workshops_held_per_module_and_kind(training):
    held = workshops_held(nanxun(), MARCH_TO_MAY)
    # Module 1: classroom 3-10 (6-01 is after May); walk-throughs 3-20, 4-02, 5-31 → 3.
    # Module 2: classroom 4-12. Module 3's classroom is on 2-29, before March. Anji's are not counted.
    assert [(m["module"], m["classroom"], m["walkthrough"]) for m in held] == [
        (1, 1, 3),
        (2, 1, 0),
        (3, 0, 0),
        (4, 0, 0),
        (5, 0, 0),
    ]


def test_people_trained_counts_each_person_once_by_role_and_sex(training):
    people = people_trained(nanxun(), MARCH_TO_MAY)
    # In the period: 王芳 周丽 (manager women), 李强 (manager man), 赵敏 吴红 (worker women),
    # 陈刚 孙伟 (worker men); 王芳, 李强 and 陈刚 came twice, 赵敏 to a walk-through too.
    # 钱多 (February), 郑明 (June) and 冯梅 (Anji) are out. Women 4 of 7: 400 / 7 = 57.14… → 57.1.
    assert people == {
        "manager_female": 2,
        "manager_male": 1,
        "worker_female": 2,
        "worker_male": 2,
        "women": 4,
        "men": 3,
        "total": 7,
        "women_share_pct": 57.1,
    }


def test_people_trained_since_the_first_record_over_two_districts(training):
    both = District.objects.filter(code__in=["nanxun", "anji"])
    people = people_trained(both, Period(first=None, last=D(2024, 5, 1)))
    # The 7 above, plus 钱多 (worker man, February) and 冯梅 (worker woman, Anji): 9, women 5.
    # 500 / 9 = 55.55… → 55.6.
    assert (people["total"], people["women"], people["worker_male"], people["women_share_pct"]) == (
        9,
        5,
        3,
        55.6,
    )


def test_share_of_women_rounds_halves_away_from_zero(db):
    enterprise = make_enterprise("nanxun")
    workshop = make_workshop("nanxun", module=1, date=D(2024, 3, 5), enterprises=[enterprise])
    people = [make_participant(enterprise, "女一", role="worker", sex="female")]
    people += [make_participant(enterprise, f"男{n}", role="worker", sex="male") for n in range(15)]
    attend(workshop, *people)
    # 1 woman of 16: 100 / 16 = 6.25 → 6.3.
    assert people_trained(nanxun(), MARCH_TO_MAY)["women_share_pct"] == 6.3


def test_nobody_trained_has_no_share_of_women(db):
    assert people_trained(nanxun(), MARCH_TO_MAY)["women_share_pct"] is None


def test_enterprises_that_took_each_module(training):
    took = enterprises_per_module(nanxun(), MARCH_TO_MAY)
    # Module 1: 甲 and 乙 in the classroom on 3-10; 丙 had only a walk-through in the period.
    # Module 2: 甲 and 乙 on 4-12. Module 3's classroom was in February.
    assert [(m["module"], m["enterprises"]) for m in took] == [(1, 2), (2, 2), (3, 0), (4, 0), (5, 0)]


def test_walkthroughs_held_per_enterprise(training):
    visits = walkthroughs_per_enterprise(nanxun(), MARCH_TO_MAY)
    # 甲: 3-20 and 5-31; 丙: 4-02; 乙 none (not listed); 丁 is in Anji.
    assert [(v["name"], v["walkthroughs"]) for v in visits] == [("甲", 2), ("丙", 1)]


def test_training_figures_take_four_queries_whatever_the_data(training, django_assert_num_queries):
    # workshops per module and kind, people by role and sex, enterprises per module,
    # walk-throughs per enterprise (the district set is a subquery of each).
    with django_assert_num_queries(4):
        figures = training_figures(nanxun(), MARCH_TO_MAY)
    assert figures["people"]["total"] == 7
    assert set(figures) == {"workshops", "people", "enterprises_per_module", "walkthroughs_per_enterprise"}


def test_the_partial_shows_the_figures_and_their_definitions(training):
    with translation.override("en"):
        html = render_to_string(
            "dashboard/_training_figures.html", {"training": training_figures(nanxun(), MARCH_TO_MAY)}
        )
    assert "57.1%" in html
    assert "Enterprises that took a module: enterprises of the districts" in html
    assert "Walk-throughs held per enterprise" in html
