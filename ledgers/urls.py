"""Pages of this app, included by zyparty.urls under /ledgers/ (the clerk's import pages, ledgers.views)."""

from django.urls import path

from ledgers import views

app_name = "ledgers"

urlpatterns = [
    path("", views.import_index, name="import"),
    path("import/", views.import_index),
    path("import/<int:pk>/", views.batch_detail, name="import-batch"),
    path("import/<int:pk>/commit/", views.batch_commit, name="import-commit"),
    path("import/<int:pk>/map/", views.batch_map, name="import-map"),
    path("import/<int:pk>/abandon/", views.batch_abandon, name="import-abandon"),
    path("import/<int:pk>/marked.xlsx", views.batch_annotated, name="import-annotated"),
    path("import/<int:pk>/progress/", views.batch_progress, name="import-progress"),
    path("import/<int:pk>/status.json", views.batch_status, name="import-status"),
    path("template/<slug:kind>.xlsx", views.template_download, name="template"),
]
