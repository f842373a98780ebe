"""Exempt months (停产/停业): requesting, deciding, declaring and ending an enterprise's exemption
(docs/domain.md, "Exempt months").

Each service checks the writer's right by the rule of rights (accounts.scoping), on the enterprise
locked for the write, and writes inside `imports.signals.write_followed`, so that what the
dashboard derives from the records (the roll-up) follows the exemption: its months stop being owed.

A refusal raises:
- `EnterpriseNotFound` when the writer may not even see the enterprise (another district's or
  another enterprise's: a page answers 404, as for any record out of reach);
- `PermissionDenied` when the writer sees it but its role has not the right (403);
- `ExemptionRefused` (a ValidationError, its message in the user's language) when the request is
  not allowed as the enterprise's months and exemptions stand (400).

The history of the decisions is the Exemption rows themselves: a request or a declaration is a row
of its own, never deleted; who asked and when (`requested_by`, `requested_at`), who decided, when
and why (`decided_by`, `decided_at`, `comment`) stay on it, and `status` only moves from pending to
approved or refused. Ending an exemption shortens its `last_month`, records who ended it and when
(`ended_by`, `ended_at`) and raises its `version`.
"""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import Action, Facts, Kind, Rights
from common.months import add_months, date_range
from enterprises.models import Enterprise, Exemption, SafetyReport
from imports import signals


class ExemptionRefused(ValidationError):
    """The exemption step is not allowed as things stand (a view answers 400 with the message)."""


class EnterpriseNotFound(Exception):
    """The enterprise is not one the writer may see (a view answers 404)."""


class Decision:
    APPROVE = "approve"
    REFUSE = "refuse"


def _month_text(month):
    return f"{month:%Y-%m}"


@contextmanager
def _written(writer, enterprise, action, *, figures=True):
    """The transaction of an exemption's write, yielding the enterprise locked (_locked) first; then,
    for a write that can change the figures, the roll-up following it (imports.signals), its sums
    read under that lock as the door's writes read them: a report written meanwhile by another
    transaction is counted once."""
    with transaction.atomic():
        enterprise = _locked(writer, enterprise, action)
        if not figures:
            yield enterprise
            return
        with signals.write_followed({enterprise.pk}):
            yield enterprise


def _locked(writer, enterprise, action):
    """The enterprise locked for the write (an import's commit locks it too: a report cannot arrive
    for a month while it is being exempted), after checking the writer's right to `action` on it."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    rights = Rights(writer)
    facts = Facts(Kind.ENTERPRISE, enterprise.district_id, enterprise.pk)
    if not rights.can(Action.READ, facts):
        raise EnterpriseNotFound(enterprise.credit_code)
    if not rights.can(action, facts):
        raise PermissionDenied
    return enterprise


def first_owed_month(enterprise):
    """The first month the enterprise owes a report: 12 months before its SCORE start month."""
    return add_months(enterprise.score_start.replace(day=1), -12)


def last_owed_month(enterprise):
    """The last month it owes a report, the month before it left; None while it takes part."""
    return add_months(enterprise.left_on.replace(day=1), -1) if enterprise.left_on else None


def _covering(enterprise, first_month, last_month):
    """Condition on the enterprise's rows with a month: within first_month..last_month (None: on)."""
    condition = Q(enterprise=enterprise, month__gte=first_month)
    return condition & Q(month__lte=last_month) if last_month is not None else condition


def _overlapping_approved(enterprise, first_month, last_month):
    """The enterprise's approved exemptions sharing a month with first_month..last_month."""
    overlap = Q(last_month__isnull=True) | Q(last_month__gte=first_month)
    if last_month is not None:
        overlap &= Q(first_month__lte=last_month)
    return Exemption.objects.filter(overlap, enterprise=enterprise, status=Exemption.Status.APPROVED)


def _months_checked(enterprise, first_month, last_month):
    """The months as first days, after checking that they may be exempted: within the dates the
    portal accepts, in order, owed by the enterprise (from its first owed month to the month before
    it left: an open-ended exemption of an enterprise that left would run past it), without a report
    and not exempted already."""
    first_month = first_month.replace(day=1)
    last_month = last_month.replace(day=1) if last_month is not None else None
    earliest, latest = date_range()
    for month in (first_month, last_month):
        if month is not None and not earliest <= month <= latest:
            raise ExemptionRefused(
                _("%(month)s is not a month the portal accepts: months run from %(earliest)s to %(latest)s.")
                % {
                    "month": _month_text(month),
                    "earliest": _month_text(earliest),
                    "latest": _month_text(latest),
                }
            )
    if last_month is not None and last_month < first_month:
        raise ExemptionRefused(
            _("An exemption cannot end (%(last)s) before it starts (%(first)s).")
            % {"first": _month_text(first_month), "last": _month_text(last_month)}
        )
    first_owed, last_owed = first_owed_month(enterprise), last_owed_month(enterprise)
    if first_month < first_owed:
        raise ExemptionRefused(
            _(
                "The enterprise owes no report before %(first_owed)s (12 months before its SCORE start): "
                "there is nothing to exempt in %(month)s."
            )
            % {"first_owed": _month_text(first_owed), "month": _month_text(first_month)}
        )
    if last_owed is not None and (last_month is None or last_month > last_owed):
        raise ExemptionRefused(
            _(
                "The enterprise left the programme: it owes no report after %(last_owed)s, so an exemption "
                "must end by then."
            )
            % {"last_owed": _month_text(last_owed)}
        )
    reported = (
        SafetyReport.objects.filter(_covering(enterprise, first_month, last_month))
        .order_by("month")
        .values_list("month", flat=True)
    )
    if reported:
        raise ExemptionRefused(
            _("The enterprise has a safety report for %(months)s: a month with a report cannot be exempt.")
            % {"months": ", ".join(_month_text(month) for month in reported)}
        )
    approved = _overlapping_approved(enterprise, first_month, last_month).first()
    if approved is not None:
        raise ExemptionRefused(
            _("These months overlap an approved exemption (%(exemption)s).")
            % {"exemption": exemption_text(approved)}
        )
    return first_month, last_month


def exemption_text(exemption):
    """Its months as the messages name them: 2026-03–2026-05, or 2026-03– for an open-ended one."""
    last = _month_text(exemption.last_month) if exemption.last_month else ""
    return f"{_month_text(exemption.first_month)}–{last}"


def _reason_checked(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ExemptionRefused(_("Give the reason production halted."))
    return reason


def _pending(enterprise):
    return Exemption.objects.filter(enterprise=enterprise, status=Exemption.Status.PENDING).first()


def _saved(exemption):
    """Validate the row's fields (the reason's and comment's text rules) and save it."""
    try:
        exemption.full_clean(exclude=["enterprise"], validate_constraints=False)
    except ValidationError as error:
        raise ExemptionRefused(error.messages) from None
    exemption.save()
    return exemption


def exemption_request(*, writer, enterprise, first_month, last_month, reason):
    """An enterprise user asks that its enterprise's months `first_month`..`last_month` (None:
    open-ended) be exempt, giving the reason: a pending request, which its district decides. At most
    one request is pending at a time; the months must be owed, without reports and not exempt
    already. Returns the Exemption."""
    # A pending request exempts nothing: the figures do not change, and no roll-up follows it.
    with _written(writer, enterprise, Action.EXEMPT_REQUEST, figures=False) as enterprise:
        reason = _reason_checked(reason)
        if _pending(enterprise) is not None:
            raise ExemptionRefused(
                _("The enterprise already has a pending exemption request: wait for the district's decision.")
            )
        first_month, last_month = _months_checked(enterprise, first_month, last_month)
        return _saved(
            Exemption(
                enterprise=enterprise,
                first_month=first_month,
                last_month=last_month,
                reason=reason,
                status=Exemption.Status.PENDING,
                requested_by=writer.get_username(),
            )
        )


def exemption_decide(*, writer, enterprise, decision, comment=""):
    """A district official of the enterprise's district (or a programme admin) approves or refuses
    (`decision`: "approve" or "refuse") the enterprise's pending request, with a comment. An approval
    checks the months again: a report may have arrived since the request. Returns the Exemption."""
    if decision not in (Decision.APPROVE, Decision.REFUSE):
        raise ExemptionRefused(_("Decide an exemption request with “approve” or “refuse”."))
    with _written(writer, enterprise, Action.EXEMPT_DECIDE) as enterprise:
        exemption = _pending(enterprise)
        if exemption is None:
            raise ExemptionRefused(_("The enterprise has no pending exemption request."))
        if decision == Decision.APPROVE:
            _months_checked(enterprise, exemption.first_month, exemption.last_month)
            exemption.status = Exemption.Status.APPROVED
        else:
            exemption.status = Exemption.Status.REFUSED
        exemption.decided_by = writer.get_username()
        exemption.decided_at = timezone.now()
        exemption.comment = (comment or "").strip()
        exemption.version += 1
        return _saved(exemption)


def exemption_declare(*, writer, enterprise, first_month, last_month, reason):
    """A district official of the enterprise's district (or a programme admin) declares the months
    `first_month`..`last_month` (None: open-ended) exempt for the enterprise directly, approved at
    once. Not while the enterprise has a request pending: that one is decided first. Returns the
    Exemption."""
    with _written(writer, enterprise, Action.EXEMPT_DECIDE) as enterprise:
        reason = _reason_checked(reason)
        if _pending(enterprise) is not None:
            raise ExemptionRefused(
                _("The enterprise has a pending exemption request: approve or refuse it first.")
            )
        first_month, last_month = _months_checked(enterprise, first_month, last_month)
        name = writer.get_username()
        return _saved(
            Exemption(
                enterprise=enterprise,
                first_month=first_month,
                last_month=last_month,
                reason=reason,
                status=Exemption.Status.APPROVED,
                requested_by=name,
                decided_by=name,
                decided_at=timezone.now(),
            )
        )


def exemption_end(*, writer, enterprise, month):
    """A district official of the enterprise's district (or a programme admin) ends the enterprise's
    running exemption with `month`, when production resumes: the approved exemption that covers
    `month` and runs past it (open-ended, or to a later month) now ends with `month`; the months
    after it are owed again. Returns the Exemption."""
    month = month.replace(day=1)
    with _written(writer, enterprise, Action.EXEMPT_END) as enterprise:
        exemption = (
            Exemption.objects.filter(
                Q(last_month__isnull=True) | Q(last_month__gt=month),
                enterprise=enterprise,
                status=Exemption.Status.APPROVED,
                first_month__lte=month,
            )
            .order_by("first_month")
            .first()
        )
        if exemption is None:
            raise ExemptionRefused(
                _("No approved exemption of the enterprise covers %(month)s and runs past it.")
                % {"month": _month_text(month)}
            )
        exemption.last_month = month
        exemption.ended_by = writer.get_username()
        exemption.ended_at = timezone.now()
        exemption.version += 1
        return _saved(exemption)
