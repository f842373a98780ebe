"""Workshops and participants as a given user may see or change them."""

from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404

from accounts.models import Role
from accounts.scoping import Kind, editable_districts, visible_districts
from training.models import Attendance, Workshop


def workshops_for(user):
    """Workshops of the districts the user may read."""
    return Workshop.objects.filter(district__in=visible_districts(user)).select_related("module", "district")


def workshop_for_user_or_404(user, pk, *, edit=False):
    """One workshop; another district's answers 404, as if it did not exist."""
    districts = editable_districts(user, Kind.WORKSHOP) if edit else visible_districts(user)
    return get_object_or_404(
        Workshop.objects.filter(district__in=districts).select_related("module", "district", "consultant"),
        pk=pk,
    )


def trainers_of(districts):
    """Accounts with the trainer role working in one of `districts`."""
    return (
        User.objects.filter(profile__role=Role.TRAINER, profile__district__in=districts, is_active=True)
        .select_related("profile")
        .order_by("username")
        .distinct()
    )


def workshop_attendance(workshop):
    """The workshop's attendance list, people with their enterprises, in a stable order."""
    return (
        Attendance.objects.filter(workshop=workshop)
        .select_related("participant__enterprise")
        .order_by("participant__enterprise__name", "participant__role", "participant__name", "pk")
    )


def previous_team(workshop):
    """Per enterprise of the workshop, the people who came to its latest earlier workshop.

    "Earlier" is the latest other workshop, on or before this one's date, that any person of the
    enterprise attended; the team usually comes back module after module (two queries, whatever
    the number of enterprises).
    """
    enterprise_ids = list(workshop.enterprises.values_list("pk", flat=True))
    seen = (
        Attendance.objects.filter(
            participant__enterprise_id__in=enterprise_ids, workshop__date__lte=workshop.date
        )
        .exclude(workshop=workshop)
        .values_list("participant__enterprise_id", "workshop_id", "workshop__date")
        .distinct()
    )
    latest = {}
    for enterprise_id, workshop_id, date in seen:
        if enterprise_id not in latest or (date, workshop_id) > latest[enterprise_id]:
            latest[enterprise_id] = (date, workshop_id)
    wanted = {(enterprise_id, workshop_id) for enterprise_id, (_date, workshop_id) in latest.items()}
    attendances = (
        Attendance.objects.filter(
            workshop_id__in={workshop_id for _e, workshop_id in wanted},
            participant__enterprise_id__in=latest.keys(),
        )
        .select_related("participant__enterprise")
        .order_by("participant__enterprise__name", "participant__role", "participant__name", "pk")
    )
    return [a.participant for a in attendances if (a.participant.enterprise_id, a.workshop_id) in wanted]
