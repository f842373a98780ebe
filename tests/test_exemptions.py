"""Exempt months (docs/domain.md, "Exempt months"): the services that request, decide, declare and
end an exemption (enterprises.exemptions), each step and each refusal per role, and the refusal of a
report for an exempt month by the import door."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.utils import translation

from accounts.models import Profile, Role
from enterprises.exemptions import (
    EnterpriseNotFound,
    ExemptionRefused,
    exemption_decide,
    exemption_declare,
    exemption_end,
    exemption_request,
)
from enterprises.models import Exemption, SafetyReport
from imports.services import import_file
from tests.factories import make_enterprise, make_reports, make_user, month_range
from tests.import_files import csv_bytes

D = datetime.date

# Frozen on 2026-12-07: the portal takes months up to 2027-12.
pytestmark = pytest.mark.usefixtures("today")


@pytest.fixture
def today():
    # And in English, unless a test says otherwise: the messages are asserted by their words.
    with (
        time_machine.travel(datetime.datetime(2026, 12, 7, 10, tzinfo=datetime.UTC), tick=False),
        translation.override("en"),
    ):
        yield


def enterprise_user(enterprise):
    user = User.objects.create_user(f"enterprise-{enterprise.pk}-{User.objects.count()}")
    Profile.objects.create(user=user, role=Role.ENTERPRISE, enterprise=enterprise)
    return user


@pytest.fixture
def factory(db):
    """A Nanxun enterprise that started SCORE on 2025-03-10: it owes reports from 2024-03 on."""
    return make_enterprise("nanxun", score_start=D(2025, 3, 10))


@pytest.fixture
def official(db):
    return make_user("district_official", district="nanxun")


MARCH_2026, MAY_2026 = D(2026, 3, 1), D(2026, 5, 1)


def requested(factory, first=MARCH_2026, last=MAY_2026, reason="停产检修"):
    return exemption_request(
        writer=enterprise_user(factory), enterprise=factory, first_month=first, last_month=last, reason=reason
    )


# --- Requesting ------------------------------------------------------------------------------------


def test_an_enterprise_user_requests_an_exemption_of_its_own_months(factory):
    user = enterprise_user(factory)
    exemption = exemption_request(
        writer=user,
        enterprise=factory,
        first_month=D(2026, 3, 17),
        last_month=D(2026, 5, 1),
        reason="停产检修",
    )
    exemption.refresh_from_db()
    # Months are kept as their first days; the request waits for the district.
    assert (exemption.first_month, exemption.last_month) == (D(2026, 3, 1), D(2026, 5, 1))
    assert exemption.status == Exemption.Status.PENDING
    assert (exemption.reason, exemption.requested_by) == ("停产检修", user.username)
    assert (exemption.decided_by, exemption.decided_at) == ("", None)


def test_an_open_ended_request_has_no_last_month(factory):
    exemption = requested(factory, last=None)
    assert exemption.last_month is None


def test_an_enterprise_user_cannot_request_for_another_enterprise(factory):
    other = make_enterprise("nanxun", score_start=D(2025, 3, 10))
    with pytest.raises(EnterpriseNotFound):
        exemption_request(
            writer=enterprise_user(other),
            enterprise=factory,
            first_month=D(2026, 3, 1),
            last_month=None,
            reason="停产",
        )
    assert not Exemption.objects.exists()


@pytest.mark.parametrize("role", ["district_official", "programme_admin", "city_official", "trainer"])
def test_only_the_enterprise_itself_requests(factory, role):
    with pytest.raises(PermissionDenied):
        exemption_request(
            writer=make_user(role, district="nanxun"),
            enterprise=factory,
            first_month=D(2026, 3, 1),
            last_month=None,
            reason="停产",
        )


def test_an_enterprise_has_at_most_one_pending_request(factory):
    requested(factory)
    with pytest.raises(ExemptionRefused, match="already has a pending exemption request"):
        requested(factory, first=D(2026, 8, 1), last=D(2026, 9, 1))
    assert Exemption.objects.count() == 1


def test_a_month_with_a_report_cannot_be_exempt(factory):
    make_reports(factory, [D(2026, 4, 1), D(2026, 5, 1)], inspections=1, accidents=0)
    with pytest.raises(ExemptionRefused, match="safety report for 2026-04, 2026-05: a month with a report"):
        requested(factory, first=D(2026, 3, 1), last=D(2026, 6, 1))
    # Open-ended, it covers them too.
    with pytest.raises(ExemptionRefused, match="safety report for 2026-04, 2026-05"):
        requested(factory, first=D(2026, 1, 1), last=None)


def test_a_month_before_the_first_owed_month_cannot_be_exempt(factory):
    # Started 2025-03: the first owed month is 2024-03.
    with pytest.raises(ExemptionRefused, match="owes no report before 2024-03"):
        requested(factory, first=D(2024, 2, 1), last=D(2024, 4, 1))
    assert requested(factory, first=D(2024, 3, 1), last=D(2024, 4, 1)).first_month == D(2024, 3, 1)


def test_an_enterprise_that_left_cannot_exempt_months_after_it(db):
    # Left on 2026-06-20: it owes reports up to 2026-05.
    gone = make_enterprise("nanxun", score_start=D(2025, 3, 10), left_on=D(2026, 6, 20))
    with pytest.raises(ExemptionRefused, match="owes no report after 2026-05"):
        requested(gone, first=D(2026, 4, 1), last=D(2026, 6, 1))
    with pytest.raises(ExemptionRefused, match="owes no report after 2026-05"):
        requested(gone, first=D(2026, 4, 1), last=None)
    assert requested(gone, first=D(2026, 4, 1), last=D(2026, 5, 1)).last_month == D(2026, 5, 1)


def test_an_exemption_cannot_end_before_it_starts(factory):
    with pytest.raises(ExemptionRefused, match=r"cannot end \(2026-02\) before it starts \(2026-03\)"):
        requested(factory, first=D(2026, 3, 1), last=D(2026, 2, 1))


def test_a_month_outside_the_portals_dates_is_refused(factory):
    # Frozen in 2026: the last month the portal accepts is 2027-12.
    with pytest.raises(ExemptionRefused, match="2028-01 is not a month the portal accepts"):
        requested(factory, first=D(2026, 3, 1), last=D(2028, 1, 1))


def test_a_request_needs_a_reason(factory):
    with pytest.raises(ExemptionRefused, match="Give the reason"):
        requested(factory, reason="  ")


def test_months_already_exempt_cannot_be_requested_again(factory, official):
    exemption_declare(
        writer=official, enterprise=factory, first_month=D(2026, 3, 1), last_month=None, reason="停产"
    )
    with pytest.raises(ExemptionRefused, match=r"overlap an approved exemption \(2026-03–\)"):
        requested(factory, first=D(2026, 10, 1), last=D(2026, 11, 1))
    # Before it, they are free.
    assert requested(factory, first=D(2026, 1, 1), last=D(2026, 2, 1)).status == Exemption.Status.PENDING


# --- Deciding ---------------------------------------------------------------------------------------


def test_the_district_official_approves_the_pending_request(factory, official):
    pending = requested(factory)
    exemption = exemption_decide(writer=official, enterprise=factory, decision="approve", comment="已核实")
    assert exemption.pk == pending.pk
    exemption.refresh_from_db()
    assert exemption.status == Exemption.Status.APPROVED
    assert (exemption.decided_by, exemption.comment, exemption.version) == (official.username, "已核实", 2)
    assert exemption.decided_at is not None


def test_a_programme_admin_refuses_the_pending_request(factory):
    requested(factory)
    admin = make_user("programme_admin")
    exemption = exemption_decide(writer=admin, enterprise=factory, decision="refuse", comment="仍在生产")
    exemption.refresh_from_db()
    assert (exemption.status, exemption.decided_by, exemption.comment) == (
        "refused",
        admin.username,
        "仍在生产",
    )
    # A refused request is kept (the history of decisions), and no longer pending: another may follow.
    assert requested(factory, first=D(2026, 8, 1), last=None).status == Exemption.Status.PENDING
    assert Exemption.objects.count() == 2


def test_an_official_of_another_district_cannot_find_the_enterprise(factory):
    requested(factory)
    with pytest.raises(EnterpriseNotFound):
        exemption_decide(
            writer=make_user("district_official", district="anji"), enterprise=factory, decision="approve"
        )
    assert Exemption.objects.get().status == Exemption.Status.PENDING


@pytest.mark.parametrize("role", ["city_official", "trainer", "enterprise"])
def test_a_role_without_the_right_cannot_decide(factory, role):
    requested(factory)
    writer = enterprise_user(factory) if role == "enterprise" else make_user(role, district="nanxun")
    with pytest.raises(PermissionDenied):
        exemption_decide(writer=writer, enterprise=factory, decision="approve")


def test_there_must_be_a_pending_request_to_decide(factory, official):
    with pytest.raises(ExemptionRefused, match="no pending exemption request"):
        exemption_decide(writer=official, enterprise=factory, decision="approve")


def test_a_decision_is_approve_or_refuse(factory, official):
    requested(factory)
    with pytest.raises(ExemptionRefused, match="“approve” or “refuse”"):
        exemption_decide(writer=official, enterprise=factory, decision="maybe")


def test_a_report_that_arrived_since_the_request_stops_its_approval(factory, official):
    requested(factory, first=D(2026, 3, 1), last=D(2026, 5, 1))
    make_reports(factory, [D(2026, 4, 1)], inspections=1, accidents=0)
    with pytest.raises(ExemptionRefused, match="safety report for 2026-04"):
        exemption_decide(writer=official, enterprise=factory, decision="approve")
    assert Exemption.objects.get().status == Exemption.Status.PENDING
    # It can still be refused.
    assert exemption_decide(writer=official, enterprise=factory, decision="refuse").status == "refused"


# --- Declaring --------------------------------------------------------------------------------------


def test_the_district_declares_an_exemption_approved_at_once(factory, official):
    exemption = exemption_declare(
        writer=official, enterprise=factory, first_month=D(2026, 3, 1), last_month=None, reason="停业整顿"
    )
    exemption.refresh_from_db()
    assert (exemption.status, exemption.first_month, exemption.last_month) == (
        "approved",
        D(2026, 3, 1),
        None,
    )
    assert (exemption.requested_by, exemption.decided_by) == (official.username, official.username)


def test_no_declaration_while_a_request_is_pending(factory, official):
    requested(factory)
    with pytest.raises(ExemptionRefused, match="pending exemption request: approve or refuse it first"):
        exemption_declare(
            writer=official, enterprise=factory, first_month=D(2026, 8, 1), last_month=None, reason="停产"
        )


@pytest.mark.parametrize("role", ["city_official", "trainer"])
def test_a_role_without_the_right_cannot_declare(factory, role):
    with pytest.raises(PermissionDenied):
        exemption_declare(
            writer=make_user(role, district="nanxun"),
            enterprise=factory,
            first_month=D(2026, 3, 1),
            last_month=None,
            reason="停产",
        )


def test_an_enterprise_cannot_declare_its_own_exemption(factory):
    with pytest.raises(PermissionDenied):
        exemption_declare(
            writer=enterprise_user(factory),
            enterprise=factory,
            first_month=D(2026, 3, 1),
            last_month=None,
            reason="停产",
        )


# --- Ending -----------------------------------------------------------------------------------------


def test_the_district_ends_a_running_open_ended_exemption(factory, official):
    declared = exemption_declare(
        writer=official, enterprise=factory, first_month=D(2026, 3, 1), last_month=None, reason="停产"
    )
    assert (declared.ended_by, declared.ended_at) == ("", None)
    exemption = exemption_end(writer=official, enterprise=factory, month=D(2026, 7, 15))
    assert exemption.pk == declared.pk
    exemption.refresh_from_db()
    assert (exemption.last_month, exemption.version) == (D(2026, 7, 1), 2)
    # Who ended it and when (today is frozen at 2026-12-07 10:00 UTC); who declared it stays.
    assert (exemption.ended_by, exemption.ended_at) == (
        official.username,
        datetime.datetime(2026, 12, 7, 10, tzinfo=datetime.UTC),
    )
    assert exemption.decided_by == official.username


def test_a_programme_admin_who_ends_an_official_s_declaration_is_recorded(factory, official):
    exemption_declare(
        writer=official, enterprise=factory, first_month=D(2026, 3, 1), last_month=None, reason="停产"
    )
    admin = make_user("programme_admin")
    exemption = exemption_end(writer=admin, enterprise=factory, month=D(2026, 4, 1))
    exemption.refresh_from_db()
    assert (exemption.decided_by, exemption.ended_by) == (official.username, admin.username)


def test_a_longer_exemption_is_cut_short(factory, official):
    exemption_declare(
        writer=official,
        enterprise=factory,
        first_month=D(2026, 3, 1),
        last_month=D(2026, 12, 1),
        reason="停产",
    )
    assert exemption_end(writer=official, enterprise=factory, month=D(2026, 5, 1)).last_month == D(2026, 5, 1)


def test_only_a_running_exemption_can_be_ended(factory, official):
    exemption_declare(
        writer=official,
        enterprise=factory,
        first_month=D(2026, 3, 1),
        last_month=D(2026, 5, 1),
        reason="停产",
    )
    # Its last month already, a month after it, a month before it: nothing runs past them.
    for month in (D(2026, 5, 1), D(2026, 6, 1), D(2026, 2, 1)):
        with pytest.raises(ExemptionRefused, match=f"covers {month:%Y-%m} and runs past it"):
            exemption_end(writer=official, enterprise=factory, month=month)
    # A refused end records nobody.
    assert list(Exemption.objects.values_list("ended_by", "ended_at")) == [("", None)]


def test_a_pending_request_is_not_running(factory, official):
    requested(factory, last=None)
    with pytest.raises(ExemptionRefused, match="No approved exemption"):
        exemption_end(writer=official, enterprise=factory, month=D(2026, 4, 1))


@pytest.mark.parametrize("role", ["city_official", "trainer", "enterprise"])
def test_a_role_without_the_right_cannot_end(factory, official, role):
    exemption_declare(
        writer=official, enterprise=factory, first_month=D(2026, 3, 1), last_month=None, reason="停产"
    )
    writer = enterprise_user(factory) if role == "enterprise" else make_user(role, district="nanxun")
    with pytest.raises(PermissionDenied):
        exemption_end(writer=writer, enterprise=factory, month=D(2026, 4, 1))


def test_an_official_of_another_district_cannot_end(factory, official):
    exemption_declare(
        writer=official, enterprise=factory, first_month=D(2026, 3, 1), last_month=None, reason="停产"
    )
    with pytest.raises(EnterpriseNotFound):
        exemption_end(
            writer=make_user("district_official", district="anji"), enterprise=factory, month=D(2026, 4, 1)
        )


# --- The door refuses reports for exempt months ------------------------------------------------------


def safety_file(enterprise, *months):
    return csv_bytes(
        [
            ["统一社会信用代码", "月份", "安全检查次数", "事故起数"],
            *[[enterprise.credit_code, m, "3", "0"] for m in months],
        ]
    )


def imported(content):
    return import_file(kind="safety", file_name="safety.csv", content=content)


def test_an_import_row_for_an_exempt_month_is_refused_naming_the_exemption(factory, official):
    exemption_declare(
        writer=official,
        enterprise=factory,
        first_month=D(2026, 3, 1),
        last_month=D(2026, 5, 1),
        reason="停产",
    )
    _batch, plan = imported(safety_file(factory, "2026-02", "2026-04"))
    assert [(error.row, error.column, error.message) for error in plan.errors] == [
        (
            3,
            "月份",
            "2026-04 is exempt for this enterprise (production halted, exempt from 2026-03 to 2026-05): it "
            "takes no report.",
        )
    ]
    assert SafetyReport.objects.count() == 0  # all or nothing


def test_an_open_ended_exemption_is_named_as_such(factory, official):
    exemption_declare(
        writer=official, enterprise=factory, first_month=D(2026, 3, 1), last_month=None, reason="停产"
    )
    _batch, plan = imported(safety_file(factory, "2026-09"))
    assert [error.message for error in plan.errors] == [
        "2026-09 is exempt for this enterprise (production halted, exempt from 2026-03 until production "
        "resumes): it takes no report. Ask the district to end the exemption first."
    ]


def test_a_pending_or_refused_exemption_takes_reports(factory, official):
    requested(factory, first=D(2026, 3, 1), last=None)
    _batch, plan = imported(safety_file(factory, "2026-04"))
    assert plan.errors == []
    exemption_decide(writer=official, enterprise=factory, decision="refuse")
    _batch, plan = imported(safety_file(factory, "2026-05"))
    assert plan.errors == []
    assert list(SafetyReport.objects.values_list("month", flat=True)) == [D(2026, 4, 1), D(2026, 5, 1)]


def test_months_after_an_ended_exemption_take_reports_again(factory, official):
    exemption_declare(
        writer=official, enterprise=factory, first_month=D(2026, 3, 1), last_month=None, reason="停产"
    )
    exemption_end(writer=official, enterprise=factory, month=D(2026, 5, 1))
    _batch, plan = imported(safety_file(factory, "2026-06"))
    assert plan.errors == []
    assert SafetyReport.objects.filter(month=D(2026, 6, 1)).exists() is True


def test_months_before_a_report_stay_free(factory):
    make_reports(factory, month_range(D(2026, 1, 1), 2), inspections=1, accidents=0)
    assert requested(factory, first=D(2026, 3, 1), last=None).first_month == D(2026, 3, 1)


def test_the_refusals_speak_the_users_language(factory):
    requested(factory)
    with (
        translation.override("zh-hans"),
        pytest.raises(ExemptionRefused, match="该企业已有一项待审批的免报申请"),
    ):
        requested(factory, first=D(2026, 8, 1), last=None)
