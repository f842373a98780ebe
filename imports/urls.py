from django.urls import path

from imports import views

urlpatterns = [
    path("", views.import_upload, name="import_upload"),
    path("history/", views.import_history, name="import_history"),
    path("template/<slug:kind>.xlsx", views.import_template_download, name="import_template"),
    path("<int:pk>/", views.import_preview, name="import_preview"),
    path("<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("<int:pk>/done/", views.import_done, name="import_done"),
    path("<int:pk>/errors/", views.import_errors, name="import_errors"),
    path("<int:pk>/undo/", views.import_undo_view, name="import_undo"),
]
