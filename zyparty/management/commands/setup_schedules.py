import importlib
import json

from django.apps import apps
from django.core.management.base import BaseCommand
from django_celery_beat.models import CrontabSchedule, PeriodicTask


class Command(BaseCommand):
    help = "建立各应用声明的定时任务（django-celery-beat）。已存在的任务保持管理员在后台所做的修改。"

    def handle(self, *args, **options):
        created = 0
        for config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{config.name}.schedules")
            except ModuleNotFoundError:
                continue
            for spec in module.SCHEDULES:
                cron, _ = CrontabSchedule.objects.get_or_create(timezone="Asia/Shanghai", **spec["crontab"])
                _, was_created = PeriodicTask.objects.get_or_create(
                    name=spec["name"],
                    defaults={"task": spec["task"], "crontab": cron, "kwargs": json.dumps(spec.get("kwargs", {})),
                              "description": spec.get("description", "")},
                )
                created += was_created
        self.stdout.write(f"定时任务：新建 {created} 项，共 {PeriodicTask.objects.count()} 项。")
