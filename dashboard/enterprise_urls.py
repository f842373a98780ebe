"""/enterprises/: the enterprise list and drill-down, pages of the dashboard (they show figures)."""

from django.urls import path

from dashboard import enterprise_views

# `<credit_code:…>` is registered by enterprises.apps.

urlpatterns = [
    path("", enterprise_views.enterprise_list, name="enterprise_list"),
    path("<credit_code:credit_code>/", enterprise_views.enterprise_detail, name="enterprise_detail"),
]
