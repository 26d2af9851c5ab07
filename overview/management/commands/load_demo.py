import time

from django.core.management.base import BaseCommand, CommandError

from organizations.models import Unit
from overview.demo import load_demo


class Command(BaseCommand):
    help = "载入演示县（紫阳县：17个镇、175个村、约8万名农民工）。仅在数据库为空时运行。"

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=80_000)
        parser.add_argument("--members", type=int, default=1_209)
        parser.add_argument("--activists", type=int, default=360)
        parser.add_argument("--enterprises", type=int, default=600)
        parser.add_argument("--if-empty", action="store_true", help="已有数据时什么也不做（启动脚本用）。")

    def handle(self, *args, **options):
        if Unit.objects.exists():
            if options["if_empty"]:
                self.stdout.write("数据库已有数据，跳过演示数据。")
                return
            raise CommandError("数据库已有行政区划数据；演示数据只能载入空库。")
        started = time.perf_counter()
        result = load_demo(workers=options["workers"], members=options["members"],
                           activists=options["activists"], enterprises=options["enterprises"])
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"演示县已载入，用时 {elapsed:.1f} 秒：{result.counts}"))
        for username, password, role in result.logins:
            self.stdout.write(f"  {role}: {username} / {password}")
