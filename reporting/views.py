"""The enterprise's own pages (docs/domain.md, "Enterprises report for themselves"): its months and
their states (/report/), and a month's form (/report/<YYYY-MM>/), on a phone first. The report is
written through the door (imports.services.record_save): the import's rules, the rule of rights on
what is written, the history, the roll-up's update, a stale form refused."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scoping import Role, user_role
from common.months import parse_month
from enterprises.exemptions import exemption_request
from enterprises.models import Enterprise, SafetyReport
from imports.engine import Writer
from imports.models import RecordChange
from imports.services import RecordRefused, StaleRecord, record_save

from . import months as rules
from .forms import MonthReportForm, door_errors_placed


def own_enterprise(user):
    """The enterprise the user reports for; PermissionDenied (403) for any other role."""
    if user_role(user) != Role.ENTERPRISE:
        raise PermissionDenied
    enterprise = Enterprise.objects.select_related("district").filter(pk=user.profile.enterprise_id).first()
    if enterprise is None:
        raise PermissionDenied
    return enterprise


@login_required
def home(request):
    return _home_page(request, own_enterprise(request.user))


def _home_page(request, enterprise, *, status=200, refused=None):
    months = rules.overview(enterprise)
    return render(
        request,
        "reporting/home.html",
        {
            "enterprise": enterprise,
            "to_do": [row for row in months if row.to_do],
            "recent": months[:12],
            "older": months[12:],
            "next_due": rules.next_due(enterprise),
            "exemptions": enterprise.exemptions.order_by("-first_month"),
            "suggestion_count": enterprise.suggestions.count(),
            "project_count": enterprise.projects.count(),
            "refused": refused,
            "typed": request.POST if refused else {},
        },
        status=status,
    )


@require_POST
@login_required
def exempt_request(request):
    """POST /report/exempt/: `from`, `to` (empty: open-ended), `reason`: the enterprise asks that
    those months be exempt (production halted); its district decides (enterprises.exemptions)."""
    enterprise = own_enterprise(request.user)
    try:
        first = parse_month(request.POST.get("from", ""))
        last = parse_month(request.POST["to"]) if request.POST.get("to") else None
        exemption_request(
            writer=request.user,
            enterprise=enterprise,
            first_month=first,
            last_month=last,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:  # a malformed month, or a request the rules refuse
        return _home_page(request, enterprise, status=400, refused=" ".join(error.messages))
    messages.success(request, _("Your exemption request is sent to the district office."))
    return redirect("report_home")


def month_of(text):
    try:
        return parse_month(text)
    except ValidationError as error:
        raise Http404 from error


def _stored_values(report):
    values = {field.name: getattr(report, field.name) for field in MonthReportForm().count_fields}
    return {**values, "explanation": report.explanation, "version": report.version}


@login_required
def month_form(request, month):
    enterprise = own_enterprise(request.user)
    return report_form(
        request,
        enterprise=enterprise,
        month=month_of(month),
        writer=Writer.of(request.user, RecordChange.Path.FORM),
        done=redirect("report_home"),
    )


def report_form(request, *, enterprise, month, writer, done, filed_for=False):
    """The month's form of `enterprise`, shown (GET) or written through the door as `writer`
    (POST): the enterprise's own form, and a district official's filing for it (代填报,
    reporting.review_views), with the same rules, plausibility warnings and explanation. `done` is
    the answer once written; `filed_for` shows whose form it is."""
    report = SafetyReport.objects.filter(enterprise=enterprise, month=month).first()
    refused = rules.refusal(enterprise, month, report)
    context = {
        "enterprise": enterprise,
        "month": month,
        "report": report,
        "refused": refused,
        "filed_for": filed_for,
    }
    if request.method != "POST":
        form = MonthReportForm(initial=_stored_values(report) if report else {})
        return render(request, "reporting/month.html", {**context, "form": form})
    form = MonthReportForm(request.POST)
    if refused:
        return render(request, "reporting/month.html", {**context, "form": form}, status=400)
    if not form.is_valid():
        return render(request, "reporting/month.html", {**context, "form": form}, status=400)
    return _submitted(request, form, context, writer, done)


def _submitted(request, form, context, writer, done):
    """The valid form written through the door, or shown again: warnings to explain (400), rules or
    rights refused (400), a newer report meanwhile (409)."""
    enterprise, month, report = context["enterprise"], context["month"], context["report"]
    values = {name: value for name, value in form.cleaned_data.items() if name != "version"}
    warned = rules.warnings(enterprise, month, values)
    context = {**context, "form": form, "warned": warned}
    if warned and not values["explanation"].strip():
        for field, message in warned.items():
            form.add_error(field, message)
        form.add_error("explanation", _("Explain the values marked above, or correct them."))
        return render(request, "reporting/month.html", context, status=400)
    instance = report or SafetyReport(enterprise=enterprise, month=month)
    for name, value in values.items():
        setattr(instance, name, value)
    try:
        record_save(instance=instance, writer=writer, version=form.cleaned_data["version"])
    except StaleRecord as stale:
        newer = MonthReportForm(initial=_stored_values(stale.current))
        context.update(form=newer, stale=str(stale), typed=form.cleaned_data)
        return render(request, "reporting/month.html", context, status=409)
    except RecordRefused as refused:
        door_errors_placed(form, SafetyReport, refused.problems)
        return render(request, "reporting/month.html", context, status=400)
    messages.success(request, _("The report for %(month)s is submitted.") % {"month": f"{month:%Y-%m}"})
    return done
