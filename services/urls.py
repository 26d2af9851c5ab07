"""Pages of this app, included by zyparty.urls at /services/."""

from django.urls import path

from services import views

app_name = "services"

urlpatterns = [
    path("notices/", views.notices, name="notices"),
    path("notices/read-all/", views.notices_read_all, name="notices-read-all"),
    path("notices/<int:pk>/", views.notice_open, name="notice-open"),
    path("notices/<int:pk>/read/", views.notice_read, name="notice-read"),
    path("people/member/<int:pk>/", views.member_record, name="member-record"),
    path("people/activist/<int:pk>/", views.activist_record, name="activist-record"),
    path("mobile-members/", views.mobile_members, name="mobile-members"),
    path("ledger-refresh/", views.ledger_refresh, name="ledger-refresh"),
]
