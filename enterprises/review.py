"""The review of monthly safety reports: approve, return, reopen (docs/domain.md, "Enterprises report
for themselves").

The only code that moves a report's `state` besides the write door (which leaves every report it
changes `submitted`: imports.engine). Each step checks the writer's right on the report's district
(accounts.scoping: a district official of its district, or a programme admin), then the report's
state (STATE_RULES), raises the report's version, and keeps a history row per report (path
`review`, the new state, the comment or null), in one transaction, inside
imports.signals.write_followed so that what is derived from reports (the dashboard's roll-up of
approved reports) follows.

What a view makes of the refusals: `ReviewNotFound` 404 (no such report, or one the writer may not
see), PermissionDenied 403 (seen, but not the writer's to review), ReviewRefused 400 (the state does
not allow the step, or a required comment is missing), imports.services.StaleRecord 409.

Approving many reports at once (a district's month, or its whole backlog up to a month: after the
upgrade every report is `submitted`) is set-based: one UPDATE and one bulk history write, whatever
the number of reports.
"""

import dataclasses

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import Action, Facts, Kind, rights_of, state_allows
from common.text import text_cleaned
from districts.models import District
from enterprises.credit_code import normalise
from enterprises.imports import month_text
from enterprises.models import Enterprise, SafetyReport
from imports.history import JSON_TEXT, changes_write, history_author
from imports.models import RecordChange
from imports.services import StaleRecord
from imports.signals import write_followed

State = SafetyReport.State


class ReviewRefused(Exception):
    """The step is refused: the report's state does not allow it, or a required comment or reason is
    missing. str() is the message for the user, in the active language. Nothing was written."""


class ReviewNotFound(Exception):
    """No such report or district, or not one the writer may see (a 404, as if it did not exist)."""


def approve(*, writer, credit_code, month, version=None):
    """Approve one submitted report (its enterprise's `credit_code`, `month` any day of the month),
    which locks it. `version`: the version the reviewer saw (None: not checked). Returns 1."""
    return _step_one(writer, Action.APPROVE, credit_code, month, version, State.APPROVED, None)


def return_report(*, writer, credit_code, month, comment, version=None):
    """Send a submitted report back to its enterprise with the reviewer's `comment` (required),
    which the enterprise sees; its values still count. Returns 1."""
    comment = _required(comment, _("Write a comment saying what the enterprise should correct."))
    return _step_one(writer, Action.RETURN, credit_code, month, version, State.RETURNED, comment)


def reopen(*, writer, credit_code, month, reason, version=None):
    """Take an approved report out of its lock: it goes back to `returned`, with `reason` (required)
    as the comment the enterprise sees. Returns 1."""
    reason = _required(reason, _("Write the reason for reopening the approved report."))
    return _step_one(writer, Action.REOPEN, credit_code, month, version, State.RETURNED, reason)


def approve_month(*, writer, district, month):
    """Approve every submitted report of `district` (a District or its code) for `month`; returned
    and approved reports are left as they are. Returns how many were approved (0: none waited)."""
    month = month.replace(day=1)
    return _approve_many(writer, district, month=month)


def approve_up_to(*, writer, district, to_month):
    """Approve every submitted report of `district` (a District or its code) for the months up to
    `to_month` included: a district's backlog in one action. Returns how many were approved."""
    return _approve_many(writer, district, month__lte=to_month.replace(day=1))


# One report


def _step_one(writer, action, credit_code, month, version, new_state, comment):
    writer = dataclasses.replace(writer, path=RecordChange.Path.REVIEW)
    month = month.replace(day=1)
    with transaction.atomic():
        # The enterprise's row first, as every writer of its records locks it (imports.engine.for_commit).
        enterprise = (
            Enterprise.objects.filter(credit_code=normalise(credit_code))
            .select_for_update(no_key=True)
            .values_list("pk", "district_id", "credit_code")
            .first()
        )
        report = None
        if enterprise is not None:
            report = (
                SafetyReport.objects.filter(enterprise_id=enterprise[0], month=month)
                .values_list("pk", "state", "version")
                .first()
            )
        if report is None:
            raise ReviewNotFound(credit_code, month)
        pk, state, stored_version = report
        _check_right(writer, action, Facts(Kind.REPORT, enterprise[1], enterprise[0], state))
        if version is not None and version != stored_version:
            raise StaleRecord(SafetyReport.objects.get(pk=pk))
        if not state_allows(action, Kind.REPORT, state):
            raise ReviewRefused(_refusal(action, state))
        _move(
            writer,
            SafetyReport.objects.filter(pk=pk),
            [(enterprise[0], enterprise[2], month)],
            old_state=state,
            new_state=new_state,
            comment=comment,
        )
    return 1


def _check_right(writer, action, facts):
    """ReviewNotFound where the writer may not see the report, PermissionDenied where it may see it
    but not take the step. The command line (no actor) may."""
    if writer.actor is None:
        return
    rights = rights_of(writer.actor)
    if not rights.reaches(Action.READ, facts):
        raise ReviewNotFound(facts)
    if not rights.reaches(action, facts):
        raise PermissionDenied


def _refusal(action, state):
    """Why `action` is refused on a report in `state`, in the user's language."""
    if action == Action.APPROVE:
        if state == State.RETURNED:
            return _(
                "This report was returned to the enterprise: it can be approved once the enterprise "
                "submits it again."
            )
        return _("This report is approved already.")
    if action == Action.RETURN:
        if state == State.RETURNED:
            return _("This report has been returned already.")
        return _("This report is approved and locked: reopen it, with a reason, instead of returning it.")
    if state == State.RETURNED:
        return _("Only an approved report can be reopened; this one has been returned already.")
    return _("Only an approved report can be reopened; this one is submitted and not yet reviewed.")


def _required(text, message):
    text = text_cleaned(text or "", multi_line=True).strip()
    if not text:
        raise ReviewRefused(message)
    return text


# Many reports


def _approve_many(writer, district, **months):
    writer = dataclasses.replace(writer, path=RecordChange.Path.REVIEW)
    if not isinstance(district, District):
        district = District.objects.filter(code=district).first()
        if district is None:
            raise ReviewNotFound(district)
    _check_right(writer, Action.APPROVE, Facts(Kind.REPORT, district.pk, state=State.SUBMITTED))
    waiting = SafetyReport.objects.filter(enterprise__district=district, state=State.SUBMITTED, **months)
    with transaction.atomic():
        # The enterprises whose reports wait, locked as every writer of their records locks them (in
        # the order of their ids): none of their reports can change, nor a new one arrive, before
        # this commits. A report of another enterprise submitted meanwhile is not touched.
        locked = list(
            Enterprise.objects.filter(pk__in=waiting.values("enterprise_id"))
            .order_by("pk")
            .select_for_update(no_key=True)
            .values_list("pk", flat=True)
        )
        if not locked:
            return 0
        reports = waiting.filter(enterprise_id__in=locked)
        rows = list(reports.values_list("enterprise_id", "enterprise__credit_code", "month"))
        _move(writer, reports, rows, old_state=State.SUBMITTED, new_state=State.APPROVED, comment=None)
    return len(rows)


def _move(writer, reports, rows, *, old_state, new_state, comment):
    """Move `reports` (a queryset; `rows` its (enterprise id, credit code, month)) from `old_state`
    to `new_state`: one UPDATE raising their versions, one bulk history write, inside write_followed.
    `comment` (a return's or a reopening's) becomes the report's review comment too."""
    now = timezone.now()
    written = {"state": new_state, "version": F("version") + 1, "updated_at": now}
    if comment is not None:
        written["review_comment"] = comment
    changes = JSON_TEXT.encode({"state": [old_state, new_state]})
    # A state moves no report to another month: the roll-up reads the monthly sums of these months.
    months = [month for _enterprise_id, _code, month in rows]
    with write_followed(
        {enterprise_id for enterprise_id, _code, _month in rows},
        (min(months), max(months)) if months else None,
    ):
        reports.update(**written)
        changes_write(
            {**history_author(writer, now), "batch_id": None, "state": new_state, "comment": comment},
            [
                ("safety", code, month_text(month), RecordChange.Action.UPDATE, changes)
                for _enterprise_id, code, month in rows
            ],
        )
