"""The import pages: upload → preview → confirm → done, the error sheet and the history.

Programme admins only. Nothing is written before the confirmation; the file waits in its
ImportBatch row meanwhile.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.scoping import Action, Kind, require_role, rights_of
from common.spreadsheets import CONTENT_TYPES
from imports.error_sheet import error_sheet
from imports.forms import ImportForm
from imports.kinds import KINDS, import_kind
from imports.models import ImportBatch
from imports.services import (
    ImportConflict,
    PlanChanged,
    import_batch_confirm,
    import_batch_expired,
    import_batch_plan,
    import_batch_preview,
    import_batch_replan,
    problems_listed,
)
from imports.templates import import_template
from imports.undo import UndoRefused, import_undo

PREVIEW_ROWS = 20


def _batch_for_admin(request, pk):
    require_role(request.user, Role.PROGRAMME_ADMIN)
    return get_object_or_404(ImportBatch.objects.select_related("user", "api_client"), pk=pk)


def _expired(request, batch):
    """Whether the upload's file is gone (not confirmed in time); says so to the user."""
    if not import_batch_expired(batch=batch):
        return False
    messages.warning(
        request,
        _(
            "This upload was not confirmed within %(days)d days, so its file has been deleted. "
            "Please upload the file again."
        )
        % {"days": settings.SCORE_IMPORT_KEEP_DAYS},
    )
    return True


@login_required
def import_upload(request):
    require_role(request.user, Role.PROGRAMME_ADMIN)
    may_override = rights_of(request.user).reach(Action.OVERRIDE_LOCK, Kind.REPORT) is not None
    form = ImportForm(request.POST or None, request.FILES or None, may_override=may_override)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch, _plan = import_batch_preview(
            user=request.user,
            kind=form.cleaned_data["kind"],
            file_name=upload.name,
            content=upload.read(),
            override_reason=form.cleaned_data.get("override_reason", ""),
        )
        return redirect("import_preview", batch.pk)
    templates = [(name, kind.label) for name, kind in KINDS.items()]
    return render(request, "imports/upload.html", {"form": form, "templates": templates})


@login_required
def import_template_download(request, kind):
    """The XLSX template of a kind of file (imports.templates), in the user's language."""
    require_role(request.user, Role.PROGRAMME_ADMIN)
    try:
        declaration = import_kind(kind)
    except KeyError:
        raise Http404 from None
    body, name = import_template(declaration)
    response = HttpResponse(body, content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


@login_required
def import_preview(request, pk):
    batch = _batch_for_admin(request, pk)
    if batch.status == ImportBatch.Status.COMMITTED:
        return redirect("import_done", batch.pk)
    if _expired(request, batch):
        return redirect("import_upload")
    # Planned again against the data as it is now: what the admin sees is what a confirm will do.
    plan = import_batch_replan(batch=batch)
    errors, more_errors = problems_listed(plan.errors)
    warnings, more_warnings = problems_listed(plan.warnings)
    rows = [(row, plan.shown(row)) for row in plan.rows if row.action in ("create", "update")][:PREVIEW_ROWS]
    return render(
        request,
        "imports/preview.html",
        {
            "batch": batch,
            "plan": plan,
            "counts": plan.counts(),
            "error_rows": plan.error_rows(),
            "errors": errors,
            "more_errors": more_errors,
            "row_errors": any(problem.row for problem in plan.errors) and plan.headers,
            "warnings": warnings,
            "more_warnings": more_warnings,
            "columns": plan.preview_columns(),
            "rows": rows,
            "preview_rows": PREVIEW_ROWS,
        },
    )


@require_POST
@login_required
def import_confirm(request, pk):
    batch = _batch_for_admin(request, pk)
    if _expired(request, batch):
        return redirect("import_upload")
    try:
        batch, plan = import_batch_confirm(batch=batch)
    except PlanChanged:
        messages.warning(
            request,
            _(
                "The data in the portal changed since the preview. Here is the file checked again: look before confirming."
            ),
        )
        return redirect("import_preview", batch.pk)
    except ImportConflict as conflict:
        # Nothing was written; the preview, planned again, shows what a new confirm would do.
        messages.error(request, str(conflict))
        return redirect("import_preview", batch.pk)
    if plan is None and batch.status != ImportBatch.Status.COMMITTED:
        return redirect("import_preview", batch.pk)
    return redirect("import_done", batch.pk)


@login_required
def import_done(request, pk):
    batch = _batch_for_admin(request, pk)
    if batch.status != ImportBatch.Status.COMMITTED:
        return redirect("import_preview", batch.pk)
    return render(request, "imports/done.html", {"batch": batch})


@login_required
def import_errors(request, pk):
    batch = _batch_for_admin(request, pk)
    if batch.status == ImportBatch.Status.COMMITTED:
        return redirect("import_done", batch.pk)
    if _expired(request, batch):
        return redirect("import_upload")
    # Only the errors are kept: the plan's rows go before the sheet reads the file again.
    errors = import_batch_plan(batch=batch).errors
    if not any(problem.row for problem in errors):
        return redirect("import_preview", batch.pk)
    content, name, content_type = error_sheet(
        content=bytes(batch.content), file_name=batch.file_name, errors=errors
    )
    response = HttpResponse(content, content_type=content_type)
    # The uploaded file's name, often Chinese: filename*=utf-8''<percent-encoded> (RFC 6266).
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


@login_required
def import_history(request):
    require_role(request.user, Role.PROGRAMME_ADMIN)
    batches = ImportBatch.objects.select_related("user", "api_client").defer("content")
    page = Paginator(batches, 50).get_page(request.GET.get("page"))
    return render(request, "imports/history.html", {"page": page})


@login_required
def import_undo_view(request, pk):
    """Undo a confirmed import: a page that says what it will do, and its POST that does it."""
    batch = _batch_for_admin(request, pk)
    if request.method == "POST":
        try:
            removed, restored = import_undo(batch=batch, user=request.user)
        except UndoRefused as refused:
            for reason in refused.reasons:
                messages.error(request, reason)
            if refused.more:
                messages.error(request, _("… and %(count)d more.") % {"count": refused.more})
            return redirect("import_undo", pk=batch.pk)
        messages.success(
            request,
            _(
                "Import undone: %(removed)d records removed, %(restored)d records set back to their earlier values."
            )
            % {"removed": removed, "restored": restored},
        )
        return redirect("import_history")
    return render(request, "imports/undo.html", {"batch": batch})
