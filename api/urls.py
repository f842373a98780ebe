from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from api import schema, views  # noqa: F401 (schema: registers the OpenAPI description of the token)

urlpatterns = [
    path("v1/openapi.json", SpectacularJSONAPIView.as_view(), name="api_openapi"),
    path("v1/docs/", views.ApiDocs.as_view(), name="api_docs"),
    path("v1/districts/", views.DistrictList.as_view(), name="api_districts"),
    path("v1/enterprises/", views.EnterpriseList.as_view(), name="api_enterprises"),
    path("v1/safety-reports/", views.SafetyReportList.as_view(), name="api_safety_reports"),
    path(
        "v1/safety-reports/<str:credit_code>/<str:month>/history/",
        views.SafetyReportHistory.as_view(),
        name="api_safety_report_history",
    ),
    path("v1/figures/", views.Figures.as_view(), name="api_figures"),
    path("v1/missing/", views.Missing.as_view(), name="api_missing"),
    path("v1/imports/<str:kind>/", views.Import.as_view(), name="api_import"),
    # Anything else under /api/ answers a JSON 404, not the portal's HTML page.
    path("", views.not_found),
    path("<path:rest>", views.not_found),
]
