from django.core.management.base import BaseCommand, CommandError

from zyparty import backups


class Command(BaseCommand):
    help = ("校验最新备份：还原到临时库（PostgreSQL：<库名>_restorecheck，校验后删除），用当前数据密钥解密抽样身份证号"
            "并核对索引摘要。失败时退出码非零，并写入审计日志。")

    def add_arguments(self, parser):
        parser.add_argument("--dir", dest="directory", help="备份目录（默认 ZYPARTY_BACKUP_DIR，即 var/backups）")
        parser.add_argument("--sample", type=int, help="每本台账抽样条数（默认 ZYPARTY_BACKUP_VERIFY_SAMPLE）")

    def handle(self, *args, directory=None, sample=None, **options):
        try:
            result = backups.verify_backup(directory=directory, sample=sample)
        except backups.BackupError as exc:
            raise CommandError(f"备份校验失败 / restore check failed: {exc}") from exc
        self.stdout.write(f"备份可用 / restore check passed: {result['file']}，"
                          f"解密核对 {result['decrypted']} 个身份证号")
