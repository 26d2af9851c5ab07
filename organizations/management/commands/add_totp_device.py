"""``manage.py add_totp_device USERNAME [--name NAME]``: register a TOTP device for an account and print its
``otpauth://`` address once (SECURITY.md "2FA").

The three administrator roles must pass a second factor before the admin opens to them, and in the admin only the
security administrator registers devices — so the first security administrator's device is registered here, on the
server, by whoever runs the deployment. Audited like any key (zyparty.signals)."""

from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from organizations.models import User


class Command(BaseCommand):
    help = "为账号登记动态口令（TOTP）设备，并显示一次 otpauth:// 地址（用身份验证器应用扫描或录入）。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="身份验证器", help="设备名称")

    def handle(self, username, name, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有名为“{username}”的有效账号。")
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)  # audited by zyparty.signals
        self.stderr.write(self.style.SUCCESS(f"已为“{username}”登记动态口令设备。以下地址只显示这一次："))
        self.stdout.write(device.config_url)
