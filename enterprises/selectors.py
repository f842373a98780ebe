"""Enterprises as a given user may see them."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.scoping import may_read_district, visible_districts
from enterprises.credit_code import normalise
from enterprises.models import Enterprise


def enterprises_for(user):
    return Enterprise.objects.filter(district__in=visible_districts(user)).select_related("district")


def enterprise_for_user_or_404(user, credit_code):
    """One enterprise the user may see; another district's answers 404, as if it did not exist.

    Found by its code, then its district checked in hand (may_read_district): the same rule as
    enterprises_for without a subquery, on every enterprise page."""
    enterprise = get_object_or_404(
        Enterprise.objects.select_related("district"), credit_code=normalise(credit_code)
    )
    if not may_read_district(user, enterprise.district):
        raise Http404
    return enterprise
