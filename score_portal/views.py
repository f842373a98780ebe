import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
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
    Role.ENTERPRISE: "report_home",
}


@login_required
def home(request):
    role = user_role(request.user)
    if role is None:
        # An account made in the admin without a role: say so rather than show an empty portal.
        return render(request, "no_role.html", status=403)
    return redirect(HOME_OF_ROLE[role])


def healthz(request):
    """For the load balancer and monitoring: 200 when the database answers, else 503.

    Anyone may ask it, without a login, so the answer says only that the database is unavailable:
    the driver's message names the database's host, port and name (and may say why a password was
    refused). The detail goes to the log, where the operator looks.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.error("health check: database unavailable: %s", str(error).strip())
        return JsonResponse({"status": "error", "reason": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def bad_request(request, exception):
    """Django's answer to a request it refuses before any view (a SuspiciousOperation), as a page of
    the portal in the user's language rather than Django's bare "Bad Request (400)".

    The one a user can meet: a form with more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS, an
    attendance list far longer than any workshop's (settings.py says how far)."""
    return render(
        request,
        "400.html",
        {
            "too_many_fields": isinstance(exception, TooManyFieldsSent),
            "too_large": isinstance(exception, RequestDataTooBig),
            "field_limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
        },
        status=400,
    )
