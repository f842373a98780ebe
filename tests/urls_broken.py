"""The portal's URLconf plus failing views: the 500 page, and the busy page of a query cut short."""

from django.db import OperationalError
from django.urls import path

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


urlpatterns = [
    path("boom/", boom),
    path("cut-short/<str:pgcode>/", cut_short),
    path("dashboard/api/cut-short/<str:pgcode>/", cut_short),
    *portal_urlpatterns,
]
