from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from enterprises.selectors import enterprise_for_user_or_404, enterprises_for
from score_portal.models import Role
from score_portal.scoping import require_role

READERS = tuple(Role)


@login_required
def enterprise_list(request):
    require_role(request.user, *READERS)
    enterprises = enterprises_for(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        enterprises = enterprises.filter(Q(name__icontains=query) | Q(credit_code__icontains=query.upper()))
    page = Paginator(enterprises, 50).get_page(request.GET.get("page"))
    return render(request, "enterprises/enterprise_list.html", {"page": page, "query": query})


@login_required
def enterprise_detail(request, credit_code):
    require_role(request.user, *READERS)
    enterprise = enterprise_for_user_or_404(request.user, credit_code)
    reports = enterprise.safety_reports.order_by("-month")[:36]
    return render(
        request,
        "enterprises/enterprise_detail.html",
        {"enterprise": enterprise, "reports": reports},
    )
