"""``manage.py create_api_client NAME --scope <unit code | org:ID> [--read-only] [--expires-days N]``
(CONTRACT.md "Auth"): prints the key once; only its hash is kept."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from organizations.apikeys import api_client_create
from organizations.models import ApiClient, PartyOrganization, Unit


class Command(BaseCommand):
    help = "创建合作系统接口密钥：--scope 取区划代码（6/9/12位）或党组织ID（org:12）。密钥只显示这一次。"

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scope", required=True, help="区划代码，或党组织ID（如 org:12 或纯数字ID）")
        parser.add_argument("--read-only", action="store_true", help="只读：不能新增、修改、删除")
        parser.add_argument("--expires-days", type=int, default=365, help="有效天数，0 表示不过期（默认365）")

    def handle(self, name, scope, read_only, expires_days, **options):
        if ApiClient.objects.filter(name=name).exists():
            raise CommandError(f"已存在名为“{name}”的接口客户端。")
        unit = organization = None
        value = scope.strip().removeprefix("org:")
        if scope.startswith("org:") or (value.isdigit() and len(value) not in (6, 9, 12)):
            if not value.isdigit():
                raise CommandError(f"党组织ID应为数字：{value}")
            organization = PartyOrganization.objects.filter(pk=int(value)).first()
            if organization is None:
                raise CommandError(f"党组织 {value} 不存在。")
        else:
            unit = Unit.objects.filter(code=value).first()
            if unit is None:
                raise CommandError(f"区划代码 {value} 不存在。")
        if expires_days < 0:
            raise CommandError("有效天数不能为负数。")
        expires = timezone.now() + datetime.timedelta(days=expires_days) if expires_days > 0 else None
        client, key = api_client_create(name=name, unit=unit, organization=organization, read_only=read_only,
                                        expires_at=expires)
        until = f"{timezone.localtime(expires):%Y-%m-%d}" if expires else "不过期"
        self.stderr.write(self.style.SUCCESS(
            f"已创建接口客户端“{name}”，范围：{unit or organization}，{'只读' if read_only else '可读写'}，到期：{until}。"
            "密钥只显示这一次，请妥善交付："))
        self.stdout.write(key)
