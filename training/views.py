import json
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from accounts.models import Role
from accounts.scoping import (
    Action,
    Kind,
    editable_districts,
    require_role,
    roles_with,
    sees_whole_phones,
    visible_districts,
)
from common.months import add_months, check_period, parse_month
from common.text import listed as text_listed
from common.text import phone_masked
from training.exports import attendance_download, period_attendance
from training.forms import WorkshopForm
from training.models import Module, Participant, Workshop
from training.selectors import previous_team, workshop_attendance, workshop_for_user_or_404, workshops_for
from training.services import (
    ROLE_WORDS,
    SEX_WORDS,
    AttendanceInvalid,
    AttendanceRow,
    StaleWorkshop,
    attendance_save,
    role_from_word,
    sex_from_word,
    workshop_save,
)

# The roles that read workshops (accounts.scoping.RIGHTS): an enterprise account reads none.
READERS = roles_with(Action.READ, Kind.WORKSHOP)
EDITORS = (Role.PROGRAMME_ADMIN, Role.TRAINER)
CELLS = ("name", "enterprise", "role", "sex", "phone", "participant")
# [0-9], not \d or str.isdigit(): those also take ², ١ and １, which int() then refuses or reads.
NUMBER = re.compile(r"[0-9]{1,9}")
ROW_FIELD = re.compile(r"^row-([0-9]{1,9})-")
BLANK_ROWS = 3  # rows to type into when the browser runs no JavaScript


def _optional_month(text):
    """The first day of the month `text` names, None when it is empty; parse_month's
    ValidationError when it names no month the portal accepts."""
    return parse_month(text) if text else None


def _bad_request(request, error):
    """The URL's month refused: the reason on the portal's 400 page, as the dashboard's downloads."""
    return render(request, "400.html", {"message": " ".join(error.messages)}, status=400)


@login_required
def workshop_list(request):
    require_role(request.user, *READERS)
    workshops = workshops_for(request.user).prefetch_related("enterprises", "trainers")
    filters = {
        "module": request.GET.get("module", ""),
        "kind": request.GET.get("kind", ""),
        "month": request.GET.get("month", ""),
    }
    # A malformed month is refused rather than ignored: a list of every month would pass for
    # the list of the month asked.
    try:
        month = _optional_month(filters["month"])
    except ValidationError as error:
        return _bad_request(request, error)
    if filters["module"] and not NUMBER.fullmatch(filters["module"]):
        return _bad_request(
            request, ValidationError(_("A module is chosen by its number, for example 1."), code="invalid")
        )
    if filters["module"]:
        workshops = workshops.filter(module__number=int(filters["module"]))
    if filters["kind"] in Workshop.Kind.values:
        workshops = workshops.filter(kind=filters["kind"])
    if month:
        workshops = workshops.filter(date__gte=month, date__lt=add_months(month, 1))
    workshops = workshops.annotate(
        people=Count("attendances"),
        women=Count("attendances", filter=Q(attendances__participant__sex=Participant.Sex.FEMALE)),
        men=Count("attendances", filter=Q(attendances__participant__sex=Participant.Sex.MALE)),
    ).order_by("-date", "module__number", "pk")
    page = Paginator(workshops, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "training/workshop_list.html",
        {
            "page": page,
            "filters": filters,
            "filter_query": urlencode({k: v for k, v in filters.items() if v}),
            "modules": Module.objects.all(),
            "kinds": Workshop.Kind.choices,
            "can_edit": editable_districts(request.user, Kind.WORKSHOP).exists(),
        },
    )


@login_required
def workshop_create(request):
    require_role(request.user, *EDITORS)
    return _workshop_form(request, Workshop())


@login_required
def workshop_edit(request, pk):
    require_role(request.user, *EDITORS)
    return _workshop_form(request, workshop_for_user_or_404(request.user, pk, edit=True))


def _workshop_form(request, workshop):
    districts = editable_districts(request.user, Kind.WORKSHOP)
    # A trainer creating a workshop usually leads it.
    initial = {"trainers": [request.user.pk]} if workshop.pk is None else {}
    form = WorkshopForm(request.POST or None, instance=workshop, districts=districts, initial=initial)
    if request.method == "POST" and form.is_valid():
        created = workshop.pk is None
        try:
            workshop = workshop_save(form=form, actor=request.user)
        except StaleWorkshop as stale:
            messages.error(request, str(stale))
            return redirect("workshop_edit", pk=workshop.pk)
        messages.success(request, _("Workshop saved."))
        # A new workshop's next step is its attendance list.
        return redirect("attendance_edit" if created else "workshop_detail", pk=workshop.pk)
    return render(request, "training/workshop_form.html", {"form": form, "workshop": workshop})


@login_required
def workshop_detail(request, pk):
    require_role(request.user, *READERS)
    workshop = workshop_for_user_or_404(request.user, pk)
    attendances = list(workshop_attendance(workshop))
    whole = sees_whole_phones(request.user)
    for attendance in attendances:
        phone = attendance.participant.phone
        attendance.shown_phone = phone if whole else phone_masked(phone)
    return render(
        request,
        "training/workshop_detail.html",
        {
            "workshop": workshop,
            "attendances": attendances,
            "totals": _totals((a.participant.role, a.participant.sex) for a in attendances),
            "enterprises": workshop.enterprises.order_by("name"),
            "trainers": workshop.trainers.order_by("username"),
            "can_edit": editable_districts(request.user, Kind.WORKSHOP)
            .filter(pk=workshop.district_id)
            .exists(),
        },
    )


def _totals(pairs):
    """Managers/workers × women/men of (role, sex) pairs; pairs with an unknown word are not counted."""
    totals = {"manager_female": 0, "manager_male": 0, "worker_female": 0, "worker_male": 0}
    for role, sex in pairs:
        key = f"{role}_{sex}"
        if key in totals:
            totals[key] += 1
    totals["female"] = totals["manager_female"] + totals["worker_female"]
    totals["male"] = totals["manager_male"] + totals["worker_male"]
    totals["manager"] = totals["manager_female"] + totals["manager_male"]
    totals["worker"] = totals["worker_female"] + totals["worker_male"]
    totals["all"] = totals["female"] + totals["male"]
    return totals


def _rows_from_post(post):
    """The grid's rows in the order the page shows them, every cell kept as typed.

    The browser posts the fields in the page's order, and the script inserts a row in the middle
    with the next free index: the order of the fields, not of the indexes, is the order of the
    row numbers the trainer sees, which the errors name."""
    indexes = list(dict.fromkeys(int(m[1]) for key in post for m in [ROW_FIELD.match(key)] if m))
    return [
        AttendanceRow(
            **{cell: post.get(f"row-{i}-{cell}", "") for cell in CELLS},
            present=post.get(f"row-{i}-present") == "on",
        )
        for i in indexes
    ]


def _row_of(person, *, present=True):
    return AttendanceRow(
        name=person.name,
        enterprise=person.enterprise.name,
        role=person.get_role_display(),
        sex=person.get_sex_display(),
        phone=person.phone,
        present=present,
        participant=str(person.pk),
    )


def _words():
    """What the page's script needs to read role and sex words, and the labels to show."""
    return {
        "role": {str(word).casefold(): value for value, words in ROLE_WORDS.items() for word in words},
        "sex": {str(word).casefold(): value for value, words in SEX_WORDS.items() for word in words},
        "labels": {
            **{value: str(label) for value, label in Participant.Role.choices},
            **{value: str(label) for value, label in Participant.Sex.choices},
        },
    }


def _attendance_saved(request, workshop, rows):
    """Save the posted rows; whether they were saved (else the page says why, rows marked)."""
    shown = request.POST.get("shown_version", "")
    try:
        count = attendance_save(
            workshop=workshop,
            rows=rows,
            user=request.user,
            version=int(shown) if shown.isascii() and shown.isdigit() and len(shown) < 10 else None,
        )
    except StaleWorkshop as stale:
        # What was typed stays on the page, with the stored list's version: saving again is a
        # choice made knowingly.
        messages.error(request, str(stale))
        return False
    except AttendanceInvalid:
        wrong = [str(number) for number, row in enumerate(rows, start=1) if row.errors]
        # The first ten name enough rows to start with; each row is marked anyway.
        listed = text_listed(wrong[:10]) + ("…" if len(wrong) > 10 else "")
        messages.error(
            request,
            ngettext(
                "Row %(rows)s has errors; nothing was saved. Correct the marked cells.",
                "Rows %(rows)s have errors; nothing was saved. Correct the marked cells.",
                len(wrong),
            )
            % {"rows": listed},
        )
        return False
    messages.success(request, _("Attendance saved: %(count)d people.") % {"count": count})
    return True


@login_required
def attendance_edit(request, pk):
    require_role(request.user, *EDITORS)
    workshop = workshop_for_user_or_404(request.user, pk, edit=True)
    if request.method == "POST":
        rows = _rows_from_post(request.POST)
        if _attendance_saved(request, workshop, rows):
            return redirect("workshop_detail", pk=workshop.pk)
    else:
        rows = [_row_of(a.participant) for a in workshop_attendance(workshop)]
        if request.GET.get("prefill"):
            listed = {row.participant for row in rows}
            rows += [_row_of(p, present=False) for p in previous_team(workshop) if str(p.pk) not in listed]
    while rows and rows[-1].is_blank:
        rows.pop()
    rows += [AttendanceRow() for _i in range(BLANK_ROWS)]
    # As the page's script counts: only the rows saving would accept (a refused row has errors).
    counted = [
        (role_from_word(r.role), sex_from_word(r.sex))
        for r in rows
        if r.present and not r.is_blank and not r.errors
    ]
    return render(
        request,
        "training/attendance_form.html",
        {
            "workshop": workshop,
            "rows": rows,
            "totals": _totals(counted),
            "enterprises": workshop.enterprises.order_by("name"),
            "words_json": json.dumps(_words(), ensure_ascii=False),
            "role_choices": Participant.Role.choices,
            "sex_choices": Participant.Sex.choices,
            # The browser's hint; attendance_save checks the same lengths.
            "max_lengths": {cell: Participant._meta.get_field(cell).max_length for cell in ("name", "phone")},
        },
    )


@login_required
@require_GET
def attendance_previous(request, pk):
    """The people of the enterprises' previous workshop, for the page's "same people as last time"."""
    require_role(request.user, *EDITORS)
    workshop = workshop_for_user_or_404(request.user, pk, edit=True)
    return JsonResponse(
        {
            "people": [
                {
                    "participant": str(p.pk),
                    "name": p.name,
                    "enterprise": p.enterprise.name,
                    "role": p.get_role_display(),
                    "sex": p.get_sex_display(),
                    "phone": p.phone,
                }
                for p in previous_team(workshop)
            ]
        }
    )


@login_required
def workshop_export(request, pk, fmt):
    require_role(request.user, *READERS)
    workshop = workshop_for_user_or_404(request.user, pk)
    attendances = workshop_attendance(workshop).select_related("workshop__module", "workshop__district")
    return attendance_download(
        attendances,
        fmt,
        f"{_('attendance')}-{workshop.district.code}-{workshop.date:%Y%m%d}-{workshop.pk}",
        whole_phones=sees_whole_phones(request.user),
        what=_("Attendance of the workshop of %(date)s: %(module)s, %(place)s")
        % {"date": workshop.date.isoformat(), "module": workshop.module, "place": workshop.place},
        districts=[workshop.district],
    )


@login_required
def period_export(request, fmt):
    require_role(request.user, *READERS)
    first_text, last_text = request.GET.get("from", ""), request.GET.get("to", "")
    try:
        first, last = _optional_month(first_text), _optional_month(last_text)
        check_period(first, last)
    except ValidationError as error:
        return _bad_request(request, error)
    attendances = period_attendance(request.user, first=first, last=last)
    districts = list(visible_districts(request.user))
    one = f"-{districts[0].code}" if len(districts) == 1 else ""
    name = f"{_('attendance')}{one}-{first_text or 'start'}_{last_text or 'now'}"
    return attendance_download(
        attendances,
        fmt,
        name,
        whole_phones=sees_whole_phones(request.user),
        what=_("Workshop attendance"),
        districts=districts,
        period=" – ".join(f"{month:%Y-%m}" if month else "…" for month in (first, last))
        if first or last
        else None,
    )
