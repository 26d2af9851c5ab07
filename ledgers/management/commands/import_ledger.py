"""``python manage.py import_ledger KIND FILE --unit CODE [--user USERNAME] [--dry-run]`` (issue 4).

KIND: workers, enterprises, members, activists, units. Without ``--user`` the import runs as the server operator
(no role scope; the audit entry has the command channel and no actor); with it, exactly that user's permissions
and scope apply. ``units`` needs no ``--unit``: a new county sets itself up from a sheet of 区划代码/名称.
Exit status 1 when the file has errors (nothing is written then), 2 for a file that cannot be read.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from ledgers import workflows
from ledgers.schemas import SCHEMAS
from organizations.models import Unit, User
from zyparty import context, excel


class Command(BaseCommand):
    help = "导入台账 Excel 文件（.xlsx/.xls/.ods）：全部正确才写入，逐行报告错误。"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(SCHEMAS),
                            help="台账：workers / enterprises / members / activists / units")
        parser.add_argument("file", help="Excel 文件路径")
        parser.add_argument("--unit", default="", help="导入到的区划代码（县6位、乡镇9位、村12位）；units 可省略")
        parser.add_argument("--user", default="", help="以该用户的权限和管辖范围导入（默认：服务器运维，不限范围）")
        parser.add_argument("--dry-run", action="store_true", help="只校验、不写入")
        parser.add_argument("--max-errors", type=int, default=50, help="最多显示多少条错误（默认50）")

    def handle(self, *args, kind, file, unit, user, dry_run, max_errors, **options):
        self.verbosity = options.get("verbosity", 1)
        who = None
        if user:
            who = User.objects.filter(username=user, is_active=True).first()
            if who is None:
                raise CommandError(f"用户 {user} 不存在或已停用。")
        target = None
        if unit:
            target = Unit.objects.filter(code=unit.strip()).first()
            if target is None:
                raise CommandError(f"区划代码 {unit} 不存在。")
        elif kind != "units":
            raise CommandError("请用 --unit 指定导入到哪个县、乡镇或村（区划代码）。")
        with context.acting(user=who, channel="command"):
            try:
                batch = workflows.ledger_import_store(user=who, kind=kind, file=file, unit=target)
                if dry_run:
                    result = workflows.ledger_import_check(batch=batch, user=who, progress=self._progress)
                else:
                    result = workflows.ledger_import_commit(user=who, batch=batch, progress=self._progress)
            except excel.ExcelFileError as exc:
                self.stderr.write(self.style.ERROR(exc.message))
                sys.exit(2)
            except workflows.ImportRefused as exc:
                raise CommandError(str(exc))
            except FileNotFoundError:
                raise CommandError(f"找不到文件 {file}。")
        self._report(result, dry_run, max_errors)
        if result.error_count:
            sys.exit(1)

    def _progress(self, done, total, message=None):
        if self.verbosity >= 2:
            self.stderr.write(f"  {done}/{total} {message or ''}")

    def _report(self, result, dry_run, max_errors):
        batch = result.batch
        self.stdout.write(f"批次 {batch.pk}：{batch.get_kind_display()} {batch.file_name}（{batch.file_format}，"
                          f"SHA-256 {batch.sha256[:12]}…）")
        self.stdout.write(f"数据行 {result.rows}：新增 {result.new}，修改 {result.changed}，未变 {result.unchanged}，"
                          f"错误 {result.error_count}")
        for item in result.errors[:max_errors]:
            where = f"{item['sheet']} 第{item['row']}行 {item['column']}" if item["row"] else "文件"
            value = f"（{item['value']}）" if item["value"] else ""
            self.stdout.write(f"  {where}{value}：{item['message']} [{item['code']}]")
        if result.error_count > max_errors:
            self.stdout.write(f"  ……另有 {result.error_count - max_errors} 处错误")
        self._report_warnings(result.warnings, max_errors)
        if result.committed:
            self.stdout.write(self.style.SUCCESS("已全部写入。"))
        elif dry_run and not result.error_count:
            self.stdout.write(self.style.SUCCESS("校验通过（--dry-run，未写入）。"))
        else:
            self.stdout.write(self.style.ERROR("有错误，未写入任何数据。"))

    def _report_warnings(self, warnings, max_lines):
        """The file's contradictions (issue 14 item 5): rows still imported; one line per cause with its rows."""
        if not warnings:
            return
        groups = {}
        for item in warnings:
            groups.setdefault((item["sheet"], item["column"], item["message"], item["code"]), []).append(item["row"])
        self.stdout.write(self.style.WARNING(f"提示 {len(warnings)} 处（不影响导入，请核对）："))
        for (sheet, column, message, code), rows in list(groups.items())[:max_lines]:
            shown = "、".join(str(r) for r in rows[:10]) + (f"等{len(rows)}行" if len(rows) > 10 else "行")
            self.stdout.write(f"  {sheet} 第{shown} {column}：{message} [{code}]")
        if len(groups) > max_lines:
            self.stdout.write(f"  ……另有 {len(groups) - max_lines} 类提示")
