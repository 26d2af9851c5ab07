from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from ledgers.api.views import routes as ledger_routes
from organizations.api.views import routes as organization_routes
from overview import views as overview_views
from services.api.views import routes as service_routes
from talent.api.views import routes as talent_routes
from zyparty import jobs_views, views

router = DefaultRouter(trailing_slash=True)
# dict(): a later app's viewset for a prefix takes the earlier one's place (ledgers' units add the units import)
for prefix, viewset in dict([*organization_routes, *ledger_routes, *service_routes, *talent_routes]).items():
    router.register(prefix, viewset, basename=prefix)

admin.site.site_header = "农民工党建工作平台"
admin.site.site_title = "农民工党建工作平台"
admin.site.index_title = "管理首页"

urlpatterns = [
    path("", overview_views.dashboard_page, name="dashboard"),
    path("dashboard/refresh/", overview_views.dashboard_refresh, name="dashboard-refresh"),
    path("reports/", overview_views.statistics, name="report-statistics"),
    path("reports/statistics.xlsx", overview_views.statistics_xlsx, name="report-statistics-xlsx"),
    path("reports/ledgers/", overview_views.ledger_print_index, name="report-ledger-index"),
    path("reports/ledgers/<slug:ledger>/<str:code>/", overview_views.ledger_print, name="report-ledger-print"),
    path("jobs/<int:pk>/", jobs_views.job_status, name="job-status"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(
        template_name="registration/password_change_done.html"), name="password_change_done"),
    path("accounts/otp/", views.otp_verify, name="otp_verify"),
    path("ledgers/", include("ledgers.urls")),
    path("services/", include("services.urls")),
    path("talent/", include("talent.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

handler403 = "zyparty.views.permission_denied"
