from django.urls import path

from enterprises import views

urlpatterns = [
    path("", views.enterprise_list, name="enterprise_list"),
    path("<str:credit_code>/", views.enterprise_detail, name="enterprise_detail"),
]
