from django.urls import path

from dashboard import breakdown_views, screen_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("api/summary/", views.summary_api, name="summary_api"),
    path("api/missing/", views.missing_api, name="missing_api"),
    path("export/districts.<str:file_format>", views.export_districts, name="export_districts"),
    path("report.pdf", views.district_report, name="district_report"),
    path("missing/", views.missing_reports_page, name="missing_reports"),
    path("missing/export.<str:file_format>", views.export_missing_reports, name="export_missing_reports"),
    path("districts/<slug:code>/", views.district_enterprises, name="district_enterprises"),
    path(
        "districts/<slug:code>/export.<str:file_format>",
        views.export_district_enterprises,
        name="export_district_enterprises",
    ),
    path("screen/", screen_views.screen, name="screen"),
    path("screen/data/", screen_views.screen_data, name="screen_data"),
    path("screen/links/", screen_views.display_links, name="display_links"),
    path("screen/links/<int:pk>/revoke/", screen_views.display_link_revoke_view, name="display_link_revoke"),
]

# The breakdown by sector, cohort or district (dashboard/breakdown_views.py).
urlpatterns += [
    path("breakdown/", breakdown_views.breakdown, name="breakdown"),
    path("breakdown/export.<str:file_format>", breakdown_views.export_breakdown, name="export_breakdown"),
]
