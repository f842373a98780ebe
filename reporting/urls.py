from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="report_home"),
    path("exempt/", views.exempt_request, name="report_exempt"),
    # Any text where the month goes: a malformed month is the page's 404, not the resolver's.
    path("<str:month>/", views.month_form, name="report_month"),
]
