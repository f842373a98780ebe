"""The portal's URLconf plus a failing view, to see the 500 page."""

from django.urls import path

from score_portal.urls import urlpatterns as portal_urlpatterns


def boom(request):
    raise RuntimeError("a failing view for the 500 page test")


urlpatterns = [path("boom/", boom), *portal_urlpatterns]
