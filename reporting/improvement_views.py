"""The enterprise's suggestions and improvement projects (docs/domain.md, "Enterprises report for
themselves"): listed, added and moved on (status, completion, savings) in short forms on a phone,
at /report/suggestions/ and /report/projects/. What an enterprise's own user adds is marked as
entered by the enterprise (the door does it: imports.engine.ImportKind.entered_by_field); a district
official of its district or a programme admin corrects it on the same record's page, reached from the
enterprise's page. Every write goes through the door (imports.services.record_save): the import's
rules, the rule of rights on what is written, the history, the roll-up, a stale form refused (409).

One set of views serves both kinds: the URL names the kind (`KINDS`)."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from accounts.scoping import Action, Role, rights_of, user_role
from imports.engine import Writer
from imports.models import RecordChange
from imports.services import RecordRefused, StaleRecord, kind_of_model, record_save
from improvements.models import ImprovementProject, Suggestion

from .forms import ProjectForm, SuggestionForm, door_errors_placed
from .views import own_enterprise


@dataclass(frozen=True)
class RecordPage:
    """A kind of record the enterprise enters itself, as its pages show it."""

    name: str  # its URLs' segment and names (report_<name>, report_<name>_new, report_<name>_edit)
    model: type
    form: type
    prefix: str  # of the references the portal gives (S-1, P-1, …)
    order: tuple  # the list's order, newest first
    title: object
    added: object  # the message once added; %(reference)s
    saved: object  # the message once saved; %(reference)s


KINDS = {
    page.name: page
    for page in (
        RecordPage(
            name="suggestions",
            model=Suggestion,
            form=SuggestionForm,
            prefix="S",
            order=("-submitted_on", "-pk"),
            title=gettext_lazy("Worker suggestions"),
            added=gettext_lazy("Suggestion %(reference)s is added."),
            saved=gettext_lazy("Suggestion %(reference)s is saved."),
        ),
        RecordPage(
            name="projects",
            model=ImprovementProject,
            form=ProjectForm,
            prefix="P",
            order=("-started_on", "-pk"),
            title=gettext_lazy("Improvement projects"),
            added=gettext_lazy("Project %(reference)s is added."),
            saved=gettext_lazy("Project %(reference)s is saved."),
        ),
    )
}


@login_required
def record_list(request, kind):
    """GET /report/suggestions/ or /report/projects/: the enterprise's own, newest first."""
    page, enterprise = KINDS[kind], own_enterprise(request.user)
    records = page.model.objects.filter(enterprise=enterprise).select_related("module").order_by(*page.order)
    return render(
        request,
        "reporting/improvements.html",
        {
            "page": page,
            "enterprise": enterprise,
            "records": Paginator(records, 30).get_page(request.GET.get("page")),
        },
    )


@login_required
def record_new(request, kind):
    """GET, POST /report/<kind>/new/: the enterprise adds one; the portal numbers it when the
    reference is left empty."""
    page, enterprise = KINDS[kind], own_enterprise(request.user)
    instance = page.model(enterprise=enterprise)
    form = page.form(request.POST or None, instance=instance)
    context = {"page": page, "enterprise": enterprise, "form": form}
    if request.method != "POST":
        return _form_page(request, context)
    if not form.is_valid():
        return _form_page(request, context, status=400)
    if not instance.reference:
        instance.reference = next_reference(page, enterprise)
    return _saved(request, page, form, context, new=True)


@login_required
def record_edit(request, kind, pk):
    """GET, POST /report/<kind>/<id>/: the record's form, for its enterprise's users and for those
    who may correct it (a district official of its district, a programme admin); a role that
    writes no such record 403, another enterprise's or district's record 404."""
    page = KINDS[kind]
    rights = rights_of(request.user)
    if rights.reach(Action.WRITE, kind_of_model(page.model).record_kind) is None:
        raise PermissionDenied
    record = page.model.objects.select_related("enterprise__district", "module").filter(pk=pk).first()
    if record is None or not rights.can(Action.WRITE, record):
        raise Http404
    form = page.form(request.POST or None, instance=record)
    context = {"page": page, "enterprise": record.enterprise, "form": form, "record": record}
    if request.method != "POST":
        return _form_page(request, context)
    if not form.is_valid():
        return _form_page(request, context, status=400)
    return _saved(request, page, form, context, new=False)


def _form_page(request, context, status=200):
    mine = user_role(request.user) == Role.ENTERPRISE
    return render(
        request, "reporting/improvement_form.html", {**context, "user_is_enterprise": mine}, status=status
    )


def _saved(request, page, form, context, *, new):
    """The valid form written through the door as the user, then back where the user came from;
    or the form again: the door's rules or rights refused (400), a newer record meanwhile (409)."""
    instance = form.instance
    writer = Writer.of(request.user, RecordChange.Path.FORM)
    try:
        record_save(instance=instance, writer=writer, version=form.cleaned_data.get("version"), new=new)
    except StaleRecord as stale:
        newer = page.form(instance=stale.current)
        context.update(form=newer, stale=str(stale), typed=form.cleaned_data, record=stale.current)
        return _form_page(request, context, status=409)
    except RecordRefused as refused:
        door_errors_placed(form, page.model, refused.problems)
        return _form_page(request, context, status=400)
    message = page.added if new else page.saved
    messages.success(request, message % {"reference": instance.reference})
    if user_role(request.user) == Role.ENTERPRISE:
        return redirect(f"report_{page.name}")
    return redirect("enterprise_detail", credit_code=instance.enterprise.credit_code)


def next_reference(page, enterprise):
    """The first of S-1, S-2, … (P-… for a project) the enterprise's records of the kind do not
    have. A record added at the same moment with the same number is refused by the door (the key
    taken), and the form shown again to send once more."""
    taken = set(
        page.model.objects.filter(enterprise=enterprise, reference__startswith=f"{page.prefix}-").values_list(
            "reference", flat=True
        )
    )
    number = len(taken) + 1
    while f"{page.prefix}-{number}" in taken:
        number += 1
    return f"{page.prefix}-{number}"
