"""``python manage.py import_ledger KIND FILE --unit CODE [--user USERNAME] [--dry-run]`` (issue 4).

KIND: workers, enterprises, members, activists, units. Without ``--user`` the import runs as the server operator
(no role scope; the audit entry has the command channel and no actor); with it, exactly that user's permissions
and scope apply. ``units`` needs no ``--unit``: a new county sets itself up from a sheet of 区划代码/名称; with
``--unit`` naming a code the sheet creates (README's ``--unit 511323`` for a new county), the sheet must hold nothing
outside it.
Exit status 1 when the file has errors (nothing is written then), 2 for a file that cannot be read.

Coded values no option matches (issue 14 "map once, not per row") are listed once per column and distinct value
with their row count; map each once with ``--map 返乡意向:暂无打算=无返乡意向`` (repeatable; ``=留空`` leaves the cell
empty where the column allows it) or ``--map-file FILE`` (columns 列 / 原值 / 对应为; .xlsx/.xls/.ods or a UTF-8/GBK
.csv). Errors with one cause are printed as one line with their rows.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from ledgers import workflows
from ledgers.importing import report
from ledgers.importing.units import codes_in_file
from ledgers.schemas import SCHEMAS
from organizations.models import Unit, User
from zyparty import context, excel
from zyparty.validators import normalize_code


class Command(BaseCommand):
    help = "导入台账 Excel 文件（.xlsx/.xls/.ods）：全部正确才写入，逐行报告错误。"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(SCHEMAS),
                            help="台账：units / organizations / enterprises / workers / members / activists")
        parser.add_argument("file", help="Excel 文件路径")
        parser.add_argument("--unit", default="", help="导入到的区划代码（县6位、乡镇9位、村12位）；units 可省略")
        parser.add_argument("--user", default="", help="以该用户的权限和管辖范围导入（默认：服务器运维，不限范围）")
        parser.add_argument("--dry-run", action="store_true", help="只校验、不写入")
        parser.add_argument("--max-errors", type=int, default=50, help="最多显示多少条错误（默认50）")
        parser.add_argument("--map", action="append", default=[], dest="maps", metavar="列:原值=对应为",
                            help="未识别取值的映射，可重复，如：--map 返乡意向:暂无打算=无返乡意向（=留空 表示留空）")
        parser.add_argument("--map-file", action="append", default=[], dest="map_files", metavar="FILE",
                            help="映射文件（表头：列、原值、对应为；Excel 或 CSV）")

    def handle(self, *args, kind, file, unit, user, dry_run, max_errors, maps=(), map_files=(), **options):
        self.verbosity = options.get("verbosity", 1)
        who = None
        if user:
            who = User.objects.filter(username=user, is_active=True).first()
            if who is None:
                raise CommandError(f"用户 {user} 不存在或已停用。")
        target, creating = None, ""
        if unit:
            code = normalize_code(unit)
            target = Unit.objects.filter(code=code).first()
            if target is None:
                if kind != "units":
                    raise CommandError(f"区划代码 {unit} 不存在。新的县请先导入行政区划：import_ledger units 文件。")
                creating = self._unit_the_sheet_creates(code, file)
        elif kind != "units":
            raise CommandError("请用 --unit 指定导入到哪个县、乡镇或村（区划代码）。")
        with context.acting(user=who, channel="command"):
            try:
                batch = workflows.ledger_import_store(user=who, kind=kind, file=file, unit=target)
                if maps or map_files:
                    self._map(who, batch, maps, map_files)
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
        if creating and result.committed:  # the batch belongs to the unit it created, as if it had existed
            result.batch.unit = Unit.objects.get(code=creating)
            result.batch.save(update_fields=["unit", "county", "town"])
        self._report(result, dry_run, max_errors)
        if not result.ok:
            sys.exit(1)

    def _unit_the_sheet_creates(self, code, file):
        """``units FILE --unit CODE`` for a unit that does not exist yet: the sheet must create it and hold nothing
        outside it (the import then runs as a county setting itself up, no ``--unit``)."""
        try:
            codes = codes_in_file(file)
        except FileNotFoundError:
            raise CommandError(f"找不到文件 {file}。")
        except excel.ExcelFileError as exc:
            self.stderr.write(self.style.ERROR(exc.message))
            sys.exit(2)
        if code not in codes:
            raise CommandError(f"区划代码 {code} 不存在，文件中也没有这个代码，无法建立。请核对 --unit，或省略 --unit。")
        outside = [c for c in codes if not c.startswith(code)]
        if outside:
            shown = "、".join(outside[:5]) + (f" 等{len(outside)}个" if len(outside) > 5 else "")
            raise CommandError(f"文件中有不属于 {code} 的区划代码：{shown}。请核对 --unit，或省略 --unit。")
        return code

    def _map(self, who, batch, maps, map_files):
        try:
            mappings = report.command_line_mappings(user=who, kind=batch.kind, unit=batch.unit, args=maps,
                                                    files=map_files)
            workflows.ledger_import_map(user=who, batch=batch, mappings=mappings)
        except workflows.MappingError as exc:
            workflows.ledger_import_abandon(user=who, batch=batch)
            raise CommandError("取值映射有误：\n" + "\n".join(f"  {m}" for m in exc.messages))

    def _progress(self, done, total, message=None):
        if self.verbosity >= 2:
            self.stderr.write(f"  {done}/{total} {message or ''}")

    def _report(self, result, dry_run, max_errors):
        batch = result.batch
        self.stdout.write(f"批次 {batch.pk}：{batch.get_kind_display()} {batch.file_name}（{batch.file_format}，"
                          f"SHA-256 {batch.sha256[:12]}…）")
        self.stdout.write(f"数据行 {result.rows}：新增 {result.new}，修改 {result.changed}，未变 {result.unchanged}，"
                          f"错误 {result.error_count}")
        groups = result.error_groups
        for group in groups[:max_errors]:
            sheet = f"{group['sheet']} " if group["sheet"] else ""
            self.stdout.write(f"  {sheet}{group['text']} [{group['code']}]")
        if len(groups) > max_errors:
            self.stdout.write(f"  ……另有 {len(groups) - max_errors} 类错误")
        if result.unknown_values:
            self.stdout.write(f"未识别的取值 {len(result.unknown_values)} 个（共 {result.unknown_rows} 行），每个写法映射一次即可，"
                              f"如 --map {result.unknown_values[0]['column']}:{result.unknown_values[0]['value']}=<可选值>：")
            for line in report.unknown_lines(result.unknown_values):
                self.stdout.write(f"  {line}")
        self._report_warnings(result.warnings, max_errors)
        if result.committed:
            self.stdout.write(self.style.SUCCESS("已全部写入。"))
        elif dry_run and result.ok:
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
            where = f"第{shown}" if rows[0] else "文件"
            self.stdout.write(f"  {sheet} {where} {column}：{message} [{code}]")
        if len(groups) > max_lines:
            self.stdout.write(f"  ……另有 {len(groups) - max_lines} 类提示")
