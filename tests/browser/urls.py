"""The portal's URLs plus one page that shows a job's progress bar, so the reusable component
(templates/includes/progress.html with static/zyparty/progress.js) is exercised in a real browser on its own."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import path

from zyparty.models import BackgroundJob
from zyparty.urls import urlpatterns as portal

PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}<h1>进度</h1>'
    '{% include "includes/progress.html" with job=job %}{% endblock %}')


@login_required
def progress_page(request, pk):
    job = get_object_or_404(BackgroundJob, pk=pk, created_by=request.user)
    return HttpResponse(PAGE.render({"job": job}, request))


urlpatterns = [path("browser-test/progress/<int:pk>/", progress_page), *portal]
