import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from organizations.apikeys import api_client_create
from organizations.models import ApiClient, PartyOrganization, Unit
from zyparty import audit
from zyparty.models import AuditAction


class Command(BaseCommand):
    help = "创建合作系统接口密钥：--scope 取区划代码（6/9/12位）或党组织ID。密钥只显示这一次。"

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scope", required=True, help="区划代码，或党组织ID（如 org:12 或纯数字ID）")
        parser.add_argument("--read-only", action="store_true")
        parser.add_argument("--expires-days", type=int, default=365)

    def handle(self, name, scope, read_only, expires_days, **options):
        if ApiClient.objects.filter(name=name).exists():
            raise CommandError(f"已存在名为“{name}”的接口客户端。")
        unit = organization = None
        value = scope.removeprefix("org:")
        if scope.startswith("org:") or (value.isdigit() and len(value) not in (6, 9, 12)):
            organization = PartyOrganization.objects.filter(pk=int(value)).first()
            if organization is None:
                raise CommandError(f"党组织 {value} 不存在。")
        else:
            unit = Unit.objects.filter(code=value).first()
            if unit is None:
                raise CommandError(f"区划代码 {value} 不存在。")
        expires = timezone.now() + datetime.timedelta(days=expires_days) if expires_days > 0 else None
        client, key = api_client_create(name=name, unit=unit, organization=organization, read_only=read_only,
                                        expires_at=expires)
        audit.record(AuditAction.KEY, client, detail=f"created scope={scope} read_only={read_only}")
        self.stdout.write(self.style.SUCCESS(f"已创建接口客户端“{name}”，范围：{unit or organization}，"
                                             f"{'只读' if read_only else '可读写'}，到期：{expires:%Y-%m-%d}"
                                             if expires else ""))
        self.stdout.write(key)
