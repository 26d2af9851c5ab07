"""``manage.py create_admin_account USERNAME --role system_admin|security_admin|auditor [--name 姓名]``: the first
accounts of the three separated administrators (三权分立, SECURITY.md "accounts").

No account is a superuser — ``createsuperuser`` would fail the deploy check (zyparty.checks) — so a deployment starts
from here: a temporary password is printed once and must be changed at the first sign-in; the second factor is
registered with ``add_totp_device``. Later administrator accounts are made in the admin (the system administrator
creates the account, the security administrator grants the role). Audited like every account change."""

import secrets

from django.core.management.base import BaseCommand, CommandError

from organizations.models import User
from organizations.roles import ADMIN_ROLES, Role
from zyparty.checks import DEFAULT_ACCOUNT_NAMES


class Command(BaseCommand):
    help = "创建系统管理员、安全管理员或审计管理员账号（临时密码只显示一次，首次登录须修改）。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ADMIN_ROLES))
        parser.add_argument("--name", default="", help="姓名")

    def handle(self, username, role, name, **options):
        if User.objects.filter(username=username).exists():
            raise CommandError(f"已存在名为“{username}”的账号。")
        if username.lower() in DEFAULT_ACCOUNT_NAMES:
            raise CommandError("请使用实名账号，不要使用 admin、root 等默认或共享账号名。")
        password = secrets.token_urlsafe(12) + "#9a"  # meets the policy: long, four character classes
        user = User(username=username, role=Role(role), first_name=name)
        user.set_password(password)
        user.password_changed_at = None  # temporary: changed at the first sign-in
        user.save()
        self.stderr.write(self.style.SUCCESS(
            f"已创建{Role(role).label}“{username}”。临时密码只显示这一次，首次登录须修改；"
            f"再执行 manage.py add_totp_device {username} 登记动态口令设备："))
        self.stdout.write(password)
