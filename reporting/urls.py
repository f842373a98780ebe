from django.urls import path

from . import improvement_views, views

urlpatterns = [
    path("", views.home, name="report_home"),
    path("exempt/", views.exempt_request, name="report_exempt"),
    *(
        route
        for kind in improvement_views.KINDS
        for route in (
            path(f"{kind}/", improvement_views.record_list, {"kind": kind}, name=f"report_{kind}"),
            path(f"{kind}/new/", improvement_views.record_new, {"kind": kind}, name=f"report_{kind}_new"),
            path(
                f"{kind}/<int:pk>/", improvement_views.record_edit, {"kind": kind}, name=f"report_{kind}_edit"
            ),
        )
    ),
    # Any text where the month goes: a malformed month is the page's 404, not the resolver's.
    path("<str:month>/", views.month_form, name="report_month"),
]
