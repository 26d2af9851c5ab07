from django.core.management.base import BaseCommand

from talent.calendar import covered_years, load_package_calendar
from talent.models import PublicHoliday, WorkdayAdjustment


class Command(BaseCommand):
    help = ("从 chinesecalendar 软件包补充法定节假日和调休上班日（升级该软件包后运行）。已有日期、县里在后台的修改均保留；"
            "软件包尚未收录的年份，请在后台“法定节假日”“调休上班日”中按国务院办公厅通知录入。")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="只补充指定年份（可重复）。")

    def handle(self, *args, **options):
        years = set(options["year"]) if options["year"] else None
        holidays, workdays = load_package_calendar(PublicHoliday, WorkdayAdjustment, years)
        covered = covered_years()
        span = f"{covered[0]}—{covered[-1]}" if covered else "无"
        self.stdout.write(f"新增节假日 {holidays} 天、调休上班日 {workdays} 天。已收录年份：{span}。")
