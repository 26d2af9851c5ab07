"""The schedules are installed in django-celery-beat and name tasks that exist."""

import json

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from services.schedules import SCHEDULES
from zyparty.celery import app

pytestmark = pytest.mark.django_db


def test_setup_schedules_installs_services_jobs_and_keeps_admin_edits():
    call_command("setup_schedules", verbosity=0)
    app.loader.import_default_modules()
    for spec in SCHEDULES:
        task = PeriodicTask.objects.get(name=spec["name"])
        assert task.task == spec["task"] and task.task in app.tasks
        assert task.crontab.hour == spec["crontab"]["hour"] and json.loads(task.kwargs) == {}
    edited = PeriodicTask.objects.get(task="services.mobile_members")
    edited.crontab.hour = "9"
    edited.crontab.save()
    call_command("setup_schedules", verbosity=0)
    assert PeriodicTask.objects.get(task="services.mobile_members").crontab.hour == "9"
    assert PeriodicTask.objects.filter(task="services.mobile_members").count() == 1


def test_tasks_use_json_and_the_reliable_base():
    from zyparty.jobs import ReliableTask

    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]
    app.loader.import_default_modules()
    for spec in SCHEDULES:
        assert isinstance(app.tasks[spec["task"]], ReliableTask)
