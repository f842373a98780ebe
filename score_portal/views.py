import logging

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render

from accounts.models import Role
from accounts.scoping import user_role

logger = logging.getLogger(__name__)

# Where each role does its daily work.
HOME_OF_ROLE = {
    Role.PROGRAMME_ADMIN: "dashboard",
    Role.CITY_OFFICIAL: "dashboard",
    Role.DISTRICT_OFFICIAL: "dashboard",
    Role.TRAINER: "workshop_list",
}


@login_required
def home(request):
    role = user_role(request.user)
    if role is None:
        # An account made in the admin without a role: say so rather than show an empty portal.
        return render(request, "no_role.html", status=403)
    return redirect(HOME_OF_ROLE[role])


def healthz(request):
    """For the load balancer and monitoring: 200 when the database answers, 503 with the reason."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.error("health check: database unavailable: %s", error)
        return JsonResponse(
            {"status": "error", "reason": f"database unavailable: {error}".strip()}, status=503
        )
    return JsonResponse({"status": "ok"})
