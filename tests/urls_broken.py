"""The portal's URLconf plus failing views: the 500 page, and the busy page of a query cut short;
and views whose database work begins where no page of the portal's begins it today."""

from django.db import OperationalError
from django.http import HttpResponse
from django.urls import path

from dashboard import rollup
from enterprises.models import Enterprise
from score_portal.urls import urlpatterns as portal_urlpatterns


def boom(request):
    raise RuntimeError("a failing view for the 500 page test")


class Cancelled(Exception):
    """What psycopg2 raises for a statement cut short, reduced to its SQLSTATE."""

    def __init__(self, pgcode):
        super().__init__("canceling statement due to statement timeout")
        self.pgcode = pgcode


def cut_short(request, pgcode):
    # As Django wraps the driver's error: its own OperationalError, the driver's as the cause.
    raise OperationalError("canceling statement due to statement timeout") from Cancelled(pgcode)


def due_month_first(request):
    # The request's first statement is the roll-up's due-month step (its transaction's), as it is
    # on the primary when the dashboard reads the roll-up's state from a replica; refused its
    # tables, it reads them itself.
    stepped = rollup.due_month_step()
    return HttpResponse(f"{stepped} {Enterprise.objects.count()}")


def session_written(request):
    # An anonymous visitor without a session cookie: nothing read, the session saved (created)
    # by SessionMiddleware after the view.
    request.session["seen"] = True
    return HttpResponse("seen")


urlpatterns = [
    path("due-month-first/", due_month_first),
    path("session-written/", session_written),
    path("boom/", boom),
    path("cut-short/<str:pgcode>/", cut_short),
    path("dashboard/api/cut-short/<str:pgcode>/", cut_short),
    *portal_urlpatterns,
]
