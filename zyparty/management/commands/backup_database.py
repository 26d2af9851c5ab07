from django.core.management.base import BaseCommand, CommandError

from zyparty import backups


class Command(BaseCommand):
    help = ("备份数据库：PostgreSQL 用 pg_dump（自定义格式），SQLite 用在线备份接口；保留最近 N 份。"
            "数据密钥不在备份中，须另行妥善保管。")

    def add_arguments(self, parser):
        parser.add_argument("--dir", dest="directory", help="备份目录（默认 ZYPARTY_BACKUP_DIR，即 var/backups）")
        parser.add_argument("--keep", type=int, help="保留份数（默认 ZYPARTY_BACKUP_KEEP）")

    def handle(self, *args, directory=None, keep=None, **options):
        try:
            path = backups.backup_database(directory=directory, keep=keep)
        except backups.BackupError as exc:
            raise CommandError(f"备份失败 / backup failed: {exc}") from exc
        self.stdout.write(f"已备份 / backed up: {path}")
