"""Enterprises as a given user may see them."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.scoping import Action, Facts, Kind, Reach, rights_of, visible_districts
from enterprises.credit_code import normalise
from enterprises.models import Enterprise


def enterprises_for(user):
    queryset = Enterprise.objects.filter(district__in=visible_districts(user)).select_related("district")
    rights = rights_of(user)
    if rights.reach(Action.READ, Kind.ENTERPRISE) == Reach.ENTERPRISE:
        # An enterprise account: its own enterprise, not the district it stands in.
        queryset = queryset.filter(pk=rights.enterprise_id)
    return queryset


def enterprise_for_user_or_404(user, credit_code):
    """One enterprise the user may see; another district's (or, for an enterprise account, another
    enterprise) answers 404, as if it did not exist.

    Found by its code, then the rule asked of it in hand, with its district's city: the same rule as
    enterprises_for without a subquery, on every enterprise page."""
    enterprise = get_object_or_404(
        Enterprise.objects.select_related("district"), credit_code=normalise(credit_code)
    )
    facts = Facts(Kind.ENTERPRISE, enterprise.district_id, enterprise.pk, city_id=enterprise.district.city_id)
    if not rights_of(user).can(Action.READ, facts):
        raise Http404
    return enterprise
