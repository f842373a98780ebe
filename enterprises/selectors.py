"""Enterprises as a given user may see them."""

from django.shortcuts import get_object_or_404

from enterprises.credit_code import normalise
from enterprises.models import Enterprise
from score_portal.scoping import visible_districts


def enterprises_for(user):
    return Enterprise.objects.filter(district__in=visible_districts(user)).select_related("district")


def enterprise_for_user_or_404(user, credit_code):
    """One enterprise the user may see; another district's answers 404, as if it did not exist."""
    return get_object_or_404(enterprises_for(user), credit_code=normalise(credit_code))
