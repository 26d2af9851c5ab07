"""Pages of this app, included by zyparty.urls."""

urlpatterns = []
