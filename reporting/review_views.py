"""The district's review of the enterprises' reports (docs/domain.md, "Enterprises report for
themselves"): the queue of submitted reports with their warnings, explanations and what changed
(/review/), the review steps (approve, return, reopen: enterprises.review, the only mover of a
report's state), and a district official's filing for an enterprise that cannot (代填报, through
the door as the enterprise's own form is: reporting.views.report_form).

A step carried out redirects (303) to the queue as it was (its page and district filter, the
query string the forms post to), or to the portal's page it was posted from (`next`: the
enterprise's page reopens an approved report); a refused one writes nothing and shows the queue
again with the reason and what was typed: 404 for a report outside the reviewer's districts, 403
for a role without the right, 400 for invalid input or a state that does not allow the step, 409
for a stale version."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.scoping import Action, Facts, Kind, rights_of
from common.months import parse_month
from districts.models import District
from enterprises import exemptions, review
from enterprises.credit_code import CreditCodeConverter, normalise
from enterprises.models import Enterprise, Exemption, SafetyReport, reported_counts
from imports.engine import Writer
from imports.models import RecordChange
from imports.services import StaleRecord

from . import months as rules
from .views import month_of, report_form

# Submitted reports per page, newest month first: the page's queries do not grow with the backlog.
PER_PAGE = 25
# The returned reports listed (all of them counted): the enterprises' to correct, not the reviewer's.
RETURNED_SHOWN = 50

State = SafetyReport.State


def _reviewer(user):
    """The user's rights; PermissionDenied (403) for a role that reviews nothing."""
    rights = rights_of(user)
    if rights.reach(Action.APPROVE, Kind.REPORT) is None:
        raise PermissionDenied
    return rights


def _districts(request, rights):
    """(the districts the reviewer reviews, in the table's order; the one the `district` filter
    chose or None). An unknown or unseen district is a 400."""
    lookups = rights.district_lookups(Action.APPROVE, Kind.REPORT) or {}
    districts = list(District.objects.filter(**lookups).order_by("division"))
    code = request.GET.get("district", "")
    if not code:
        return districts, None
    chosen = next((district for district in districts if district.code == code), None)
    if chosen is None:
        raise BadRequest(_("Unknown district %(code)s.") % {"code": code[:20]})
    return districts, chosen


@login_required
def queue(request):
    return _queue_page(request)


def _queue_page(request, *, status=200, refused=None, typed=None):
    """The queue: a page of submitted reports (grouped by month and district, each with its values,
    warnings, explanation and last changes), the returned ones and the pending exemption requests:
    the same ten queries whatever the backlog (tests/test_review_pages.py counts them)."""
    rights = _reviewer(request.user)
    districts, chosen = _districts(request, rights)
    shown = [chosen] if chosen else districts
    waiting = (
        SafetyReport.objects.filter(state=State.SUBMITTED, enterprise__district__in=shown)
        .select_related("enterprise__district")
        .order_by("-month", "enterprise__district__division", "enterprise__credit_code")
    )
    page = Paginator(waiting, PER_PAGE).get_page(request.GET.get("page"))
    reports = list(page)
    _described(reports)
    returned = (
        SafetyReport.objects.filter(state=State.RETURNED, enterprise__district__in=shown)
        .select_related("enterprise__district")
        .order_by("-month", "enterprise__district__division", "enterprise__credit_code")
    )
    pending = (
        Exemption.objects.filter(status=Exemption.Status.PENDING, enterprise__district__in=shown)
        .select_related("enterprise__district")
        .order_by("requested_at", "pk")
    )
    context = {
        "exemption_requests": list(pending),
        "districts": districts,
        "chosen": chosen,
        "page": page,
        "groups": _grouped(reports),
        "returned_count": returned.count(),
        "returned": list(returned[:RETURNED_SHOWN]),
        "files_for": rights.reach(Action.FILE_FOR, Kind.REPORT) is not None,
        "query": request.GET.urlencode(),
        "page_query": f"district={chosen.code}" if chosen else "",
        "refused": refused,
        "typed": typed or {},
    }
    return render(request, "reporting/review.html", context, status=status)


def _described(reports):
    """Each report given `values` [(label, value, warning or "")], `changes` {label: [old, new]}
    of its latest write and `first` (that write created it): two queries for all of them."""
    warned = rules.warnings_of_reports(reports)
    latest = _latest_writes(reports)
    labels = {field.name: field.verbose_name for field in SafetyReport._meta.concrete_fields}
    for report in reports:
        warnings = warned.get(report.pk, {})
        report.values = [
            (field.verbose_name, getattr(report, field.name), warnings.get(field.name, ""))
            for field in reported_counts(SafetyReport)
        ]
        action, changes = latest.get((report.enterprise.credit_code, f"{report.month:%Y-%m}"), ("", {}))
        report.first = action == RecordChange.Action.CREATE
        report.changes = {labels.get(name, name): pair for name, pair in changes.items() if name != "state"}


def _latest_writes(reports):
    """{(credit code, YYYY-MM): (action, changes)} of each report's latest write (not a review step):
    what changed since its last submission. One query for the page."""
    if not reports:
        return {}
    rows = (
        RecordChange.objects.filter(
            kind="safety",
            credit_code__in={report.enterprise.credit_code for report in reports},
            record_key__in={f"{report.month:%Y-%m}" for report in reports},
        )
        .exclude(path=RecordChange.Path.REVIEW)
        .order_by("at", "id")
        .values_list("credit_code", "record_key", "action", "changes")
    )
    return {(code, key): (action, changes) for code, key, action, changes in rows}


def _grouped(reports):
    """[{"month", "district", "reports"}] in the page's order (month, then district)."""
    groups = []
    for report in reports:
        district = report.enterprise.district
        if not groups or (groups[-1]["month"], groups[-1]["district"]) != (report.month, district):
            groups.append({"month": report.month, "district": district, "reports": []})
        groups[-1]["reports"].append(report)
    return groups


# The steps


class Invalid(Exception):
    """Input the step cannot take (a malformed month or version, a missing field): a 400."""


def _month(data, name):
    try:
        return parse_month(data.get(name, ""))
    except ValidationError as error:
        raise Invalid(error.messages[0]) from error


def _version(data):
    text = data.get("version", "")
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        raise Invalid(_("The form's version is not a number: reload the page."))
    return int(text)


def _carried_out(request, step):
    """Take `step` (writer, POST data) -> the message to show; redirect (303) to the queue as it was,
    or show the queue again with why it was refused and what was typed."""
    _reviewer(request.user)
    writer = Writer.of(request.user, RecordChange.Path.REVIEW)
    try:
        # No field of a step holds a NUL, and PostgreSQL refuses to compare text with one.
        if any("\x00" in value for values in request.POST.lists() for value in values[1]):
            raise Invalid(_("The form holds a character that no field takes (NUL)."))
        message = step(writer, request.POST)
    except (review.ReviewNotFound, exemptions.EnterpriseNotFound):
        return _refused(request, 404, _("No such report, or not one of your districts."))
    except ValidationError as error:  # an exemption the rules refuse (exemptions.ExemptionRefused)
        return _refused(request, 400, " ".join(error.messages))
    except PermissionDenied:
        return _refused(request, 403, _("You may not take this step."))
    except (Invalid, review.ReviewRefused) as error:
        return _refused(request, 400, str(error))
    except StaleRecord as error:
        return _refused(request, 409, str(error))
    messages.success(request, message)
    return HttpResponseRedirect(_back(request), status=303)


def _back(request):
    """Where a step carried out goes: the page it was posted from when the form says so (`next`, a
    page of this portal: the enterprise's page reopens a report), else the queue as it was."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    query = request.GET.urlencode()
    return reverse("review") + (f"?{query}" if query else "")


def _refused(request, status, reason):
    typed = {
        name: request.POST.get(name, "")
        for name in request.POST
        if name not in ("csrfmiddlewaretoken", "next")
    }
    return _queue_page(request, status=status, refused=reason, typed=typed)


def _named(credit_code, month):
    """ "Name, YYYY-MM" of a report just reviewed, for the message."""
    name = (
        Enterprise.objects.filter(credit_code=normalise(credit_code)).values_list("name", flat=True).first()
    )
    return {"name": name or credit_code, "month": f"{month:%Y-%m}"}


@require_POST
@login_required
def approve(request):
    return _carried_out(request, _approve_step)


def _approve_step(writer, data):
    """One report (`credit_code`, `month`, `version`), a district's month (`district`, `month`) or
    its backlog up to a month (`district`, `to`)."""
    if data.get("credit_code"):
        month = _month(data, "month")
        review.approve(writer=writer, credit_code=data["credit_code"], month=month, version=_version(data))
        return _("Approved: %(name)s, %(month)s.") % _named(data["credit_code"], month)
    district = data.get("district", "")
    if not district:
        raise Invalid(_("Say what to approve: a report (credit code and month) or a district's month."))
    if data.get("month"):
        month = _month(data, "month")
        count = review.approve_month(writer=writer, district=district, month=month)
    else:
        month = _month(data, "to")
        count = review.approve_up_to(writer=writer, district=district, to_month=month)
    return ngettext(
        "Approved %(count)d report (up to %(month)s).",
        "Approved %(count)d reports (up to %(month)s).",
        count,
    ) % {"count": count, "month": f"{month:%Y-%m}"}


def _one_report_step(service, field, done):
    """The step (for _carried_out) that calls `service` on one report (`credit_code`, `month`,
    `version`) with the text posted in `field`, which the service requires (a return's comment, a
    reopening's reason); `done` is the message, of the report's name and month."""

    def step(writer, data):
        credit_code, month = data.get("credit_code", ""), _month(data, "month")
        service(
            writer=writer,
            credit_code=credit_code,
            month=month,
            version=_version(data),
            **{field: data.get(field, "")},
        )
        return done % _named(credit_code, month)

    return step


@require_POST
@login_required
def return_(request):
    done = _("Returned to the enterprise with your comment: %(name)s, %(month)s.")
    return _carried_out(request, _one_report_step(review.return_report, "comment", done))


@require_POST
@login_required
def reopen(request):
    done = _("Reopened: %(name)s, %(month)s is back with the enterprise to correct.")
    return _carried_out(request, _one_report_step(review.reopen, "reason", done))


# Filing for an enterprise (代填报)


@login_required
def file_for(request, credit_code, month):
    """The enterprise's month form, filed by a district official of its district: the same rules,
    warnings and explanation; written through the door with the official as the writer."""
    rights = rights_of(request.user)
    if rights.reach(Action.FILE_FOR, Kind.REPORT) is None:
        raise PermissionDenied
    enterprise = (
        Enterprise.objects.select_related("district").filter(credit_code=normalise(credit_code)).first()
    )
    if enterprise is None or not rights.reaches(
        Action.FILE_FOR, Facts(Kind.REPORT, enterprise.district_id, enterprise.pk)
    ):
        raise Http404
    return report_form(
        request,
        enterprise=enterprise,
        month=month_of(month),
        writer=Writer.of(request.user, RecordChange.Path.FORM, action=Action.FILE_FOR),
        done=redirect("review"),
        filed_for=True,
    )


def _enterprise(data):
    """The enterprise `credit_code` names; not found (404) when there is none: whether the reviewer
    may see it is the exemption services' to say (404 as well)."""
    code = normalise(data.get("credit_code", ""))
    # Only what could be a credit code reaches the database (PostgreSQL refuses text with a NUL).
    well_formed = re.fullmatch(CreditCodeConverter.regex, code) is not None
    enterprise = Enterprise.objects.filter(credit_code=code).first() if well_formed else None
    if enterprise is None:
        raise exemptions.EnterpriseNotFound(data.get("credit_code", ""))
    return enterprise


@require_POST
@login_required
def exempt(request):
    """`credit_code`, `decision` (approve or refuse), `comment`: the pending request decided; or,
    with `from`, `to` (empty: open-ended) and `reason`, `decision` approve and no request pending,
    an exemption declared for the enterprise."""

    def step(writer, data):
        enterprise = _enterprise(data)
        declaring = (
            bool(data.get("from"))
            and not enterprise.exemptions.filter(status=Exemption.Status.PENDING).exists()
        )
        if declaring:
            if data.get("decision") != exemptions.Decision.APPROVE:
                raise Invalid(
                    _("To declare an exemption, send decision “approve” with its months and reason.")
                )
            exemption = exemptions.exemption_declare(
                writer=request.user,
                enterprise=enterprise,
                first_month=_month(data, "from"),
                last_month=_month(data, "to") if data.get("to") else None,
                reason=data.get("reason", ""),
            )
            return _("Exempt months declared: %(name)s, %(months)s.") % {
                "name": enterprise.name,
                "months": exemptions.exemption_text(exemption),
            }
        exemption = exemptions.exemption_decide(
            writer=request.user,
            enterprise=enterprise,
            decision=data.get("decision", ""),
            comment=data.get("comment", ""),
        )
        if exemption.status == Exemption.Status.APPROVED:
            return _("Exemption approved: %(name)s, %(months)s.") % {
                "name": enterprise.name,
                "months": exemptions.exemption_text(exemption),
            }
        return _("Exemption refused: %(name)s.") % {"name": enterprise.name}

    return _carried_out(request, step)


@require_POST
@login_required
def exempt_end(request):
    """`credit_code`, `month`: the enterprise's running exemption ends with that month."""

    def step(writer, data):
        enterprise = _enterprise(data)
        month = _month(data, "month")
        exemptions.exemption_end(writer=request.user, enterprise=enterprise, month=month)
        return _("The exemption of %(name)s ends with %(month)s.") % {
            "name": enterprise.name,
            "month": f"{month:%Y-%m}",
        }

    return _carried_out(request, step)
