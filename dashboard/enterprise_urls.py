"""/enterprises/: the enterprise list and drill-down, pages of the dashboard (they show figures)."""

from django.urls import path, register_converter

from dashboard import enterprise_views
from enterprises.credit_code import CreditCodeConverter

register_converter(CreditCodeConverter, "credit_code")

urlpatterns = [
    path("", enterprise_views.enterprise_list, name="enterprise_list"),
    path("<credit_code:credit_code>/", enterprise_views.enterprise_detail, name="enterprise_detail"),
]
