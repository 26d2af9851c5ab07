"""Pages of this app, included by zyparty.urls under /talent/."""

from django.urls import path

from talent import views

app_name = "talent"

urlpatterns = [
    path("", views.index, name="index"),
    path("pool/", views.pool, name="pool"),
    path("compliance/", views.compliance, name="compliance"),
    path("compliance/evaluate/", views.evaluate, name="evaluate"),
    path("compliance/result/<int:pk>/", views.result, name="result"),
    path("jobs/<int:pk>/", views.job_progress, name="job"),
]
