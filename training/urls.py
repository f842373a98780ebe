from django.urls import path

from training import views

urlpatterns = [
    path("", views.workshop_list, name="workshop_list"),
    path("workshops/new/", views.workshop_create, name="workshop_create"),
    path("workshops/<int:pk>/", views.workshop_detail, name="workshop_detail"),
    path("workshops/<int:pk>/edit/", views.workshop_edit, name="workshop_edit"),
    path("workshops/<int:pk>/attendance/", views.attendance_edit, name="attendance_edit"),
    path("workshops/<int:pk>/attendance/previous/", views.attendance_previous, name="attendance_previous"),
    path("workshops/<int:pk>/export.csv", views.workshop_export, {"fmt": "csv"}, name="workshop_csv"),
    path("workshops/<int:pk>/export.xlsx", views.workshop_export, {"fmt": "xlsx"}, name="workshop_xlsx"),
    path("export.csv", views.period_export, {"fmt": "csv"}, name="period_csv"),
    path("export.xlsx", views.period_export, {"fmt": "xlsx"}, name="period_xlsx"),
]
