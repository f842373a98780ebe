"""/accounts/enterprise-accounts/: a district official (or a programme admin) makes and resets the
accounts its enterprises report with (docs/domain.md, "Enterprises report for themselves").

A new or reset password is shown once: kept in the session between the POST and the page it
redirects to, which takes it out as it shows it (the page is never cached: NoStoreWhenLoggedIn).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Profile, Role
from accounts.scoping import Action, Facts, Kind, districts_for, rights_of, roles_with, user_role
from accounts.services import enterprise_account_create, enterprise_account_password_reset
from enterprises.credit_code import normalise
from enterprises.models import Enterprise

SHOWN_ONCE = "enterprise_account_password"
PER_PAGE = 50


def _require_manager(user):
    """403 for a role that manages no enterprise's accounts (trainers, city officials, enterprises)."""
    if user_role(user) not in roles_with(Action.MANAGE_ACCOUNTS, Kind.ENTERPRISE):
        raise PermissionDenied


def _managed_enterprise_or_404(user, credit_code):
    """The enterprise, if the user manages its accounts; another district's answers 404."""
    enterprise = get_object_or_404(
        Enterprise.objects.select_related("district"), credit_code=normalise(credit_code)
    )
    facts = Facts(Kind.ENTERPRISE, enterprise.district_id, enterprise.pk, city_id=enterprise.district.city_id)
    if not rights_of(user).can(Action.MANAGE_ACCOUNTS, facts):
        raise Http404
    return enterprise


@login_required
def enterprise_accounts(request):
    """The enterprises whose accounts the user manages, each with its accounts, 50 a page."""
    _require_manager(request.user)
    districts = districts_for(request.user, Action.MANAGE_ACCOUNTS, Kind.ENTERPRISE)
    enterprises = Enterprise.objects.filter(district__in=districts).select_related("district")
    page = Paginator(enterprises, PER_PAGE).get_page(request.GET.get("page"))
    accounts = {}
    for profile in (
        Profile.objects.filter(role=Role.ENTERPRISE, enterprise__in=[e.pk for e in page])
        .select_related("user")
        .order_by("user__username")
    ):
        accounts.setdefault(profile.enterprise_id, []).append(profile)
    rows = [(enterprise, accounts.get(enterprise.pk, [])) for enterprise in page]
    return render(
        request,
        "enterprises/enterprise_accounts.html",
        {"page": page, "rows": rows, "shown_once": request.session.pop(SHOWN_ONCE, None)},
    )


@login_required
@require_POST
def enterprise_account_new(request, credit_code):
    _require_manager(request.user)
    enterprise = _managed_enterprise_or_404(request.user, credit_code)
    user, password = enterprise_account_create(enterprise=enterprise, actor=request.user)
    return _show_once(request, enterprise, user.username, password, made=True)


@login_required
@require_POST
def enterprise_account_reset(request, credit_code, user_id):
    _require_manager(request.user)
    enterprise = _managed_enterprise_or_404(request.user, credit_code)
    profile = get_object_or_404(
        Profile.objects.select_related("user"), user_id=user_id, role=Role.ENTERPRISE, enterprise=enterprise
    )
    password = enterprise_account_password_reset(user=profile.user, actor=request.user)
    return _show_once(request, enterprise, profile.user.username, password, made=False)


def _show_once(request, enterprise, username, password, *, made):
    request.session[SHOWN_ONCE] = {
        "credit_code": enterprise.credit_code,
        "name": enterprise.name,
        "username": username,
        "password": password,
        "made": made,
    }
    return redirect("enterprise_accounts")
